"""Rows parsed once per version (issue 16), for the worklists that need every open file of a region.

Why: leerplicht's deprecated unpaged worklist and rmc's worklist read every open dossier or file of the
region on every request; at the largest region's national size parsing their stored JSON was the larger
part of the request. A row's version is written once by its projection (it counts the events folded into
it), so a value kept under (key, version) never goes stale. The versions are read first and only the rows
not in memory are fetched; the memory holds the last list only, so a row that moved on or left the list is
dropped when the next list is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

S = TypeVar("S", bound=Hashable)  # a row's key with its version, e.g. (dossier_id, version)
L = TypeVar("L", bound=Hashable)  # what the second read looks a row up by, e.g. the dossier_id
V = TypeVar("V")


class PerVersie(Generic[S, L, V]):
    """The values of the last list read, by their row's key and version (``opzoek``: the part of that key
    the second read filters on)."""

    def __init__(self, opzoek: Callable[[S], L]) -> None:
        self._opzoek = opzoek
        self._waarden: dict[S, V] = {}

    def __len__(self) -> int:
        return len(self._waarden)

    async def lees(self, sleutels: Sequence[S],
                   lees_ontbrekende: Callable[[list[L]], Awaitable[Iterable[tuple[S, V]]]]) -> list[V | None]:
        """The value of every key of ``sleutels``, in their order: from memory when that version is there,
        else from ``lees_ontbrekende`` (which gets the lookups of the missing ones and returns their rows as
        it reads them now). A row that moved on between the two reads is taken as the second read has it;
        one the second read no longer finds is ``None``."""
        opzoek = self._opzoek
        nieuw = {s: v for s in sleutels if (v := self._waarden.get(s)) is not None}
        ontbreekt = [opzoek(s) for s in sleutels if s not in nieuw]
        gelezen = {opzoek(s): (s, v) for s, v in await lees_ontbrekende(ontbreekt)} if ontbreekt else {}
        uit: list[V | None] = []
        for s in sleutels:
            v = nieuw.get(s)
            if v is None and (paar := gelezen.get(opzoek(s))) is not None:
                s_nu, v = paar
                nieuw[s_nu] = v
            uit.append(v)
        self._waarden = nieuw
        return uit
