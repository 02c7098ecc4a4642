"""telling's projection: a batch is folded in memory, then written with a handful of set-based statements.

Per batch (one transaction, run by :class:`~leerrecht.projection.ProjectionRunner`):

1. The high-volume absence events only add to sums (:func:`~telling.domain.figures.effects`).
2. Every person in the batch is locked (their ``leerling_feiten`` row, ``FOR UPDATE``, in sorted order):
   two instances of one consumer group can hold the two regional topics of a person who moved, and
   must not both fold that person's facts from the same old state (a lost update).
3. For every person with a stateful event, load their facts *per registratiedag*, fold the batch's
   events into the day they were recorded (:func:`~telling.domain.figures.neem_op`), and compare before
   and after (:func:`~telling.domain.historie.verwerk`). Only the difference is written: memberships
   that disappeared (a withdrawn report, an LRV that turned out shorter) are deleted.
4. Cell values change by the members that crossed the indicator's ``drempel`` (distinct sources per
   member) in this batch, computed from the rows the DELETE and INSERT really changed (``RETURNING``):
   the cost is what the batch touches, not the size of a national cell, and a replayed membership
   changes nothing.
5. The history (``cel_historie``: per cell and registratiedag the change of its value) gets the same
   changes, attributed to the day the events were recorded: the figures as of a past peildatum
   (:mod:`telling.domain.historie` explains event time versus recorded time).
6. The (indicator, periode) tables touched go to the outbox ``cijfer_gewijzigd`` for the count stream.

All of it is safe under replay: the runner skips applied offsets and event ids, and even without that
the facts are a set union (an event folded twice changes nothing) and membership deltas only count
rows that really changed. Only the skeleton's absence sums rely on the runner's dedupe. Keys are
sorted before writing and cells are upserted in one statement, so concurrent instances of one group
wait for each other's row locks instead of deadlocking (a deadlock would still only retry the batch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import TypeAdapter

from contracts.catalogue import event_classes, from_envelope
from contracts.events.base import Event
from leerrecht.projection import Delivered
from telling.domain.figures import (
    INDICATOREN,
    LEEG,
    STATEFUL_TYPES,
    Cell,
    Feiten,
    Increment,
    Membership,
    effects,
    neem_op,
)
from telling.domain.historie import Dagen, verwerk

COUNTED = frozenset(c.event_type for c in event_classes())
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAGEN = TypeAdapter(dict[date, Feiten])

Sleutel = tuple[str, str, str]


def _key(c: Cell) -> Sleutel:
    return (c.indicator, c.gebied, c.periode)


class TellingProjection:
    name = "telling"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        totals: dict[tuple[Cell, date], Decimal] = defaultdict(Decimal)
        legacy: dict[Membership, date] = {}
        per_persoon: dict[str, list[tuple[Event, str, date, date]]] = {}
        for d in events:
            env = d.envelope
            if env.type not in COUNTED or env.region is None:
                continue
            event = from_envelope(env)
            geregistreerd = env.recorded_at.astimezone(AMSTERDAM).date()
            if env.type in STATEFUL_TYPES:
                dag = env.time.astimezone(AMSTERDAM).date()
                per_persoon.setdefault(env.subject, []).append((event, env.region, dag, geregistreerd))
                continue
            for eff in effects(event, env.subject, env.region):
                if isinstance(eff, Increment):
                    totals[(eff.cell, geregistreerd)] += eff.amount
                else:
                    legacy[eff] = min(legacy.get(eff, geregistreerd), geregistreerd)

        oud = await _vergrendel(conn, sorted(per_persoon.keys() | {m.person for m in legacy}))
        erbij, eraf, historie = await self._feiten(conn, per_persoon, oud)
        erbij |= legacy.keys()
        cellen: dict[Cell, Cell] = {m.cell: m.cell for m in (*erbij, *eraf)}
        delta: dict[Sleutel, Decimal] = defaultdict(Decimal)
        if cellen:
            leden_delta, legacy_historie = await _leden_bijwerken(conn, erbij, eraf, legacy)
            for k, n in leden_delta.items():
                delta[k] += n
            for (cell, dag), n in legacy_historie.items():
                historie[(cell, dag)] += n
        for (cell, dag), amount in totals.items():
            cellen.setdefault(cell, cell)
            delta[_key(cell)] += amount
            historie[(cell, dag)] += amount
        if cellen:
            keys = sorted(cellen.values(), key=_key)
            await conn.execute(
                "INSERT INTO cijfer (indicator, gebied, periode, ouder, waarde) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[]) "
                "ON CONFLICT (indicator, gebied, periode) DO UPDATE SET "
                "waarde = cijfer.waarde + EXCLUDED.waarde, ouder = COALESCE(EXCLUDED.ouder, cijfer.ouder)",
                [k.indicator for k in keys], [k.gebied for k in keys], [k.periode for k in keys],
                [k.ouder for k in keys], [delta.get(_key(k), Decimal(0)) for k in keys],
            )
        rijen = sorted((*_key(c), d, n) for (c, d), n in historie.items() if n)
        if rijen:
            await conn.execute(
                "INSERT INTO cel_historie (indicator, gebied, periode, dag, mutatie) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::numeric[]) "
                "ON CONFLICT (indicator, gebied, periode, dag) "
                "DO UPDATE SET mutatie = cel_historie.mutatie + EXCLUDED.mutatie",
                *[list(c) for c in zip(*rijen, strict=True)],
            )
        tabellen = sorted({(c.indicator, c.periode) for c in cellen if INDICATOREN[c.indicator].gepubliceerd})
        if tabellen:
            await conn.execute(
                "INSERT INTO cijfer_gewijzigd (indicator, periode) "
                "SELECT * FROM unnest($1::text[], $2::text[])",
                [t[0] for t in tabellen], [t[1] for t in tabellen],
            )

    async def _feiten(self, conn: asyncpg.Connection, per_persoon: dict[str, list[tuple[Event, str, date, date]]],
                      oud: dict[str, Dagen],
                      ) -> tuple[set[Membership], set[Membership], dict[tuple[Cell, date], Decimal]]:
        """Fold the batch into each person's facts per registratiedag; return the memberships gained
        and lost and the history mutations."""
        erbij: set[Membership] = set()
        eraf: set[Membership] = set()
        historie: dict[tuple[Cell, date], Decimal] = defaultdict(Decimal)
        opslaan: list[tuple[str, str]] = []
        for persoon, items in sorted(per_persoon.items()):
            voor = oud.get(persoon, {})
            na = dict(voor)
            for event, regio, dag, geregistreerd in items:
                f = neem_op(na.get(geregistreerd, LEEG), event, regio, dag)
                if f != LEEG:
                    na[geregistreerd] = f
            if na == voor:
                continue
            verschil = verwerk(voor, na, persoon)
            erbij |= verschil.erbij
            eraf |= verschil.eraf
            for k, n in verschil.mutaties.items():
                historie[k] += n
            opslaan.append((persoon, DAGEN.dump_json(na).decode()))
        if opslaan:
            await conn.execute(
                "UPDATE leerling_feiten SET dagen = t.f::jsonb "
                "FROM unnest($1::text[], $2::text[]) AS t(p, f) WHERE pseudoniem = t.p",
                [p for p, _ in opslaan], [f for _, f in opslaan],
            )
        return erbij, eraf, historie


async def _vergrendel(conn: asyncpg.Connection, personen: list[str]) -> dict[str, Dagen]:
    """Lock every person of the batch (sorted: no deadlock between instances) and read their facts.

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
        "SELECT pseudoniem, dagen::text AS dagen FROM leerling_feiten WHERE pseudoniem = ANY($1::text[]) "
        "ORDER BY pseudoniem FOR UPDATE",
        personen,
    )
    return {r["pseudoniem"]: DAGEN.validate_json(r["dagen"]) for r in rows if r["dagen"] != "{}"}


def _kolommen(leden: Iterable[Membership], dagen: dict[Membership, date] | None = None) -> list[list[object]]:
    rows = sorted((m.cell.indicator, m.cell.gebied, m.cell.periode, m.person, m.bron) for m in leden)
    cols: list[list[object]] = [list(col) for col in zip(*rows, strict=True)]
    if dagen is not None:
        cols.append([dagen.get(Membership(Cell(r[0], r[1], r[2]), r[3], r[4])) for r in rows])
    return cols


async def _leden_bijwerken(conn: asyncpg.Connection, erbij: set[Membership], eraf: set[Membership],
                           legacy: dict[Membership, date],
                           ) -> tuple[dict[Sleutel, int], dict[tuple[Cell, date], int]]:
    """Write the membership changes; return per cell the change in its value, and the history of the
    per-event memberships (absences: a pupil counts from the earliest registratiedag of its sources).

    Incremental, so a batch costs what it touches, not the size of the national cells: per (cell,
    member) the number of sources before, minus the rows really deleted, plus the rows really inserted
    (``RETURNING`` sees only actual changes, so a replayed membership changes nothing); a member counts
    when it has at least the indicator's ``drempel`` sources."""
    paren = sorted({(*_key(m.cell), m.person) for m in (*erbij, *eraf)})
    kolommen = [list(c) for c in zip(*paren, strict=True)]
    voor: dict[tuple[str, str, str, str], int] = {}
    eerste: dict[tuple[str, str, str, str], date | None] = {}
    for r in await conn.fetch(
        "SELECT l.indicator, l.gebied, l.periode, l.lid, count(*) AS n, min(l.dag) AS dag FROM lidmaatschap l "
        "JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(indicator, gebied, periode, lid) "
        "ON l.indicator = t.indicator AND l.gebied = t.gebied AND l.periode = t.periode AND l.lid = t.lid "
        "GROUP BY 1, 2, 3, 4",
        *kolommen,
    ):
        k = (r["indicator"], r["gebied"], r["periode"], r["lid"])
        voor[k], eerste[k] = int(r["n"]), r["dag"]
    na = dict(voor)
    if eraf:
        for r in await conn.fetch(
            "DELETE FROM lidmaatschap l USING unnest($1::text[], $2::text[], $3::text[], $4::text[], "
            "$5::text[]) AS t(indicator, gebied, periode, lid, bron) WHERE l.indicator = t.indicator "
            "AND l.gebied = t.gebied AND l.periode = t.periode AND l.lid = t.lid AND l.bron = t.bron "
            "RETURNING l.indicator, l.gebied, l.periode, l.lid",
            *_kolommen(eraf),
        ):
            k = (r["indicator"], r["gebied"], r["periode"], r["lid"])
            na[k] = na.get(k, 0) - 1
    nieuw_eerste: dict[tuple[str, str, str, str], date] = {}
    if erbij:
        for r in await conn.fetch(
            "INSERT INTO lidmaatschap (indicator, gebied, periode, lid, bron, dag) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[]) "
            "ON CONFLICT DO NOTHING RETURNING indicator, gebied, periode, lid, dag",
            *_kolommen(erbij, legacy),
        ):
            k = (r["indicator"], r["gebied"], r["periode"], r["lid"])
            na[k] = na.get(k, 0) + 1
            if r["dag"] is not None:
                nieuw_eerste[k] = min(nieuw_eerste.get(k, r["dag"]), r["dag"])
    delta: dict[Sleutel, int] = defaultdict(int)
    for k, n in na.items():
        drempel = INDICATOREN[k[0]].drempel
        delta[k[:3]] += int(n >= drempel) - int(voor.get(k, 0) >= drempel)
    # Per-event memberships (drempel 1, never deleted): the member counts from its earliest source's
    # registratiedag; a source recorded earlier that arrives later moves that day back.
    historie: dict[tuple[Cell, date], int] = defaultdict(int)
    for k, dag in nieuw_eerste.items():
        cell = Cell(*k[:3])
        was = eerste.get(k) if voor.get(k, 0) > 0 else None
        if was is None:
            historie[(cell, dag)] += 1
        elif dag < was:
            historie[(cell, was)] -= 1
            historie[(cell, dag)] += 1
    return delta, historie
