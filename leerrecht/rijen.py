"""Rows of text fields as ONE text parameter, split by PostgreSQL (issue 16).

Why: asyncpg encodes a ``text[]``/``uuid[]`` parameter element by element, with an ``isinstance`` check
against an abstract base class on each (about 0.34 µs an element here, several per event on the
runner's hot path; telling sent ~64 per event), while one string is a single copy (0.05 µs an element)
and PostgreSQL splits it. Used by the runner, the ProjectionRunner projections and telling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def tekst(rijen: Sequence[Sequence[str]], kolommen: int) -> str:
    """Fields split by a tab, rows by a newline. A field holding a tab or a newline would shift columns:
    that is checked (counted), not assumed, and fails the batch."""
    uit = "\n".join(["\t".join(r) for r in rijen])
    if uit.count("\t") != len(rijen) * (kolommen - 1) or uit.count("\n") != max(len(rijen) - 1, 0):
        raise ValueError("een veld bevat een tab of een regeleinde")
    return uit


def rijen_sql(param: int, kolommen: int) -> str:
    """The rows of the :func:`tekst` parameter ``$param`` as a subquery of ``kolommen`` text columns."""
    velden = ", ".join(f"split_part(r, E'\\t', {i})" for i in range(1, kolommen + 1))
    return f"(SELECT {velden} FROM unnest(string_to_array(${param}, E'\\n')) AS r)"


def kolommen(rijen: Sequence[Sequence[Any]], welke: Iterable[int]) -> list[list[Any]]:
    """The columns ``welke`` of ``rijen``, each as a list: the array parameters of a statement over
    ``unnest($1::…[], $2::…[], …)``, which PostgreSQL plans and executes once for all rows where an
    ``executemany`` executes once per row. For rows with typed values (uuid, date, None)."""
    return [[r[i] for r in rijen] for i in welke]
