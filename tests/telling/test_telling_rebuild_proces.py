"""``python -m telling rebuild`` and its worker processes run the service's runner, so they run with the
service's process settings (:mod:`leerrecht.proces`). Why a test: the collector's thresholds were set
only in the services' lifespan, so the rebuild ran the same runner under Python's own thresholds
(``benchmarks/METINGEN.md``, "The twelfth session")."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from telling import rebuild

from leerrecht.proces import GC_DREMPELS


@pytest.fixture
def pythons_eigen_drempels(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", "postgresql://niet-gebruikt/telling")  # nothing connects
    oud = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*oud)


def _vang(gezien: list[tuple[int, ...]]) -> Any:
    def run(coro: Coroutine[Any, Any, Any]) -> None:
        gezien.append(gc.get_threshold())
        coro.close()  # only the process's set-up is under test, not the rebuild itself
    return run


@pytest.mark.usefixtures("pythons_eigen_drempels")
def test_the_rebuild_command_runs_with_the_services_gc_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    gezien: list[tuple[int, ...]] = []
    monkeypatch.setattr(asyncio, "run", _vang(gezien))
    rebuild.main(["--schema", "telling_rebuild_test", "--processen", "1"])
    assert gezien == [GC_DREMPELS]


@pytest.mark.usefixtures("pythons_eigen_drempels")
def test_a_rebuild_worker_process_runs_with_the_services_gc_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    gezien: list[tuple[int, ...]] = []
    monkeypatch.setattr(asyncio, "run", _vang(gezien))
    rebuild._werker(rebuild.TellingSettings(), "telling_rebuild_test", "groep", {}, None)
    assert gezien == [GC_DREMPELS]
