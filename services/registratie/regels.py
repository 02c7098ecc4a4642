"""The legal rules at work: evaluate a pupil after every change and publish what is new (domain.md A3).

After every accepted change for a pupil (and once a day for the time-dependent rules) the service
loads the pupil's facts from its own database, runs the pure ``registratie.domain.evaluate`` for
today (incrementally: ``registratie.domain.incrementeel`` gives the same decisions, recomputing only
the rules the changed absences can reach), and turns the decisions into events:

=============================  ==============================================================
decision                       event (all on the pupil's region topic)
=============================  ==============================================================
MeldplichtSignal (not filed)   MeldplichtBereikt (A3.1 16 uur, A3.2 LRV, A3.3 luxe, A3.5 18+)
MeldplichtSignal (LRV, filed)  MeldingEinddatumVastgesteld once the pupil returned or left (A3.2)
IntrekkingSignal               MeldingIngetrokken, reden VRIJSTELLING (A3.10, DUO reason V)
AbsoluutVerzuimSignal          AbsoluutVerzuimGesignaleerd, bron PLATFORM (A3.6)
PotentieelVsvSignal            PotentieelVsvGesignaleerd (A3.7)
MazlSignal / ProtocolSignal    SignaalGegeven (A3.8, A3.9)
LangdurigGeoorloofdSignal      SignaalGegeven LANGDURIG_GEOORLOOFD to the school (A3.11; telling
                               counts it in the leerrecht count, C)
LateHercoderingSignal          SignaalGegeven LATE_HERCODERING to leerplicht (A2 late recoding)
HerbeoordelingSignal           MeldingHerbeoordelingGevraagd: please review this filed report (A2, A4);
                               also in the school's own view (GET /v1/school/signalen)
overdue MeldplichtBereikt      MeldtermijnVerstreken (A3.1: onverwijld, 5 working days)
lapsed MeldplichtBereikt       MeldplichtVervallen (a published duty no longer holds, not met)
=============================  ==============================================================

Idempotence: the ``beslissing`` table holds, per pupil and decision key (``MeldplichtSignal.key``
and the like), a fingerprint of what was published. An event is published only when a key is new,
its fingerprint changed, or it comes back after it had gone; evaluating the same facts again
publishes nothing. The events are returned to the caller, which stores them with the submission's
own envelopes before publishing (one idempotent submission, see ``registratie.intake``).

**Decisions** taken here (the adapter's, not the law's):

* A report duty that still rests on recodable ``ONBEKEND`` hours (``voorlopig_tot`` ≥ today) is held
  back: the school may still recode (A2), and a duty published and taken back would only burden
  the school and the office. The daily run publishes it once the window has passed, if it still holds. The deadline
  stays ``bereikt_op`` + 5 working days.
* A duty that disappears is marked ``actueel = false`` and no MeldtermijnVerstreken will follow.
  Met by the school's filed report (which anchors the next count): nothing more is published. Not
  met (a recoding or a vrijstelling removed it) after its MeldplichtBereikt was published:
  MeldplichtVervallen, once, with the reason; the row keeps the mark (``gegevens.vervallen_op``)
  and, should the rule hold again, that is a new duty with a new ``meldplicht_id``.
* Register facts arrive late (DUO feeds, a new school's enrolment after the old school's
  un-enrolment), so a potential vsv the platform derives itself is held for
  ``REGISTERFEITEN_WACHTTIJD`` working days after its start; an absoluut verzuim candidate is held
  by the rule itself (``registratie.domain.absoluut``: 5 working days, or after a summer
  un-enrolment until 5 working days after the new school's first school day, A3.6 Decision). A
  person whose last enrolment ended with ``EMIGRATIE`` or ``OVERLEDEN`` is not signalled at all.
* A duty that a late recoding of ``ONBEKEND`` removed (A2 Decision "late recoding") lapses like any
  other (MeldplichtVervallen, reason ``LATE_HERCODERING``), and the domain's
  ``LateHercoderingSignal`` goes to the region's leerplicht office as ``SignaalGegeven`` (soort
  ``LATE_HERCODERING``) for that pupil.
* MAZL signals go to the school only (A3.8: to leerplicht "by agreement", which is not configured).
* Local protocols (A3.9) come from configuration (``registratie.protocollen``), versioned by date.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from contracts.catalogue import to_envelope
from contracts.codes import (
    HerbeoordelingsReden,
    MeldingSoort,
    SignaalBron,
    SignaalOntvanger,
    SignaalSoort,
    VervalReden,
)
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event
from leerrecht.kalender import BuitenKalenderbereik, SchoolKalender, add_working_days
from leerrecht.logging import get_logger
from registratie.domain import (
    AbsoluutVerzuimSignal,
    Decision,
    HerbeoordelingSignal,
    IntrekkingSignal,
    LangdurigGeoorloofdSignal,
    LateHercoderingSignal,
    MazlCriterium,
    MazlSignal,
    MeldplichtSignal,
    PotentieelVsvSignal,
    ProtocolSignal,
)
from registratie.domain.incrementeel import Geheugen, evalueer
from registratie.domain.intake import school_of
from registratie.domain.kalender import snelle_kalender
from registratie.domain.protocols import Protocol
from registratie.state import Feiten, apply_to_state, feiten_van

log = get_logger(__name__)
SOURCE = "urn:nl:leerrecht:registratie"

#: Version ids of the rule implementations (``MeldplichtBereikt.regel_versie``). v2 (issue 12): days
#: without school never count and a day counts for at most one school day (A2); LRV counts a day
#: from 3 hours or the scheduled hours and needs 4 full lesweken and a day of the next (A3.2).
REGEL_VERSIE: dict[MeldingSoort, str] = {
    MeldingSoort.ZESTIEN_UUR: "zestien-uur.v2",
    MeldingSoort.LRV: "lrv.v2",
    MeldingSoort.LUXE: "luxe.v2",
    MeldingSoort.ACHTTIEN_PLUS: "achttien-plus.v2",
}
MAZL_GELDIG_VANAF = date(2025, 8, 1)
_MAZL_REGEL = {
    MazlCriterium.VIERDE_ZIEKMELDING: ("mazl.vierde-ziekmelding", "4e ziekmelding binnen 12 lesweken"),
    MazlCriterium.ZEVENDE_ZIEKTEDAG: ("mazl.zevende-ziektedag", "7e aaneengesloten schooldag ziek"),
}
REGISTERFEITEN_WACHTTIJD = 5
#: A3.11 long authorised absence and A2 late recoding: platform rules, in force from this schooljaar
LANGDURIG_REGEL = ("langdurig-geoorloofd", "Langdurig geoorloofd afwezig: 4 aaneengesloten lesweken")
LATE_HERCODERING_REGEL = "hercodering.na-termijn"
REGELS_GELDIG_VANAF = date(2025, 8, 1)
_SOORT_TEKST = {
    MeldingSoort.ZESTIEN_UUR: "16 uur in 4 weken", MeldingSoort.LRV: "langdurig relatief verzuim",
    MeldingSoort.LUXE: "luxeverzuim", MeldingSoort.ACHTTIEN_PLUS: "18+",
}

#: The rules' results of the most recently evaluated pupils (issue 16): the next evaluation of a pupil
#: recomputes only the rules its changed absences can reach (``registratie.domain.incrementeel``, which
#: gives exactly ``evaluate``'s decisions). A stand is used only when the facts other than the absences
#: are those it was computed from, so a rolled-back transaction or another process's writes cost a full
#: evaluation, never a wrong decision. Bounded (``REGELS_GEHEUGEN``, set by ``registratie.app``), so the
#: service's memory stays flat.
GEHEUGEN = Geheugen(grootte=2000)

MELDPLICHT, EINDDATUM, INTREKKING, HERBEOORDELING = "MELDPLICHT", "EINDDATUM", "INTREKKING", "HERBEOORDELING"
ABSOLUUT, VSV, SIGNAAL = "ABSOLUUT", "VSV", "SIGNAAL"


@dataclass
class Voorstel:
    """One decision as the adapter keeps it: a key, a fingerprint, and the event it would publish."""

    sleutel: str
    soort: str
    vingerafdruk: str
    school: str | None
    gegevens: dict[str, Any]
    maak: Callable[[UUID], Event | None] = field(repr=False)
    wachten: bool = False
    gemeld: bool = False


def voorstellen(f: Feiten, decisions: Sequence[Decision], vandaag: date) -> list[Voorstel]:
    """Map the pure decisions to keyed proposals (no I/O)."""
    return [v for d in decisions for v in _voorstel(f, d, vandaag)]


def _voorstel(f: Feiten, d: Decision, vandaag: date) -> list[Voorstel]:
    out: list[Voorstel] = []
    match d:
        case MeldplichtSignal():
            out.extend(_meldplicht(f, d, vandaag))
        case IntrekkingSignal():
            vid = d.vrijstelling.vrijstelling_id
            if vid is None:
                return []
            out.append(Voorstel(
                f"intrekking|{d.melding_id}", INTREKKING, vid, None,
                {"melding_id": d.melding_id, "reden": d.reden.value},
                lambda _id: reg.MeldingIngetrokken(
                    melding_id=UUID(d.melding_id), reden=d.reden, vrijstelling_id=UUID(vid)),
            ))
        case HerbeoordelingSignal():
            filed = next((r for r in f.reports if r.melding_id == d.melding_id), None)
            school_id = filed.school_id if filed else None
            out.append(Voorstel(
                f"herbeoordeling|{d.melding_id}", HERBEOORDELING, str(d.hours_now), school_id,
                {"melding_id": d.melding_id, "soort": d.soort.value, "uren_nu": str(d.hours_now),
                 "reden": d.reden},
                lambda _id: _herbeoordeling(f, d, school_id, vandaag),
            ))
        case AbsoluutVerzuimSignal():
            if f.vertrokken:
                return []
            out.append(Voorstel(
                "absoluut", ABSOLUUT, "1", None, {"sinds": d.sinds.isoformat(), "plicht": d.plicht.value},
                lambda _id: reg.AbsoluutVerzuimGesignaleerd(
                    bron=SignaalBron.PLATFORM, plicht=d.plicht, sinds=d.sinds, woongemeente=f.woongemeente,
                    geboortejaar_maand=f.geboortejaar_maand),
            ))
        case PotentieelVsvSignal():
            if f.vertrokken:
                return []
            out.append(Voorstel(
                "vsv", VSV, d.uitschrijfdatum.isoformat(), d.school_id,
                {"uitschrijfdatum": d.uitschrijfdatum.isoformat()},
                lambda _id: reg.PotentieelVsvGesignaleerd(
                    lijst_maand=f"{vandaag.year:04d}-{vandaag.month:02d}", uitschrijfdatum=d.uitschrijfdatum,
                    laatste_school=school_of(d.school_id), school_type=f.school_types.get(d.school_id),
                    woongemeente=f.woongemeente, geboortejaar_maand=f.geboortejaar_maand),
                wachten=add_working_days(d.uitschrijfdatum, REGISTERFEITEN_WACHTTIJD) > vandaag,
            ))
        case MazlSignal():
            regel_id, tekst = _MAZL_REGEL[d.criterium]
            out.append(Voorstel(
                f"mazl|{d.criterium.value}|{d.school_id}|{d.datum.isoformat()}", SIGNAAL, "1", d.school_id,
                {"signaal": SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM.value, "regel_id": regel_id,
                 "omschrijving": tekst, "datum": d.datum.isoformat()},
                lambda sid: reg.SignaalGegeven(
                    signaal_id=sid, soort=SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM, regel_id=regel_id,
                    regel_geldig_vanaf=MAZL_GELDIG_VANAF, omschrijving=tekst, school=school_of(d.school_id),
                    peildatum=d.datum, ontvangers=[SignaalOntvanger.SCHOOL]),
            ))
        case ProtocolSignal():
            ontvanger = SignaalOntvanger(d.ontvanger.value)  # the same three recipients (A3.5, A3.8, A3.9)
            out.append(Voorstel(
                f"protocol|{d.protocol_id}|{d.regel_id}|{d.school_id}|{d.datum.isoformat()}", SIGNAAL, "1",
                d.school_id,
                {"signaal": SignaalSoort.LOKAAL_PROTOCOL.value, "regel_id": d.regel_id,
                 "omschrijving": d.omschrijving, "datum": d.datum.isoformat()},
                lambda sid: reg.SignaalGegeven(
                    signaal_id=sid, soort=SignaalSoort.LOKAAL_PROTOCOL, regel_id=d.regel_id,
                    regel_geldig_vanaf=d.protocol_valid_from, omschrijving=d.omschrijving[:200],
                    school=school_of(d.school_id), peildatum=d.datum, ontvangers=[ontvanger]),
            ))
        case LangdurigGeoorloofdSignal():
            regel_id, tekst = LANGDURIG_REGEL
            out.append(Voorstel(
                d.key, SIGNAAL, "1", d.school_id,
                {"signaal": SignaalSoort.LANGDURIG_GEOORLOOFD.value, "regel_id": regel_id,
                 "omschrijving": tekst, "datum": d.datum.isoformat()},
                lambda sid: reg.SignaalGegeven(
                    signaal_id=sid, soort=SignaalSoort.LANGDURIG_GEOORLOOFD, regel_id=regel_id,
                    regel_geldig_vanaf=REGELS_GELDIG_VANAF, omschrijving=tekst, school=school_of(d.school_id),
                    peildatum=d.datum, ontvangers=[SignaalOntvanger.SCHOOL]),
            ))
        case LateHercoderingSignal():
            tekst = (f"ONBEKEND na 2 schooldagen gehercodeerd; meldplicht {_SOORT_TEKST.get(d.soort, d.soort.value)} "
                     "vervallen")
            out.append(Voorstel(
                d.key, SIGNAAL, d.hercodeerd_op.isoformat(), d.school_id,
                {"signaal": SignaalSoort.LATE_HERCODERING.value, "regel_id": LATE_HERCODERING_REGEL,
                 "omschrijving": tekst, "datum": d.hercodeerd_op.isoformat()},
                lambda sid: reg.SignaalGegeven(
                    signaal_id=sid, soort=SignaalSoort.LATE_HERCODERING, regel_id=LATE_HERCODERING_REGEL,
                    regel_geldig_vanaf=REGELS_GELDIG_VANAF, omschrijving=tekst, school=school_of(d.school_id),
                    peildatum=d.hercodeerd_op, ontvangers=[SignaalOntvanger.LEERPLICHT]),
            ))
    return out


def _meldplicht(f: Feiten, d: MeldplichtSignal, vandaag: date) -> list[Voorstel]:
    gegevens = {
        "meldingsoort": d.soort.value, "vanaf": d.start.isoformat(), "bereikt_op": d.bereikt_op.isoformat(),
        "uiterlijk_melden_op": d.due_date.isoformat(), "uren": str(d.hours), "eenheid": d.unit.value,
        "einddatum": d.end.isoformat() if d.end else None, "herhaalmelding": d.herhaalmelding,
        "voorlopig_tot": d.voorlopig_tot.isoformat() if d.voorlopig_tot else None,
    }
    out = [Voorstel(
        d.key, MELDPLICHT, f"{d.bereikt_op.isoformat()}|{d.due_date.isoformat()}", d.school_id, gegevens,
        lambda mid: reg.MeldplichtBereikt(
            meldplicht_id=mid, soort=d.soort, school=school_of(d.school_id), vanaf=d.start,
            bereikt_op=d.bereikt_op, uren=d.hours, eenheid=d.unit, uiterlijk_melden_op=d.due_date,
            regel_versie=REGEL_VERSIE[d.soort]),
        wachten=d.melding_id is None and d.voorlopig_tot is not None and d.voorlopig_tot >= vandaag,
        gemeld=d.melding_id is not None,
    )]
    melding_id, end = d.melding_id, d.end
    if melding_id is not None and d.soort is MeldingSoort.LRV and end is not None:
        filed = next((r for r in f.reports if r.melding_id == melding_id), None)
        if filed is not None and filed.end is None:
            out.append(Voorstel(
                f"einddatum|{melding_id}", EINDDATUM, end.isoformat(), d.school_id,
                {"melding_id": melding_id, "einddatum": end.isoformat()},
                lambda _id: reg.MeldingEinddatumVastgesteld(melding_id=UUID(melding_id), einddatum=end),
            ))
    return out


def _herbeoordeling(f: Feiten, d: HerbeoordelingSignal, school_id: str | None,
                    vandaag: date) -> reg.MeldingHerbeoordelingGevraagd | None:
    """Please review this filed report (A2 recoding, A4: only the school withdraws it)."""
    school_type = f.school_types.get(school_id) if school_id is not None else None
    if school_id is None or school_type is None:
        return None  # a report without a school of this pupil: nobody to ask
    reden = HerbeoordelingsReden.GEEN_LUXE if d.soort is MeldingSoort.LUXE else HerbeoordelingsReden.ONDER_DREMPEL
    return reg.MeldingHerbeoordelingGevraagd(
        melding_id=UUID(d.melding_id), soort=d.soort, school=school_of(school_id), peildatum=vandaag,
        uren_nu=d.hours_now, eenheid=school_type.uren_eenheid, reden=reden)


def _vervallen(
    f: Feiten, r: asyncpg.Record, gezien: set[str], vandaag: date,
) -> reg.MeldplichtVervallen | None:
    """The lapse of a published duty that is no longer decided (module doc), or ``None`` when it was
    never published, was met by a filed report (which anchors the next count) or lapsed before."""
    if r["soort"] != MELDPLICHT or r["event_id"] is None or r["gemeld"] or r["school"] is None:
        return None
    g = json.loads(r["gegevens"]) if isinstance(r["gegevens"], str) else dict(r["gegevens"])
    if "vervallen_op" in g:
        return None
    soort, school = MeldingSoort(g["meldingsoort"]), r["school"]
    vanaf = date.fromisoformat(g["vanaf"])
    tot = date.fromisoformat(g["einddatum"]) if g.get("einddatum") else max(date.fromisoformat(g["bereikt_op"]),
                                                                            vandaag)
    if any(m.soort is soort and m.school_id == school and m.start <= tot and (m.end or vandaag) >= vanaf
           for m in f.reports):
        return None  # met: the school filed the report
    in_periode = {a.absence_id for a in f.absences if a.school_id == school and vanaf <= a.date <= tot}
    if f"late-hercodering|{r['sleutel']}" in gezien:
        reden = VervalReden.LATE_HERCODERING
    elif any(v.is_vrijstelling and v.overlapt(vanaf, tot) for v in f.pupil.vrijstellingen):
        reden = VervalReden.VRIJSTELLING
    elif any(h.absence_id in in_periode for h in f.recodings):
        reden = VervalReden.HERCODERING
    else:
        reden = VervalReden.OVERIG
    return reg.MeldplichtVervallen(meldplicht_id=r["object_id"], soort=soort, school=school_of(school),
                                   vervallen_op=vandaag, reden=reden)


def _event_of(v: Voorstel, object_id: UUID) -> Event | None:
    try:
        return v.maak(object_id)
    except ValidationError as exc:  # a contract rule the domain did not foresee: never publish it
        log.error("beslissing_niet_publiceerbaar", sleutel_soort=v.soort, fouten=exc.error_count())
        return None


async def beoordeel(
    conn: asyncpg.Connection, pseudoniem: str, vandaag: date, *, correlation_id: UUID, nu: datetime,
    protocols: Sequence[Protocol] = (), kalender: SchoolKalender | None = None,
) -> list[Envelope]:
    """Evaluate one pupil for ``vandaag`` and return the envelopes of what is new (already applied to
    registratie's own state and recorded in ``beslissing``). Runs inside the caller's transaction."""
    return await beoordeel_alle(conn, [pseudoniem], vandaag, correlation_id=correlation_id, nu=nu,
                                protocols=protocols, kalender=kalender)


async def beoordeel_alle(
    conn: asyncpg.Connection, pseudoniemen: Iterable[str], vandaag: date, *, correlation_id: UUID, nu: datetime,
    protocols: Sequence[Protocol] = (), kalender: SchoolKalender | None = None,
) -> list[Envelope]:
    """:func:`beoordeel` for several pupils at once, in sorted order: the same decisions and events
    as evaluating them one by one (each pupil's rules read only that pupil's facts), but the facts
    and the earlier decisions are read, and the decisions written, in a fixed number of statements
    for the whole set instead of about ten round trips per pupil. Runs inside the caller's
    transaction; the caller holds the pupils' locks (``registratie.intake``).

    ``kalender``: the calendar of this process (``registratie.schoolkalender``; default the shipped
    one). A pupil whose rules need a date beyond it is never skipped silently (A3.12): it is kept in
    ``kalender_wachtend`` (and logged at error level) until an evaluation succeeds again."""
    kal = kalender or snelle_kalender()
    keys = sorted(set(pseudoniemen))
    bekend = {p: s.bekende_absences() for p in keys if (s := GEHEUGEN.kijk(p)) is not None}
    alle_feiten = await feiten_van(conn, keys, bekend)
    te_beoordelen = [p for p in keys if alle_feiten[p] is not None]
    if not te_beoordelen:
        return []
    bestaand_van: dict[str, dict[str, asyncpg.Record]] = {p: {} for p in te_beoordelen}
    for r in await conn.fetch(
        "SELECT pseudoniem, sleutel, soort, vingerafdruk, actueel, object_id, event_id, school, gegevens, gemeld, "
        "termijn_verstreken, bijgewerkt_op FROM beslissing WHERE pseudoniem = ANY($1::text[]) FOR UPDATE",
        te_beoordelen,
    ):
        bestaand_van[r["pseudoniem"]][r["sleutel"]] = r
    envelopes: list[Envelope] = []
    rijen: list[tuple[Any, ...]] = []
    weg: list[tuple[str, str, dict[str, Any]]] = []
    buiten: list[str] = []
    for p in te_beoordelen:
        f = alle_feiten[p]
        assert f is not None
        try:
            uitkomst = _beoordeel_een(f, bestaand_van[p], vandaag, correlation_id, nu, protocols, kal)
        except BuitenKalenderbereik:
            buiten.append(p)
            continue
        if uitkomst is None:
            continue
        envelopes += uitkomst[0]
        rijen += uitkomst[1]
        weg += ((p, s, mark) for s, mark in uitkomst[2])
    if rijen:
        await conn.executemany(
            "INSERT INTO beslissing (pseudoniem, sleutel, soort, vingerafdruk, actueel, object_id, event_id, school, "
            "gegevens, gemeld, termijn_verstreken, bijgewerkt_op) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, $12) ON CONFLICT (pseudoniem, sleutel) DO UPDATE SET soort = EXCLUDED.soort, "
            "vingerafdruk = EXCLUDED.vingerafdruk, actueel = true, event_id = EXCLUDED.event_id, "
            "school = EXCLUDED.school, gegevens = EXCLUDED.gegevens, gemeld = EXCLUDED.gemeld, "
            "termijn_verstreken = EXCLUDED.termijn_verstreken, bijgewerkt_op = EXCLUDED.bijgewerkt_op",
            rijen,
        )
    if weg:
        await conn.execute(
            "UPDATE beslissing b SET actueel = false, bijgewerkt_op = $3, gegevens = b.gegevens || w.mark "
            "FROM unnest($1::text[], $2::text[], $4::jsonb[]) AS w(pseudoniem, sleutel, mark) "
            "WHERE b.pseudoniem = w.pseudoniem AND b.sleutel = w.sleutel",
            [p for p, _, _ in weg], [s for _, s, _ in weg], vandaag, [json.dumps(m) for _, _, m in weg],
        )
    wachtend = [p for p in te_beoordelen if (f := alle_feiten[p]) is not None and f.kalender_wachtend]
    await _onthoud_buiten_kalender(conn, wachtend, buiten, vandaag, kal)
    await apply_to_state(conn, envelopes, vandaag)  # a withdrawal or an end date changes the facts
    return envelopes


async def _onthoud_buiten_kalender(conn: asyncpg.Connection, wachtend: Sequence[str], buiten: Sequence[str],
                                   vandaag: date, kalender: SchoolKalender) -> None:
    """A3.12, never a silent skip: pupils whose rules need dates beyond the calendar are remembered
    (``kalender_wachtend``) and evaluated again once beheer loads a school year; the others of
    ``wachtend`` (the evaluated pupils that were waiting) leave it."""
    if buiten:
        log.error("regels_buiten_kalender", datum=vandaag.isoformat(), leerlingen=len(buiten),
                  kalender_einde=kalender.einde().isoformat())
        await conn.execute(
            "INSERT INTO kalender_wachtend (pseudoniem, sinds, laatst) SELECT p, $2, $2 FROM unnest($1::text[]) AS p "
            "ON CONFLICT (pseudoniem) DO UPDATE SET laatst = EXCLUDED.laatst", list(buiten), vandaag)
    weg = set(buiten)
    if terug := [p for p in wachtend if p not in weg]:
        await conn.execute("DELETE FROM kalender_wachtend WHERE pseudoniem = ANY($1::text[])", terug)


def _beoordeel_een(
    f: Feiten, bestaand: dict[str, asyncpg.Record], vandaag: date, correlation_id: UUID, nu: datetime,
    protocols: Sequence[Protocol], kalender: SchoolKalender,
) -> tuple[list[Envelope], list[tuple[Any, ...]], list[tuple[str, dict[str, Any]]]] | None:
    """One pupil's evaluation without I/O: the new envelopes, the ``beslissing`` rows to upsert and
    the keys that are no longer current; ``None`` when the rules could not judge the facts. Raises
    ``BuitenKalenderbereik`` when they need dates beyond the calendar (the caller remembers the pupil)."""
    pseudoniem = f.pupil.pseudonym
    try:
        decisions, stand = evalueer(f.pupil, f.absences, f.recodings, f.reports, protocols, vandaag,
                                    vorige=GEHEUGEN.pak(pseudoniem), kalender=kalender)
        GEHEUGEN.leg(pseudoniem, stand)
    except BuitenKalenderbereik:
        raise
    except (ValueError, ArithmeticError) as exc:
        # facts the rules cannot judge must not block the intake itself; the daily run tries again
        log.error("regels_mislukt", error=type(exc).__name__)
        return None

    def envelope(event: Event) -> Envelope:
        return to_envelope(event, subject=pseudoniem, source=SOURCE, occurred_at=nu,
                           correlation_id=correlation_id, region=f.regio)

    envelopes: list[Envelope] = []
    rijen: list[tuple[Any, ...]] = []
    gegevens_van: list[dict[str, Any]] = []
    gezien: set[str] = set()
    for v in voorstellen(f, decisions, vandaag):
        if v.sleutel in gezien:
            continue
        gezien.add(v.sleutel)
        oud = bestaand.get(v.sleutel)
        if v.wachten and (oud is None or not oud["actueel"]):
            continue  # held back (see module doc): not yet a decision
        if v.wachten:
            continue  # published before and still there: leave it as it is
        nieuw = oud is None or not oud["actueel"] or oud["vingerafdruk"] != v.vingerafdruk
        # a duty that lapsed (MeldplichtVervallen) stays lapsed: should it hold again, it is a new one
        object_id: UUID = oud["object_id"] if oud is not None and not _is_vervallen(oud) else uuid7()
        event_id: UUID | None = oud["event_id"] if oud is not None else None
        verstreken = bool(oud["termijn_verstreken"]) if oud is not None and not nieuw else False
        if nieuw and (event := _event_of(v, object_id)) is not None:
            env = envelope(event)
            envelopes.append(env)
            event_id = env.id
        rijen.append((pseudoniem, v.sleutel, v.soort, v.vingerafdruk, True, object_id, event_id, v.school,
                      json.dumps(v.gegevens), v.gemeld, verstreken, vandaag))
        gegevens_van.append(v.gegevens)
    # A3.1 onverwijld: a published duty the school has not met within the term
    for i, (r, gegevens) in enumerate(zip(rijen, gegevens_van, strict=True)):
        _, _, soort, _, _, object_id, event_id, school, _, gemeld, verstreken, _ = r
        if soort != MELDPLICHT or event_id is None or gemeld or verstreken:
            continue
        uiterlijk = date.fromisoformat(gegevens["uiterlijk_melden_op"])
        if uiterlijk < vandaag and school is not None:
            envelopes.append(envelope(reg.MeldtermijnVerstreken(
                meldplicht_id=object_id, soort=MeldingSoort(gegevens["meldingsoort"]), school=school_of(school),
                uiterlijk_melden_op=uiterlijk)))
            rijen[i] = (*r[:10], True, r[11])
    rijen = [r for r, g in zip(rijen, gegevens_van, strict=True) if not _ongewijzigd(bestaand.get(r[1]), r, g)]
    weg: list[tuple[str, dict[str, Any]]] = []
    for s, r in bestaand.items():
        if not r["actueel"] or s in gezien:
            continue
        mark: dict[str, Any] = {}
        if (vervallen := _vervallen(f, r, gezien, vandaag)) is not None:
            env = envelope(vervallen)
            envelopes.append(env)
            mark = {"vervallen_op": vandaag.isoformat(), "vervallen_reden": vervallen.reden.value,
                    "vervallen_event_id": str(env.id)}
        weg.append((s, mark))
    envelopes += [envelope(h) for h in herinschrijvingen(f, [bestaand[s] for s, _ in weg])]
    return envelopes, rijen, weg


def _ongewijzigd(oud: asyncpg.Record | None, rij: tuple[Any, ...], gegevens: dict[str, Any]) -> bool:
    """Whether the stored row already equals ``rij`` in every column, ``bijgewerkt_op`` included, so
    that its upsert would change nothing (issue 16: every evaluation rewrote every current decision of
    the pupil, e.g. a MAZL signal again at every next sick day). Strict: any doubt writes the row."""
    if oud is None or not oud["actueel"]:
        return False
    _, _, soort, vingerafdruk, _, object_id, event_id, school, _, gemeld, verstreken, vandaag = rij
    if (oud["soort"], oud["vingerafdruk"], oud["object_id"], oud["event_id"], oud["school"], oud["gemeld"],
            oud["termijn_verstreken"], oud["bijgewerkt_op"]) != (
            soort, vingerafdruk, object_id, event_id, school, gemeld, verstreken, vandaag):
        return False
    g = oud["gegevens"]
    return bool((json.loads(g) if isinstance(g, str) else dict(g)) == gegevens)


def _is_vervallen(r: asyncpg.Record) -> bool:
    if r["actueel"] or r["soort"] != MELDPLICHT:
        return False
    g = r["gegevens"]
    return "vervallen_op" in (json.loads(g) if isinstance(g, str) else g)


def herinschrijvingen(f: Feiten, vervallen: Sequence[asyncpg.Record]) -> list[Event]:
    """A published potential-vsv signal that lapses because the young person enrolled again is DUO's
    A02 fact: a re-enrolment (A3.7), which places the young person with the Doorstroompunt (A6).

    The enrolment that ended the signal is the first one starting after the un-enrolment. A signal
    that lapses for another reason (a startkwalificatie, leaving the country) is no re-enrolment.
    """
    out: list[Event] = []
    for r in vervallen:
        if r["soort"] != VSV or r["event_id"] is None:
            continue  # never published: nobody was told, so nobody needs the correction
        uitgeschreven = date.fromisoformat(json.loads(r["gegevens"])["uitschrijfdatum"])
        nieuw = sorted((e for e in f.pupil.enrolments if e.start > uitgeschreven), key=lambda e: e.start)
        if not nieuw:
            continue
        e = nieuw[0]
        out.append(reg.Herinschrijving(
            lijst_maand=f"{e.start.year:04d}-{e.start.month:02d}", school=school_of(e.school_id),
            school_type=e.school_type, ingangsdatum=e.start,
        ))
    return out
