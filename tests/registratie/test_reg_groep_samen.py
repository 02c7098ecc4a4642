"""Which submissions of a group are decided together (``Groepscommit._samen``), without infrastructure.

A pupil whose group also holds a submission that is decided on its own (another kind, another day, a
replay) is left out of the shared decision: decided together first, its submissions would be decided and
numbered before that one's even when they arrived after it, and reach the log out of number order.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from registratie.groepscommit import Groepscommit, _Wachtend
from registratie.intake import Inzending, Samen

DAG = date(2026, 11, 27)


async def _beslis(conn: Any, gegeven: Any) -> Any:
    raise AssertionError("not called: the service's behandel_samen is replaced")


def _inzending(sleutel: str, pupil: str, *, samen: bool = True, raw: bool = False) -> Inzending:
    return Inzending("school", sleutel, "h", _beslis, [pupil], (lambda: []) if raw else None, True, DAG,
                     Samen(_beslis, sleutel) if samen else None)


class _Verbinding:
    """Only the savepoint the shared decision runs in."""

    def transaction(self) -> Any:
        return _Savepoint()


class _Savepoint:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Service:
    def __init__(self) -> None:
        self.samen: list[str] = []

    async def behandel_samen(self, conn: Any, inzendingen: list[Inzending]) -> list[Any]:
        self.samen = [i.sleutel for i in inzendingen]
        return [object() for _ in inzendingen]


async def test_a_pupil_with_a_submission_decided_alone_in_the_group_is_not_decided_together() -> None:
    service = _Service()
    lus = asyncio.get_running_loop()
    groep = [_Wachtend(i, lus.create_future()) for i in (
        _inzending("a", "X", raw=True),   # X: decided on its own (identity records)
        _inzending("b", "X"),             # X again: must wait for a's decision, in arrival order
        _inzending("c", "Y"),
        _inzending("d", "Y"),
        _inzending("e", "Z"),
    )]
    nieuw = [(w, ("school", w.inzending.sleutel)) for w in groep]
    samen = await Groepscommit(service)._samen(_Verbinding(), groep, nieuw)  # type: ignore[arg-type]
    assert service.samen == ["c", "d", "e"]
    assert {w.inzending.sleutel for w in samen} == {"c", "d", "e"}


def _wachtend(sleutel: str, leerlingen: int) -> _Wachtend:
    inzending = Inzending("school", sleutel, "h", _beslis, [f"p-{sleutel}-{i}" for i in range(leerlingen)], None,
                          True, DAG)
    return _Wachtend(inzending, asyncio.get_running_loop().create_future())


async def test_a_group_takes_pupils_up_to_its_bound_in_arrival_order_and_a_large_batch_alone() -> None:
    """Concurrent large batches must not make one group that outlasts the intake's timeout: the group is
    bounded by its pupils too. Once the bound is reached, later submissions wait as well, so a small one
    never overtakes a large one of the same pupil; a batch above the bound forms a group of its own."""
    groepen = Groepscommit(_Service(), max_leerlingen=1_000)  # type: ignore[arg-type]
    groepen._wachtrij = [_wachtend("a", 400), _wachtend("b", 500), _wachtend("c", 500), _wachtend("d", 1),
                         _wachtend("e", 1_500), _wachtend("f", 1)]
    rondes = []
    while groepen._wachtrij:
        rondes.append([w.inzending.sleutel for w in groepen._volgende_groep()])
    assert rondes == [["a", "b"], ["c", "d"], ["e"], ["f"]]
