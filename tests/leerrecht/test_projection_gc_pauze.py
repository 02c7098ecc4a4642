"""The runner's pause of the cyclic garbage collector (issue 16): off while fetches are applied, on again
when the last runner's fetch ends and while any runner waits, and never switched on when someone else
had switched it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from leerrecht.projection import _GcPauze


@pytest.fixture
def aan() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()
    else:
        gc.enable()


def test_paused_while_any_runner_applies_a_fetch(aan: None) -> None:
    pauze = _GcPauze()
    with pauze.gepauzeerd():
        assert not gc.isenabled()
        with pauze.gepauzeerd():  # a second runner in the same process
            assert not gc.isenabled()
        assert not gc.isenabled(), "the first runner still applies its fetch"
    assert gc.isenabled()


def test_on_while_a_runner_waits(aan: None) -> None:
    pauze = _GcPauze()
    with pauze.gepauzeerd():
        with pauze.hervat():  # a backoff: an outage may last long
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error(aan: None) -> None:
    pauze = _GcPauze()
    with pytest.raises(RuntimeError), pauze.gepauzeerd():
        raise RuntimeError("batch failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before(aan: None) -> None:
    pauze = _GcPauze()
    gc.disable()
    with pauze.gepauzeerd(), pauze.hervat():
        assert not gc.isenabled(), "not the runner's to switch on"
    assert not gc.isenabled()
