"""``leerrecht.versies.PerVersie``: a row is parsed again only when its version moved (issue 16).

Without a database: the second read is a function that records what it was asked for. The real-PostgreSQL
uses are tested in ``tests/rmc/test_rmc_open_jongeren.py`` and ``tests/leerplicht/test_lp_open_dossiers.py``."""

from __future__ import annotations

import asyncio

from leerrecht.versies import PerVersie


def test_only_new_versions_are_read_and_a_row_gone_in_between_is_none() -> None:
    geheugen: PerVersie[tuple[str, int], str, str] = PerVersie(lambda k: k[0])
    gevraagd: list[list[str]] = []
    tabel = {"a": 1, "b": 1, "c": 1}

    async def lees(namen: list[str]) -> list[tuple[tuple[str, int], str]]:
        gevraagd.append(namen)
        return [((n, tabel[n]), f"{n}{tabel[n]}") for n in namen if n in tabel]

    def lijst(sleutels: list[tuple[str, int]]) -> list[str | None]:
        return asyncio.run(geheugen.lees(sleutels, lees))

    assert lijst([("a", 1), ("b", 1)]) == ["a1", "b1"] and gevraagd == [["a", "b"]]
    assert lijst([("a", 1), ("b", 1)]) == ["a1", "b1"] and gevraagd[1:] == [], "nothing read again"
    tabel["b"] = 3  # b moved on twice before the second read: taken as that read has it
    del tabel["c"]
    assert lijst([("a", 1), ("b", 2), ("c", 1)]) == ["a1", "b3", None] and gevraagd[1:] == [["b", "c"]]
    assert len(geheugen) == 2, "the last list only: a and b at version 3"
    assert lijst([("b", 3)]) == ["b3"] and gevraagd[2:] == []
