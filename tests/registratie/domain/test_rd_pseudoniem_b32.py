"""The pseudonym's base32 without the standard library's encoder (issue 16, the intake's seventh round):
the same characters as ``base64.b32encode`` for every digest, and the same pseudonym as the definition in
the module's doc (HMAC-SHA256 over ``"pgn:" + canonical PGN``, base32, lower case, 26 characters)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st
from registratie.domain.pseudonym import PSEUDONIEM_LENGTE, PseudonymKey, b32_begin, pseudonimiseer

from leerrecht.synthetic import synthetic_bsns


@settings(max_examples=500)
@given(st.binary(min_size=32, max_size=32))
def test_b32_begin_gives_the_characters_of_the_standard_base32(mac: bytes) -> None:
    assert b32_begin(mac) == base64.b32encode(mac).decode("ascii").lower()[:PSEUDONIEM_LENGTE]


def test_b32_begin_at_the_edges() -> None:
    for mac in (bytes(32), b"\xff" * 32, bytes(range(32)), b"\x80" + bytes(31), bytes(19) + b"\x01" + bytes(12)):
        assert b32_begin(mac) == base64.b32encode(mac).decode("ascii").lower()[:PSEUDONIEM_LENGTE]


@settings(max_examples=100)
@given(st.binary(min_size=32, max_size=64), st.integers(min_value=0, max_value=199))
def test_the_pseudonym_is_the_one_of_its_definition(secret: bytes, i: int) -> None:
    key = PseudonymKey("k1", secret)
    pgn = synthetic_bsns(200)[i]
    mac = hmac.new(secret, b"pgn:" + pgn.encode("ascii"), hashlib.sha256).digest()
    assert pseudonimiseer(pgn, key) == "k1:" + base64.b32encode(mac).decode("ascii").lower()[:26]
