"""BSN/onderwijsnummer elfproef, pseudonyms, and leer-/kwalificatieplicht by date (A1)."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registratie.domain.bsn import (
    PgnOngeldig,
    PgnSoort,
    is_geldig_bsn,
    is_geldig_onderwijsnummer,
    valideer_bsn,
    valideer_onderwijsnummer,
    valideer_pgn,
)
from registratie.domain.model import PupilFacts
from registratie.domain.plicht import (
    STANDAARD_LEEFTIJDSGRENS,
    LeeftijdsgrensTabel,
    PlichtStatus,
    in_doorstroompunt_doelgroep,
    kwalificatieplicht_einde,
    leeftijd_op,
    leerplicht_begin,
    leerplicht_einde,
    plicht_op,
    verjaardag,
)
from registratie.domain.pseudonym import (
    PseudonymKey,
    PseudonymKeyring,
    is_pseudoniem,
    pseudonimiseer,
)

D = date


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "1112.22.333", " 111 222 333 ", "12345672"])
def test_valid_bsn(bsn: str) -> None:
    assert is_geldig_bsn(bsn)
    assert valideer_pgn(bsn).soort is PgnSoort.BSN


def test_eight_digit_bsn_is_padded() -> None:
    assert valideer_bsn("12345672") == "012345672"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("111222334", "elfproef"),
        ("123456789", "elfproef"),
        ("123456782x", "alleen cijfers"),
        ("1234567", "9 cijfers"),
        ("1234567890", "9 cijfers"),
        ("000000000", "alleen nullen"),
        ("", "is leeg"),
        ("１２３４５６７８２", "alleen cijfers"),  # full-width digits are not accepted
    ],
)
def test_invalid_bsn_names_the_rule(value: str, message: str) -> None:
    with pytest.raises(PgnOngeldig, match=message):
        valideer_bsn(value)


def test_single_digit_error_and_transposition_are_caught() -> None:
    assert not is_geldig_bsn("111222343")
    assert not is_geldig_bsn("121122333")


def test_onderwijsnummer() -> None:
    assert valideer_onderwijsnummer("101222331") == "101222331"
    assert valideer_pgn("101222331").soort is PgnSoort.ONDERWIJSNUMMER
    assert not is_geldig_onderwijsnummer("100252333")
    assert not is_geldig_onderwijsnummer("111222333")  # a BSN is not an onderwijsnummer
    with pytest.raises(PgnOngeldig, match="met '10' beginnen"):
        valideer_onderwijsnummer("201222331")
    with pytest.raises(PgnOngeldig, match="rest 5"):
        valideer_onderwijsnummer("101222332")
    with pytest.raises(PgnOngeldig, match="geen geldig BSN"):
        valideer_pgn("101222332")


@given(st.integers(min_value=1, max_value=999_999_999))
def test_bsn_and_onderwijsnummer_are_disjoint(n: int) -> None:
    s = f"{n:09d}"
    assert not (is_geldig_bsn(s) and is_geldig_onderwijsnummer(s))


@given(st.integers(min_value=10_000_000, max_value=99_999_999))
def test_every_eight_digit_prefix_has_at_most_one_check_digit(prefix: int) -> None:
    valid = [d for d in range(10) if is_geldig_bsn(f"{prefix}{d}")]
    assert len(valid) <= 1


KEY = PseudonymKey("k2026", b"k" * 32)


def test_pseudonym_format_and_determinism() -> None:
    p = pseudonimiseer("111222333", KEY)
    assert p.startswith("k2026:") and len(p) == len("k2026:") + 26
    assert is_pseudoniem(p)
    assert p == pseudonimiseer("1112.22.333", KEY)
    assert "111222333" not in p
    assert pseudonimiseer("123456782", KEY) != p
    assert pseudonimiseer("12345672", KEY) == pseudonimiseer("012345672", KEY)


def test_pseudonym_rotation_map() -> None:
    new = PseudonymKey("k2027", b"n" * 32)
    ring = PseudonymKeyring(new, (KEY,))
    mapping = ring.alle_pseudoniemen("111222333")
    assert mapping == {"k2027": pseudonimiseer("111222333", new), "k2026": pseudonimiseer("111222333", KEY)}
    assert mapping["k2027"] != mapping["k2026"]
    assert ring.pseudoniem("111222333") == mapping["k2027"]
    with pytest.raises(ValueError, match="uniek"):
        PseudonymKeyring(KEY, (KEY,))


def test_pseudonym_key_validation_and_secret_not_in_repr() -> None:
    with pytest.raises(ValueError, match="minstens 32 bytes"):
        PseudonymKey("k1", b"short")
    with pytest.raises(ValueError, match="sleutel-id"):
        PseudonymKey("K:1", b"k" * 32)
    key = PseudonymKey.from_base64("k1", base64.b64encode(b"s" * 32).decode())
    assert "sss" not in repr(key)
    with pytest.raises(ValueError, match="base64"):
        PseudonymKey.from_base64("k1", "not base64!")
    with pytest.raises(PgnOngeldig):
        pseudonimiseer("111222334", KEY)


# ---------------------------------------------------------------------------------------------
# A1: leerplicht and kwalificatieplicht
# ---------------------------------------------------------------------------------------------


def facts(geb: date, **kw: object) -> PupilFacts:
    return PupilFacts("p", geb, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("geb", "begin"),
    [
        (D(2021, 3, 12), D(2026, 4, 1)),  # turns 5 on 12 March → from April (bunschoten.nl example)
        (D(2021, 3, 1), D(2026, 4, 1)),
        (D(2020, 12, 31), D(2026, 1, 1)),
        (D(2020, 2, 29), D(2025, 4, 1)),  # 5th birthday on 1 March 2025
    ],
)
def test_leerplicht_begin(geb: date, begin: date) -> None:
    assert leerplicht_begin(geb) == begin


@pytest.mark.parametrize(
    ("geb", "einde"),
    [
        (D(2010, 9, 15), D(2027, 7, 31)),  # 16 on 15 Sep 2026 → schooljaar 2026-27
        (D(2010, 7, 31), D(2026, 7, 31)),  # 16 on 31 Jul 2026 → schooljaar 2025-26
        (D(2010, 8, 1), D(2027, 7, 31)),  # 16 on 1 Aug 2026 → schooljaar 2026-27
    ],
)
def test_leerplicht_einde(geb: date, einde: date) -> None:
    assert leerplicht_einde(facts(geb)) == einde


def test_twelve_school_years_end_leerplicht_earlier() -> None:
    p = facts(D(2010, 9, 15), twaalf_schooljaren_op=D(2026, 7, 31))
    assert leerplicht_einde(p) == D(2026, 7, 31)


def test_plicht_by_date() -> None:
    p = facts(D(2010, 9, 15))
    # 5 on 15 Sep 2015 → leerplichtig from 1 Oct 2015
    assert plicht_op(p, D(2015, 9, 30)) is PlichtStatus.NOG_NIET
    assert plicht_op(p, D(2015, 10, 1)) is PlichtStatus.LEERPLICHTIG
    assert plicht_op(p, D(2027, 7, 31)) is PlichtStatus.LEERPLICHTIG
    assert plicht_op(p, D(2027, 8, 1)) is PlichtStatus.KWALIFICATIEPLICHTIG
    assert plicht_op(p, D(2028, 9, 14)) is PlichtStatus.KWALIFICATIEPLICHTIG
    assert plicht_op(p, D(2028, 9, 15)) is PlichtStatus.GEEN  # 18th birthday


def test_sk_ends_kwalificatieplicht_but_not_leerplicht() -> None:
    p = facts(D(2010, 9, 15), startkwalificatie_op=D(2027, 7, 1))
    assert plicht_op(p, D(2027, 7, 15)) is PlichtStatus.LEERPLICHTIG
    assert plicht_op(p, D(2027, 8, 1)) is PlichtStatus.GEEN
    p = facts(D(2010, 9, 15), startkwalificatie_op=D(2028, 3, 1))
    assert kwalificatieplicht_einde(p) == D(2028, 2, 29)


def test_leap_day_birthday() -> None:
    assert verjaardag(D(2008, 2, 29), 18) == D(2026, 3, 1)
    assert leeftijd_op(D(2008, 2, 29), D(2026, 2, 28)) == 17
    assert leeftijd_op(D(2008, 2, 29), D(2026, 3, 1)) == 18
    assert leeftijd_op(D(2008, 2, 29), D(2028, 2, 29)) == 20


def test_doorstroompunt_limit_table() -> None:
    assert STANDAARD_LEEFTIJDSGRENS.grens_op(D(2025, 12, 31)) == 23
    assert STANDAARD_LEEFTIJDSGRENS.grens_op(D(2026, 1, 1)) == 27
    p = facts(D(2002, 6, 1))  # 23 in 2025
    assert not in_doorstroompunt_doelgroep(p, D(2025, 12, 31))
    assert in_doorstroompunt_doelgroep(p, D(2026, 1, 1))
    assert not in_doorstroompunt_doelgroep(p, D(2026, 1, 1), LeeftijdsgrensTabel(((D(2000, 1, 1), 23),)))
    assert not in_doorstroompunt_doelgroep(
        facts(D(2002, 6, 1), startkwalificatie_op=D(2020, 7, 1)), D(2026, 1, 1)
    )
    with pytest.raises(ValueError, match="geen Doorstroompunt-leeftijdsgrens"):
        LeeftijdsgrensTabel(((D(2026, 1, 1), 27),)).grens_op(D(2025, 1, 1))
