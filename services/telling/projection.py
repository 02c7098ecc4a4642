"""telling's projection: a batch is folded in memory, then written with a handful of set-based statements.

Per batch (one transaction, run by :class:`~leerrecht.projection.ProjectionRunner`):

1. The high-volume absence events only add to sums (:func:`~telling.domain.figures.effects`).
2. For every person with a stateful event in the batch, load their facts (``leerling_feiten``),
   fold the batch's events in (:func:`~telling.domain.figures.neem_op`), and derive their memberships
   before and after (:func:`~telling.domain.figures.lidmaatschappen`). Only the difference is written:
   memberships that disappeared (a withdrawn report, an LRV that turned out shorter) are deleted.
3. Cell values change by the members that crossed the indicator's ``drempel`` (distinct sources per
   member) in this batch, computed from the rows the DELETE and INSERT really changed (``RETURNING``):
   the cost is what the batch touches, not the size of a national cell, and a replayed membership
   changes nothing.
4. The (indicator, periode) tables touched go to the outbox ``cijfer_gewijzigd`` for the count stream.

All of it is safe under replay: the runner skips applied offsets and event ids, and even without that
the facts are a set union (an event folded twice changes nothing) and membership deltas only count
rows that really changed. Only the skeleton's absence sums rely on the runner's dedupe. Keys are
sorted before writing so concurrent instances of one group do not deadlock on the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import event_classes, from_envelope
from contracts.events.base import Event
from leerrecht.projection import Delivered
from telling.domain.figures import (
    INDICATOREN,
    STATEFUL_TYPES,
    Cell,
    Feiten,
    Increment,
    Membership,
    effects,
    lidmaatschappen,
    neem_op,
)

COUNTED = frozenset(c.event_type for c in event_classes())
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _key(c: Cell) -> tuple[str, str, str]:
    return (c.indicator, c.gebied, c.periode)


class TellingProjection:
    name = "telling"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        totals: dict[Cell, Decimal] = defaultdict(Decimal)
        legacy: set[Membership] = set()
        per_persoon: dict[str, list[tuple[Event, str, date]]] = {}
        for d in events:
            env = d.envelope
            if env.type not in COUNTED or env.region is None:
                continue
            event = from_envelope(env)
            if env.type in STATEFUL_TYPES:
                dag = env.time.astimezone(AMSTERDAM).date()
                per_persoon.setdefault(env.subject, []).append((event, env.region, dag))
                continue
            for eff in effects(event, env.subject, env.region):
                if isinstance(eff, Increment):
                    totals[eff.cell] += eff.amount
                else:
                    legacy.add(eff)

        erbij, eraf = await self._feiten(conn, per_persoon)
        erbij |= legacy
        cellen = {m.cell: m.cell for m in (*erbij, *eraf)}
        if cellen:
            delta = await _leden_bijwerken(conn, erbij, eraf)
            keys = sorted(cellen.values(), key=_key)
            await conn.execute(
                "INSERT INTO cijfer (indicator, gebied, periode, ouder, waarde) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[]) "
                "ON CONFLICT (indicator, gebied, periode) DO UPDATE SET "
                "waarde = cijfer.waarde + EXCLUDED.waarde, ouder = COALESCE(EXCLUDED.ouder, cijfer.ouder)",
                [k.indicator for k in keys], [k.gebied for k in keys], [k.periode for k in keys],
                [k.ouder for k in keys], [delta.get(_key(k), 0) for k in keys],
            )
        geraakt = cellen
        if totals:
            keys = sorted(totals, key=_key)
            await conn.execute(
                "INSERT INTO cijfer (indicator, gebied, periode, ouder, waarde) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[]) "
                "ON CONFLICT (indicator, gebied, periode) "
                "DO UPDATE SET waarde = cijfer.waarde + EXCLUDED.waarde",
                [k.indicator for k in keys], [k.gebied for k in keys], [k.periode for k in keys],
                [k.ouder for k in keys], [totals[k] for k in keys],
            )
        tabellen = sorted({(c.indicator, c.periode) for c in (*geraakt, *totals)
                           if INDICATOREN[c.indicator].gepubliceerd})
        if tabellen:
            await conn.execute(
                "INSERT INTO cijfer_gewijzigd (indicator, periode) "
                "SELECT * FROM unnest($1::text[], $2::text[])",
                [t[0] for t in tabellen], [t[1] for t in tabellen],
            )

    async def _feiten(self, conn: asyncpg.Connection, per_persoon: dict[str, list[tuple[Event, str, date]]],
                      ) -> tuple[set[Membership], set[Membership]]:
        """Fold the batch into each person's facts; return the memberships gained and lost."""
        erbij: set[Membership] = set()
        eraf: set[Membership] = set()
        if not per_persoon:
            return erbij, eraf
        rows = await conn.fetch(
            "SELECT pseudoniem, feiten::text AS feiten FROM leerling_feiten "
            "WHERE pseudoniem = ANY($1::text[])",
            sorted(per_persoon),
        )
        oud = {r["pseudoniem"]: Feiten.model_validate_json(r["feiten"]) for r in rows}
        opslaan: list[tuple[str, str]] = []
        for persoon, items in sorted(per_persoon.items()):
            voor = oud.get(persoon, Feiten())
            na = voor
            for event, regio, dag in items:
                na = neem_op(na, event, regio, dag)
            if na == voor:
                continue
            leden_voor = lidmaatschappen(voor, persoon) if persoon in oud else frozenset()
            leden_na = lidmaatschappen(na, persoon)
            erbij |= leden_na - leden_voor
            eraf |= leden_voor - leden_na
            opslaan.append((persoon, na.model_dump_json()))
        if opslaan:
            await conn.execute(
                "INSERT INTO leerling_feiten (pseudoniem, feiten) "
                "SELECT p, f::jsonb FROM unnest($1::text[], $2::text[]) AS t(p, f) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET feiten = EXCLUDED.feiten",
                [p for p, _ in opslaan], [f for _, f in opslaan],
            )
        return erbij, eraf


def _kolommen(leden: Iterable[Membership]) -> list[list[str]]:
    rows = sorted((m.cell.indicator, m.cell.gebied, m.cell.periode, m.person, m.bron) for m in leden)
    return [list(col) for col in zip(*rows, strict=True)]


async def _leden_bijwerken(conn: asyncpg.Connection, erbij: set[Membership],
                           eraf: set[Membership]) -> dict[tuple[str, str, str], int]:
    """Write the membership changes; return per cell the change in its value.

    Incremental, so a batch costs what it touches, not the size of the national cells: per (cell,
    member) the number of sources before, minus the rows really deleted, plus the rows really inserted
    (``RETURNING`` sees only actual changes, so a replayed membership changes nothing); a member counts
    when it has at least the indicator's ``drempel`` sources."""
    paren = sorted({(*_key(m.cell), m.person) for m in (*erbij, *eraf)})
    kolommen = [list(c) for c in zip(*paren, strict=True)]
    voor = {
        (r["indicator"], r["gebied"], r["periode"], r["lid"]): int(r["n"])
        for r in await conn.fetch(
            "SELECT l.indicator, l.gebied, l.periode, l.lid, count(*) AS n FROM lidmaatschap l "
            "JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(indicator, gebied, periode, lid) "
            "ON l.indicator = t.indicator AND l.gebied = t.gebied AND l.periode = t.periode AND l.lid = t.lid "
            "GROUP BY 1, 2, 3, 4",
            *kolommen,
        )
    }
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
    if erbij:
        for r in await conn.fetch(
            "INSERT INTO lidmaatschap (indicator, gebied, periode, lid, bron) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
            "ON CONFLICT DO NOTHING RETURNING indicator, gebied, periode, lid",
            *_kolommen(erbij),
        ):
            k = (r["indicator"], r["gebied"], r["periode"], r["lid"])
            na[k] = na.get(k, 0) + 1
    delta: dict[tuple[str, str, str], int] = defaultdict(int)
    for k, n in na.items():
        drempel = INDICATOREN[k[0]].drempel
        delta[k[:3]] += int(n >= drempel) - int(voor.get(k, 0) >= drempel)
    return delta
