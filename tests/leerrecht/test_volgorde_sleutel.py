"""The ``volgorde`` table keyed by one hash (issue 16): a database from before keeps its numbers.

Real PostgreSQL. A database with the old table (four text columns as the key) and a stored number is
migrated; afterwards the stored number still counts (the next number is no anomaly, a skipped one is),
the key is the one hash column, and a second migration changes nothing. Later batches compare with the
number each row held before their own raise (``vorige``, written by the same update).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.volgorde import Afwijking, volgorde_bijwerken

OUD = """
CREATE TABLE volgorde (
    projection text NOT NULL,
    topic text NOT NULL,
    source text NOT NULL,
    subject text NOT NULL,
    hoogste bigint NOT NULL,
    PRIMARY KEY (projection, topic, source, subject)
);
ALTER TABLE volgorde SET (fillfactor = 70);
INSERT INTO volgorde VALUES ('p', 'regio', 'urn:nl:leerrecht:test', 'pseudoniem-a', 4),
                            ('p', 'regio', 'urn:nl:leerrecht:test', 'pseudoniem-b', 9),
                            ('q', 'regio', 'urn:nl:leerrecht:test', 'pseudoniem-a', 1);
"""


@dataclass(frozen=True)
class _Delivered:
    envelope: Envelope


def _ev(subject: str, seq: int) -> _Delivered:
    return _Delivered(Envelope(id=uuid7(), type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                               subject=subject, schema_version=1, correlation_id=uuid7(), data={},
                               subject_sequence=seq))


@pytest.mark.infra
async def test_stored_numbers_survive_the_new_key(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url(f"volgorde_sleutel_{uuid.uuid4().hex[:6]}"))
    try:
        await pool.execute(OUD)
        await migrate(pool, "leerrecht")
        await migrate(pool, "leerrecht")  # idempotent: the second start changes nothing
        key = await pool.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'volgorde'::regclass AND i.indisprimary")
        assert [r["attname"] for r in key] == ["sleutel"]
        async with pool.acquire() as conn, conn.transaction():
            gemeld = await volgorde_bijwerken(conn, "p", "regio", [
                _ev("pseudoniem-a", 5),  # the next after the stored 4: nothing to report
                _ev("pseudoniem-b", 11),  # 10 was skipped
                _ev("pseudoniem-c", 1),  # new: starts at 1
            ])
        assert [g.afwijking for g in gemeld] == [Afwijking("gat", 10, 11)]
        async with pool.acquire() as conn, conn.transaction():
            gemeld = await volgorde_bijwerken(conn, "q", "regio", [_ev("pseudoniem-a", 1)])
        assert [g.afwijking for g in gemeld] == [Afwijking("omgekeerd", 2, 1)], "per projection, as before"
        async with pool.acquire() as conn, conn.transaction():  # a row inserted, then raised: its number counts
            gemeld = await volgorde_bijwerken(conn, "p", "regio", [_ev("pseudoniem-c", 2), _ev("pseudoniem-a", 6)])
        assert gemeld == []
        async with pool.acquire() as conn, conn.transaction():  # and raised again: the latest number counts
            gemeld = await volgorde_bijwerken(conn, "p", "regio", [_ev("pseudoniem-c", 4), _ev("pseudoniem-a", 5)])
        assert [g.afwijking for g in gemeld] == [Afwijking("gat", 3, 4), Afwijking("omgekeerd", 7, 5)]
        async with pool.acquire() as conn, conn.transaction():  # a lower number never lowers the highest
            gemeld = await volgorde_bijwerken(conn, "p", "regio", [_ev("pseudoniem-a", 7)])
        assert gemeld == []
        rows = {(r["projection"], r["subject"]): r["hoogste"]
                for r in await pool.fetch("SELECT projection, subject, hoogste FROM volgorde")}
        assert rows == {("p", "pseudoniem-a"): 7, ("p", "pseudoniem-b"): 11, ("p", "pseudoniem-c"): 4,
                        ("q", "pseudoniem-a"): 1}
    finally:
        await pool.close()
