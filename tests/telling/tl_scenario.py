"""A scripted schooljaar 2025-2026 of thirteen persons, with its leerplichttelling computed by hand.

Amsterdam (GM0363) and Diemen (GM0384) are in region MC21, Rotterdam (GM0599) in MC29. Every event
is (subject, region of the topic, day it happened, payload). Used by the pure fold test and by the
Kafka + PostgreSQL test, which must both arrive at :data:`LEERPLICHTTELLING_GM0363`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from contracts.catalogue import to_envelope
from contracts.codes import (
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    MasRoute,
    Melder,
    MeldingSoort,
    Plicht,
    SchoolType,
    SignaalBron,
    SignaalOntvanger,
    SignaalSoort,
    UrenEenheid,
    Vakantieregio,
    Vrijstellingsartikel,
)
from contracts.envelope import Envelope
from contracts.events import leerplicht, registratie
from contracts.events.base import Event, School

SCHOOL = School(brin="12AB", vestiging="00")
AMS, DIEMEN, RDAM = "GM0363", "GM0384", "GM0599"


def p(n: int) -> str:
    """Pseudonym of person n (the shape of a real one: 64 hex characters)."""
    return f"{n:02d}" + "ab3f" * 15 + "cd"


def uid(n: int) -> UUID:
    return UUID(int=0x0199_0000_0000_7000_8000_0000_0000_0000 + n)


@dataclass(frozen=True)
class Stap:
    subject: str
    region: str
    datum: date
    event: Event
    event_id: UUID

    @property
    def geregistreerd(self) -> datetime:
        """The recorded time on the log: the same day it happened (the as-of history's clock)."""
        return datetime(self.datum.year, self.datum.month, self.datum.day, 10, 5, tzinfo=UTC)

    def envelope(self) -> Envelope:
        return to_envelope(
            self.event, subject=self.subject, source=f"urn:nl:leerrecht:{type(self.event).domein}",
            occurred_at=datetime(self.datum.year, self.datum.month, self.datum.day, 10, tzinfo=UTC),
            correlation_id=uid(9999), region=self.region, event_id=self.event_id,
            recorded_at=self.geregistreerd,
        )


def _ingeschreven(gemeente: str, d: date = date(2025, 8, 25)) -> registratie.LeerlingIngeschreven:
    return registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=d, vakantieregio=Vakantieregio.NOORD,
        woongemeente=gemeente, geboortejaar_maand="2011-03",
    )


def _melding(n: int, soort: MeldingSoort, start: date,
             eind: date | None = None) -> registratie.MeldingGeregistreerd:
    zestien = soort is MeldingSoort.ZESTIEN_UUR
    return registratie.MeldingGeregistreerd(
        melding_id=uid(n), soort=soort, melder=Melder.SCHOOL, school=SCHOOL, startdatum=start,
        einddatum=eind, uren=Decimal("16.5") if zestien else None,
        eenheid=UrenEenheid.LESUUR if zestien else None,
    )


def _zestien(n: int, start: date, eind: date) -> registratie.MeldingGeregistreerd:
    return _melding(n, MeldingSoort.ZESTIEN_UUR, start, eind)


def _absoluut(sinds: date, gemeente: str = AMS) -> registratie.AbsoluutVerzuimGesignaleerd:
    return registratie.AbsoluutVerzuimGesignaleerd(
        bron=SignaalBron.DUO, plicht=Plicht.LEERPLICHT, sinds=sinds, woongemeente=gemeente,
        geboortejaar_maand="2012-06",
    )


def _stappen() -> list[Stap]:
    raw: list[tuple[str, str, date, Event]] = []

    def add(n: int, region: str, d: date, ev: Event) -> None:
        raw.append((p(n), region, d, ev))

    # P1: one 16-uur report
    add(1, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(1, "MC21", date(2025, 10, 27), _zestien(101, date(2025, 10, 6), date(2025, 10, 24)))
    # P2: two 16-uur reports -> herhaald
    add(2, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(2, "MC21", date(2025, 10, 27), _zestien(201, date(2025, 10, 6), date(2025, 10, 24)))
    add(2, "MC21", date(2025, 12, 8), _zestien(202, date(2025, 11, 17), date(2025, 12, 5)))
    # P3: a 16-uur report withdrawn after recoding -> not counted
    add(3, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(3, "MC21", date(2025, 10, 27), _zestien(301, date(2025, 10, 6), date(2025, 10, 24)))
    add(3, "MC21", date(2025, 10, 29), registratie.MeldingIngetrokken(
        melding_id=uid(301), reden=IntrekkingsReden.AFWEZIGHEID_GECORRIGEERD))
    # P4: luxeverzuim
    add(4, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(4, "MC21", date(2026, 2, 20), _melding(401, MeldingSoort.LUXE, date(2026, 2, 16), date(2026, 2, 20)))
    # P5: LRV reached before the summer (C: "at 1 Sept" needs the threshold before 1 Sept), open on
    # 1 Sept, ended after > 3 months; proces-verbaal
    add(5, "MC21", date(2024, 8, 26), _ingeschreven(AMS, date(2024, 8, 26)))
    add(5, "MC21", date(2025, 6, 23), registratie.MeldplichtBereikt(
        meldplicht_id=uid(502), soort=MeldingSoort.LRV, school=SCHOOL, vanaf=date(2025, 5, 19),
        bereikt_op=date(2025, 6, 23), uren=Decimal(100), eenheid=UrenEenheid.LESUUR,
        uiterlijk_melden_op=date(2025, 6, 30), regel_versie="lrv.v1"))
    add(5, "MC21", date(2025, 6, 25), _melding(501, MeldingSoort.LRV, date(2025, 5, 19)))
    add(5, "MC21", date(2026, 1, 12), registratie.MeldingEinddatumVastgesteld(
        melding_id=uid(501), einddatum=date(2026, 1, 12)))
    add(5, "MC21", date(2025, 12, 1), leerplicht.InterventieUitgevoerd(
        dossier_id=uid(550), interventie_id=uid(551), soort=InterventieSoort.PROCES_VERBAAL,
        datum=date(2025, 12, 1)))
    # P6: new LRV in Amsterdam, moves to Rotterdam while it is open; end date set there
    add(6, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(6, "MC21", date(2025, 12, 1), _melding(601, MeldingSoort.LRV, date(2025, 11, 3)))
    verhuisd = registratie.Verhuisd(verhuisdatum=date(2026, 1, 15), oude_gemeente=AMS, nieuwe_gemeente=RDAM,
                                    oude_regio="MC21", nieuwe_regio="MC29")
    add(6, "MC21", date(2026, 1, 15), verhuisd)
    add(6, "MC29", date(2026, 1, 15), verhuisd)  # the same event on the new region's topic
    add(6, "MC29", date(2026, 3, 2), registratie.MeldingEinddatumVastgesteld(
        melding_id=uid(601), einddatum=date(2026, 3, 2)))
    # P7: absoluut verzuim since 1 Sept, still on the list in January (> 3 months)
    add(7, "MC21", date(2025, 10, 1), _absoluut(date(2025, 9, 1)))
    add(7, "MC21", date(2026, 1, 5), _absoluut(date(2025, 9, 1)))
    # P8: absoluut verzuim resolved by enrolment within 3 months
    add(8, "MC21", date(2025, 11, 3), _absoluut(date(2025, 10, 1)))
    add(8, "MC21", date(2025, 11, 17), _ingeschreven(AMS, date(2025, 11, 17)))
    # P9: vrijstelling 5a for the rest of the year
    add(9, "MC21", date(2025, 11, 28), registratie.VrijstellingGeregistreerd(
        vrijstelling_id=uid(901), artikel=Vrijstellingsartikel.ARTIKEL_5A, van=date(2025, 11, 1),
        tot_en_met=date(2026, 7, 31)))
    add(9, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    # P10: 16-uur report, Halt route, Halt referral with a positive outcome
    add(10, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(10, "MC21", date(2025, 10, 27), _zestien(1001, date(2025, 10, 6), date(2025, 10, 24)))
    add(10, "MC21", date(2025, 11, 18), leerplicht.RouteGekozen(
        dossier_id=uid(1050), routes=[MasRoute.HALT], datum=date(2025, 11, 18)))
    add(10, "MC21", date(2026, 1, 20), leerplicht.InterventieUitgevoerd(
        dossier_id=uid(1050), interventie_id=uid(1051), soort=InterventieSoort.HALT_VERWIJZING,
        datum=date(2026, 1, 20), uitkomst=InterventieUitkomst.HALT_POSITIEF))
    # P11: 16-uur report in Diemen (same region, other municipality)
    add(11, "MC21", date(2025, 8, 25), _ingeschreven(DIEMEN))
    add(11, "MC21", date(2025, 10, 27), _zestien(1101, date(2025, 10, 6), date(2025, 10, 24)))
    # P12: long authorised absence (not in the leerplichttelling, in the leerrecht count)
    add(12, "MC21", date(2025, 8, 25), _ingeschreven(AMS))
    add(12, "MC21", date(2025, 12, 8), registratie.SignaalGegeven(
        signaal_id=uid(1201), soort=SignaalSoort.LANGDURIG_GEOORLOOFD, regel_id="langdurig-geoorloofd",
        regel_geldig_vanaf=date(2025, 8, 1), omschrijving="4 weken aaneengesloten geoorloofd afwezig",
        school=SCHOOL, peildatum=date(2025, 12, 8), ontvangers=[SignaalOntvanger.LEERPLICHT]))

    # P13: 5a vrijstelling of a child enrolled nowhere (the normal case); DUO states the woongemeente
    # (schema v2), and that is where it counts (C, Decision)
    add(13, "MC21", date(2025, 9, 15), registratie.VrijstellingGeregistreerd(
        vrijstelling_id=uid(1301), artikel=Vrijstellingsartikel.ARTIKEL_5A, van=date(2025, 9, 1),
        tot_en_met=date(2026, 7, 31), woongemeente=AMS))

    ids: dict[int, UUID] = {}
    out = []
    for i, (subject, region, d, ev) in enumerate(raw):
        key = id(ev)
        ids.setdefault(key, uid(50_000 + i))  # the Verhuisd on two topics keeps one event id
        out.append(Stap(subject, region, d, ev, ids[key]))
    return out


SCENARIO: list[Stap] = _stappen()
PERSONEN = [p(n) for n in range(1, 14)]

# Hand-computed leerplichttelling of Amsterdam, schooljaar 2025-2026 (see the comments above).
LEERPLICHTTELLING_GM0363: dict[str, int] = {
    "absoluut_verzuim": 2,  # P7, P8
    "absoluut_verzuim_langer_dan_3_maanden": 1,  # P7
    "relatief_verzuim": 3,  # P1, P2, P10 (P3 withdrawn)
    "relatief_verzuim_herhaald": 1,  # P2
    "luxeverzuim": 1,  # P4
    "lrv": 2,  # P5, P6
    "lrv_op_1_september": 1,  # P5
    "lrv_nieuw": 1,  # P6
    "lrv_langer_dan_3_maanden": 1,  # P5 (P6's 3 months ended after the move: Rotterdam)
    "lrv_verhuisd": 1,  # P6
    "vrijstellingen_5a": 2,  # P9, P13 (enrolled nowhere)
    "vrijstellingen_5b": 0,
    "processen_verbaal": 1,  # P5
    "halt_verwijzingen": 1,  # P10
    "thuiszitters": 4,  # P5, P6, P7, P8
}
OVERIG_VERWACHT: dict[tuple[str, str], int] = {
    ("leerrecht_telling", AMS): 7,  # thuiszitters + P9, P13 (5a) + P12 (langdurig geoorloofd)
    ("relatief_verzuim", DIEMEN): 1,  # P11
    ("relatief_verzuim", "MC21"): 4,
    ("relatief_verzuim", "NL"): 4,
    ("lrv_langer_dan_3_maanden", RDAM): 1,  # P6 after the move
    ("lrv_langer_dan_3_maanden", "MC29"): 1,
    ("lrv_langer_dan_3_maanden", "NL"): 2,
    ("halt_positief", AMS): 1,
    ("mas_route_halt", "MC21"): 1,
    ("thuiszitters", "NL"): 4,
}
