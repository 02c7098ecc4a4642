"""Golden examples: one realistic, deterministic envelope per event type.

They are written to ``contracts/examples/<event_type>.json`` by ``python -m contracts.generate``,
shown in ``contracts/docs/catalogue.md`` and used by tests and by services' own tests as fixtures
(``golden_event(cls)``). All identifiers are fixed so that regeneration is byte-for-byte stable.
Pseudonyms are made-up hex strings; nothing here refers to a real person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from contracts.catalogue import to_envelope
from contracts.codes import (
    AfwezigheidCode,
    Beslisser,
    ContactKanaal,
    GebiedType,
    HaltAdvies,
    HerbeoordelingsReden,
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    LeerplichtSluitreden,
    MasRoute,
    Melder,
    MeldingSoort,
    Opleidingsniveau,
    Plicht,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    SchoolType,
    SignaalBron,
    SignaalOntvanger,
    SignaalSoort,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    UrenEenheid,
    Vakantieregio,
    VerlofSoort,
    VervalReden,
    Voortgang,
    Vrijstellingsartikel,
)
from contracts.envelope import Envelope
from contracts.events import leerplicht, registratie, rmc, telling
from contracts.events.base import Event, School

E = TypeVar("E", bound=Event)

_BASE_MS = 1_757_000_000_000  # 2025-09-04T15:33:20Z


def fixed_uuid(n: int) -> UUID:
    """A deterministic UUIDv7-shaped id for examples (timestamp fixed, ``n`` in the random bits)."""
    value = ((_BASE_MS + n) & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= 0b10 << 62
    value |= n & ((1 << 62) - 1)
    return UUID(int=value)


PSEUDONIEM_LEERLING = "3f9a0c5e8b7d4a21c6e0f1b2a3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
PSEUDONIEM_JONGERE = "9c1e7b3a5d2f4e6081a2b3c4d5e6f7089a0b1c2d3e4f5061728394a5b6c7d8e9"
SCHOOL = School(brin="12AB", vestiging="00")
SCHOOL_NIEUW = School(brin="34CD", vestiging="01")
REGIO = "MC14"
CORRELATIE = fixed_uuid(900)
MELDING = fixed_uuid(10)
DOSSIER = fixed_uuid(20)
RMC_DOSSIER = fixed_uuid(30)
TRAJECT = fixed_uuid(40)
AFWEZIGHEID = fixed_uuid(50)
VRIJSTELLING = fixed_uuid(60)
MELDPLICHT = fixed_uuid(70)


@dataclass(frozen=True)
class Golden:
    event: Event
    occurred_at: datetime
    subject: str = PSEUDONIEM_LEERLING
    region: str | None = REGIO

    @property
    def source(self) -> str:
        return f"urn:nl:leerrecht:{type(self.event).domein}"


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


_CIJFER = telling.CijferBijgewerkt(
    indicator_id="absoluut_verzuim",
    definitie_id="absoluut_verzuim/v1",
    periode="schooljaar:2025-2026",
    gebied_type=GebiedType.GEMEENTE,
    gebied_code="GM0363",
    school_type=None,
    leeftijdsband=None,
    waarde=None,
    onderdrukt=True,
    positie={"leerrecht.regio.MC14.events:0": 18234, "leerrecht.regio.MC14.events:1": 17991},
)

GOLDEN: list[Golden] = [
    # --- registratie -------------------------------------------------------------------------
    Golden(
        registratie.LeerlingIngeschreven(
            school=SCHOOL,
            school_type=SchoolType.VO,
            ingangsdatum=date(2025, 8, 25),
            vakantieregio=Vakantieregio.NOORD,
            woongemeente="GM0363",
            geboortejaar_maand="2011-03",
            klas="2B",
            isk=False,
        ),
        _at(date(2025, 8, 25)),
    ),
    Golden(
        registratie.LeerlingUitgeschreven(
            school=SCHOOL,
            uitschrijfdatum=date(2026, 1, 31),
            reden=UitschrijvingsReden.OVERSTAP,
            met_startkwalificatie=False,
            naar_school=SCHOOL_NIEUW,
        ),
        _at(date(2026, 1, 31)),
    ),
    Golden(
        registratie.AfwezigheidGeregistreerd(
            afwezigheid_id=AFWEZIGHEID,
            school=SCHOOL,
            datum=date(2025, 10, 6),
            uren=Decimal("5"),
            eenheid=UrenEenheid.LESUUR,
            code=AfwezigheidCode.ONBEKEND,
        ),
        _at(date(2025, 10, 6), 10),
    ),
    Golden(
        registratie.AfwezigheidGecorrigeerd(
            afwezigheid_id=AFWEZIGHEID,
            datum=date(2025, 10, 6),
            oude_code=AfwezigheidCode.ONBEKEND,
            nieuwe_code=AfwezigheidCode.ZIEK,
            oude_uren=Decimal("5"),
            nieuwe_uren=None,
        ),
        _at(date(2025, 10, 7)),
    ),
    Golden(
        registratie.VerlofVerleend(
            verlof_id=fixed_uuid(80),
            school=SCHOOL,
            soort=VerlofSoort.GEWICHTIGE_OMSTANDIGHEDEN,
            van=date(2025, 11, 13),
            tot_en_met=date(2025, 11, 14),
            schooldagen=2,
            beslisser=Beslisser.DIRECTEUR,
        ),
        _at(date(2025, 11, 3)),
    ),
    Golden(
        registratie.VerlofGeweigerd(
            verlof_id=fixed_uuid(81),
            school=SCHOOL,
            soort=VerlofSoort.VAKANTIE,
            van=date(2026, 2, 9),
            tot_en_met=date(2026, 2, 13),
            schooldagen=5,
            beslisser=Beslisser.DIRECTEUR,
        ),
        _at(date(2026, 1, 12)),
    ),
    Golden(
        registratie.MeldingGeregistreerd(
            melding_id=MELDING,
            soort=MeldingSoort.ZESTIEN_UUR,
            melder=Melder.SCHOOL,
            school=SCHOOL,
            startdatum=date(2025, 10, 6),
            einddatum=date(2025, 10, 24),
            uren=Decimal("16.5"),
            eenheid=UrenEenheid.LESUUR,
            herhaling=0,
            woongemeente="GM0363",
            geboortejaar_maand="2011-03",
        ),
        _at(date(2025, 10, 27)),
    ),
    Golden(
        registratie.MeldingEinddatumVastgesteld(melding_id=fixed_uuid(11), einddatum=date(2026, 3, 2)),
        _at(date(2026, 3, 2)),
    ),
    Golden(
        registratie.MeldingIngetrokken(
            melding_id=fixed_uuid(12), reden=IntrekkingsReden.VRIJSTELLING, vrijstelling_id=VRIJSTELLING
        ),
        _at(date(2025, 12, 1)),
    ),
    Golden(
        registratie.MeldplichtBereikt(
            meldplicht_id=MELDPLICHT,
            soort=MeldingSoort.ZESTIEN_UUR,
            school=SCHOOL,
            vanaf=date(2025, 10, 6),
            bereikt_op=date(2025, 10, 24),
            uren=Decimal("16.5"),
            eenheid=UrenEenheid.LESUUR,
            uiterlijk_melden_op=date(2025, 10, 31),
            regel_versie="zestien-uur-2025.1",
        ),
        _at(date(2025, 10, 24), 17),
    ),
    Golden(
        registratie.MeldtermijnVerstreken(
            meldplicht_id=fixed_uuid(71),
            soort=MeldingSoort.LUXE,
            school=SCHOOL,
            uiterlijk_melden_op=date(2025, 12, 5),
        ),
        _at(date(2025, 12, 6), 0),
    ),
    Golden(
        registratie.MeldplichtVervallen(
            meldplicht_id=MELDPLICHT,
            soort=MeldingSoort.ZESTIEN_UUR,
            school=SCHOOL,
            vervallen_op=date(2025, 10, 28),
            reden=VervalReden.HERCODERING,
        ),
        _at(date(2025, 10, 28), 9),
    ),
    Golden(
        registratie.MeldingHerbeoordelingGevraagd(
            melding_id=MELDING,
            soort=MeldingSoort.ZESTIEN_UUR,
            school=SCHOOL,
            peildatum=date(2025, 11, 3),
            uren_nu=Decimal("12.5"),
            eenheid=UrenEenheid.LESUUR,
            reden=HerbeoordelingsReden.ONDER_DREMPEL,
        ),
        _at(date(2025, 11, 3), 9),
    ),
    Golden(
        registratie.VrijstellingGeregistreerd(
            vrijstelling_id=VRIJSTELLING,
            artikel=Vrijstellingsartikel.ARTIKEL_5A,
            van=date(2025, 11, 1),
            tot_en_met=date(2026, 7, 31),
            woongemeente="GM0363",
        ),
        _at(date(2025, 11, 28)),
    ),
    Golden(
        registratie.Verhuisd(
            verhuisdatum=date(2026, 1, 15),
            oude_gemeente="GM0363",
            nieuwe_gemeente="GM0599",
            oude_regio="MC14",
            nieuwe_regio="MC25",
        ),
        _at(date(2026, 1, 15)),
    ),
    Golden(
        registratie.StartkwalificatieBehaald(
            datum=date(2026, 7, 3), niveau=StartkwalificatieNiveau.MBO_2, school=SCHOOL_NIEUW
        ),
        _at(date(2026, 7, 3)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        registratie.AbsoluutVerzuimGesignaleerd(
            bron=SignaalBron.DUO,
            plicht=Plicht.LEERPLICHT,
            sinds=date(2025, 9, 1),
            woongemeente="GM0363",
            geboortejaar_maand="2012-06",
        ),
        _at(date(2025, 10, 1), 6),
    ),
    Golden(
        registratie.PotentieelVsvGesignaleerd(
            lijst_maand="2025-11",
            uitschrijfdatum=date(2025, 10, 17),
            laatste_school=SCHOOL_NIEUW,
            school_type=SchoolType.MBO,
            woongemeente="GM0363",
            geboortejaar_maand="2007-09",
        ),
        _at(date(2025, 11, 3), 6),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        registratie.Herinschrijving(
            lijst_maand="2026-01",
            school=SCHOOL_NIEUW,
            school_type=SchoolType.MBO,
            ingangsdatum=date(2026, 1, 5),
            niveau=Opleidingsniveau.MBO_2,
        ),
        _at(date(2026, 1, 6), 6),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        registratie.LesurenGepland(
            school=SCHOOL, klas="2B", week="2025-W41", uren=Decimal("30"), eenheid=UrenEenheid.LESUUR
        ),
        _at(date(2025, 10, 3), 12),
        subject=SCHOOL.code,
        region=None,
    ),
    Golden(
        registratie.SchoolvestigingVastgelegd(
            school=SCHOOL_NIEUW, naam="Voorbeeld College Techniek", gemeente="GM0202",
            school_types=[SchoolType.MBO], vakantieregio=Vakantieregio.ZUID, bevoegd_gezag="41234",
            geldig_vanaf=date(2025, 8, 1),
        ),
        _at(date(2025, 7, 15), 9),
        subject=SCHOOL_NIEUW.code,
        region=None,
    ),
    Golden(
        registratie.SchoolvestigingGesloten(school=SCHOOL, geldig_tot=date(2026, 8, 1)),
        _at(date(2026, 6, 1), 9),
        subject=SCHOOL.code,
        region=None,
    ),
    Golden(
        registratie.SchoolvestigingSamengevoegd(school=SCHOOL, opgegaan_in=SCHOOL_NIEUW, geldig_tot=date(2026, 8, 1)),
        _at(date(2026, 6, 2), 9),
        subject=SCHOOL.code,
        region=None,
    ),
    Golden(
        registratie.SignaalGegeven(
            signaal_id=fixed_uuid(90),
            soort=SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM,
            regel_id="mazl-4-in-12",
            regel_geldig_vanaf=date(2025, 8, 1),
            omschrijving="4e ziekmelding binnen 12 schoolweken",
            school=SCHOOL,
            peildatum=date(2025, 12, 8),
            ontvangers=[SignaalOntvanger.SCHOOL, SignaalOntvanger.LEERPLICHT],
        ),
        _at(date(2025, 12, 8), 16),
    ),
    # --- leerplicht --------------------------------------------------------------------------
    Golden(
        leerplicht.MeldingInBehandeling(
            melding_id=MELDING, dossier_id=DOSSIER, datum=date(2025, 10, 29), nieuw_dossier=True
        ),
        _at(date(2025, 10, 29)),
    ),
    Golden(
        leerplicht.OnderzoekGestart(
            dossier_id=DOSSIER, melding_id=MELDING, datum=date(2025, 11, 4), met_leerling=True
        ),
        _at(date(2025, 11, 4)),
    ),
    Golden(
        leerplicht.RouteGekozen(
            dossier_id=DOSSIER, routes=[MasRoute.VRIJWILLIGE_HULP, MasRoute.HALT], datum=date(2025, 11, 18)
        ),
        _at(date(2025, 11, 18)),
    ),
    Golden(
        leerplicht.HaltAdviesOverschreven(
            dossier_id=DOSSIER,
            advies=HaltAdvies.NIET_GESCHIKT,
            datum=date(2025, 11, 18),
            toelichting="Uren boven de grens door één ziekteperiode die later ongeoorloofd bleek.",
        ),
        _at(date(2025, 11, 18)),
    ),
    Golden(
        leerplicht.InterventieUitgevoerd(
            dossier_id=DOSSIER,
            interventie_id=fixed_uuid(21),
            soort=InterventieSoort.HALT_VERWIJZING,
            datum=date(2026, 1, 20),
            uitkomst=InterventieUitkomst.HALT_POSITIEF,
        ),
        _at(date(2026, 1, 20)),
    ),
    Golden(
        leerplicht.MeldingAfgesloten(melding_id=MELDING, dossier_id=DOSSIER, datum=date(2026, 1, 21)),
        _at(date(2026, 1, 21)),
    ),
    Golden(
        leerplicht.MeldingTerKennisgevingAangenomen(
            melding_id=fixed_uuid(13), dossier_id=DOSSIER, datum=date(2025, 11, 20)
        ),
        _at(date(2025, 11, 20)),
    ),
    Golden(
        leerplicht.DossierOvergedragen(
            dossier_id=DOSSIER,
            van_regio="MC14",
            naar_regio="MC25",
            naar_gemeente="GM0599",
            open_meldingen=[MELDING],
            datum=date(2026, 1, 16),
            geschiedenis=leerplicht.DossierGeschiedenis(
                tijdlijn=[
                    leerplicht.Tijdlijnstap(
                        event_id=fixed_uuid(15),
                        type=registratie.MeldingGeregistreerd.event_type,
                        schema_version=2,
                        bron="urn:nl:leerrecht:registratie",
                        tijd=_at(date(2025, 10, 27)),
                        correlatie_id=CORRELATIE,
                        data={
                            "melding_id": str(MELDING), "soort": "ZESTIEN_UUR", "melder": "SCHOOL",
                            "school": {"brin": "12AB", "vestiging": "00"}, "startdatum": "2025-10-06",
                            "einddatum": "2025-10-24", "uren": 16.5, "eenheid": "LESUUR", "herhaling": 0,
                            "woongemeente": "GM0363", "geboortejaar_maand": "2011-03",
                        },
                    ),
                    leerplicht.Tijdlijnstap(
                        event_id=fixed_uuid(16),
                        type=leerplicht.MeldingInBehandeling.event_type,
                        schema_version=1,
                        bron="urn:nl:leerrecht:leerplicht",
                        tijd=_at(date(2025, 10, 29)),
                        correlatie_id=CORRELATIE,
                        data={
                            "melding_id": str(MELDING), "dossier_id": str(DOSSIER), "datum": "2025-10-29",
                            "nieuw_dossier": True,
                        },
                    ),
                ],
                afwezigheid=[
                    leerplicht.OverdragenAfwezigheid(
                        afwezigheid_id=AFWEZIGHEID,
                        school=SCHOOL,
                        datum=date(2025, 10, 6),
                        uren=Decimal("6"),
                        eenheid=UrenEenheid.LESUUR,
                        code=AfwezigheidCode.ONGEOORLOOFD,
                        oorspronkelijke_code=AfwezigheidCode.ONBEKEND,
                    )
                ],
                geboortejaar_maand="2011-03",
            ),
        ),
        _at(date(2026, 1, 16)),
    ),
    Golden(
        leerplicht.DossierToegewezen(dossier_id=DOSSIER, behandelaar="lpa-mc14-007", datum=date(2025, 10, 29)),
        _at(date(2025, 10, 29)),
    ),
    Golden(
        leerplicht.DossierGesloten(
            dossier_id=DOSSIER,
            reden=LeerplichtSluitreden.HALT_POSITIEF,
            datum=date(2026, 1, 21),
            toelichting=None,
        ),
        _at(date(2026, 1, 21)),
    ),
    # --- rmc ---------------------------------------------------------------------------------
    Golden(
        rmc.JongereAangemeld(
            dossier_id=RMC_DOSSIER,
            bron=RmcAanmeldBron.POTENTIEEL_VSV,
            datum=date(2025, 11, 4),
            woongemeente="GM0363",
            geboortejaar_maand="2007-09",
            melding_id=None,
        ),
        _at(date(2025, 11, 4)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.ContactpogingGedaan(
            dossier_id=RMC_DOSSIER, datum=date(2025, 11, 5), kanaal=ContactKanaal.SMS, geslaagd=False
        ),
        _at(date(2025, 11, 5), 14),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.InBeeld(dossier_id=RMC_DOSSIER, datum=date(2025, 11, 12)),
        _at(date(2025, 11, 12)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.NietBereikbaar(
            dossier_id=fixed_uuid(31),
            datum=date(2025, 12, 10),
            aantal_pogingen=4,
            eerste_poging=date(2025, 11, 5),
        ),
        _at(date(2025, 12, 10)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.TrajectGestart(
            dossier_id=RMC_DOSSIER,
            traject_id=TRAJECT,
            route=RmcRoute.TRAJECT,
            datum=date(2025, 11, 24),
            partner="werkplaats-noord",
        ),
        _at(date(2025, 11, 24)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.TrajectVoortgang(
            dossier_id=RMC_DOSSIER,
            traject_id=TRAJECT,
            partner="werkplaats-noord",
            week="2025-W49",
            aanwezigheid_pct=80,
            voortgang=Voortgang.VOLDOENDE,
        ),
        _at(date(2025, 12, 5), 16),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.JongereGeplaatst(
            dossier_id=RMC_DOSSIER,
            bestemming=RmcRoute.ONDERWIJS,
            niveau=Opleidingsniveau.MBO_2,
            startdatum=date(2026, 1, 5),
            school=SCHOOL_NIEUW,
            automatisch=True,
        ),
        _at(date(2026, 1, 6), 7),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.DossierOvergedragen(
            dossier_id=fixed_uuid(32),
            van_regio="MC14",
            naar_regio="MC25",
            naar_gemeente="GM0599",
            datum=date(2026, 2, 2),
        ),
        _at(date(2026, 2, 2)),
        subject=PSEUDONIEM_JONGERE,
    ),
    Golden(
        rmc.DossierGesloten(
            dossier_id=RMC_DOSSIER, reden=RmcSluitreden.GEPLAATST_DUURZAAM, datum=date(2026, 4, 6)
        ),
        _at(date(2026, 4, 6)),
        subject=PSEUDONIEM_JONGERE,
    ),
    # --- telling -----------------------------------------------------------------------------
    Golden(_CIJFER, _at(date(2025, 12, 1), 3), subject=_CIJFER.cel_sleutel(), region=None),
]

_BY_TYPE = {type(g.event).event_type: g for g in GOLDEN}
if len(_BY_TYPE) != len(GOLDEN):
    raise RuntimeError("one golden example per event type")


def golden(event_type: str) -> Golden:
    return _BY_TYPE[event_type]


def golden_event(cls: type[E]) -> E:
    """The golden example event of ``cls`` (handy as a test fixture in services)."""
    event = _BY_TYPE[cls.event_type].event
    assert isinstance(event, cls)
    return event


def golden_envelope(event_type: str) -> Envelope:
    """The golden example as a full envelope, with fixed ids and times."""
    g = _BY_TYPE[event_type]
    n = int.from_bytes(hashlib.sha256(event_type.encode()).digest()[:5], "big")
    return to_envelope(
        g.event,
        subject=g.subject,
        source=g.source,
        occurred_at=g.occurred_at,
        correlation_id=CORRELATIE,
        causation_id=None,
        region=g.region,
        event_id=fixed_uuid(n),
        recorded_at=g.occurred_at.replace(second=1),
    )


__all__ = ["GOLDEN", "Golden", "fixed_uuid", "golden", "golden_envelope", "golden_event"]
