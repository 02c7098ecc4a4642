"""Intake decisions: a school's or DUO's submission, checked against the pupil's state, becomes events.

Pure functions (`decide(command, state) -> events`): no I/O. The adapter (``registratie.intake``)
loads the state, calls these, and publishes what they return. Errors are :class:`Afgewezen` with the
field and the rule, in Dutch, for the school; they never quote the submitted value (it may be a PGN).

Events go to the region of the pupil's **woongemeente** (domain.md A4: reports go to the
woongemeente's office; B: identifying data only reaches the region of residence). A move
(:func:`verhuizen`) is the one event published on two regional topics: the old and the new region's
(same event id), so both offices see it; everything after it goes to the new region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from contracts.codes import (
    AfwezigheidCode,
    Beslisser,
    IntrekkingsReden,
    Melder,
    MeldingSoort,
    MeldingStatus,
    Plicht,
    SchoolType,
    SignaalBron,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    Vakantieregio,
    VerlofSoort,
    Vrijstellingsartikel,
)
from contracts.events.base import Event, School
from contracts.events.registratie import (
    AbsoluutVerzuimGesignaleerd,
    AfwezigheidGecorrigeerd,
    AfwezigheidGeregistreerd,
    LeerlingIngeschreven,
    LeerlingUitgeschreven,
    MeldingGeregistreerd,
    MeldingIngetrokken,
    StartkwalificatieBehaald,
    Verhuisd,
    VerlofGeweigerd,
    VerlofVerleend,
    VrijstellingGeregistreerd,
)
from leerrecht.kalender import BuitenKalenderbereik, SchoolKalender, feestdagen, standaard_kalender
from leerrecht.leeftijd import leeftijd_op

from .codes import kalenderregio
from .plicht import schooljaar_begin

#: Holiday leave may not fall in the first 2 lesweken of the schooljaar (art. 13a Lpw, domain.md A2).
VAKANTIEVERLOF_NIET_IN_EERSTE_LESWEKEN = 2


class Afgewezen(ValueError):
    """A submission (or one row of it) is refused. ``veld`` names the field, ``regel`` the rule."""

    def __init__(self, veld: str, regel: str, melding: str) -> None:
        super().__init__(melding)
        self.veld, self.regel, self.melding = veld, regel, melding

    def as_dict(self) -> dict[str, str]:
        return {"veld": self.veld, "regel": self.regel, "melding": self.melding}


@dataclass(frozen=True)
class Inschrijving:
    """What registratie knows of an enrolment (its own state); ``einddatum`` is the last day."""

    school: str
    school_type: SchoolType
    vakantieregio: Vakantieregio
    ingangsdatum: date
    einddatum: date | None
    klas: str | None = None
    isk: bool = False
    geboortejaar_maand: str | None = None
    """The birth month this school stated with this enrolment (``None``: held from before it was kept)."""

    def actief_op(self, op: date) -> bool:
        return self.ingangsdatum <= op and (self.einddatum is None or op <= self.einddatum)


@dataclass(frozen=True)
class Leerling:
    pseudoniem: str
    woongemeente: str
    regio: str
    inschrijvingen: tuple[Inschrijving, ...]
    geboortejaar_maand: str = ""
    geboortedatum: date | None = None
    startkwalificatie_op: date | None = None
    duo_geboortedatum: date | None = None
    """The birth date DUO stated (from the BRP), if it did: see :func:`geldende_geboortedatum`."""

    def inschrijving_op(self, school: str, op: date) -> Inschrijving | None:
        for ins in self.inschrijvingen:
            if ins.school == school and ins.actief_op(op):
                return ins
        return None

    def ingeschreven_op(self, op: date) -> bool:
        return any(ins.actief_op(op) for ins in self.inschrijvingen)

    def open_inschrijving(self, school: str) -> Inschrijving | None:
        return next((i for i in self.inschrijvingen if i.school == school and i.einddatum is None), None)


@dataclass(frozen=True)
class AfwezigheidStand:
    """An absence as registered, with the code and hours in force after earlier recodings.

    ``eerder`` lists the (code, hours) it held before, oldest first (the registration itself and
    every recoding but the last): a school that states one of those again re-uploads an old file,
    it does not register a second absence (see :func:`afwezigheid_registreren`)."""

    afwezigheid_id: UUID
    pseudoniem: str
    regio: str
    school: str
    datum: date
    code: AfwezigheidCode
    uren: Decimal
    eerder: tuple[tuple[AfwezigheidCode, Decimal], ...] = ()


@dataclass(frozen=True)
class MeldingStand:
    melding_id: UUID
    pseudoniem: str
    regio: str
    school: str | None
    soort: MeldingSoort
    status: MeldingStatus


@dataclass(frozen=True)
class VerlofStand:
    soort: VerlofSoort
    van: date
    verleend: bool


@dataclass(frozen=True)
class Besluit:
    """Events to publish for one pupil, and where: the woongemeente's region (A4); ``ook_naar``
    lists further regions that get the same envelopes (same ids), used only for a move; ``tijd`` is
    when it happened (the envelope ``time``), when it differs per pupil (a batch)."""

    pseudoniem: str
    regio: str
    events: tuple[Event, ...]
    ook_naar: tuple[str, ...] = field(default=())
    tijd: datetime | None = None


def school_of(code: str) -> School:
    """Grounds: domain.md B (a school is BRIN + vestiging)."""
    return School(brin=code[:4], vestiging=code[4:6])


def _niet_in_toekomst(veld: str, datum: date, vandaag: date) -> None:
    if datum > vandaag:
        raise Afgewezen(veld, "niet_in_toekomst", "Deze datum mag niet in de toekomst liggen.")


#: **Decision**: a birth date is plausible when the person is at most this old on the day it matters;
#: the platform covers people up to the Doorstroompunt limit (27, A1), so 30 leaves room for errors
#: to be caught rather than published.
MAX_LEEFTIJD = 30


def plausibele_geboortedatum(geboortedatum: date, op: date) -> None:
    """Refuse a birth date after ``op`` or more than `MAX_LEEFTIJD` years before it.

    Grounds: domain.md A1 (who is covered follows from the birth date).
    """
    if geboortedatum >= op:
        raise Afgewezen("geboortedatum", "in_het_verleden", "De geboortedatum moet vóór deze datum liggen.")
    if leeftijd_op(geboortedatum, op) > MAX_LEEFTIJD:
        raise Afgewezen("geboortedatum", "plausibele_leeftijd",
                        f"Deze persoon zou ouder zijn dan {MAX_LEEFTIJD} jaar; controleer de geboortedatum.")


def _bekend(leerling: Leerling | None) -> Leerling:
    if leerling is None:
        raise Afgewezen("pgn", "bekende_leerling", "Deze leerling is niet bekend bij de registratie.")
    return leerling


@dataclass(frozen=True)
class AlIngeschreven:
    """The enrolment states what registratie holds already (same school and start date, same details):
    acknowledged, nothing published. A school's system sends its whole file again, and DUO's register
    states the enrolment a school already fed; neither is a second enrolment on the log."""

    pseudoniem: str


def geldende_geboortedatum(gegeven: date, bekend: Leerling | None, door_school: bool) -> tuple[date, bool]:
    """The birth date an enrolment is decided with, and whether a school's differs from DUO's in the month
    (flagged for DUO/beheer). DUO's register takes a pupil's birth date from the BRP, which every public
    body must use for it (Wet BRP); a school's administration that states another month is not refused
    (that would tell it what DUO holds) but accepted with DUO's date. Only the month is compared: the log
    carries no more, and a school's record with another day in the same month changes nothing there.
    Why: a school and DUO that disagreed published the enrolment again on every upload, each correcting
    the other, and the age rules followed whichever came last.

    Grounds: domain.md B (DUO feeds register facts; a school's differing woongemeente is accepted and
    flagged, not refused), A1 (one age convention on the birth year-month).
    """
    duo = bekend.duo_geboortedatum if bekend is not None else None
    if not door_school or duo is None or (gegeven.year, gegeven.month) == (duo.year, duo.month):
        return gegeven, False
    return duo, True


def inschrijven(
    *,
    pseudoniem: str,
    regio: str,
    woongemeente: str,
    geboortedatum: date,
    school: str,
    school_type: SchoolType,
    vakantieregio: Vakantieregio,
    ingangsdatum: date,
    klas: str | None,
    isk: bool | None,
    vandaag: date,
    bekend: Leerling | None = None,
    vestiging_isk: bool = False,
) -> Besluit | AlIngeschreven:
    """An enrolment (B). A pupil registratie already knows keeps the woongemeente it knows: a move is
    a DUO register fact (``Verhuisd``, routed to both regions), not something an enrolment implies,
    or the old region's office would never hear of it (A5 moving house).

    An enrolment registratie holds (same school and start date) is one enrolment: stated again with
    the same details it is :class:`AlIngeschreven`, as a re-uploaded absence is a duplicate (A2); with
    another class, type, ISK flag or birth month it is published again, correcting the details. The birth
    month is compared with the one *this* enrolment stated: two schools whose records disagree would
    otherwise publish again on every upload, each correcting the other. A row without a
    class or ISK flag keeps the one held (DUO's register does not know a school's classes, nor what a
    school said of ISK); without an ISK flag and with nothing held, the location's (``vestiging_isk``).

    Grounds: domain.md B (DUO and schools feed enrolments; a move is DUO's), A5 (moving house) and A2
    (a re-uploaded file changes nothing).
    """
    if bekend is not None and bekend.woongemeente != woongemeente:
        raise Afgewezen("woongemeente", "gelijk_aan_registratie",
                        "De woongemeente wijkt af van de registratie; een verhuizing wordt door DUO gemeld.")
    if ingangsdatum > vandaag:
        raise Afgewezen("ingangsdatum", "niet_in_toekomst", "De ingangsdatum mag niet in de toekomst liggen.")
    if geboortedatum >= ingangsdatum:
        raise Afgewezen(
            "geboortedatum", "voor_ingangsdatum", "De geboortedatum moet vóór de ingangsdatum liggen."
        )
    plausibele_geboortedatum(geboortedatum, ingangsdatum)
    geboortejaar_maand = f"{geboortedatum.year:04d}-{geboortedatum.month:02d}"
    gehouden = _zelfde_inschrijving(bekend, school, ingangsdatum)
    if gehouden is not None:
        klas = gehouden.klas if klas is None else klas
        isk = gehouden.isk if isk is None else isk
    isk = vestiging_isk if isk is None else isk
    if gehouden is not None and bekend is not None and (
            gehouden.school_type, gehouden.vakantieregio, gehouden.klas, gehouden.isk,
            gehouden.geboortejaar_maand or bekend.geboortejaar_maand,
    ) == (school_type, vakantieregio, klas, isk, geboortejaar_maand):
        return AlIngeschreven(pseudoniem)
    event = LeerlingIngeschreven(
        school=school_of(school), school_type=school_type, ingangsdatum=ingangsdatum,
        vakantieregio=vakantieregio, woongemeente=woongemeente,
        geboortejaar_maand=geboortejaar_maand, klas=klas, isk=isk,
    )
    return Besluit(pseudoniem, regio, (event,))


def _zelfde_inschrijving(bekend: Leerling | None, school: str, ingangsdatum: date) -> Inschrijving | None:
    """The enrolment held at this school from this date (the key of registratie's own table)."""
    if bekend is None:
        return None
    return next((i for i in bekend.inschrijvingen if (i.school, i.ingangsdatum) == (school, ingangsdatum)), None)


def na_inschrijving(bekend: Leerling | None, besluit: Besluit) -> Leerling:
    """The pupil as an enrolment leaves it, for the next row of the same pupil in a batch: the rows of
    one pupil are decided in order, each against what the earlier ones left, as single enrolments a
    moment apart would be. An enrolment registratie holds already (same school and date) stays one,
    with the details the later row states (its end date, if any, kept).

    Grounds: domain.md B (schools and DUO feed enrolments; a move is DUO's fact, not an enrolment's).
    """
    [event] = besluit.events
    assert isinstance(event, LeerlingIngeschreven)
    ins = Inschrijving(event.school.code, event.school_type, event.vakantieregio, event.ingangsdatum, None,
                       event.klas, event.isk, event.geboortejaar_maand)
    if bekend is None:
        return Leerling(besluit.pseudoniem, event.woongemeente, besluit.regio, (ins,),
                        geboortejaar_maand=event.geboortejaar_maand)
    gehouden = _zelfde_inschrijving(bekend, ins.school, ins.ingangsdatum)
    if gehouden is not None:
        return replace(bekend, geboortejaar_maand=event.geboortejaar_maand, inschrijvingen=tuple(
            replace(ins, einddatum=i.einddatum) if i is gehouden else i for i in bekend.inschrijvingen))
    return replace(bekend, inschrijvingen=(*bekend.inschrijvingen, ins))


#: **Decision** (A2, "what a registration is"): all codes of one pupil on one day together cannot
#: exceed one school day. The domain allows the hours the school scheduled that day once it publishes
#: its timetable, but ``LesurenGepland`` is per class per ISO *week*: no per-day schedule exists, so
#: the fixed school day applies to every school type (clock hours in po, lesson hours elsewhere).
MAX_UREN_PER_SCHOOLDAG = Decimal(10)


@dataclass(frozen=True)
class Duplicaat:
    """The registration states a fact registratie already holds (A2): acknowledged, nothing
    published, no hours added. ``afwezigheid_id`` is the absence that holds it."""

    afwezigheid_id: UUID


def alleen_schooldag(datum: date, ins: Inschrijving, kalender: SchoolKalender) -> None:
    """A2: absence exists only on the pupil's school days (the enrolment's vakantieregio). Refuses a
    date outside the known school calendar as well: there the lesweken that decide what counts (A3.1)
    cannot be known, so the absence would be counted wrongly.

    Grounds: domain.md A2, Decision (what a registration is).
    """
    regio = kalenderregio(ins.vakantieregio)
    try:
        if kalender.is_schooldag(datum, regio):
            return
        vakantie = kalender.vakantie_op(datum, regio)
    except BuitenKalenderbereik:
        raise Afgewezen("datum", "binnen_schoolkalender",
                        "Voor deze datum zijn de schoolvakanties nog niet bekend.") from None
    if datum.weekday() >= 5:
        waarom = "deze datum valt in het weekend"
    elif vakantie is not None:
        waarom = f"deze datum valt in de {vakantie.naam.lower()} van uw school"
    else:
        naam = feestdagen(datum.year).get(datum)
        waarom = f"deze datum is een feestdag ({naam})" if naam else "deze datum is een feestdag"
    raise Afgewezen("datum", "alleen_schooldagen",
                    f"Afwezigheid wordt alleen op schooldagen geregistreerd; {waarom}.")


def _binnen_schooldag(totaal: Decimal, veld: str) -> None:
    if totaal > MAX_UREN_PER_SCHOOLDAG:
        raise Afgewezen(veld, "maximaal_een_schooldag",
                        f"Alle afwezigheid van deze leerling op deze dag samen is ten hoogste één schooldag "
                        f"({MAX_UREN_PER_SCHOOLDAG} uur).")


def afwezigheid_registreren(
    leerling: Leerling | None,
    *,
    afwezigheid_id: UUID,
    school: str,
    datum: date,
    uren: Decimal,
    code: AfwezigheidCode,
    vandaag: date,
    kalender: SchoolKalender | None = None,
    dag: Sequence[AfwezigheidStand] = (),
) -> Besluit | Duplicaat:
    """A registration states, for one pupil, school, date and code, the **total** hours of that day
    (A2, "what a registration is"); ``dag`` is every absence of this pupil on ``datum`` as it stands.

    Accepted only for a pupil enrolled at the submitting school on that day, on one of its school days
    (:func:`alleen_schooldag`). Then, against what the school already registered for that day:

    * the same code with the same hours (summed, should a recoding have put two absences under one
      code) is a :class:`Duplicaat`; so is a statement equal to what a since-recoded absence held
      before (an old file uploaded again after the school recoded), when no absence holds that code
      now: a re-uploaded file changes nothing;
    * the same code with other hours is a correction, ``AfwezigheidGecorrigeerd`` (the code stays,
      ``oude_uren`` → ``nieuwe_uren``), never an overwrite: leerplicht, rmc and telling follow the
      event, and the rules are evaluated again;
    * another code is a new ``AfwezigheidGeregistreerd``.

    All codes of the pupil on that day together stay within :data:`MAX_UREN_PER_SCHOOLDAG`.

    Grounds: domain.md A2, Decision (what a registration is).
    """
    if datum > vandaag:
        raise Afgewezen(
            "datum", "niet_in_toekomst", "Afwezigheid kan niet in de toekomst worden geregistreerd."
        )
    if not Decimal("0") < uren <= Decimal("24"):
        raise Afgewezen("uren", "bereik_0_24", "Uren moet groter dan 0 en ten hoogste 24 zijn.")
    ins = leerling.inschrijving_op(school, datum) if leerling else None
    if leerling is None or ins is None:
        raise Afgewezen("leerling", "ingeschreven_op_school",
                        "Deze leerling is op die datum niet ingeschreven op uw school.")
    alleen_schooldag(datum, ins, kalender or standaard_kalender())
    dag = [a for a in dag if a.datum == datum]
    dagtotaal = sum((a.uren for a in dag), Decimal(0))
    zelfde = sorted((a for a in dag if a.school == school and a.code is code), key=lambda a: a.afwezigheid_id)
    if not zelfde:
        eerder = next((a for a in dag if a.school == school and (code, uren) in a.eerder), None)
        if eerder is not None:
            return Duplicaat(eerder.afwezigheid_id)
        _binnen_schooldag(dagtotaal + uren, "uren")
        event: Event = AfwezigheidGeregistreerd(
            afwezigheid_id=afwezigheid_id, school=school_of(school), datum=datum, uren=uren,
            eenheid=ins.school_type.uren_eenheid, code=code,
        )
        return Besluit(leerling.pseudoniem, leerling.regio, (event,))
    staand = sum((a.uren for a in zelfde), Decimal(0))
    if staand == uren:
        return Duplicaat(zelfde[0].afwezigheid_id)
    _binnen_schooldag(dagtotaal - staand + uren, "uren")
    # one absence per code and day is the rule; two arise only when a recoding moved one under the
    # code of another. The latest then takes the difference, when that leaves it any hours.
    doel = zelfde[-1]
    nieuw = uren - (staand - doel.uren)
    if nieuw <= 0:
        raise Afgewezen("uren", "eenduidige_correctie",
                        "Op deze dag staan meerdere afwezigheden met deze code; hercodeer ze afzonderlijk.")
    event = AfwezigheidGecorrigeerd(
        afwezigheid_id=doel.afwezigheid_id, datum=datum, oude_code=code, nieuwe_code=code,
        oude_uren=doel.uren, nieuwe_uren=nieuw,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def dag_na(dag: Sequence[AfwezigheidStand], besluit: Besluit, school: str) -> list[AfwezigheidStand]:
    """The absences of a pupil's day after ``besluit`` (of :func:`afwezigheid_registreren`) took effect,
    so that the next row of the same batch is decided against it (the first row of a key wins).

    Grounds: domain.md A2, Decision (what a registration is).
    """
    uit = list(dag)
    for event in besluit.events:
        if isinstance(event, AfwezigheidGeregistreerd):
            uit.append(AfwezigheidStand(event.afwezigheid_id, besluit.pseudoniem, besluit.regio, school,
                                        event.datum, event.code, event.uren))
        elif isinstance(event, AfwezigheidGecorrigeerd):
            uit = [
                AfwezigheidStand(a.afwezigheid_id, a.pseudoniem, a.regio, a.school, a.datum, event.nieuwe_code,
                                 event.nieuwe_uren if event.nieuwe_uren is not None else a.uren,
                                 (*a.eerder, (a.code, a.uren)))
                if a.afwezigheid_id == event.afwezigheid_id else a
                for a in uit
            ]
    return uit


def afwezigheid_hercoderen(
    afwezigheid: AfwezigheidStand | None,
    *,
    school: str,
    nieuwe_code: AfwezigheidCode,
    nieuwe_uren: Decimal | None,
    dagtotaal: Decimal | None = None,
) -> Besluit:
    """A2: recoding is an event of its own (``AfwezigheidGecorrigeerd``), never an overwrite. Only the
    school that registered the absence recodes it; ``oude_code`` and ``oude_uren`` are the code and
    hours in force now (after earlier recodings), ``datum`` the day of the absence: with them (schema
    v2) telling moves the hours between its sums without keeping every absence (domain.md C).
    ``dagtotaal``, the pupil's hours of that day as they stand, keeps new hours within one school day
    (A2, :data:`MAX_UREN_PER_SCHOOLDAG`)."""
    if afwezigheid is None or afwezigheid.school != school:
        raise Afgewezen("afwezigheid_id", "eigen_afwezigheid",
                        "Deze afwezigheid is niet door uw school geregistreerd.")
    if nieuwe_uren is not None and not Decimal("0") < nieuwe_uren <= Decimal("24"):
        raise Afgewezen("nieuwe_uren", "bereik_0_24", "Uren moet groter dan 0 en ten hoogste 24 zijn.")
    if nieuwe_code is afwezigheid.code and (nieuwe_uren is None or nieuwe_uren == afwezigheid.uren):
        raise Afgewezen("nieuwe_code", "iets_gewijzigd", "De hercodering wijzigt de code noch de uren.")
    if nieuwe_uren is not None and dagtotaal is not None:
        _binnen_schooldag(dagtotaal - afwezigheid.uren + nieuwe_uren, "nieuwe_uren")
    event = AfwezigheidGecorrigeerd(
        afwezigheid_id=afwezigheid.afwezigheid_id, datum=afwezigheid.datum, oude_code=afwezigheid.code,
        nieuwe_code=nieuwe_code, oude_uren=afwezigheid.uren,
        nieuwe_uren=nieuwe_uren if nieuwe_uren != afwezigheid.uren else None,
    )
    return Besluit(afwezigheid.pseudoniem, afwezigheid.regio, (event,))


def melding_registreren(
    leerling: Leerling | None,
    *,
    melding_id: UUID,
    school: str,
    soort: MeldingSoort,
    startdatum: date,
    einddatum: date | None,
    uren: Decimal | None,
    herhaling: int,
    vandaag: date,
) -> Besluit:
    """A school files a verzuimmelding (A3, status Geregistreerd in A4). ``ABSOLUUT`` is not a
    school's report (the pupil is not enrolled anywhere, A3.6); a 16-uur report needs its end
    date and at least 16 hours (A3.1).

    A pupil registratie does not know gets the answer of a pupil enrolled elsewhere (domain.md B: a
    school learns nothing about another school's pupils), after every check that rests on the
    submission alone.

    Grounds: art. 21a Lpw (16 uur); domain.md A3, A4 (Geregistreerd) and B (no probing).
    """
    if soort is MeldingSoort.ABSOLUUT:
        raise Afgewezen("soort", "geen_absoluut_door_school",
                        "Absoluut verzuim wordt niet door een school gemeld.")
    _niet_in_toekomst("startdatum", startdatum, vandaag)
    if einddatum is not None:
        _niet_in_toekomst("einddatum", einddatum, vandaag)
        if einddatum < startdatum:
            raise Afgewezen("einddatum", "na_startdatum", "De einddatum ligt vóór de startdatum.")
    ins = leerling.inschrijving_op(school, startdatum) or (
        leerling.inschrijving_op(school, einddatum) if einddatum else None
    ) if leerling is not None else None
    if leerling is None or ins is None:
        raise Afgewezen("leerling", "ingeschreven_op_school",
                        "Deze leerling was in de meldperiode niet ingeschreven op uw school.")
    if soort is MeldingSoort.ZESTIEN_UUR and (einddatum is None or uren is None or uren < 16):
        raise Afgewezen("uren", "minimaal_16_uur",
                        "Een 16-uursmelding heeft een einddatum en minstens 16 uur ongeoorloofd verzuim.")
    if herhaling and soort is not MeldingSoort.ZESTIEN_UUR:
        herhaling = 0
    event = MeldingGeregistreerd(
        melding_id=melding_id, soort=soort, melder=Melder.SCHOOL, school=school_of(school),
        startdatum=startdatum, einddatum=einddatum, uren=uren,
        eenheid=ins.school_type.uren_eenheid if uren is not None else None, herhaling=min(herhaling, 4),
        woongemeente=leerling.woongemeente, geboortejaar_maand=leerling.geboortejaar_maand or None,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def melding_intrekken(melding: MeldingStand | None, *, school: str, reden: IntrekkingsReden) -> Besluit:
    """The school withdraws its own report (A4: Ingetrokken). Reason ``VRIJSTELLING`` (DUO's V) is
    automatic only (A3.10); a report leerplicht has finished with cannot be withdrawn.

    Grounds: domain.md A4 (Ingetrokken) and A3.10.
    """
    if melding is None or melding.school != school:
        raise Afgewezen("melding_id", "eigen_melding", "Deze melding is niet door uw school gedaan.")
    if reden is IntrekkingsReden.VRIJSTELLING:
        raise Afgewezen("reden", "vrijstelling_automatisch",
                        "Intrekken wegens vrijstelling gebeurt automatisch na registratie door DUO.")
    if melding.status.eindstatus:
        raise Afgewezen("melding_id", "niet_afgehandeld",
                        f"Deze melding heeft status '{melding.status.duo_label}' en kan niet meer worden "
                        "ingetrokken.")
    event = MeldingIngetrokken(melding_id=melding.melding_id, reden=reden)
    return Besluit(melding.pseudoniem, melding.regio, (event,))


def verlof_besluiten(
    leerling: Leerling | None,
    *,
    verlof_id: UUID,
    school: str,
    verleend: bool,
    soort: VerlofSoort,
    van: date,
    tot_en_met: date,
    schooldagen: int,
    beslisser: Beslisser,
    eerder: Sequence[VerlofStand],
    kalender: SchoolKalender,
) -> Besluit:
    """Leave decisions (A2, art. 13a/14 Lpw). Granted holiday leave: at most 10 school days, once per
    schooljaar, not in the first 2 lesweken; weighty circumstances: the head decides up to 10 days,
    the leerplichtambtenaar above. A refusal is recorded with the same facts. An unknown pupil gets the
    answer of a pupil enrolled elsewhere (domain.md B)."""
    if tot_en_met < van:
        raise Afgewezen("tot_en_met", "na_van", "De einddatum van het verlof ligt vóór de begindatum.")
    ins = leerling.inschrijving_op(school, van) if leerling is not None else None
    if leerling is None or ins is None:
        raise Afgewezen("leerling", "ingeschreven_op_school",
                        "Deze leerling is op de begindatum niet ingeschreven op uw school.")
    if soort is VerlofSoort.VAKANTIE and beslisser is not Beslisser.DIRECTEUR:
        raise Afgewezen("beslisser", "vakantieverlof_directeur",
                        "Over vakantieverlof (art. 13a) beslist de directeur.")
    if soort is VerlofSoort.GEWICHTIGE_OMSTANDIGHEDEN:
        nodig = Beslisser.LEERPLICHTAMBTENAAR if schooldagen > 10 else Beslisser.DIRECTEUR
        if beslisser is not nodig:
            raise Afgewezen("beslisser", "bevoegdheid_art_14",
                            "Tot en met 10 schooldagen beslist de directeur, daarboven de "
                            "leerplichtambtenaar (art. 14).")
    if verleend and soort is VerlofSoort.VAKANTIE:
        if schooldagen > 10:
            raise Afgewezen("schooldagen", "maximaal_10",
                            "Vakantieverlof is ten hoogste 10 schooldagen (art. 13a).")
        jaar = schooljaar_begin(van)
        if any(v.verleend and v.soort is VerlofSoort.VAKANTIE and schooljaar_begin(v.van) == jaar
               for v in eerder):
            raise Afgewezen("soort", "eenmaal_per_schooljaar",
                            "Vakantieverlof wordt eenmaal per schooljaar verleend (art. 13a).")
        regio = kalenderregio(ins.vakantieregio)
        try:
            weken = list(kalender.lesweken(regio, jaar, van))
        except BuitenKalenderbereik:
            raise Afgewezen("van", "binnen_schoolkalender",
                            "Voor deze datum zijn de schoolvakanties nog niet bekend.") from None
        if len(weken) <= VAKANTIEVERLOF_NIET_IN_EERSTE_LESWEKEN:
            raise Afgewezen("van", "niet_eerste_twee_lesweken",
                            "Vakantieverlof mag niet in de eerste twee lesweken van het schooljaar vallen.")
    cls = VerlofVerleend if verleend else VerlofGeweigerd
    event = cls(verlof_id=verlof_id, school=school_of(school), soort=soort, van=van, tot_en_met=tot_en_met,
                schooldagen=schooldagen, beslisser=beslisser)
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def uitschrijven(
    leerling: Leerling | None,
    *,
    school: str,
    uitschrijfdatum: date,
    reden: UitschrijvingsReden,
    met_startkwalificatie: bool,
    naar_school: str | None,
    vandaag: date,
) -> Besluit:
    """Un-enrolment (B). ``uitschrijfdatum`` is the last day of enrolment (**Decision**: inclusive,
    like ``Enrolment.end``). An SK implies reden ``DIPLOMA``; a new school only with ``OVERSTAP``.
    An unknown pupil gets the answer of a pupil not enrolled with ``school`` (domain.md B: a school
    cannot tell an unknown pupil from another school's).

    Grounds: domain.md B and A3.6 (an un-enrolment may start absoluut verzuim).
    """
    _niet_in_toekomst("uitschrijfdatum", uitschrijfdatum, vandaag)
    ins = leerling.open_inschrijving(school) if leerling is not None else None
    if leerling is None or ins is None:
        raise Afgewezen("school", "ingeschreven_op_school", "Deze leerling is niet ingeschreven op deze school.")
    if uitschrijfdatum < ins.ingangsdatum:
        raise Afgewezen("uitschrijfdatum", "na_ingangsdatum", "De uitschrijfdatum ligt vóór de ingangsdatum.")
    if met_startkwalificatie and reden is not UitschrijvingsReden.DIPLOMA:
        raise Afgewezen("reden", "startkwalificatie_met_diploma",
                        "Uitschrijving met startkwalificatie heeft reden DIPLOMA.")
    if naar_school is not None and reden is not UitschrijvingsReden.OVERSTAP:
        raise Afgewezen("naar_school", "alleen_bij_overstap", "Een nieuwe school hoort alleen bij reden OVERSTAP.")
    event = LeerlingUitgeschreven(
        school=school_of(school), uitschrijfdatum=uitschrijfdatum, reden=reden,
        met_startkwalificatie=met_startkwalificatie,
        naar_school=school_of(naar_school) if naar_school else None,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def verhuizen(
    leerling: Leerling | None, *, verhuisdatum: date, nieuwe_gemeente: str, nieuwe_regio: str, vandaag: date
) -> Besluit:
    """A DUO move (B; A5 moving house): published on the old region's topic and, when the region
    changes, on the new one's too (same event id). Later events go to the new region.

    Grounds: domain.md A5 (moving house) and A4 (routed to the woongemeente).
    """
    leerling = _bekend(leerling)
    _niet_in_toekomst("verhuisdatum", verhuisdatum, vandaag)
    if nieuwe_gemeente == leerling.woongemeente:
        raise Afgewezen("nieuwe_gemeente", "andere_gemeente", "De nieuwe woongemeente is gelijk aan de huidige.")
    event = Verhuisd(
        verhuisdatum=verhuisdatum, oude_gemeente=leerling.woongemeente, nieuwe_gemeente=nieuwe_gemeente,
        oude_regio=leerling.regio, nieuwe_regio=nieuwe_regio,
    )
    ook = (nieuwe_regio,) if nieuwe_regio != leerling.regio else ()
    return Besluit(leerling.pseudoniem, leerling.regio, (event,), ook_naar=ook)


def startkwalificatie_behaald(
    leerling: Leerling | None, *, datum: date, niveau: StartkwalificatieNiveau, school: str | None, vandaag: date
) -> Besluit:
    """SK obtained (A1: kwalificatieplicht ends; the person leaves the Doorstroompunt group).

    Grounds: art. 4a Lpw; domain.md A1 (kwalificatieplicht ends with SK).
    """
    leerling = _bekend(leerling)
    _niet_in_toekomst("datum", datum, vandaag)
    event = StartkwalificatieBehaald(datum=datum, niveau=niveau, school=school_of(school) if school else None)
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def vrijstelling_registreren(
    leerling: Leerling | None,
    *,
    vrijstelling_id: UUID,
    artikel: Vrijstellingsartikel,
    van: date,
    tot_en_met: date | None,
) -> Besluit:
    """A DUO vrijstelling (B, C). Overlapping reports are withdrawn by the rules afterwards (A3.10).

    The event carries the woongemeente registratie holds for the person (schema v2): the one DUO gave
    when the person was new here, else the current one (after DUO's moves), so telling counts the
    vrijstelling there, enrolled or not (C, Decision).

    Grounds: domain.md C, Decision (a vrijstelling counts in DUO's woongemeente) and A3.10.
    """
    leerling = _bekend(leerling)
    if tot_en_met is not None and tot_en_met < van:
        raise Afgewezen("tot_en_met", "na_van", "De einddatum van de vrijstelling ligt vóór de begindatum.")
    event = VrijstellingGeregistreerd(vrijstelling_id=vrijstelling_id, artikel=artikel, van=van,
                                      tot_en_met=tot_en_met, woongemeente=leerling.woongemeente)
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def absoluut_verzuim_kandidaat(
    leerling: Leerling | None, *, sinds: date, plicht: Plicht | None, vandaag: date
) -> Besluit:
    """A DUO candidate for absoluut verzuim (A3.6). Only for a person who is leer- or
    kwalificatieplichtig today and not enrolled anywhere according to registratie's own state.

    Grounds: art. 2 Lpw; domain.md A3.6.
    """
    leerling = _bekend(leerling)
    _niet_in_toekomst("sinds", sinds, vandaag)
    if plicht is None:
        raise Afgewezen("geboortedatum", "leer_of_kwalificatieplichtig",
                        "Deze persoon is vandaag niet leer- of kwalificatieplichtig.")
    if leerling.ingeschreven_op(vandaag):
        raise Afgewezen("pgn", "niet_ingeschreven", "Deze leerling is volgens de registratie ingeschreven.")
    event = AbsoluutVerzuimGesignaleerd(
        bron=SignaalBron.DUO, plicht=plicht, sinds=sinds, woongemeente=leerling.woongemeente,
        geboortejaar_maand=leerling.geboortejaar_maand,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))
