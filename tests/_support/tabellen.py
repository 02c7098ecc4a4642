"""Every table of a database as text rows, to compare two ways of applying the same log."""

from __future__ import annotations

import re
from functools import partial

import asyncpg

_OPGENOMEN = partial(re.compile(r"recordedtime[^,]*").sub)


async def inhoud(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """Every table's rows as text, sorted, without the columns a sequence fills."""
    kolommen = await conn.fetch(
        "SELECT table_schema, table_name, string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS k "
        "FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND is_identity = 'NO' AND coalesce(column_default, '') NOT LIKE 'nextval(%' "
        "AND (table_schema, table_name) IN (SELECT table_schema, table_name FROM information_schema.tables "
        "                                   WHERE table_type = 'BASE TABLE') "
        "GROUP BY 1, 2 ORDER BY 1, 2")
    out: dict[str, list[str]] = {}
    for r in kolommen:
        naam = f'{r["table_schema"]}.{r["table_name"]}'
        rijen = await conn.fetch(f'SELECT ({r["k"]})::text AS t FROM "{r["table_schema"]}"."{r["table_name"]}" x')
        # a reaction's envelope gets the wall clock as its recordedtime (not what is compared here)
        out[naam] = sorted(_OPGENOMEN(r"recordedtime", str(x["t"])) for x in rijen)
    return out
