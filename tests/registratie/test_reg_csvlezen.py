"""The block-wise CSV reader (pure): any split of the bytes gives the same lines, limits are exact."""

from __future__ import annotations

import pytest
from registratie.csvlezen import CsvRegels, GeenUtf8, TeGroot

BESTAND = ("\ufeffpgn;datum;uren;code;toelichting\r\n"
           "# opmerking met é en 😀\r\n"
           "\r\n"
           "123456782;2026-11-20;2,5;ZIEK;Zoë\r\n"
           "   \n"
           "123456782;2026-11-23;1;ZIEK;naïef\n"
           "123456782;2026-11-24;1;ZIEK;laatste zonder regeleinde").encode()
VERWACHT = [(1, "pgn;datum;uren;code;toelichting"), (4, "123456782;2026-11-20;2,5;ZIEK;Zoë"),
            (6, "123456782;2026-11-23;1;ZIEK;naïef"), (7, "123456782;2026-11-24;1;ZIEK;laatste zonder regeleinde")]


def lees(blokken: list[bytes], max_bytes: int = 10_000, max_rijen: int = 10) -> list[tuple[int, str]]:
    lezer = CsvRegels(max_bytes, max_rijen)
    for blok in blokken:
        lezer.voeg_toe(blok)
    return lezer.einde()


@pytest.mark.parametrize("knip", range(len(BESTAND) + 1))
def test_every_split_point_gives_the_same_lines(knip: int) -> None:
    assert lees([BESTAND[:knip], BESTAND[knip:]]) == VERWACHT


def test_byte_by_byte_gives_the_same_lines() -> None:
    assert lees([BESTAND[i:i + 1] for i in range(len(BESTAND))]) == VERWACHT


def test_the_limits_are_exact() -> None:
    assert lees([BESTAND], max_bytes=len(BESTAND), max_rijen=3) == VERWACHT
    with pytest.raises(TeGroot) as bytes_:
        lees([BESTAND], max_bytes=len(BESTAND) - 1)
    assert bytes_.value.regel == "maximaal_aantal_bytes" and str(len(BESTAND) - 1) in bytes_.value.melding
    with pytest.raises(TeGroot) as rijen:
        lees([BESTAND], max_rijen=2)
    assert rijen.value.regel == "maximaal_aantal_regels" and "meer dan 2 regels" in rijen.value.melding


def test_bytes_that_are_not_utf8_are_refused_even_at_the_very_end() -> None:
    with pytest.raises(GeenUtf8):
        lees([b"pgn;datum\n\xff"])
    with pytest.raises(GeenUtf8):
        lees([b"pgn;datum\n", "é".encode()[:1]])  # a character cut off by the end of the file
