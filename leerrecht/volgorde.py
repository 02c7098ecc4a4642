"""Per-subject sequence numbers on the consuming side: report a gap or a reordering.

A producer that numbers its events per (subject, topic) (envelope ``subjectsequence``; registratie
does, under the pupil's lock) promises a gapless, ordered stream of each pupil on each topic. A
projection that receives 1, 2, 4 missed something (or will get it late), and a 3 after that 4 arrived
out of order: both mean its view of the pupil may be wrong, so they are reported (a structured log
line without personal data and the ``SEQUENCE_ANOMALIES`` counter). The runner still applies the
events: detection reports, it never refuses.

The highest number seen per (projection, topic, source, subject) is kept in the projection's own
database (table ``volgorde``, :data:`SQL`, applied with the runtime's tables by :func:`leerrecht.db.migrate`)
and updated in
the batch's transaction by ONE statement for the whole batch, so a crash or retry neither loses nor
double-counts a position and no event costs a round trip of its own. Only events the runner found
fresh are checked: a re-delivered duplicate (same event id) is no anomaly.

**Types a projection does not handle** (issue 16; reliability matrix F8). A projection may declare the
types it handles; the runner then skips the others (:mod:`leerrecht.overslaan`) without recording their
ids, but still hands their numbers here (:class:`leerrecht.overslaan.Overgeslagen`, beside the fresh
handled events, in log order). The rule:

* every number, handled or not, advances the subject's highest number, so a projection that skips
  types sees no false gap where a skipped event took a number;
* a gap (``gat``) is reported whatever the types around it: a number never seen means an event is
  missing from the log, and the missing one may be of a type the projection handles;
* a reordering (``omgekeerd``) is reported only for a handled event. A skipped event that arrives out of
  order cannot make the projection's view wrong; and a skipped event re-published at a new offset (same
  id and number) is not deduplicated by id, so it would otherwise be reported as a false reordering.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from leerrecht.logging import get_logger
from leerrecht.metrics import SEQUENCE_ANOMALIES
from leerrecht.overslaan import Overgeslagen
from leerrecht.rijen import rijen_sql, tekst

SLEUTEL = "md5({projection} || chr(31) || {topic} || chr(31) || source || chr(31) || subject)::uuid"
"""The table's key: one 128-bit hash of (projection, topic, source, subject). Why: the four text columns as
the primary key made the per-batch upsert compare up to four strings per index level for every subject;
a uuid compares as 16 bytes. The columns stay in the row (readable, and the key is generated from them)."""

SQL = """
-- The highest per-subject sequence number (envelope ``subjectsequence``) seen per projection, topic
-- and producer, moved in the batch's transaction: a gap or a reordering is reported (leerrecht.volgorde).
CREATE TABLE IF NOT EXISTS volgorde (
    projection text NOT NULL,
    topic text NOT NULL,
    source text NOT NULL,
    subject text NOT NULL,
    hoogste bigint NOT NULL,
    PRIMARY KEY (projection, topic, source, subject)
);
-- Every batch raises the number of each of its subjects: room on the page keeps those updates HOT (no
-- new entry in the key's index), which halved the statement's cost (issue 16).
ALTER TABLE volgorde SET (fillfactor = 70);
-- Issue 16, second round: the key as one hash of the four columns (generated, so the rows of a database
-- from before get theirs when the column is added), the primary key moved onto it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'volgorde'::regclass AND attname = 'sleutel'
                   AND NOT attisdropped) THEN
        ALTER TABLE volgorde ADD COLUMN sleutel uuid NOT NULL
            GENERATED ALWAYS AS (""" + SLEUTEL.format(projection="projection", topic="topic") + """) STORED;
        ALTER TABLE volgorde DROP CONSTRAINT volgorde_pkey, ADD PRIMARY KEY (sleutel);
    END IF;
END $$;
-- Issue 16, third round: the number before the latest raise, written by the same update, so a batch
-- learns what each subject held without reading the row first (the batch's statement, ``_BIJWERKEN``).
ALTER TABLE volgorde ADD COLUMN IF NOT EXISTS vorige bigint;
"""


_BIJWERKEN = (
    # One statement per batch. ``bij`` raises the rows that exist and returns what each held before
    # (``vorige``: set from the row's own old value in the same update, so no separate read of it; issue
    # 16: the read was a primary-key probe per subject on top of the upsert's own); ``nieuw`` inserts the
    # subjects seen for the first time. The rows are taken in key order: one lock order for concurrent
    # batches. ``ON CONFLICT`` only for a row another transaction inserted meanwhile (a second runner of
    # the same projection during a rebalance): it is raised as before and reports nothing.
    "WITH invoer AS (SELECT source, subject, hoogste::bigint AS hoogste, "
    + SLEUTEL.format(projection="$1::text", topic="$2::text") + " AS sleutel "
    "        FROM " + rijen_sql(3, 3) + " AS i(source, subject, hoogste)), "
    "bij AS (UPDATE volgorde v SET vorige = v.hoogste, hoogste = greatest(v.hoogste, i.hoogste) "
    "        FROM (SELECT * FROM invoer ORDER BY sleutel) i WHERE v.sleutel = i.sleutel "
    "        RETURNING i.source, i.subject, i.sleutel, v.vorige), "
    "nieuw AS (INSERT INTO volgorde AS v (projection, topic, source, subject, hoogste) "
    "          SELECT $1, $2, source, subject, hoogste FROM invoer i "
    "          WHERE NOT EXISTS (SELECT FROM bij WHERE bij.sleutel = i.sleutel) ORDER BY sleutel "
    "          ON CONFLICT (sleutel) DO UPDATE SET hoogste = greatest(v.hoogste, excluded.hoogste)) "
    "SELECT source, subject, vorige FROM bij"
)


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
                             events: Iterable[Any], zonder_dedupe: frozenset[str] = frozenset()) -> list[Gemeld]:
    """Inside the batch transaction: compare the batch's numbered events with the stored highest
    numbers and raise those, in one statement; returns the anomalies (report them after the commit).

    ``events`` are the runner's ``Delivered`` items (handled; a ``SnelGelezen`` by its ``kop``) and
    :class:`Overgeslagen` ones (skipped), in log order; anything else (raw identity records) and events
    without a number are ignored. ``zonder_dedupe``: handled types whose ids the runner does not record
    (``leerrecht.projection.EIGEN_SLEUTEL``): a re-published one comes back with its number, so, as a
    skipped type's, their reordering is not reported."""
    # (source, subject) -> its numbered events in log order: (number, event id, header or envelope;
    # whether a reordering of it is reported)
    per: dict[tuple[str, str], list[tuple[int, Any, bool]]] = {}
    hoogste: dict[tuple[str, str], int] = {}  # (source, subject) -> its highest number in the batch
    for e in events:
        if type(e) is Overgeslagen:  # first: most records of a projection that skips types
            if (n := e.subject_sequence) is None:
                continue
            sleutel, item = (e.source, e.subject), (n, e.id, False)
        elif (kop := getattr(e, "kop", None)) is not None:  # handled, read without its envelope (SnelGelezen)
            if (n := kop.subject_sequence) is None:
                continue
            sleutel, item = (kop.source, kop.subject), (n, kop, kop.type not in zonder_dedupe)
        elif (env := getattr(e, "envelope", None)) is not None:
            if (n := env.subject_sequence) is None:
                continue
            sleutel, item = (env.source, env.subject), (n, env, env.type not in zonder_dedupe)
        else:
            continue
        lijst = per.get(sleutel)
        if lijst is None:
            per[sleutel] = [item]
            hoogste[sleutel] = n
        else:
            lijst.append(item)
            if n > hoogste[sleutel]:
                hoogste[sleutel] = n
    if not per:
        return []
    rows = await conn.fetch(_BIJWERKEN, projection, topic,
                            tekst([(source, subject, str(n)) for (source, subject), n in hoogste.items()], 3))
    oud = {(r["source"], r["subject"]): int(r["vorige"]) for r in rows}
    gemeld: list[Gemeld] = []
    for k, items in per.items():
        verwacht = oud.get(k, 0) + 1
        for item in items:
            if item[0] != verwacht:
                break
            verwacht += 1
        else:
            continue  # the common case: the next numbers in order, nothing to report
        eerder = oud.get(k)
        for i, a in _met_plaats(eerder, [item[0] for item in items]):
            _, wie, behandeld = items[i]
            if a.kind == "omgekeerd" and not behandeld:
                continue  # a skipped event out of order, or re-published: the view cannot be wrong by it
            # the id as text only for what is reported
            gemeld.append(Gemeld(a, k[0], wie if isinstance(wie, str) else str(wie.id)))
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
