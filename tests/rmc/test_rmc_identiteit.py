"""The identity consumer's reduction of a batch (domain.md B): the latest record per pseudonym wins, a
tombstone erases, an unreadable record erases too (show nothing rather than stale contact data)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rmc.identiteit import samenvatten

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, encode_identity_record

A = "rmc-identiteit-a-000000001"
B = "rmc-identiteit-b-000000002"


def ident(p: str, telefoon: str) -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(
        pseudoniem=p, pgn="736120038", pgn_soort="BSN", voornamen="Noor", achternaam="Bakker",
        geboortedatum=date(2006, 1, 2), woongemeente="GM0363", telefoon=telefoon,
        vastgelegd_op=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_the_latest_record_per_pseudonym_wins_and_a_tombstone_erases() -> None:
    s = samenvatten([
        encode_identity_record(ident(A, "0611111111")),
        encode_identity_record(ident(B, "0622222222")),
        encode_identity_record(IdentiteitGewist(pseudoniem=A)),
        encode_identity_record(ident(B, "0633333333")),
    ])
    assert s.laatste[A] is None
    b = s.laatste[B]
    assert b is not None and b.telefoon == "0633333333"
    assert s.onleesbaar == 0


def test_an_identity_after_a_tombstone_is_kept() -> None:
    s = samenvatten([
        encode_identity_record(IdentiteitGewist(pseudoniem=A)),
        encode_identity_record(ident(A, "0611111111")),
    ])
    assert s.laatste[A] is not None


def test_unreadable_records_erase_the_pseudonym_and_are_counted() -> None:
    s = samenvatten([
        encode_identity_record(ident(A, "0611111111")),
        (A.encode(), b"{not json"),
        (B.encode(), encode_identity_record(ident(A, "0611111111"))[1]),  # key and value disagree
        (None, b"{}"),
        (b"123456782", b"{}"),  # a key that looks like a PGN is never kept as a pseudonym
    ])
    assert s.onleesbaar == 4
    assert s.laatste == {A: None, B: None}
