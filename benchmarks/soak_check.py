"""The soak's end check: what was acknowledged against the log, the regional projections and telling.

Why a module of its own: the soak's traffic and faults are one concern, the bookkeeping of what must
be where is another; both stay small enough to read.

Identity of a fact: every row carries the school system's own ``afwezigheid_id``, and every fact is a
distinct (pupil, school day, code), so

* **lost** = acknowledged, yet not on the log, or on the log but not in its region's leerplicht table;
* **doubled** = one absence id under two event ids, one (pseudonym, date, code) under two absence ids,
  or a telling count or hour sum above what the log holds;
* **unexpected** = on the log but refused (4xx) or never sent, on another region's topic than the
  pupil's, in a projection but not on the log, a telling figure below the log, a dead letter, or a
  submission still open in registratie after the drain.

The same event on the log twice (same event id: a publication whose outcome was unknown, re-published
by a retry or the sweeper) is not an anomaly: every consumer drops it by its id. It is counted apart.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.envelope import Envelope

ONGEOORLOOFD = {"ONGEOORLOOFD", "TE_LAAT", "LUXE", "ONBEKEND"}
AFWEZIG = "afwezigheid_geregistreerd"


@dataclass
class Ledger:
    """What the clients sent and what the platform answered, per absence id."""

    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    """absence id → its row (pgn, datum, uren, code) plus ``regio``."""
    acknowledged: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)


def schooljaar(datum: str) -> str:
    y, m = int(datum[:4]), int(datum[5:7])
    start = y if m >= 8 else y - 1
    return f"{start}-{start + 1}"


async def end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, request_timeout_ms=10000)
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if t.startswith("leerrecht.")]
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        return dict(await consumer.end_offsets(parts)) if parts else {}
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str, timeout: float = 120) -> list[Envelope]:
    """Every record of ``topic`` from offset 0 up to the end offsets taken when it starts."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_poll_records=5000)
    await consumer.start()
    try:
        for _ in range(100):  # without a group every partition is assigned once the metadata is in
            if consumer.assignment():
                break
            await asyncio.sleep(0.1)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)
        out: list[Envelope] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all([await consumer.position(tp) >= ends[tp] for tp in parts]):
                break
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += [Envelope.from_json(r.value) for r in records if r.value is not None]
        return out
    finally:
        await consumer.stop()


async def fetch(db: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(db, timeout=10)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def lagging(bootstrap: str, databases: dict[str, str]) -> list[str]:
    """Projections whose stored checkpoint is behind the end of a topic they read ([] = drained)."""
    ends = await end_offsets(bootstrap)
    behind: list[str] = []
    for name, db in databases.items():
        rows = await fetch(db, "SELECT projection, topic, partition, next_offset FROM checkpoint")
        for r in rows:
            end = ends.get(TopicPartition(r["topic"], r["partition"]))
            if end is not None and r["next_offset"] < end:
                behind.append(f"{name}/{r['projection']} {r['topic']}[{r['partition']}] {r['next_offset']}<{end}")
        for topic in {r["topic"] for r in rows}:
            for tp, end in ends.items():
                if tp.topic == topic and end > 0 and not any(r["topic"] == topic and r["partition"] == tp.partition
                                                             for r in rows):
                    behind.append(f"{name} {topic}[{tp.partition}] never read")
    return behind


async def dead_letters(bootstrap: str) -> int:
    return sum(end for tp, end in (await end_offsets(bootstrap)).items() if tp.topic.endswith(".dlq"))


async def check(bootstrap: str, ledger: Ledger, regions: list[str], databases: dict[str, str]) -> dict[str, Any]:
    """Compare; ``databases`` has ``registratie``, ``telling``, ``leerplicht_<R>`` per region."""
    lost: list[str] = []
    doubled: list[str] = []
    unexpected: list[str] = []
    republished = 0
    on_log_unacknowledged = 0
    per_region: dict[str, Any] = {}
    for region in regions:
        envelopes = await read_topic(bootstrap, f"leerrecht.regio.{region}.events")
        absences = [e for e in envelopes if e.type.endswith(AFWEZIG)]
        republished += len(absences) - len({e.id for e in absences})
        event_ids: dict[str, set[str]] = defaultdict(set)
        facts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        unique: dict[str, Envelope] = {}
        for e in absences:
            aid = str(e.data["afwezigheid_id"])
            event_ids[aid].add(str(e.id))
            facts[(e.subject, str(e.data["datum"]), str(e.data["code"]))].add(aid)
            unique[aid] = e
        doubled += [f"{region}: absence {a} under {len(ids)} event ids" for a, ids in event_ids.items() if len(ids) > 1]
        doubled += [f"{region}: one fact under {len(ids)} absence ids" for ids in facts.values() if len(ids) > 1]
        for aid in unique:
            row = ledger.sent.get(aid)
            if row is None:
                unexpected.append(f"{region}: absence {aid} on the log, never sent")
            elif aid in ledger.refused:
                unexpected.append(f"{region}: absence {aid} refused, yet on the log")
            elif row["regio"] != region:
                unexpected.append(f"{region}: absence {aid} of a pupil of {row['regio']}")
            elif aid not in ledger.acknowledged:
                on_log_unacknowledged += 1
        mine = {a for a in ledger.acknowledged if ledger.sent[a]["regio"] == region}
        lost += [f"{region}: acknowledged absence {a} not on the log" for a in sorted(mine - set(unique))]

        projected = {str(r[0]) for r in await fetch(databases[f"leerplicht_{region}"],
                                                    "SELECT afwezigheid_id FROM afwezigheid")}
        lost += [f"{region}: absence {a} on the log, not in leerplicht" for a in sorted(set(unique) - projected)]
        unexpected += [f"{region}: absence {a} in leerplicht, not on the log" for a in sorted(projected - set(unique))]

        want: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for e in unique.values():
            jaar = schooljaar(str(e.data["datum"]))
            soort = "ongeoorloofd" if str(e.data["code"]) in ONGEOORLOOFD else "geoorloofd"
            want[(jaar, "afwezigheid.registraties")] += 1
            want[(jaar, f"afwezigheid.uren.{soort}")] += Decimal(str(e.data["uren"]))
        got = {(r["periode"], r["indicator"]): Decimal(r["waarde"]) for r in await fetch(
            databases["telling"], "SELECT periode, indicator, waarde FROM cijfer WHERE gebied = $1 "
            "AND uitsplitsing = '' AND indicator LIKE 'afwezigheid.%'", region)}
        telling_diff = {}
        for k in set(want) | set(got):
            w, g = want.get(k, Decimal(0)), got.get(k, Decimal(0))
            if w != g:
                telling_diff[f"{k[0]} {k[1]}"] = {"log": str(w), "telling": str(g)}
                (doubled if g > w else unexpected).append(f"{region}: telling {k[1]} {k[0]} = {g}, log says {w}")
        per_region[region] = {"absences_on_log": len(unique), "records_on_log": len(absences),
                              "acknowledged": len(mine), "in_leerplicht": len(projected),
                              "telling_mismatch": telling_diff,
                              "other_events_on_log": len(envelopes) - len(absences)}
    n_dlq = await dead_letters(bootstrap)
    if n_dlq:
        unexpected.append(f"{n_dlq} dead-lettered records")
    stranded = len(await fetch(databases["registratie"], "SELECT 1 FROM intake_verzoek WHERE status = 'open'"))
    if stranded:
        unexpected.append(f"{stranded} submissions still open in registratie")
    return {
        "lost": len(lost), "doubled": len(doubled), "unexpected": len(unexpected),
        "anomalies": len(lost) + len(doubled) + len(unexpected),
        "examples": {"lost": lost[:20], "doubled": doubled[:20], "unexpected": unexpected[:20]},
        "republished_records_same_id": republished, "on_log_unacknowledged": on_log_unacknowledged,
        "dead_letters": n_dlq, "open_submissions": stranded, "regions": per_region,
    }
