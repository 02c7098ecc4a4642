"""Migrations on a real PostgreSQL: applied once, guarded against edits, and older code refuses a
database that a newer version migrated (a rollback of the image alone would write tables the newer
schema changed or dropped, as telling's 008-009 did)."""

from __future__ import annotations

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
