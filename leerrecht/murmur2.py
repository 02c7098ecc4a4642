"""Kafka's murmur2 of a record key, as the Java client and aiokafka's default partitioner compute it.

Why not aiokafka's own: it is pure Python byte by byte, 10-15 µs for a pupil's 64-character pseudonym,
more than serialising the event. A publisher's cache of recent keys hid that in the benchmarks (5,000
pupils), never nationally: with 2.5 million pupils almost every key of a publish is new to it
(``benchmarks/METINGEN.md``, "The eleventh session").

- :func:`murmur2` reads the key's 32-bit words in one ``struct`` call: about half aiokafka's time.
- :func:`murmur2_alle` hashes many keys at once: the keys of one length are laid side by side in one
  Python integer, each in its own 64-bit lane, so every step of the hash (a multiplication by the
  constant, a shift, an exclusive or, the 32-bit mask) is one operation on that integer for all of them.
  A lane holds a 32-bit value and its product with the 32-bit constant, so nothing carries into the next
  lane; after a right shift the bits that came down from the next lane sit above bit 32 and the mask
  drops them. About a microsecond a key for a publish of hundreds.

Both give aiokafka's :func:`aiokafka.partitioner.murmur2` for every key (``tests/leerrecht/test_murmur2.py``).
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence

_M = 0x5BD1E995
_SEED = 0x9747B28C
_32 = 0xFFFFFFFF
_SAMEN_VANAF = 8
"""From this many keys of one length :func:`murmur2_alle` lays them side by side; below, one by one."""


def murmur2(key: bytes) -> int:
    """The unsigned 32-bit murmur2 of ``key`` (as aiokafka's, which the partitioner masks to 31 bits)."""
    lengte = len(key)
    h = (_SEED ^ lengte) & _32
    n4 = lengte >> 2
    m = _M
    for k in struct.unpack_from(f"<{n4}I", key):
        k = (k * m) & _32
        k ^= k >> 24
        h = ((h * m) & _32) ^ ((k * m) & _32)
    rest = lengte & 3
    if rest:
        h ^= int.from_bytes(key[n4 << 2:], "little")
        h = (h * m) & _32
    h ^= h >> 13
    h = (h * m) & _32
    return h ^ (h >> 15)


def murmur2_alle(keys: Sequence[bytes]) -> list[int]:
    """:func:`murmur2` of every key, in order."""
    per_lengte: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        per_lengte.setdefault(len(k), []).append(i)
    if len(per_lengte) == 1:
        return _zelfde_lengte(keys)
    out = [0] * len(keys)
    for plaatsen in per_lengte.values():
        for i, h in zip(plaatsen, _zelfde_lengte([keys[i] for i in plaatsen]), strict=True):
            out[i] = h
    return out


def _zelfde_lengte(keys: Sequence[bytes]) -> list[int]:
    """:func:`murmur2` of keys that all have the same length, side by side in 64-bit lanes."""
    n = len(keys)
    if n < _SAMEN_VANAF or sys.byteorder != "little":  # the lanes are read and written in native order
        return [murmur2(k) for k in keys]
    lengte = len(keys[0])
    n4 = lengte >> 2
    m = _M
    masker = int.from_bytes(b"\xff\xff\xff\xff\x00\x00\x00\x00" * n, "little")  # the low 32 bits of each lane
    h = ((_SEED ^ lengte) & _32) * int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * n, "little")
    if n4:
        heel = b"".join(keys) if lengte == n4 << 2 else b"".join(k[:n4 << 2] for k in keys)
        woorden = array("Q", memoryview(heel).cast("I"))  # each 32-bit word widened to its own lane
        for w in range(n4):
            k = int.from_bytes(woorden[w::n4].tobytes(), "little")  # word w of every key
            k = (k * m) & masker
            k ^= (k >> 24) & masker
            h = ((h * m) & masker) ^ ((k * m) & masker)
    if lengte & 3:
        begin = n4 << 2
        h ^= int.from_bytes(array("Q", [int.from_bytes(k[begin:], "little") for k in keys]).tobytes(), "little")
        h = (h * m) & masker
    h ^= (h >> 13) & masker
    h = (h * m) & masker
    h ^= (h >> 15) & masker
    return memoryview(h.to_bytes(8 * n, "little")).cast("Q").tolist()
