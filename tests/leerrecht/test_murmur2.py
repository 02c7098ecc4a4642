"""``leerrecht.murmur2`` gives aiokafka's murmur2 (Kafka's, as the Java client partitions) for every key:
a record must land on the partition every other producer of that key chooses, or a pupil's events
lose their order."""

from __future__ import annotations

import os

from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, settings
from hypothesis import strategies as st

from leerrecht.murmur2 import murmur2, murmur2_alle


@given(st.binary(max_size=200))
@settings(max_examples=500)
def test_one_key_hashes_as_aiokafka(key: bytes) -> None:
    assert murmur2(key) == aiokafka_murmur2(key)


@given(st.lists(st.binary(max_size=80), max_size=60))
@settings(max_examples=300)
def test_many_keys_of_mixed_lengths_hash_as_aiokafka_in_order(keys: list[bytes]) -> None:
    assert murmur2_alle(keys) == [aiokafka_murmur2(k) for k in keys]


def test_keys_laid_side_by_side_hash_as_aiokafka_at_every_length() -> None:
    """Every remainder of a key's length by 4 and the lanes' edges: many keys of one length (the lanes
    are used from 8 keys of one length), values with every high bit set, and pseudonyms."""
    for lengte in range(0, 70):
        keys = [os.urandom(lengte) for _ in range(33)] + [b"\xff" * lengte, b"\x00" * lengte]
        assert murmur2_alle(keys) == [aiokafka_murmur2(k) for k in keys], lengte
    pseudoniemen = [os.urandom(32).hex().encode() for _ in range(2000)]
    assert murmur2_alle(pseudoniemen) == [aiokafka_murmur2(k) for k in pseudoniemen]


def test_no_keys_no_hashes() -> None:
    assert murmur2_alle([]) == []


def test_a_publishs_hashes_survive_the_memory_of_recent_keys_filling_up(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The publisher remembers recent keys' hashes up to a bound; a publish that passes the bound, with
    keys it knew and keys it did not, still gets every key's hash (the first version lost the known ones
    when it started afresh: a KeyError in the benchmark)."""
    from leerrecht import kafka

    monkeypatch.setattr(kafka, "_HASHES", {})
    monkeypatch.setattr(kafka, "_HASHES_MAX", 100)
    eerder = [os.urandom(32).hex().encode() for _ in range(80)]
    assert kafka._hashes(eerder) == [aiokafka_murmur2(k) for k in eerder]
    keys = eerder[:40] + [os.urandom(32).hex().encode() for _ in range(40)] + eerder[:3]
    assert kafka._hashes(keys) == [aiokafka_murmur2(k) for k in keys]
    assert len(kafka._HASHES) <= 100


def test_the_partitioner_of_a_small_publish_chooses_as_aiokafkas_default_partitioner() -> None:
    """``send`` per record (a school's single submission) partitions by ``KeyHashPartitioner``, which shares
    the publisher's memory of recent hashes: the same partition as aiokafka's own for every key, seen
    before or not."""
    from aiokafka.partitioner import DefaultPartitioner

    from leerrecht.kafka import KeyHashPartitioner

    ons, hun = KeyHashPartitioner(), DefaultPartitioner()
    for aantal in (1, 3, 12):
        delen = list(range(aantal))
        for key in [os.urandom(32).hex().encode() for _ in range(200)] + [b"", b"a", b"abcde"]:
            assert ons(key, delen, delen) == hun(key, delen, delen)
            assert ons(key, delen, delen) == hun(key, delen, delen)  # now from the memory
