"""Moving house (domain.md A5): the old office's transfer and the new office's takeover, pure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from leerplicht import snapshot
from leerplicht.domain import (
    DomeinFout,
    DossierFase,
    DraagOver,
    KiesRoute,
    NeemInBehandeling,
    StartOnderzoek,
    VoerInterventieUit,
    apply,
    decide,
    herbouw,
    neem_over,
    overdracht_opdracht,
)
from leerplicht.domain.dossier import Feit
from lp_helpers import GEREGISTREERD_OP, feit, ingetrokken, melding, nieuw_dossier, uid, uitvoeren

from contracts.codes import InterventieSoort, LeerplichtSluitreden, MasRoute, MeldingSoort, MeldingStatus
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg

D1, D2, D3 = date(2026, 3, 24), date(2026, 3, 25), date(2026, 3, 26)


def verhuisd(datum: date = D3, van: str = "MC17", naar: str = "MC05") -> reg.Verhuisd:
    return reg.Verhuisd(
        verhuisdatum=datum, oude_gemeente="GM0363", nieuwe_gemeente="GM0599", oude_regio=van, nieuwe_regio=naar
    )


def in_route():
    """An open dossier with history: a report in behandeling with onderzoek, a route, an intervention,
    a second report still Geregistreerd and a third one withdrawn."""
    d = nieuw_dossier()
    tweede = melding(soort=MeldingSoort.LUXE)
    derde = melding(soort=MeldingSoort.OVERIG)
    d = apply(d, feit(tweede, D1))
    d = apply(d, feit(derde, D1))
    d = apply(d, feit(ingetrokken(derde.melding_id), D1))
    assert d is not None
    d = uitvoeren(
        d,
        NeemInBehandeling(d.eerste_melding_id, D1),
        StartOnderzoek(d.eerste_melding_id, D2, True),
        KiesRoute((MasRoute.BASISROUTE,), D2),
        VoerInterventieUit(uid(), InterventieSoort.KENNISGEVINGSBRIEF, D3),
    )
    return d, tweede.melding_id, derde.melding_id


def test_a_move_out_of_the_region_asks_for_a_transfer_dated_on_the_move() -> None:
    d, _, _ = in_route()
    c = overdracht_opdracht(d, verhuisd(), "MC17")
    assert c == DraagOver(van_regio="MC17", naar_regio="MC05", naar_gemeente="GM0599", datum=D3)


def test_a_move_reported_before_the_dossier_opened_is_dated_on_the_opening() -> None:
    d, _, _ = in_route()
    c = overdracht_opdracht(d, verhuisd(datum=date(2026, 1, 5)), "MC17")
    assert c is not None and c.datum == GEREGISTREERD_OP


@pytest.mark.parametrize(
    ("move", "regio"),
    [
        (verhuisd(van="MC17", naar="MC17"), "MC17"),  # within the region: the office stays
        (verhuisd(van="MC05", naar="MC17"), "MC17"),  # a move *into* this region: the other office transfers
        (verhuisd(), "MC05"),  # the new office's copy of the Verhuisd: nothing to transfer there
    ],
)
def test_no_transfer_for_moves_that_do_not_leave_this_region(move: reg.Verhuisd, regio: str) -> None:
    d, _, _ = in_route()
    assert overdracht_opdracht(d, move, regio) is None


def test_no_transfer_without_an_open_dossier() -> None:
    assert overdracht_opdracht(None, verhuisd(), "MC17") is None
    d, _, _ = in_route()
    closed = replace(d, fase=DossierFase.GESLOTEN)
    assert overdracht_opdracht(closed, verhuisd(), "MC17") is None


def test_the_transfer_lists_only_the_open_reports() -> None:
    d, tweede, derde = in_route()
    (ev,) = decide(DraagOver("MC17", "MC05", "GM0599", D3), d)
    assert isinstance(ev, lp.DossierOvergedragen)
    assert ev.dossier_id == d.dossier_id
    assert (ev.van_regio, ev.naar_regio, ev.naar_gemeente) == ("MC17", "MC05", "GM0599")
    assert ev.open_meldingen == [d.eerste_melding_id, tweede]  # the withdrawn one travels as history only
    assert derde not in ev.open_meldingen


def test_a_transfer_to_the_same_region_or_of_a_closed_dossier_is_refused() -> None:
    d, _, _ = in_route()
    with pytest.raises(DomeinFout) as err:
        decide(DraagOver("MC17", "MC17", "GM0599", D3), d)
    assert err.value.regel == "andere_regio"
    moved = apply(d, feit(decide(DraagOver("MC17", "MC05", "GM0599", D3), d)[0], D3))
    assert moved is not None
    with pytest.raises(DomeinFout) as err:
        decide(DraagOver("MC17", "MC06", "GM0599", D3), moved)
    assert err.value.regel == "dossier_open"


def test_the_old_office_keeps_a_closed_transferred_case() -> None:
    d, _, _ = in_route()
    (ev,) = decide(DraagOver("MC17", "MC05", "GM0599", D3), d)
    moved = apply(d, feit(ev, D3))
    assert moved is not None and moved.version == d.version + 1
    assert moved.fase is DossierFase.OVERGEDRAGEN and not moved.open
    assert moved.sluiting is not None
    assert (moved.sluiting.reden, moved.sluiting.naar_regio) == (LeerplichtSluitreden.VERHUISD, "MC05")


def test_the_new_office_reopens_it_with_the_whole_history() -> None:
    d, tweede, derde = in_route()
    (ev,) = decide(DraagOver("MC17", "MC05", "GM0599", D3), d)
    moved = apply(d, feit(ev, D3))
    assert moved is not None and isinstance(ev, lp.DossierOvergedragen)
    nieuw = neem_over(moved, ev)
    assert nieuw.open and nieuw.sluiting is None
    assert (nieuw.overgenomen_van, nieuw.overgenomen_op) == ("MC17", D3)
    assert nieuw.version == moved.version  # the timeline continues; its last entry is the transfer
    statussen = {m.melding_id: m.status for m in nieuw.meldingen}
    assert statussen == {
        d.eerste_melding_id: MeldingStatus.IN_BEHANDELING,
        tweede: MeldingStatus.GEREGISTREERD,
        derde: MeldingStatus.INGETROKKEN,
    }
    assert nieuw.onderzoeken == d.onderzoeken and nieuw.routekeuzes == d.routekeuzes
    assert nieuw.interventies == d.interventies
    # the new office continues the MAS: pick up the second report, then close as usual
    verder = uitvoeren(nieuw, NeemInBehandeling(tweede, D3))
    assert verder.melding(tweede).status is MeldingStatus.IN_BEHANDELING  # type: ignore[union-attr]
    # and the snapshot keeps where it came from
    assert snapshot.from_json(json.loads(json.dumps(snapshot.to_json(nieuw)))) == nieuw


def test_neem_over_refuses_a_history_without_the_transfer_or_of_another_dossier() -> None:
    d, _, _ = in_route()
    (ev,) = decide(DraagOver("MC17", "MC05", "GM0599", D3), d)
    assert isinstance(ev, lp.DossierOvergedragen)
    with pytest.raises(ValueError, match="not applied"):
        neem_over(d, ev)
    moved = apply(d, feit(ev, D3))
    assert moved is not None
    with pytest.raises(ValueError, match="another dossier"):
        neem_over(replace(moved, dossier_id=uid()), ev)


def _stappen(*commands: object, m: reg.MeldingGeregistreerd | None = None) -> list[Feit]:
    """The facts of a dossier's timeline: a report, then each command's events, as the office folds them."""
    feiten = [feit(m or melding(), GEREGISTREERD_OP)]
    state = apply(None, feiten[0])
    for c in commands:
        assert state is not None
        for ev in decide(c, state):  # type: ignore[arg-type]
            f = feit(ev, c.datum)  # type: ignore[attr-defined]
            feiten.append(f)
            state = apply(state, f)
    return feiten


def test_herbouw_rebuilds_the_transferred_dossier_from_its_history_alone() -> None:
    """Contract v2 (A5): the new office folds the history in the event; nothing from the old office."""
    m = melding()
    stappen = _stappen(NeemInBehandeling(m.melding_id, D1), StartOnderzoek(m.melding_id, D2, True), m=m)
    oud = None
    for f in stappen:
        oud = apply(oud, f)
    assert oud is not None and oud.version == 3
    (ev,) = decide(DraagOver("MC27", "MC30", "GM0599", D3), oud)
    overdracht = feit(ev, D3)
    nieuw = herbouw(stappen, overdracht)
    moved = apply(oud, overdracht)
    assert moved is not None and isinstance(ev, lp.DossierOvergedragen)
    assert nieuw == neem_over(moved, ev)
    assert nieuw.open and nieuw.version == 4 and nieuw.overgenomen_van == "MC27"


def test_herbouw_after_a_second_move_reopens_at_each_transfer() -> None:
    stappen = _stappen()
    d = apply(None, stappen[0])
    assert d is not None
    (eerste,) = decide(DraagOver("MC27", "MC30", "GM0599", D1), d)
    bij_b = herbouw(stappen, feit(eerste, D1))
    stappen = [*stappen, feit(eerste, D1)]
    for c in (NeemInBehandeling(d.eerste_melding_id, D2),):
        for ev in decide(c, bij_b):
            f = feit(ev, D2)
            stappen.append(f)
            nxt = apply(bij_b, f)
            assert nxt is not None
            bij_b = nxt
    (tweede,) = decide(DraagOver("MC30", "MC05", "GM0014", D3), bij_b)
    bij_c = herbouw(stappen, feit(tweede, D3))
    assert bij_c.open and bij_c.version == 4 and bij_c.overgenomen_van == "MC30"
    assert bij_c.meldingen[0].status is MeldingStatus.IN_BEHANDELING


def test_herbouw_refuses_a_history_that_does_not_fold_into_the_named_dossier() -> None:
    stappen = _stappen()
    d = apply(None, stappen[0])
    assert d is not None
    (ev,) = decide(DraagOver("MC27", "MC30", "GM0599", D3), d)
    with pytest.raises(ValueError, match="does not fold"):
        herbouw([feit(lp.MeldingAfgesloten(melding_id=uid(), dossier_id=uid(), datum=D1), D1)], feit(ev, D3))
    ander = _stappen()
    with pytest.raises(ValueError, match="another dossier"):
        herbouw(ander, feit(ev, D3))
