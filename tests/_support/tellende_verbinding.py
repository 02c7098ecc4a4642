"""A connection that records each statement a projection sends, to count round trips per batch
(issue 16: the projections' statements per batch, ``tests/*/test_*_projectie_statements.py``)."""

from __future__ import annotations

from typing import Any

import asyncpg

GETELD = frozenset({"execute", "executemany", "fetch", "fetchval", "fetchrow"})


class TellendeVerbinding:
    """Wraps an asyncpg connection: ``statements`` holds (method, SQL, rows for ``executemany``), and
    ``opgenomen`` every other statement with its arguments (to ``EXPLAIN`` it, as the index tests do)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.statements: list[tuple[str, str, int | None]] = []
        self.opgenomen: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._conn, name)
        if name not in GETELD:
            return attr

        async def tel(sql: str, *args: Any, **kwargs: Any) -> Any:
            rijen = len(list(args[0])) if name == "executemany" else None
            self.statements.append((name, sql, rijen))
            if name != "executemany":
                self.opgenomen.append((sql, args))
            return await attr(sql, *args, **kwargs)

        return tel
