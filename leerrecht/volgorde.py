"""Per-subject sequence numbers on the consuming side: report a gap or a reordering.

A producer that numbers its events per (subject, topic) (envelope ``subjectsequence``; registratie
does, under the pupil's lock) promises a gapless, ordered stream of each pupil on each topic. A
projection that receives 1, 2, 4 missed something (or will get it late), and a 3 after that 4 arrived
out of order: both mean its view of the pupil may be wrong, so they are reported (a structured log
line without personal data and the ``SEQUENCE_ANOMALIES`` counter). The runner still applies the
events: detection reports, it never refuses.

The highest number seen per (projection, topic, source, subject) is kept in the projection's own
database (table ``volgorde``, created with the runtime's tables in :mod:`leerrecht.db`) and updated in
the batch's transaction by ONE statement for the whole batch, so a crash or retry neither loses nor
double-counts a position and no event costs a round trip of its own. Only events the runner found
fresh are checked: a re-delivered duplicate (same event id) is no anomaly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from leerrecht.logging import get_logger
from leerrecht.metrics import SEQUENCE_ANOMALIES


@dataclass(frozen=True)
class Afwijking:
    """One anomaly: ``gat`` (a number was skipped) or ``omgekeerd`` (a number lower than expected,
    i.e. after a higher one)."""

    kind: Literal["gat", "omgekeerd"]
    verwacht: int
    gekregen: int


def _met_plaats(hoogste: int | None, nummers: Sequence[int]) -> list[tuple[int, Afwijking]]:
    out: list[tuple[int, Afwijking]] = []
    h = hoogste or 0
    for i, n in enumerate(nummers):
        verwacht = h + 1
        if n > verwacht:
            out.append((i, Afwijking("gat", verwacht, n)))
        elif n < verwacht:
            out.append((i, Afwijking("omgekeerd", verwacht, n)))
        h = max(h, n)
    return out


def afwijkingen(hoogste: int | None, nummers: Sequence[int]) -> list[Afwijking]:
    """The anomalies of one subject's numbers in log order, given the highest number seen before
    (``None``: none; a stream starts at 1). After a gap the highest number counts, so 1, 2, 4, 3 is
    one gap (4 where 3 was expected) and one reordering (3 where 5 was expected)."""
    return [a for _, a in _met_plaats(hoogste, nummers)]


@dataclass(frozen=True)
class Gemeld:
    """An anomaly with what may be logged about it: the event id, never the subject."""

    afwijking: Afwijking
    source: str
    event_id: str


async def volgorde_bijwerken(conn: asyncpg.Connection, projection: str, topic: str,
                             events: Iterable[Any]) -> list[Gemeld]:
    """Inside the batch transaction: compare the batch's numbered events with the stored highest
    numbers and raise those, in one statement; returns the anomalies (report them after the commit).

    ``events`` are the runner's ``Delivered`` items; anything without an envelope (raw identity
    records) and envelopes without a number are ignored."""
    per: dict[tuple[str, str], list[Any]] = {}  # (source, subject) -> its numbered envelopes, in log order
    for e in events:
        env = getattr(e, "envelope", None)
        if env is None or env.subject_sequence is None:
            continue
        sleutel = (env.source, env.subject)
        lijst = per.get(sleutel)
        if lijst is None:
            per[sleutel] = [env]
        else:
            lijst.append(env)
    if not per:
        return []
    keys = sorted(per)  # one lock order for the upsert
    rows = await conn.fetch(
        # every sub-statement sees the snapshot from before the statement: `oud` reads the old values
        "WITH invoer AS (SELECT * FROM unnest($3::text[], $4::text[], $5::bigint[]) AS i(source, subject, hoogste)), "
        "oud AS (SELECT v.source, v.subject, v.hoogste FROM volgorde v JOIN invoer i USING (source, subject) "
        "        WHERE v.projection = $1 AND v.topic = $2), "
        "nieuw AS (INSERT INTO volgorde AS v (projection, topic, source, subject, hoogste) "
        "          SELECT $1, $2, source, subject, hoogste FROM invoer "
        "          ON CONFLICT (projection, topic, source, subject) "
        "          DO UPDATE SET hoogste = greatest(v.hoogste, excluded.hoogste)) "
        "SELECT source, subject, hoogste FROM oud",
        projection, topic, [k[0] for k in keys], [k[1] for k in keys],
        [max(env.subject_sequence for env in per[k]) for k in keys],
    )
    oud = {(r["source"], r["subject"]): int(r["hoogste"]) for r in rows}
    gemeld: list[Gemeld] = []
    for k in keys:
        envs = per[k]
        eerder = oud.get(k)
        if eerder is not None and len(envs) == 1 and envs[0].subject_sequence == eerder + 1:
            continue  # the common case: the next number, nothing to report
        for i, a in _met_plaats(eerder, [env.subject_sequence for env in envs]):
            gemeld.append(Gemeld(a, k[0], str(envs[i].id)))  # the id as text only for what is reported
    return gemeld


def meld_afwijkingen(projection: str, topic: str, gemeld: Sequence[Gemeld]) -> None:
    """Log and count, after the batch committed (a retried batch reports once)."""
    if not gemeld:
        return
    log = get_logger(__name__)  # looked up per report: anomalies are rare, and tests capture it
    for g in gemeld:
        SEQUENCE_ANOMALIES.labels(projection=projection, kind=g.afwijking.kind).inc()
        log.warning("volgorde_afwijking", projection=projection, topic=topic, source=g.source,
                    kind=g.afwijking.kind, verwacht=g.afwijking.verwacht, gekregen=g.afwijking.gekregen,
                    event_id=g.event_id)
