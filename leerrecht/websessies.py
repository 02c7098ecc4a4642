"""Web sessions of the OpenID Connect login, kept in the service's own PostgreSQL.

Why not in the process's memory: a restart (a deploy, a crash) would log every officer out, and two
replicas would need sticky sessions. Here a session outlives the process and every replica sees it;
a logout deletes the row, so it ends on every replica at once.

What is stored: the SHA-256 of the session id (the browser's cookie holds the id itself, so a copy
of this table opens no session), the principal (client and role, no personal data), the ID token for
the provider's logout (``id_token_hint``) and the expiry. Expired rows are removed when a session is
opened and never answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

SQL = """
CREATE TABLE IF NOT EXISTS web_sessie (
    sessie_hash text PRIMARY KEY,
    client_id text NOT NULL,
    rol text NOT NULL,
    id_token text NOT NULL,
    verloopt_op timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessie_verloopt ON web_sessie (verloopt_op);
"""


@dataclass(frozen=True)
class OpgeslagenSessie:
    client_id: str
    rol: str
    id_token: str
    verloopt: float  # epoch seconds


class SessieOpslag:
    """The sessions table of one service database (keys are hashes, never the session id)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def open(self, sessie_hash: str, client_id: str, rol: str, id_token: str, verloopt: float) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM web_sessie WHERE verloopt_op < clock_timestamp()")
            await conn.execute(
                "INSERT INTO web_sessie (sessie_hash, client_id, rol, id_token, verloopt_op) "
                "VALUES ($1, $2, $3, $4, $5)",
                sessie_hash, client_id, rol, id_token, datetime.fromtimestamp(verloopt, UTC))

    async def zoek(self, sessie_hash: str) -> OpgeslagenSessie | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT client_id, rol, id_token, verloopt_op FROM web_sessie "
                "WHERE sessie_hash = $1 AND verloopt_op > clock_timestamp()", sessie_hash)
        return _sessie(row)

    async def sluit(self, sessie_hash: str) -> OpgeslagenSessie | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "DELETE FROM web_sessie WHERE sessie_hash = $1 RETURNING client_id, rol, id_token, verloopt_op",
                sessie_hash)
        return _sessie(row)


def _sessie(row: asyncpg.Record | None) -> OpgeslagenSessie | None:
    if row is None:
        return None
    return OpgeslagenSessie(row["client_id"], row["rol"], row["id_token"], row["verloopt_op"].timestamp())
