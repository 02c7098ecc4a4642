"""Migrations on a real PostgreSQL: applied once, guarded against edits, and older code refuses a
database that a newer version migrated (a rollback of the image alone would write tables the newer
schema changed or dropped, as telling's 008-009 did)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from leerrecht.db import MigrationError, create_pool, migrate


@pytest.mark.infra
async def test_older_code_refuses_a_database_migrated_by_a_newer_version(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(infra.database_url("migr"))
    try:
        applied = await migrate(pool, "telling")
        assert applied and all(name.endswith(".sql") for name in applied)
        assert await migrate(pool, "telling") == []  # the same version again: nothing to do, no refusal
        async with pool.acquire() as conn:
            await conn.execute("INSERT INTO schema_migration (name, checksum) VALUES ('999_van_later.sql', 'x')")
            tabellen = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        with pytest.raises(MigrationError, match=r"999_van_later\.sql.*newer version"):
            await migrate(pool, "telling")
        async with pool.acquire() as conn:  # refused before touching anything
            assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == tabellen
    finally:
        await pool.close()


def _pakket(tmp_path, monkeypatch, naam: str, migraties: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """A throwaway package with these migration files, importable by ``migrate``."""
    pakket = tmp_path / naam
    (pakket / "migrations").mkdir(parents=True, exist_ok=True)
    (pakket / "__init__.py").write_text("")
    for bestand, sql in migraties.items():
        (pakket / "migrations" / bestand).write_text(sql)
    monkeypatch.syspath_prepend(str(tmp_path))
    return naam


@contextlib.asynccontextmanager
async def _tabel_vastgehouden(infra, tmp_path, monkeypatch, db: str  # type: ignore[no-untyped-def]
                              ) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Connection, str]]:
    """A package whose migration 001 made table ``t`` and whose pending 002 alters it, while the
    ``houder`` session's open transaction holds ``t`` (ACCESS SHARE, as any read does) until it ends."""
    url = await infra.adatabase_url(db)
    naam = f"{db}_{uuid.uuid4().hex[:8]}"
    _pakket(tmp_path, monkeypatch, naam, {"001_tabel.sql": "CREATE TABLE t (id int PRIMARY KEY);"})
    pool = await create_pool(url)
    houder = await asyncpg.connect(url)
    try:
        await migrate(pool, naam)
        await pool.execute("INSERT INTO t VALUES (1)")
        _pakket(tmp_path, monkeypatch, naam, {"002_kolom.sql": "ALTER TABLE t ADD COLUMN naam text;"})
        await houder.execute("BEGIN")
        await houder.fetchval("SELECT count(*) FROM t")
        yield pool, houder, naam
    finally:
        await houder.close()
        await pool.close()


@pytest.mark.infra
async def test_a_migration_behind_a_long_transaction_does_not_queue_the_service_behind_it(  # type: ignore[no-untyped-def]
        infra, tmp_path, monkeypatch) -> None:
    """A migration's DDL waits for its table lock behind any open transaction on the table, and every
    query on the table then queues behind the waiting DDL: one long (or frozen) transaction during a
    rolling deploy stopped the service. With a lock timeout per attempt and retries, queries get through
    between the attempts, and the migration lands once the transaction ends."""
    async with _tabel_vastgehouden(infra, tmp_path, monkeypatch, "migrwacht") as (pool, houder, naam):
        migratie = asyncio.create_task(migrate(pool, naam, lock_timeout_ms=500))
        await asyncio.sleep(1.5)
        assert not migratie.done()
        for _ in range(5):  # the service's reads and writes are not queued behind the waiting DDL
            begin = time.monotonic()
            await asyncio.wait_for(pool.execute("UPDATE t SET id = id WHERE id = 1"), 5)
            assert time.monotonic() - begin < 2
            await asyncio.sleep(0.3)
        await houder.execute("COMMIT")
        assert await asyncio.wait_for(migratie, 30) == ["002_kolom.sql"]
        assert await pool.fetchval("SELECT count(*) FROM information_schema.columns "
                                   "WHERE table_name = 't' AND column_name = 'naam'") == 1


@pytest.mark.infra
async def test_a_migration_that_never_gets_its_lock_fails_naming_it(infra, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with _tabel_vastgehouden(infra, tmp_path, monkeypatch, "migrnooit") as (pool, houder, naam):
        with pytest.raises(MigrationError, match=r"002_kolom\.sql.*lock"):
            await migrate(pool, naam, lock_timeout_ms=200, lock_wacht_s=2)
        await houder.execute("COMMIT")
        assert await migrate(pool, naam) == ["002_kolom.sql"]  # nothing half-applied: it lands now
