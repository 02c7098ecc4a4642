"""The shared free-text type (contracts.tekst): what it accepts is clean, real names pass unchanged,
and the event contracts that carry text cannot be built with a NUL (issue 11, "text at the edge")."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from contracts.codes import HaltAdvies, LeerplichtSluitreden
from contracts.events import leerplicht
from contracts.identity import Adres, IdentiteitVastgelegd
from contracts.tekst import (
    BIDI_STUURTEKENS,
    TEKST_MARKER,
    TekstFout,
    controleer_tekst,
    tekst,
    zonder_verboden_tekens,
)

REGELS = [tekst(200), tekst(20), tekst(500, meerregelig=True), tekst(5, min_lengte=0)]


class Formulier(BaseModel):
    naam: Annotated[str, tekst(30)]
    toelichting: Annotated[str, tekst(80, meerregelig=True)] | None = None


def schoon(waarde: str, meerregelig: bool, max_lengte: int) -> None:
    for t in waarde:
        categorie = unicodedata.category(t)
        assert categorie != "Cc" or (meerregelig and t == "\n")
        assert categorie not in ("Cs", "Cn", "Zl", "Zp")
        assert ord(t) not in BIDI_STUURTEKENS
    assert unicodedata.is_normalized("NFC", waarde)
    assert waarde == waarde.strip()
    assert len(waarde) <= max_lengte


@given(st.sampled_from(REGELS), st.text(max_size=600))
def test_whatever_is_accepted_is_clean(regels: Any, waarde: str) -> None:
    try:
        uit = controleer_tekst(waarde, regels)
    except TekstFout as fout:
        assert fout.regel in ("tekst_tekens", "tekst_leeg", "tekst_lengte")
        assert waarde not in fout.melding or not waarde.strip()
        return
    schoon(uit, regels.meerregelig, regels.max_lengte)
    assert len(uit) >= regels.min_lengte


@given(st.sampled_from(REGELS), st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "Zs")),
                                         max_size=200))
def test_clean_text_is_only_normalised_and_trimmed(regels: Any, waarde: str) -> None:
    verwacht = unicodedata.normalize("NFC", waarde).strip()
    if not (regels.min_lengte <= len(verwacht) <= regels.max_lengte) or (not verwacht and regels.min_lengte):
        with pytest.raises(TekstFout):
            controleer_tekst(waarde, regels)
        return
    assert controleer_tekst(waarde, regels) == verwacht


@given(st.text(max_size=100))
def test_the_form_echo_never_holds_a_refused_character(waarde: str) -> None:
    for meerregelig in (False, True):
        echo = zonder_verboden_tekens(waarde, meerregelig=meerregelig)
        assert all(unicodedata.category(t) not in ("Cs", "Cn") for t in echo)
        assert all(ord(t) not in BIDI_STUURTEKENS for t in echo)


@pytest.mark.parametrize("naam", ["Anne-Lotte", "D'Souza", "Çelik", "Zoë", "Nguyễn Thị Minh Khai", "O’Brien",
                                  "Ἀριστοτέλης", "محمد", "李小龙", "van der Berg-de Vries"])
def test_real_names_pass_unchanged(naam: str) -> None:
    assert controleer_tekst(naam, tekst(200)) == naam
    assert Formulier(naam=naam).naam == naam


def test_decomposed_input_becomes_nfc_and_is_trimmed() -> None:
    assert controleer_tekst("  Zoe\u0308\t", tekst(20)) == "Zoë"


@pytest.mark.parametrize("waarde", ["Eve\u0000", "Eve\u0007", "a\u001bb", "Eve\u202e", "x\u2066y\u2069",
                                    "lone\ud800", "un\U000e0fffassigned", "two\nlines", "para\u2029graph"])
def test_single_line_refuses_control_bidi_surrogate_and_unassigned(waarde: str) -> None:
    with pytest.raises(TekstFout) as fout:
        controleer_tekst(waarde, tekst(200))
    assert fout.value.regel == "tekst_tekens"
    assert waarde not in fout.value.melding


def test_multi_line_keeps_newlines_and_normalises_crlf_but_still_refuses_nul() -> None:
    regels = tekst(500, meerregelig=True)
    assert controleer_tekst("eerste regel\r\ntweede\rderde\n", regels) == "eerste regel\ntweede\nderde"
    for slecht in ("reden\u0000", "tab\tweg", "\u202eomgekeerd"):
        with pytest.raises(TekstFout):
            controleer_tekst(slecht, regels)


def test_empty_and_too_long_name_their_rule() -> None:
    with pytest.raises(ValidationError) as exc:
        Formulier(naam="   ")
    assert exc.value.errors()[0]["type"] == "tekst_leeg"
    with pytest.raises(ValidationError) as exc:
        Formulier(naam="x" * 31)
    fout = exc.value.errors()[0]
    assert fout["type"] == "tekst_lengte" and "30" in fout["msg"] and fout["loc"] == ("naam",)


def test_json_schema_shows_the_limits_and_the_marker() -> None:
    schema = Formulier.model_json_schema()["properties"]
    assert schema["naam"]["maxLength"] == 30 and schema["naam"]["minLength"] == 1
    assert schema["naam"][TEKST_MARKER] == "regel"


# -- the event contracts: an event with a NUL cannot be constructed -------------------------------------


def test_dossier_gesloten_with_a_nul_in_the_toelichting_cannot_be_built() -> None:
    with pytest.raises(ValidationError) as exc:
        leerplicht.DossierGesloten(dossier_id=uuid.uuid4(), reden=LeerplichtSluitreden.OVERIG,
                                   datum=date(2025, 6, 2), toelichting="verhuisd naar\u0000 buitenland")
    assert exc.value.errors()[0]["type"] == "tekst_tekens"
    with pytest.raises(ValidationError):
        leerplicht.HaltAdviesOverschreven(dossier_id=uuid.uuid4(), advies=HaltAdvies.NIET_GESCHIKT,
                                          datum=date(2025, 6, 2), toelichting="\u202eadvies")
    ok = leerplicht.DossierGesloten(dossier_id=uuid.uuid4(), reden=LeerplichtSluitreden.OVERIG,
                                    datum=date(2025, 6, 2), toelichting="Emigratie\r\nnaar België")
    assert ok.toelichting == "Emigratie\nnaar België"


def _identiteit(**changes: Any) -> IdentiteitVastgelegd:
    velden: dict[str, Any] = dict(
        pseudoniem="p" * 32, pgn="999993653", pgn_soort="BSN", voornamen="Zoë Anne-Lotte", tussenvoegsel="d'",
        achternaam="Çelik", geboortedatum=date(2012, 3, 14), woongemeente="GM0518", vastgelegd_op=datetime.now(UTC),
        adres=Adres(straat="Lange Voorhout", huisnummer=9, huisnummer_toevoeging="A", postcode="2514 ED",
                    woonplaats="'s-Gravenhage"),
    )
    return IdentiteitVastgelegd(**{**velden, **changes})


@pytest.mark.parametrize("veld", ["voornamen", "achternaam", "tussenvoegsel"])
def test_identity_record_with_a_nul_cannot_be_built(veld: str) -> None:
    assert _identiteit().achternaam == "Çelik"
    with pytest.raises(ValidationError) as exc:
        _identiteit(**{veld: "Eve\u0000"})
    assert exc.value.errors()[0]["type"] == "tekst_tekens"


def test_identity_record_from_the_wire_with_a_nul_is_refused() -> None:
    goed = _identiteit().model_dump_json()
    slecht = goed.replace("Çelik", "Eve\\u0000")
    assert "\\u0000" in slecht
    with pytest.raises(ValidationError):
        IdentiteitVastgelegd.model_validate_json(slecht)
    with pytest.raises(ValidationError):
        Adres(straat="Straat\u0000", huisnummer=1, postcode="1234 AB", woonplaats="Delft")
