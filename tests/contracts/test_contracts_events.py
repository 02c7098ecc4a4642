"""Event models: golden round-trips, naming conventions, strictness and the domain validators."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import codes
from contracts.catalogue import event_classes, from_envelope
from contracts.envelope import Envelope
from contracts.events import leerplicht, registratie, rmc, telling
from contracts.events.base import Event, School
from contracts.golden import GOLDEN, golden, golden_envelope, golden_event

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
ALL = event_classes()
SCHOOL = School(brin="12AB", vestiging="00")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _with(event: Event, **changes: Any) -> dict[str, Any]:
    """The event's JSON payload with some fields changed (to test validators through the JSON path)."""
    return {**event.to_data(), **changes}


def test_every_event_type_has_exactly_one_golden_example() -> None:
    assert sorted(type(g.event).event_type for g in GOLDEN) == [c.event_type for c in ALL]
    assert len(ALL) >= 38


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.event_type)
def test_golden_example_round_trips_through_envelope_json(cls: type[Event]) -> None:
    envelope = golden_envelope(cls.event_type)
    decoded = Envelope.from_json(envelope.to_json())
    assert decoded == envelope
    event = from_envelope(decoded)
    assert type(event) is cls
    assert event == golden(cls.event_type).event


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.event_type)
def test_committed_example_file_decodes_to_the_golden_event(cls: type[Event]) -> None:
    raw = (CONTRACTS_DIR / "examples" / f"{cls.event_type}.json").read_bytes()
    envelope = Envelope.from_json(raw)
    assert envelope.type == cls.event_type
    assert envelope.schema_version == cls.schema_version
    assert from_envelope(envelope) == golden_event(cls)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.event_type)
def test_naming_convention_and_docstring(cls: type[Event]) -> None:
    assert cls.event_type == f"nl.leerrecht.{cls.domein}.{_snake(cls.__name__)}"
    assert cls.__module__ == f"contracts.events.{cls.domein}"
    assert "domain.md" in (cls.__doc__ or "")
    assert cls.model_config.get("strict") is True
    assert cls.model_config.get("frozen") is True
    assert cls.model_config.get("extra") == "forbid"


def test_event_class_definition_is_checked() -> None:
    with pytest.raises(TypeError, match=r"domain\.md"):

        class ZonderBron(registratie.RegistratieEvent):
            """No rule cited."""

            event_type = "nl.leerrecht.registratie.zonder_bron"
            schema_version = 1

    with pytest.raises(TypeError, match="domein"):

        class VerkeerdDomein(registratie.RegistratieEvent):
            """Wrong domain (domain.md A2)."""

            event_type = "nl.leerrecht.rmc.verkeerd_domein"
            schema_version = 1


def test_events_are_frozen_and_reject_extra_fields() -> None:
    event = golden_event(registratie.AfwezigheidGeregistreerd)
    with pytest.raises(ValidationError):
        event.uren = Decimal("1")  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        registratie.AfwezigheidGeregistreerd.from_data(_with(event, naam="Jan"))


def test_strict_json_path_does_not_coerce() -> None:
    event = golden_event(rmc.TrajectVoortgang)
    with pytest.raises(ValidationError):
        rmc.TrajectVoortgang.from_data(_with(event, aanwezigheid_pct="80"))
    with pytest.raises(ValidationError):
        rmc.TrajectVoortgang.from_data(_with(event, aanwezigheid_pct=80.5))
    # strict Python construction needs real types, not their JSON spelling
    with pytest.raises(ValidationError):
        registratie.MeldingEinddatumVastgesteld(melding_id="x", einddatum="2025-01-01")  # type: ignore[arg-type]


def test_uren_decimal_is_exact_on_the_wire() -> None:
    event = golden_event(registratie.AfwezigheidGeregistreerd)
    data = _with(event, uren=0.17)
    assert registratie.AfwezigheidGeregistreerd.from_data(data).uren == Decimal("0.17")
    for bad in (0, -1, 24.5, 1.125):
        with pytest.raises(ValidationError):
            registratie.AfwezigheidGeregistreerd.from_data(_with(event, uren=bad))
    assert registratie.AfwezigheidGeregistreerd.from_data(_with(event, uren=24)).uren == Decimal(24)


@pytest.mark.parametrize(
    ("cls", "changes"),
    [
        (registratie.LeerlingIngeschreven, {"geboortejaar_maand": "2011-13"}),
        (registratie.LeerlingIngeschreven, {"woongemeente": "0363"}),
        (registratie.LeerlingIngeschreven, {"school": {"brin": "12ab", "vestiging": "00"}}),
        (registratie.LeerlingUitgeschreven, {"met_startkwalificatie": True}),  # reden OVERSTAP
        (registratie.AfwezigheidGecorrigeerd, {"nieuwe_code": "ONBEKEND"}),  # nothing changed
        (registratie.VerlofVerleend, {"soort": "VAKANTIE", "schooldagen": 11}),
        (registratie.VerlofVerleend, {"schooldagen": 11}),  # > 10 days by DIRECTEUR
        (registratie.VerlofGeweigerd, {"beslisser": "LEERPLICHTAMBTENAAR"}),  # vakantie: head only
        (registratie.VerlofVerleend, {"tot_en_met": "2025-11-01"}),
        (registratie.MeldingGeregistreerd, {"uren": 15.5}),  # 16-uur rule
        (registratie.MeldingGeregistreerd, {"einddatum": None}),
        (registratie.MeldingGeregistreerd, {"herhaling": 5}),
        (registratie.MeldingGeregistreerd, {"soort": "ABSOLUUT"}),  # with a school
        (registratie.MeldingIngetrokken, {"vrijstelling_id": None}),
        (registratie.MeldplichtBereikt, {"soort": "OVERIG"}),
        (registratie.MeldplichtBereikt, {"uiterlijk_melden_op": "2025-10-01"}),
        (registratie.Verhuisd, {"nieuwe_gemeente": "GM0363"}),
        (registratie.Verhuisd, {"nieuwe_regio": "MC1"}),
        (registratie.SignaalGegeven, {"ontvangers": ["SCHOOL", "SCHOOL"]}),
        (registratie.SignaalGegeven, {"omschrijving": "x" * 201}),
        (registratie.LesurenGepland, {"week": "2025-W54"}),
        (leerplicht.RouteGekozen, {"routes": ["BASISROUTE", "HALT"]}),
        (leerplicht.RouteGekozen, {"routes": ["HALT", "HALT"]}),
        (leerplicht.RouteGekozen, {"routes": []}),
        (leerplicht.InterventieUitgevoerd, {"uitkomst": "SEPOT"}),  # not a Halt outcome
        (leerplicht.HaltAdviesOverschreven, {"toelichting": None}),
        (leerplicht.DossierGesloten, {"toelichting": "niet nodig"}),  # only with OVERIG
        (leerplicht.DossierGesloten, {"reden": "OVERIG"}),  # OVERIG without text
        (leerplicht.DossierGesloten, {"reden": "ONBEKEND_REDEN"}),
        (leerplicht.DossierOvergedragen, {"naar_regio": "MC14"}),
        (rmc.NietBereikbaar, {"aantal_pogingen": 2}),
        (rmc.NietBereikbaar, {"eerste_poging": "2025-11-20"}),  # < 4 weeks
        (rmc.JongereGeplaatst, {"bestemming": "WERK"}),  # automatisch + school
        (rmc.TrajectVoortgang, {"aanwezigheid_pct": 101}),
        (telling.CijferBijgewerkt, {"waarde": 5, "onderdrukt": False}),  # disclosure control
        (telling.CijferBijgewerkt, {"waarde": 12}),  # value while onderdrukt
        (telling.CijferBijgewerkt, {"gebied_type": "REGIO"}),  # GM code with REGIO
        (telling.CijferBijgewerkt, {"positie": {"leerrecht.regio.MC14.events": 1}}),
    ],
)
def test_domain_validators_reject(cls: type[Event], changes: dict[str, Any]) -> None:
    data = _with(golden_event(cls), **changes)
    with pytest.raises(ValidationError):
        cls.from_data(data)


@pytest.mark.parametrize(
    ("cls", "changes"),
    [
        (leerplicht.RouteGekozen, {"routes": ["BASISROUTE"]}),
        (leerplicht.RouteGekozen, {"routes": ["VRIJWILLIGE_HULP", "HALT", "VERPLICHT_KADER", "STRAFRECHT"]}),
        (
            leerplicht.DossierGesloten,
            {"reden": "OVERIG", "toelichting": "Gezin keert terug naar land van herkomst."},
        ),
        (leerplicht.InterventieUitgevoerd, {"soort": "GESPREK", "uitkomst": None}),
        (registratie.VerlofVerleend, {"schooldagen": 11, "beslisser": "LEERPLICHTAMBTENAAR"}),
        (
            registratie.MeldingGeregistreerd,
            {"soort": "LRV", "einddatum": None, "uren": None, "eenheid": None},
        ),
        (
            registratie.MeldingGeregistreerd,
            {"soort": "ABSOLUUT", "melder": "DUO", "school": None, "uren": None, "eenheid": None},
        ),
        (telling.CijferBijgewerkt, {"waarde": 0, "onderdrukt": False}),
        (telling.CijferBijgewerkt, {"waarde": 10, "onderdrukt": False, "school_type": "(v)so"}),
        (telling.CijferBijgewerkt, {"gebied_type": "LAND", "gebied_code": "NL", "leeftijdsband": "18+"}),
    ],
)
def test_domain_validators_accept(cls: type[Event], changes: dict[str, Any]) -> None:
    cls.from_data(_with(golden_event(cls), **changes))


def test_cel_sleutel_identifies_the_cell() -> None:
    cijfer = golden_event(telling.CijferBijgewerkt)
    assert cijfer.cel_sleutel() == "absoluut_verzuim|schooljaar:2025-2026|GM0363|*|*"


def test_absence_codes_follow_domain_a2() -> None:
    a = codes.AfwezigheidCode
    assert {c.value for c in a} == {
        "ZIEK", "VERLOF_VAKANTIE", "VERLOF_GEWICHTIG", "RELIGIEUS", "SCHORSING",
        "SCHOOL_GESLOTEN", "ONGEOORLOOFD", "TE_LAAT", "LUXE", "ONBEKEND",
    }  # fmt: skip
    assert {c for c in a if c.geoorloofd} == {
        a.ZIEK, a.VERLOF_VAKANTIE, a.VERLOF_GEWICHTIG, a.RELIGIEUS, a.SCHORSING, a.SCHOOL_GESLOTEN
    }  # fmt: skip
    assert {c for c in a if c.telt_voor_meldplicht} == {a.ONGEOORLOOFD, a.TE_LAAT, a.LUXE, a.ONBEKEND}
    assert a.ONBEKEND.voorlopig and not a.ZIEK.voorlopig
    assert a.ZIEK.wettelijke_grond == "art. 11 d Lpw"
    assert a.LUXE.wettelijke_grond == "art. 13a Lpw"
    assert a.ONGEOORLOOFD.wettelijke_grond is None
    assert codes.VerlofSoort.VAKANTIE.afwezigheid_code is a.VERLOF_VAKANTIE


def test_code_lists_match_the_domain() -> None:
    assert [m.value for m in codes.MeldingSoort] == [
        "ZESTIEN_UUR",
        "LRV",
        "LUXE",
        "OVERIG",
        "ACHTTIEN_PLUS",
        "ABSOLUUT",
    ]
    assert [m.duo_label for m in codes.MeldingStatus] == [
        "Geregistreerd", "In behandeling", "Afgesloten", "Ter kennisgeving aangenomen", "Ingetrokken"
    ]  # fmt: skip
    assert [r for r in codes.MasRoute if not r.vervolgroute] == [codes.MasRoute.BASISROUTE]
    assert len([r for r in codes.MasRoute if r.vervolgroute]) == 4
    assert [r.value for r in codes.LeerplichtSluitreden] == [
        "VERZUIM_BEEINDIGD", "NAAR_ZORG", "HALT_POSITIEF", "PV_AFGEDAAN", "VRIJSTELLING",
        "LEERPLICHT_GEEINDIGD", "VERHUISD", "INGETROKKEN", "OVERLEDEN", "OVERIG",
    ]  # fmt: skip
    assert [s.value for s in codes.RmcStatus] == [
        "NIEUW", "IN_BEELD", "NIET_BEREIKBAAR", "IN_TRAJECT", "GEPLAATST", "AFGESLOTEN"
    ]  # fmt: skip
    assert [r.value for r in codes.RmcRoute] == [
        "ONDERWIJS",
        "WERK",
        "COMBINATIE",
        "ZORG_DAGBESTEDING",
        "TRAJECT",
    ]
    assert [r.value for r in codes.RmcSluitreden] == [
        "SK_BEHAALD", "GEPLAATST_DUURZAAM", "LEEFTIJDSGRENS", "VERHUISD", "GEEN_HULP_GEWENST", "OVERLEDEN"
    ]  # fmt: skip
    assert [v.value for v in codes.Vrijstellingsartikel] == ["5a", "5b", "5c", "15", "3a", "3b"]
    assert {t.value for t in codes.SchoolType} >= {"po", "vo", "mbo", "vso"}
    assert codes.SchoolType.PO.uren_eenheid is codes.UrenEenheid.KLOKUUR
    assert codes.SchoolType.VO.uren_eenheid is codes.UrenEenheid.LESUUR
    assert codes.SchoolType.MBO.uren_eenheid is codes.UrenEenheid.LESUUR
    assert codes.ContactKanaal.SMS.telt_altijd_als_contact
    assert not codes.ContactKanaal.TELEFOON.telt_altijd_als_contact
    for soort in codes.InterventieSoort:
        assert soort.route in codes.MasRoute


def test_python_construction_with_real_types() -> None:
    event = registratie.AfwezigheidGeregistreerd(
        afwezigheid_id=golden_event(registratie.AfwezigheidGeregistreerd).afwezigheid_id,
        school=SCHOOL,
        datum=date(2025, 10, 6),
        uren=Decimal("1.5"),
        eenheid=codes.UrenEenheid.KLOKUUR,
        code=codes.AfwezigheidCode.TE_LAAT,
    )
    assert json.loads(json.dumps(event.to_data()))["uren"] == 1.5
