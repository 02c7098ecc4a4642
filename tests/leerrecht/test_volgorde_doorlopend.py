"""``volgorde_bijwerken`` against its rule, with skipped events among the handled ones (issue 16): the
reports and the stored numbers are those of the rule, whatever way the statement computes them (a faster
statement was tried in the runners' fifth round, ``benchmarks/METINGEN.md``; this test is its oracle).

Real PostgreSQL. Random batches of handled and skipped events over a few subjects (mostly the next
numbers; now and then a gap, a reordering, a re-delivered number, a new subject starting past 1, an event
without a number) are handed to ``volgorde_bijwerken`` one transaction each; after every batch the
reports equal those the rule gives (:func:`leerrecht.volgorde._met_plaats` on the number stored before,
a reordering reported only for a handled event) and the table holds the highest number per subject.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import pytest

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.overslaan import Overgeslagen
from leerrecht.volgorde import _met_plaats, volgorde_bijwerken

SOURCE = "urn:nl:leerrecht:test"


@dataclass(frozen=True)
class _Delivered:
    envelope: Envelope


def _handled(subject: str, seq: int | None) -> _Delivered:
    return _Delivered(Envelope(id=uuid7(), type="nl.leerrecht.test.x", source=SOURCE, time=utcnow(),
                               subject=subject, schema_version=1, correlation_id=uuid7(), data={},
                               subject_sequence=seq))


def _verwacht(opgeslagen: dict[str, int], batch: list[tuple[str, int | None, bool, str]]
              ) -> list[tuple[str, int, int, str]]:
    """The rule, per subject in order of first appearance, and the stored numbers moved on."""
    per: dict[str, list[tuple[int, bool, str]]] = {}
    for subject, n, behandeld, eid in batch:
        if n is not None:
            per.setdefault(subject, []).append((n, behandeld, eid))
    uit: list[tuple[str, int, int, str]] = []
    for subject, items in per.items():
        for i, a in _met_plaats(opgeslagen.get(subject), [n for n, _, _ in items]):
            if a.kind == "omgekeerd" and not items[i][1]:
                continue
            uit.append((a.kind, a.verwacht, a.gekregen, items[i][2]))
        opgeslagen[subject] = max(opgeslagen.get(subject, 0), *(n for n, _, _ in items))
    return uit


@pytest.mark.infra
async def test_reports_and_numbers_follow_the_rule_whether_a_subject_continues_or_not(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url(f"volgorde_doorlopend_{uuid.uuid4().hex[:6]}"))
    rnd = random.Random(16)
    opgeslagen: dict[str, int] = {}
    volgende: dict[str, int] = {}  # the producer's next number per subject
    soorten: set[str] = set()
    try:
        await migrate(pool, "leerrecht")
        for _ in range(80):
            batch: list[tuple[str, int | None, bool, str]] = []
            events: list[object] = []
            for _ in range(rnd.randint(1, 30)):
                subject = f"pseudoniem-{rnd.randint(0, 11)}"
                n = volgende.setdefault(subject, rnd.choice([1, 1, 1, 3]))
                keuze = rnd.random()
                if keuze < 0.05:
                    n += rnd.randint(1, 3)  # a gap
                elif keuze < 0.10 and n > 2:
                    n = rnd.randint(1, n - 1)  # a reordering or a re-delivered number
                volgende[subject] = max(volgende[subject], n + 1)
                nummer = None if rnd.random() < 0.03 else n
                behandeld = rnd.random() < 0.5
                if behandeld:
                    ev = _handled(subject, nummer)
                    eid = str(ev.envelope.id)
                    events.append(ev)
                else:
                    eid = str(uuid7())
                    events.append(Overgeslagen(SOURCE, subject, nummer, eid, 0))
                batch.append((subject, nummer, behandeld, eid))
            verwacht = _verwacht(opgeslagen, batch)
            async with pool.acquire() as conn, conn.transaction():
                gemeld = await volgorde_bijwerken(conn, "doorlopend", "regio", events)
            gekregen = [(g.afwijking.kind, g.afwijking.verwacht, g.afwijking.gekregen, g.event_id) for g in gemeld]
            assert sorted(gekregen) == sorted(verwacht)
            soorten.update(k for k, *_ in gekregen)
            rows = await pool.fetch("SELECT subject, hoogste FROM volgorde WHERE projection = 'doorlopend'")
            assert {r["subject"]: r["hoogste"] for r in rows} == opgeslagen
        assert soorten == {"gat", "omgekeerd"}, "the batches held both kinds of anomaly"
    finally:
        await pool.close()
