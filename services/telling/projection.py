"""telling's projection: a batch is folded in memory, then written as one sorted upsert.

Aggregating first is cheaper than the Kafka read itself (perf-baselines.md); sorting the keys keeps
concurrent instances of one consumer group from deadlocking on the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import asyncpg

from contracts.catalogue import event_classes, from_envelope
from leerrecht.projection import Delivered
from telling.domain.figures import Cell, Increment, Membership, effects

COUNTED = frozenset(c.event_type for c in event_classes())


class TellingProjection:
    name = "telling"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        totals: dict[Cell, Decimal] = defaultdict(Decimal)
        members: set[tuple[str, str, str, str]] = set()
        for d in events:
            if d.envelope.type not in COUNTED or d.envelope.region is None:
                continue
            for eff in effects(from_envelope(d.envelope), d.envelope.subject, d.envelope.region):
                if isinstance(eff, Increment):
                    totals[eff.cell] += eff.amount
                elif isinstance(eff, Membership):
                    c = eff.cell
                    members.add((c.indicator, c.gebied, c.periode, eff.person))
        if members:
            rows = sorted(members)
            new = await conn.fetch(
                "INSERT INTO lidmaatschap (indicator, gebied, periode, pseudoniem) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) "
                "ON CONFLICT DO NOTHING RETURNING indicator, gebied, periode",
                *map(list, zip(*rows, strict=True)),
            )
            for r in new:
                totals[Cell(r["indicator"], r["gebied"], r["periode"])] += 1
        if totals:
            keys = sorted(totals, key=lambda c: (c.indicator, c.gebied, c.periode))
            await conn.execute(
                "INSERT INTO cijfer (indicator, gebied, periode, waarde) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[]) "
                "ON CONFLICT (indicator, gebied, periode) DO UPDATE SET waarde = cijfer.waarde + EXCLUDED.waarde",
                [k.indicator for k in keys], [k.gebied for k in keys], [k.periode for k in keys],
                [totals[k] for k in keys],
            )
