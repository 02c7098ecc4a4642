"""telling's projection: a batch is folded in memory, then written with a handful of set-based statements.

Per batch (one transaction, run by :class:`~leerrecht.projection.ProjectionRunner`):

1. The high-volume absence events (~90 % of the log) add to sums (:func:`~telling.domain.figures.effects`).
   They are read with a fast path (:func:`_afwezigheid`: the few fields needed, checked as the contract
   does, no full pydantic decode) and aggregated in memory per (schooljaar, region, soort,
   registratiedag), so the cells and their history are written once per batch, not once per absence.
   An unauthorised absence also tells the pupil's facts the earliest such day per (schooljaar, region)
   (:class:`~telling.domain.figures.EersteOngeoorloofd`), reduced in memory per (pupil, schooljaar,
   region, registratiedag) first; a day no earlier than one already known on an earlier or the same
   registratiedag changes no figure and is dropped before any fold (:func:`_al_bekend`), so the usual
   later absence costs the pupil's row lock and read, no derivation and no write. Events of types
   telling does not count are not decoded at all.
2. Every person in the batch is locked (their ``leerling_feiten`` row, ``FOR UPDATE``, in sorted order):
   two instances of one consumer group can hold the two regional topics of a person who moved, and
   must not both fold that person's facts from the same old state (a lost update). Then up to
   :data:`WEKKERS_PER_BATCH` persons the klok passed, skipping those another transaction holds
   (:func:`_wek`).
3. For every person with a stateful event, load their facts *per registratiedag*, fold the batch's
   events into the day they were recorded (:func:`~telling.domain.figures.neem_op`), and compare before
   and after (:func:`~telling.domain.historie.verwerk`): per cell and registratiedag the change of the
   person's contribution (the members that crossed the indicator's ``drempel`` of distinct sources).
4. Cell values change by the sum of those changes over the days: the person's contribution after the
   fold minus before it. The cost is what the batch touches, not the size of a national cell, and an
   event folded twice changes no fact and so nothing. Memberships are not stored: a member is a
   person's pseudonym or one of their dossiers, derived from that person's facts alone, which the
   person's row lock keeps to one fold at a time (issue 16, seventh round: the ``lidmaatschap`` rows
   were 1.2 of PostgreSQL's new rows per event, only to count what the fold already knows).
5. The history (``cel_historie_maand``: per cell and month one row, the change of its value per
   registratiedag in an array) gets the same changes, attributed to the day the events were recorded:
   the figures as of a past peildatum (:mod:`telling.domain.historie`: event time versus recorded time).
6. The (indicator, periode) tables touched go to the outbox ``cijfer_gewijzigd`` for the count stream.

**The klok** (``telling_klok``): the day before the latest registratiedag read. It comes from the log,
never from the wall clock: a rebuild reaches the same one. A batch that moves it on takes its row
exclusively; other batches share it, so the klok never moves under a batch of another instance (the
row is locked before any person: no deadlock). A person whose ``wekker`` the klok passed (an LRV
report open for 3 months now, a 1 October of the vsv startset) is *behind*: each batch brings at most
:data:`WEKKERS_PER_BATCH` of them up to date, each from the klok it was computed at (``klok`` per
person), and :func:`inhalen` does the rest when the log is quiet. Why chunks: on 1 October every pupil
in vo and mbo wakes at once; one batch for all of them would hold the event loop for minutes (the
consumer's heartbeats expired in the 1M benchmark). The figures are final once nobody is behind
(:func:`achterstand`); the rebuild and the hash wait for that.

All of it is safe under replay: the runner skips applied offsets, and the facts are a set union (an
event folded twice changes nothing, so neither a cell nor its history moves). Only the absence sums
rely on the runner's event-id dedupe, so only the absences' ids are recorded
(:attr:`TellingProjection.eigen_sleutel`). Keys are
sorted before writing and cells are upserted in one statement, so concurrent instances of one group
wait for each other's row locks instead of deadlocking (a deadlock would still only retry the batch).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import ClassVar
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import TypeAdapter

from contracts import snel as snel_lezen
from contracts.catalogue import event_classes, from_envelope, schema_uri
from contracts.codes import AfwezigheidCode
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registratie import AfwezigheidGecorrigeerd, AfwezigheidGeregistreerd, Verhuisd
from leerrecht.overslaan import SnelleLezer, snelle_lezer
from leerrecht.projection import Delivered
from leerrecht.rijen import rijen_sql, tekst
from telling.domain.figures import (
    INDICATOREN,
    LEEG,
    STATEFUL_TYPES,
    Cell,
    Feiten,
    afwezigheid_som_cellen,
    afwezigheid_soort,
    is_leeg,
    met_ongeoorloofd,
    neem_op,
    schooljaar,
)
from telling.domain.historie import Dagen, verwerk, wekker

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAGEN = TypeAdapter(dict[date, Feiten])

WEKKERS_PER_BATCH = 1000

Sleutel = tuple[str, str, str, str]  # (indicator, gebied, periode, uitsplitsing)


def _key(c: Cell) -> Sleutel:
    return (c.indicator, c.gebied, c.periode, c.uitsplitsing)

BEKEND = frozenset(c.event_type for c in event_classes())
"""Types in the catalogue. A record of any other type is no fact telling can place, so it must not move
the klok either (a klok moved on wakes persons and changes figures): it is skipped like a type telling
does not count."""

AFWEZIG = AfwezigheidGeregistreerd.event_type
_AFWEZIG_VERSIE = AfwezigheidGeregistreerd.schema_version
_AFWEZIG_SCHEMA = schema_uri(AFWEZIG, _AFWEZIG_VERSIE)
_AFWEZIG_VELDEN = frozenset(AfwezigheidGeregistreerd.model_fields)
_SOORT = {c.value: afwezigheid_soort(c) for c in AfwezigheidCode}
_HONDERDSTE = Decimal("0.01")


@lru_cache(maxsize=4096)
def _som_cellen(jaar: str, regio: str, soort: str) -> tuple[tuple[tuple[Sleutel, Cell], ...], ...]:
    """:func:`~telling.domain.figures.afwezigheid_som_cellen` with their keys, computed once."""
    return tuple(tuple((_key(c), c) for c in cells) for cells in afwezigheid_som_cellen(jaar, regio, soort))


@lru_cache(maxsize=8192)
def _dag(datum: str) -> tuple[str, date] | None:
    """(schooljaar, date) of an ISO date string (``None``: not a plain ``YYYY-MM-DD``)."""
    if len(datum) != 10 or datum[4] != "-" or datum[7] != "-":
        return None
    try:
        d = date.fromisoformat(datum)
    except ValueError:
        return None
    return schooljaar(d), d


def _afwezigheid(env: Envelope) -> tuple[str, str, Decimal, date]:
    """(schooljaar, soort, uren, datum) of an absence: the fast path for ~90 % of the log.

    Why not :func:`~contracts.catalogue.from_envelope`: a full pydantic decode of the payload costs
    more than everything else telling does with an absence (../shared/notes/perf-baselines.md: decode
    trusted internal events with the fastest correct path). The fields telling uses are checked as
    strictly as the contract does (date, code, 0 < uren <= 24 with at most 2 decimals, the field set);
    anything else (another schema version to upcast, an odd value) takes the full decode, which
    raises for an invalid payload exactly as before (dead letter)."""
    data = env.data
    if (env.schema_version == _AFWEZIG_VERSIE and env.dataschema in (None, _AFWEZIG_SCHEMA)
            and data.keys() == _AFWEZIG_VELDEN):
        dag = _dag(data["datum"]) if isinstance(data["datum"], str) else None
        soort = _SOORT.get(data["code"]) if isinstance(data["code"], str) else None
        u = data["uren"]
        uren: Decimal | None = None
        # as pydantic reads a JSON number into a Decimal: an integral float becomes an integer
        if isinstance(u, float):
            uren = Decimal(int(u)) if u.is_integer() else Decimal(repr(u))
        elif isinstance(u, int) and not isinstance(u, bool):
            uren = Decimal(u)
        if (dag is not None and soort is not None and uren is not None and 0 < uren <= 24
                and uren.quantize(_HONDERDSTE) == uren):
            return dag[0], soort, uren, dag[1]
    event = from_envelope(env)
    assert isinstance(event, AfwezigheidGeregistreerd)
    return schooljaar(event.datum), afwezigheid_soort(event.code), event.uren, event.datum


@lru_cache(maxsize=4096)
def _uren(tekst: str) -> Decimal:
    return Decimal(tekst)


def _afwezigheid_uit_tekst(groepen: Sequence[str]) -> tuple[str, str, Decimal, date] | None:
    """:func:`_afwezigheid` of a payload matched by :data:`contracts.snel.AFWEZIGHEID_DATA` (its groups):
    read as leerplicht reads it (:func:`contracts.snel.afwezigheid_rij_uit_tekst`, checked as strictly as
    the contract), the hours' text being what :func:`_afwezigheid` makes a Decimal of."""
    rij = snel_lezen.afwezigheid_rij_uit_tekst(groepen)
    if rij is None:
        return None
    dag, soort = _dag(rij[2]), _SOORT.get(rij[5])
    if dag is None or soort is None:
        return None
    return dag[0], soort, _uren(rij[3]), dag[1]


_afwezigheid_uit_record = snelle_lezer(snel_lezen.AFWEZIG, snel_lezen.VERSIE, snel_lezen.SCHEMA,
                                       snel_lezen.AFWEZIGHEID_DATA, _afwezigheid_uit_tekst)
"""An absence's header and (schooljaar, soort, uren, datum) read from the record, without the pydantic
envelope (:func:`leerrecht.overslaan.snelle_lezer`): ~90 % of the log."""


@lru_cache(maxsize=4096)
def _vastgelegd_op(recordedtime: str) -> date:
    """The registratiedag of an event read from its record: its ``recordedtime`` as the record writes it
    (RFC 3339, checked by the reader) on Amsterdam's calendar, as ``recorded_at`` gives it from the
    envelope. Cached: the events of one publication share their recording time."""
    return datetime.fromisoformat(recordedtime).astimezone(AMSTERDAM).date()


GECORRIGEERD = AfwezigheidGecorrigeerd.event_type
Sommen = dict[tuple[str, str, str, date], tuple[int, Decimal]]
Hercodering = tuple[str, str, Decimal, str, Decimal, date]
Eersten = dict[str, dict[tuple[str, str, date], date]]
"""Per pupil, per (schooljaar, region, registratiedag), the earliest unauthorised absence day of a batch."""
SomLeden = dict[tuple[str, str, str, str], tuple[int, Decimal, date, date]]
"""Per (schooljaar, regio, soort, pupil) what the batch adds to the pupil's part of the sums: (aantal,
uren, earliest and latest registratiedag); see :func:`_som_personen`."""


def _som_lid(leden: SomLeden, jaar: str, regio: str, soort: str, lid: str, aantal: int, uren: Decimal,
             dag: date) -> None:
    k = (jaar, regio, soort, lid)
    v = leden.get(k)
    leden[k] = (aantal, uren, dag, dag) if v is None else (v[0] + aantal, v[1] + uren, min(v[2], dag), max(v[3], dag))


def _hercodering(env: Envelope) -> Hercodering | None:
    """(schooljaar, old soort, old hours, new soort, new hours, day of the absence) of a recoding
    (domain.md A2), or ``None`` when it moves nothing.

    Why this is enough without keeping each absence: schema v2 of ``AfwezigheidGecorrigeerd`` carries
    the absence's ``datum`` and the hours in force before the correction (``oude_uren``), so the sums
    are corrected from the event alone. A v1 correction (upcast: both ``None``) cannot be placed in a
    schooljaar nor sized, and telling does not guess: it moves nothing (documented in the indicators'
    ``uitgesteld``). Recodings are a small share of the log: the full decode is fine here."""
    event = from_envelope(env)
    assert isinstance(event, AfwezigheidGecorrigeerd)
    if event.datum is None or event.oude_uren is None:
        return None
    nieuwe_uren = event.nieuwe_uren if event.nieuwe_uren is not None else event.oude_uren
    return (schooljaar(event.datum), afwezigheid_soort(event.oude_code), event.oude_uren,
            afwezigheid_soort(event.nieuwe_code), nieuwe_uren, event.datum)


def _eerste(eersten: Eersten, subject: str, jaar: str, regio: str, geregistreerd: date, datum: date) -> None:
    per = eersten.setdefault(subject, {})
    k = (jaar, regio, geregistreerd)
    eerder = per.get(k)
    if eerder is None or datum < eerder:
        per[k] = datum


def _al_bekend(dagen: dict[date, Feiten], jaar: str, regio: str, geregistreerd: date, datum: date) -> bool:
    """An unauthorised absence on ``datum`` recorded on ``geregistreerd`` changes nothing when a day no
    later than it is known for the same schooljaar and region on a registratiedag no later than its
    own: the facts as they stood on every day from ``geregistreerd`` on already hold that minimum, so
    the memberships and their history are the same with or without it."""
    return any(d <= geregistreerd and any(e.regio == regio and e.datum <= datum and schooljaar(e.datum) == jaar
                                          for e in f.ongeoorloofd)
               for d, f in dagen.items())


def _verschuif(sommen: Sommen, regio: str, dag: date, hercodering: Hercodering) -> None:
    """Fold a recoding into the batch's absence sums: ``oude_uren`` leave the old soort's hours and the
    new hours join the new soort's (within one soort only the difference remains), in the schooljaar of
    the absence and the event's region, attributed to the recoding's registratiedag ``dag`` (the
    history, like absences). The count of registrations does not change (``aantal`` 0: a recoding is
    not a new absence). Replay safety is the runner's event-id dedupe, as for the absence sums.

    The event's region is the pupil's region when recoding: after a move between the absence and its
    recoding the hours leave the new region's sum (the national sum is exact either way)."""
    jaar, oude_soort, oude_uren, nieuwe_soort, nieuwe_uren, _ = hercodering
    for soort, uren in ((oude_soort, -oude_uren), (nieuwe_soort, nieuwe_uren)):
        sk = (jaar, regio, soort, dag)
        som = sommen.get(sk)
        sommen[sk] = (0, uren) if som is None else (som[0], som[1] + uren)


def _kopie_nieuwe_regio(event: Event, regio: str) -> bool:
    """Whether this is the new region's copy of a move between regions. registratie publishes a move on
    the old region's topic and also on the new one's, as one envelope with only ``region`` changed (same
    id, same times). The fold of a move does not read the region it came from, so the two copies give
    the same facts; telling folds the old region's copy only. Why: the person's row lock would otherwise
    make a process holding the new region's topic wait for the one holding the old region's topic, for
    its whole transaction (see :attr:`TellingProjection.eigen_sleutel`)."""
    return isinstance(event, Verhuisd) and event.regio_gewijzigd and regio == event.nieuwe_regio


PersoonEvent = tuple[Event, str, date, date, datetime]
"""A stateful event of a person in a batch: the event, its region, its day, its registratiedag and when it
was recorded (:func:`~telling.domain.figures.neem_op`)."""


class TellingProjection:
    name = "telling"
    eigen_sleutel: ClassVar[frozenset[str]] = BEKEND - {AFWEZIG, GECORRIGEERD}
    """Every type but the absences' is idempotent by construction (module doc: a person's facts are a set
    union, so a fact folded twice changes nothing), so the runner records no id of theirs in
    ``applied_event`` (:data:`~leerrecht.projection.EIGEN_SLEUTEL`); only the absence sums rely on that
    dedupe. Why: a move is one event on two regions' topics (same id). Two processes of a rebuild, or
    two instances, each holding one of the topics, made the second wait on the first's uncommitted id,
    i.e. for its whole transaction, about once per batch (issue 16: the rebuild with two processes ran
    no faster than one)."""
    snel: ClassVar[Mapping[str, SnelleLezer]] = MappingProxyType({AFWEZIG: _afwezigheid_uit_record})
    """The absences (~90 % of the log) are read from their records without the pydantic envelope
    (:data:`leerrecht.projection.SNEL`): ``apply`` gets them as a ``SnelGelezen`` whose ``gelezen`` is
    what :func:`_afwezigheid` gives; a record the reader cannot tell is decoded fully, as before.
    Measured in issue 16 (``benchmarks/METINGEN.md``, the nineteenth session)."""

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        # absences, aggregated in memory: (schooljaar, regio, soort, registratiedag) -> [aantal, uren],
        # and per pupil with an ongeoorloofde absence the earliest day per (schooljaar, regio, registratiedag)
        sommen: dict[tuple[str, str, str, date], tuple[int, Decimal]] = {}
        eersten: Eersten = {}
        per_persoon: dict[str, list[PersoonEvent]] = {}
        som_leden: SomLeden = {}
        laatste_dag: date | None = None
        for d in events:
            kop = d.kop
            if kop is not None:  # an absence read from its record (``snel``): the header and _afwezigheid's
                regio, soort_event, subject = kop.region, kop.type, kop.subject
                if regio is None:
                    continue
                dag_vastgelegd = _vastgelegd_op(kop.recordedtime)
            else:
                env = d.envelope
                regio, soort_event, subject = env.region, env.type, env.subject
                if regio is None or soort_event not in BEKEND:
                    continue
                dag_vastgelegd = env.recorded_at.astimezone(AMSTERDAM).date()
            if laatste_dag is None or dag_vastgelegd > laatste_dag:
                laatste_dag = dag_vastgelegd
            if soort_event == AFWEZIG:
                jaar, soort, uren, datum = d.gelezen if kop is not None else _afwezigheid(env)  # type: ignore[attr-defined]
                geregistreerd = dag_vastgelegd
                sk = (jaar, regio, soort, geregistreerd)
                som = sommen.get(sk)
                sommen[sk] = (1, uren) if som is None else (som[0] + 1, som[1] + uren)
                _som_lid(som_leden, jaar, regio, soort, subject, 1, uren, geregistreerd)
                if soort == "ongeoorloofd":
                    _eerste(eersten, subject, jaar, regio, geregistreerd, datum)
            elif soort_event == GECORRIGEERD:
                hercodering = _hercodering(env)
                if hercodering is not None:
                    geregistreerd = dag_vastgelegd
                    _verschuif(sommen, regio, geregistreerd, hercodering)
                    jaar, oude_soort, oude_uren, nieuwe_soort, nieuwe_uren, _ = hercodering
                    _som_lid(som_leden, jaar, regio, oude_soort, env.subject, 0, -oude_uren, geregistreerd)
                    _som_lid(som_leden, jaar, regio, nieuwe_soort, env.subject, 0, nieuwe_uren, geregistreerd)
                    if hercodering[3] == "ongeoorloofd":  # recoded to ongeoorloofd: now has one (never retracted)
                        _eerste(eersten, env.subject, hercodering[0], regio, geregistreerd, hercodering[5])
            elif soort_event in STATEFUL_TYPES:
                # events of types telling does not count are not even decoded
                event = from_envelope(env)
                if _kopie_nieuwe_regio(event, regio):
                    continue
                geregistreerd = dag_vastgelegd
                dag = env.time.astimezone(AMSTERDAM).date()
                per_persoon.setdefault(env.subject, []).append((event, regio, dag, geregistreerd, env.recorded_at))

        # everything below is keyed by plain tuples: hashing them is cheaper than hashing Cells
        cellen: dict[Sleutel, Cell] = {}
        delta: dict[Sleutel, Decimal | int] = defaultdict(int)
        historie: dict[tuple[str, str, str, str, date], Decimal | int] = defaultdict(int)
        for (jaar, regio, soort, geregistreerd), (aantal, uren) in sommen.items():
            tellen, optellen = _som_cellen(jaar, regio, soort)
            for sleutel, cell in tellen if aantal else ():  # 0: only recodings (hours, no new absence)
                cellen[sleutel] = cell
                delta[sleutel] += aantal
                historie[(*sleutel, geregistreerd)] += aantal
            for sleutel, cell in optellen:
                cellen[sleutel] = cell
                delta[sleutel] += uren
                historie[(*sleutel, geregistreerd)] += uren

        klok = await _klok(conn, laatste_dag - timedelta(days=1) if laatste_dag else None)
        eigen = per_persoon.keys() | eersten.keys()
        oud = await _vergrendel(conn, sorted(eigen), eigen)
        wakker = await _wek(conn, klok, eigen, oud)
        geraakt, feiten_historie = await self._feiten(conn, per_persoon, eersten, oud, wakker, klok)
        for (cell, dag), n in feiten_historie.items():
            sleutel = _key(cell)
            historie[(*sleutel, dag)] += n
            delta[sleutel] += n  # the live value is the sum of its history
        for cell in geraakt:
            cellen.setdefault(_key(cell), cell)
        if som_leden:
            await _som_personen(conn, som_leden)
        # One statement for the cells, their history and the outbox: the runner gives a rebuild many
        # small partition batches, where round trips, not rows, are the cost. Keys are sorted in every
        # part (no deadlock between instances); numbers travel as text: exact, and asyncpg encodes
        # text arrays far cheaper than numeric ones. A cell the batch touched without changing it (members
        # that came and went, a net 0) keeps its row version: no update, no index entry (issue 16).
        keys = sorted(cellen)
        rijen = _historie_rijen(historie)
        tabellen = sorted({(k[0], k[2]) for k in cellen if INDICATOREN[k[0]].gepubliceerd})
        if keys or rijen:
            await conn.execute(
                "WITH cel AS (INSERT INTO cijfer (indicator, gebied, periode, uitsplitsing, ouder, waarde) "
                f"SELECT i, g, p, u, NULLIF(o, ''), w::numeric FROM {rijen_sql(1, 6)} AS t(i, g, p, u, o, w) "
                "ON CONFLICT (indicator, gebied, periode, uitsplitsing) DO UPDATE SET "
                "waarde = cijfer.waarde + EXCLUDED.waarde, ouder = COALESCE(EXCLUDED.ouder, cijfer.ouder) "
                "WHERE EXCLUDED.waarde <> 0 OR EXCLUDED.ouder IS DISTINCT FROM cijfer.ouder), "
                "hist AS (INSERT INTO cel_historie_maand (indicator, gebied, periode, uitsplitsing, maand, mutaties) "
                f"SELECT i, g, p, u, d::date, m::numeric[] FROM {rijen_sql(2, 6)} AS t(i, g, p, u, d, m) "
                "ON CONFLICT (indicator, gebied, periode, uitsplitsing, maand) DO UPDATE SET mutaties = "
                f"{HISTORIE_OPTELLEN}) "
                f"INSERT INTO cijfer_gewijzigd (indicator, periode) SELECT * FROM {rijen_sql(3, 2)} AS t",
                tekst([(*k, cellen[k].ouder or "", str(delta.get(k, 0))) for k in keys], 6),
                tekst(rijen, 6), tekst(tabellen, 2),
            )

    async def _feiten(self, conn: asyncpg.Connection, per_persoon: dict[str, list[PersoonEvent]],
                      eersten: Eersten, oud: dict[str, tuple[Dagen, date | None]], wakker: Iterable[str],
                      klok: date | None,
                      ) -> tuple[set[Cell], dict[tuple[Cell, date], Decimal]]:
        """Fold the batch into each person's facts per registratiedag, and bring every person (those of
        the batch and the woken ones) from the klok they were computed at to the current one; return the
        cells of the memberships gained or lost (a cell gets its row even while its value stays 0, as
        it always did) and the history mutations. A person here only for absences that
        change nothing (:func:`_al_bekend`) costs nothing more: their klok moves with their ``wekker``,
        like that of any person outside the batch."""
        geraakt: set[Cell] = set()
        historie: dict[tuple[Cell, date], Decimal] = defaultdict(Decimal)
        opslaan: list[tuple[str, str | None, date | None, date | None]] = []
        wakker = set(wakker)
        for persoon in sorted(per_persoon.keys() | wakker | eersten.keys()):
            voor, klok_oud = oud.get(persoon, ({}, None))
            na = dict(voor)
            for event, regio, dag, geregistreerd, vastgelegd in per_persoon.get(persoon, ()):
                f = neem_op(na.get(geregistreerd, LEEG), event, regio, dag, vastgelegd)
                if not is_leeg(f):
                    na[geregistreerd] = f
            for (jaar, regio, geregistreerd), datum in sorted(eersten.get(persoon, {}).items()):
                if not _al_bekend(na, jaar, regio, geregistreerd, datum):
                    na[geregistreerd] = met_ongeoorloofd(na.get(geregistreerd, LEEG), regio, datum)
            if na == voor and (klok == klok_oud or (persoon not in per_persoon and persoon not in wakker)):
                continue
            verschil = verwerk(voor, na, persoon, klok_oud, klok)
            geraakt.update(m.cell for m in verschil.erbij)
            geraakt.update(m.cell for m in verschil.eraf)
            for k, n in verschil.mutaties.items():
                historie[k] += n
            opslaan.append((persoon, _json(na) if na != voor else None, wekker(na, klok), klok))
        if opslaan:
            await conn.execute(
                "UPDATE leerling_feiten SET dagen = COALESCE(t.f::jsonb, dagen), wekker = t.w, klok = t.k "
                "FROM unnest($1::text[], $2::text[], $3::date[], $4::date[]) AS t(p, f, w, k) WHERE pseudoniem = t.p",
                *[list(c) for c in zip(*opslaan, strict=True)],
            )
        return geraakt, historie


HISTORIE_OPTELLEN = (
    "ARRAY(SELECT CASE WHEN x.a IS NULL THEN x.b WHEN x.b IS NULL THEN x.a ELSE x.a + x.b END "
    "FROM unnest(cel_historie_maand.mutaties, EXCLUDED.mutaties) WITH ORDINALITY AS x(a, b, i) ORDER BY x.i)"
)
"""A month's days plus the batch's, day by day: a day neither had stays ``NULL`` (no change recorded)."""


def _historie_rijen(historie: dict[tuple[str, str, str, str, date], Decimal | int]) -> list[tuple[str, ...]]:
    """The batch's history as ``cel_historie_maand`` rows: per (cell, month), sorted, the month's first
    day and its 31 days' changes as an array literal (``NULL`` where the batch changed nothing; 0s of
    the batch are left out, as before).

    Why per (cell, month) rather than per (cell, registratiedag): a batch of thousands of events spans
    weeks of registratiedagen, and those rows were the largest part of PostgreSQL's new rows per event
    (benchmarks/METINGEN.md, seventh round). The upsert adds day by day to a month already there, so a
    day's change means what it meant."""
    per_maand: dict[tuple[str, str, str, str, date], list[str]] = {}
    for (i, g, p, u, dag), n in historie.items():
        if n:
            k = (i, g, p, u, dag.replace(day=1))
            dagen = per_maand.get(k)
            if dagen is None:
                dagen = per_maand[k] = ["NULL"] * 31
            dagen[dag.day - 1] = str(n)
    return [(*k[:4], k[4].isoformat(), "{" + ",".join(per_maand[k]) + "}") for k in sorted(per_maand)]


def _json(dagen: Dagen) -> str:
    """A person's facts per registratiedag as stored: fields at their default (the empty sets, most of
    every day's ``Feiten``) are left out and filled in again when read. Why: the row is rewritten whole
    at every fold of the person, so its size is PostgreSQL's work (and TOAST's) per stateful event; rows
    written before this keep their full form and read the same."""
    return DAGEN.dump_json(dagen, exclude_defaults=True).decode()


async def _klok(conn: asyncpg.Connection, batch_klok: date | None) -> date | None:
    """Lock the klok row (before any person: no deadlock), move it on to ``batch_klok`` if that is
    later, and return it. Exclusively only when it moves (about once a day), shared otherwise, so
    batches of two instances still run side by side. (Each person carries the klok it was computed
    at, so the klok before the move is not needed.)"""
    nu = await conn.fetchval("SELECT datum FROM telling_klok WHERE id = 1")
    if batch_klok is None or (nu is not None and batch_klok <= nu):
        return await conn.fetchval("SELECT datum FROM telling_klok WHERE id = 1 FOR SHARE")
    oud = await conn.fetchval("SELECT datum FROM telling_klok WHERE id = 1 FOR UPDATE")
    if oud is not None and batch_klok <= oud:
        return oud
    await conn.execute("UPDATE telling_klok SET datum = $1 WHERE id = 1", batch_klok)
    return batch_klok


async def _wek(conn: asyncpg.Connection, klok: date | None, eigen: set[str],
               oud: dict[str, tuple[Dagen, date | None]]) -> list[str]:
    """Lock and read up to :data:`WEKKERS_PER_BATCH` persons the klok passed (the earliest first), after
    the batch's own persons; add their facts to ``oud`` and return them.

    ``SKIP LOCKED``: a person another transaction holds is left for a later batch. Why: every process of
    a rebuild (and every instance) asks for the same earliest persons, and each then waited for the
    other's whole transaction to find them done (issue 16: two processes no faster than one). Taken
    after the batch's own persons (sorted, the only locks a batch waits for), it never waits, so the
    lock order stays free of cycles."""
    if klok is None:
        return []
    rows = await conn.fetch(
        "SELECT pseudoniem, dagen::text AS dagen, klok FROM leerling_feiten WHERE wekker <= $1 "
        "ORDER BY wekker, pseudoniem LIMIT $2 FOR UPDATE SKIP LOCKED", klok, WEKKERS_PER_BATCH)
    for r in rows:
        if r["pseudoniem"] not in eigen and r["dagen"] != "{}":
            oud[r["pseudoniem"]] = (DAGEN.validate_json(r["dagen"]), r["klok"])
    return [r["pseudoniem"] for r in rows]


async def achterstand(conn: asyncpg.Connection) -> int:
    """How many persons are behind the klok (woken, not yet brought up to date): 0 = final figures."""
    return int(await conn.fetchval(
        "SELECT count(*) FROM leerling_feiten WHERE wekker <= (SELECT datum FROM telling_klok WHERE id = 1)"))


INHALEN_PAUZE_S = 0.05
"""How long catching up waits when a round found every person behind the klok held by another transaction."""


async def inhalen(conn: asyncpg.Connection, projectie: TellingProjection | None = None) -> int:
    """Bring every person behind the klok up to date, a chunk per transaction (an empty batch: no
    event, no checkpoint); returns the number of chunks. Safe next to running batches (row locks)."""
    projectie = projectie or TellingProjection()
    rondes, vorige = 0, None
    while n := await achterstand(conn):
        if n == vorige:  # the last round took nobody: those left are held by another transaction
            await asyncio.sleep(INHALEN_PAUZE_S)  # (:func:`_wek` skips them) until it commits
        vorige = n
        async with conn.transaction():
            await projectie.apply(conn, [])
        rondes += 1
    return rondes


async def _vergrendel(conn: asyncpg.Connection, personen: list[str], met_feiten: Iterable[str],
                      ) -> dict[str, tuple[Dagen, date | None]]:
    """Lock every person of the batch (sorted: no deadlock between instances) and read the facts of
    those with stateful events (``met_feiten``); a person with only absences needs the lock, not the
    facts, and their JSON is neither sent nor parsed.

    The row is created first when missing, so a person new to both instances is locked as well:
    the second INSERT waits for the first to commit and then finds the row."""
    if not personen:
        return {}
    await conn.execute(
        "INSERT INTO leerling_feiten (pseudoniem, dagen) SELECT p, '{}'::jsonb FROM unnest($1::text[]) AS p "
        "ORDER BY p ON CONFLICT (pseudoniem) DO NOTHING",
        personen,
    )
    rows = await conn.fetch(
        "SELECT pseudoniem, CASE WHEN pseudoniem = ANY($2::text[]) THEN dagen::text END AS dagen, klok "
        "FROM leerling_feiten WHERE pseudoniem = ANY($1::text[]) ORDER BY pseudoniem FOR UPDATE",
        personen, list(met_feiten),
    )
    return {r["pseudoniem"]: (DAGEN.validate_json(r["dagen"]), r["klok"]) for r in rows
            if r["dagen"] is not None and r["dagen"] != "{}"}


REGISTRATIES = "afwezigheid.registraties"
"""The count of the absence sums (:func:`~telling.domain.figures.afwezigheid_som_cellen`): it never
goes back, so its ``som_lid`` rows only record that a pupil is in (:func:`_som_personen`)."""


async def _som_personen(conn: asyncpg.Connection, leden: SomLeden) -> None:
    """The persons behind the sums (domain.md C: a sum resting on 1–9 pupils is suppressed like a count).

    Each pupil's part of each sum cell (its registrations, its hours of one soort; NL and the region)
    is kept in ``som_lid``; a pupil rests on the cell while that part is not 0, so hours all recoded
    away take the pupil out. The number changes by the parts that became (or stopped being) non-zero,
    seen in the rows the upsert really changed (``RETURNING``: the new part, minus this batch's delta,
    is the old one), so the cost is what the batch touches. ``som_personen`` gets the change per cell
    and registratiedag: a pupil who joins counts from the latest day of its events in the batch, one
    who leaves from the earliest, so as of a peildatum the number is never higher than it was then (the
    cautious side). Replay safety is the runner's event-id dedupe, as for the sums themselves.

    The count of registrations only grows (a recoding moves hours, not registrations), so a pupil's row
    of it only has to exist: once there it is left alone (``DO NOTHING``: no new row version, no row
    lock, not returned), and only a new row, a pupil joining, comes back (issue 16: the count's rows
    were half of the upserts and rewrote a row for every later absence)."""
    delen: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)  # (indicator, periode, gebied, lid)
    dagen: dict[tuple[str, str, str, str], tuple[date, date]] = {}
    for (jaar, regio, soort, lid), (aantal, uren, eerste, laatste) in leden.items():
        tellen, optellen = _som_cellen(jaar, regio, soort)
        for cellen, bijdrage in ((tellen, Decimal(aantal)), (optellen, uren)):
            for (indicator, gebied, periode, _), _cell in cellen:
                k = (indicator, periode, gebied, lid)
                delen[k] += bijdrage
                d = dagen.get(k)
                dagen[k] = (eerste, laatste) if d is None else (min(d[0], eerste), max(d[1], laatste))
    rijen = sorted((*k, str(v)) for k, v in delen.items() if v != 0)
    if not rijen:
        return
    # the count's rows first, then the hours' (both sorted: one lock order for every instance)
    tellen = [r for r in rijen if r[0] == REGISTRATIES]
    optellen = [r for r in rijen if r[0] != REGISTRATIES]
    veranderd = []
    if tellen:
        veranderd += await conn.fetch(
            "INSERT INTO som_lid (indicator, periode, gebied, lid, waarde) "
            f"SELECT i, p, g, l, w::numeric FROM {rijen_sql(1, 5)} AS t(i, p, g, l, w) "
            "ON CONFLICT (indicator, periode, gebied, lid) DO NOTHING "
            "RETURNING indicator, periode, gebied, lid, waarde",
            tekst(tellen, 5),
        )
    if optellen:
        veranderd += await conn.fetch(
            "INSERT INTO som_lid (indicator, periode, gebied, lid, waarde) "
            f"SELECT i, p, g, l, w::numeric FROM {rijen_sql(1, 5)} AS t(i, p, g, l, w) "
            "ON CONFLICT (indicator, periode, gebied, lid) DO UPDATE SET waarde = som_lid.waarde + EXCLUDED.waarde "
            "RETURNING indicator, periode, gebied, lid, waarde",
            tekst(optellen, 5),
        )
    mutaties: dict[tuple[str, str, str, date], int] = defaultdict(int)
    for r in veranderd:
        k = (r["indicator"], r["periode"], r["gebied"], r["lid"])
        nieuw = r["waarde"]
        verschil = int(nieuw != 0) - int(nieuw - delen[k] != 0)
        if verschil:
            eerste, laatste = dagen[k]
            mutaties[(k[0], k[2], k[1], laatste if verschil > 0 else eerste)] += verschil
    schrijf = sorted((*k, n) for k, n in mutaties.items() if n)
    if schrijf:
        await conn.execute(
            "INSERT INTO som_personen (indicator, gebied, periode, dag, mutatie) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::int[]) "
            "ON CONFLICT (indicator, gebied, periode, dag) DO UPDATE SET mutatie = som_personen.mutatie + "
            "EXCLUDED.mutatie",
            *[list(c) for c in zip(*schrijf, strict=True)],
        )
