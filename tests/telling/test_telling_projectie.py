"""The projection's fast path for absences must read exactly what the full contract decode reads.

Absences are ~90 % of the log; the projection reads the few fields it needs straight from the
envelope's data instead of a full pydantic decode (``telling.projection._afwezigheid``). These tests
pin that it agrees with :func:`contracts.catalogue.from_envelope` value for value (including the
Decimal's exponent, which PostgreSQL keeps as the numeric's scale), and that whatever the contract
rejects is still rejected (so an invalid absence still ends on the dead-letter topic).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.figures import (
    LEEG,
    Feiten,
    afwezigheid_soort,
    afwezigheid_totalen,
    effects,
    met_ongeoorloofd,
    neem_op,
    schooljaar,
)
from telling.domain.historie import verwerk
from telling.projection import _afwezigheid, _al_bekend

from contracts.catalogue import from_envelope
from contracts.codes import AfwezigheidCode, SchoolType, Vakantieregio
from contracts.envelope import Envelope
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGeregistreerd, LeerlingIngeschreven
from contracts.golden import golden_envelope

BASIS = golden_envelope(AfwezigheidGeregistreerd.event_type)


def _env(**data: Any) -> Envelope:
    return BASIS.model_copy(update={"data": {**BASIS.data, **data}})


def _volledig(env: Envelope) -> tuple[str, str, Decimal, date]:
    ev = from_envelope(env)
    assert isinstance(ev, AfwezigheidGeregistreerd)
    return schooljaar(ev.datum), afwezigheid_soort(ev.code), ev.uren, ev.datum


@pytest.mark.parametrize("uren", [5.0, 2.5, 0.25, 0.01, 1, 24, 24.0, 7.33, 3.1, 0.5, 12])
@pytest.mark.parametrize("datum", ["2025-07-31", "2025-08-01", "2024-02-29"])
def test_the_fast_path_reads_what_the_contract_reads(uren: float, datum: str) -> None:
    for code in AfwezigheidCode:
        env = _env(uren=uren, datum=datum, code=code.value)
        snel, volledig = _afwezigheid(env), _volledig(env)
        assert snel == volledig
        assert str(snel[2]) == str(volledig[2])  # same exponent: same numeric scale in PostgreSQL


@pytest.mark.parametrize("data", [
    {"uren": 0.333}, {"uren": 25}, {"uren": 0}, {"uren": -1.0}, {"uren": True}, {"uren": "2.5x"},
    {"code": "GEEN_CODE"}, {"datum": "2025-13-01"}, {"datum": "20251006"}, {"extra": 1},
])
def test_what_the_contract_rejects_is_still_rejected(data: dict[str, Any]) -> None:
    env = _env(**data)
    with pytest.raises(Exception) as volledig:
        from_envelope(env)
    with pytest.raises(type(volledig.value)):
        _afwezigheid(env)


def test_a_missing_field_or_another_dataschema_takes_the_full_decode() -> None:
    zonder = BASIS.model_copy(update={"data": {k: v for k, v in BASIS.data.items() if k != "eenheid"}})
    with pytest.raises(Exception, match="eenheid"):
        _afwezigheid(zonder)
    ander = BASIS.model_copy(update={"dataschema": "https://example.invalid/schema.json"})
    with pytest.raises(Exception, match="dataschema"):
        _afwezigheid(ander)


def test_batch_totals_are_the_sum_of_the_per_event_effects() -> None:
    """``afwezigheid_totalen`` (per batch) adds up to ``effects`` (per event)."""
    events = [
        from_envelope(_env(uren=u, code=c.value, datum=d))
        for u in (1.0, 2.5, 0.25) for c in AfwezigheidCode for d in ("2025-07-31", "2025-10-06")
    ]
    per_event: dict[Any, Decimal] = defaultdict(Decimal)
    for ev in events:
        for eff in effects(ev, "p1", "MC21"):
            per_event[eff.cell] += eff.amount
    groepen: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for ev in events:
        assert isinstance(ev, AfwezigheidGeregistreerd)
        groepen[(schooljaar(ev.datum), afwezigheid_soort(ev.code))].append(ev.uren)
    per_batch: dict[Any, Decimal] = defaultdict(Decimal)
    for (jaar, soort), uren in groepen.items():
        for inc in afwezigheid_totalen(jaar, "MC21", soort, len(uren), sum(uren, Decimal(0))):
            per_batch[inc.cell] += inc.amount
    assert per_batch == per_event
    assert len(per_batch) == 12  # 2 years x (count, geoorloofd, ongeoorloofd) x (NL, MC21)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40), st.sampled_from(["MC21", "MC29"])),
                min_size=1, max_size=12))
def test_dropping_an_absence_al_bekend_changes_no_membership_nor_history(
        afwezig: list[tuple[int, int, str]]) -> None:
    """The projection drops an unauthorised absence that :func:`_al_bekend` says changes nothing; the
    per-day facts then differ from folding every absence, but the memberships and the as-of history
    (from :func:`verwerk`) are the same, in any order of arrival."""
    begin = date(2025, 9, 1)
    ingeschreven = LeerlingIngeschreven(
        school=School(brin="12AB", vestiging="00"), school_type=SchoolType.VO, ingangsdatum=begin,
        vakantieregio=Vakantieregio.NOORD, woongemeente="GM0363", geboortejaar_maand="2011-03")
    alles: dict[date, Feiten] = {begin: neem_op(LEEG, ingeschreven, "MC21", begin)}
    zonder = dict(alles)
    for r, n, regio in afwezig:
        dag, datum = begin + timedelta(days=r + n // 4), begin + timedelta(days=n)
        alles[dag] = met_ongeoorloofd(alles.get(dag, LEEG), regio, datum)
        if not _al_bekend(zonder, schooljaar(datum), regio, dag, datum):
            zonder[dag] = met_ongeoorloofd(zonder.get(dag, LEEG), regio, datum)
    a, b = verwerk({}, alles, "p1"), verwerk({}, zonder, "p1")
    assert (a.erbij, a.mutaties) == (b.erbij, b.mutaties)
