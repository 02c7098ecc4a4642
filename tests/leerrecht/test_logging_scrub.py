"""The log scrubber masks what could be a BSN, and nothing that is an identifier of the platform's own.

Found in CI: the request log line of ``GET /v1/dossiers/{id}`` was missing its path. A UUID's last group
is twelve hex characters, and about one UUID in seventy holds a run of exactly nine digits between two
letters (``…-a123456789bc``); the scrubber took that run for a BSN and logged ``[9 cijfers]`` inside the
dossier's id, the trace id and the correlation id, so the line could no longer be found or followed. A
BSN stands on its own (``/leerlingen/123456789``, ``bsn 123456789``); nine digits inside a UUID or a hex
id (trace and span ids, pseudonyms) are part of that id.
"""

from __future__ import annotations

import pytest

from leerrecht.logging import scrub_personal_data

MASK = "[9 cijfers]"


def scrub(value: str) -> str:
    return str(scrub_personal_data(None, "info", {"x": value})["x"])


@pytest.mark.parametrize("identifier", [
    "/v1/dossiers/dbc70da1-57f0-5960-9817-a123456789bc",
    "/v1/dossiers/dbc70da1-57f0-5960-9817-abc123456789",
    "DBC70DA1-57F0-5960-9817-A123456789BC",
    "e68f9eef41abece23b3d1ec0b8af4ac5".replace("b3d1ec0b8", "a12345678") + "f",  # a trace id (32 hex)
    "1d0d974ce123456789",  # a span id with a long digit run inside hex
    "0f123456789a0f123456789a0f123456789a0f123456789a0f123456789a0f12",  # a pseudonym (64 hex)
])
def test_nine_digits_inside_an_identifier_are_left_alone(identifier: str) -> None:
    assert scrub(identifier) == identifier


@pytest.mark.parametrize(("text", "expected"), [
    ("/v1/leerlingen/123456789", f"/v1/leerlingen/{MASK}"),
    ("bsn 123456789 onbekend", f"bsn {MASK} onbekend"),
    ("bsn=123456789", f"bsn={MASK}"),
    ("123456789", MASK),
    ("pgn:123456789;", f"pgn:{MASK};"),
    ("leerling 123456789 in dbc70da1-57f0-5960-9817-a123456789bc",
     f"leerling {MASK} in dbc70da1-57f0-5960-9817-a123456789bc"),
    ("BSN123456789", f"BSN{MASK}"),
])
def test_a_bsn_on_its_own_is_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_other_digit_runs_are_left_alone() -> None:
    assert scrub("1234567890 en 12345678") == "1234567890 en 12345678"
