"""Moving house between regions (domain.md A5/A6): the old region transfers the open case and closes it
with ``VERHUISD``; the new region continues it from the re-published history."""

from __future__ import annotations

from datetime import date

import pytest
from rmc.domain import (
    DomeinFout,
    Gebeurtenis,
    Overdragen,
    Status,
    apply,
    decide,
    hervatten,
    is_terugkeer,
    verwerk,
)
from rmc_helpers import DOSSIER, REGIO, TRAJECT, aangemeld, g, in_status

from contracts.codes import ContactKanaal, RmcRoute, RmcSluitreden
from contracts.events import registratie, rmc

NIEUWE_REGIO = "MC07"


def verhuisd(oud: str = REGIO, nieuw: str = NIEUWE_REGIO, datum: date = date(2026, 2, 10)) -> registratie.Verhuisd:
    return registratie.Verhuisd(
        verhuisdatum=datum, oude_gemeente="GM0637", nieuwe_gemeente="GM0363", oude_regio=oud, nieuwe_regio=nieuw
    )


def echo(r: Gebeurtenis) -> Gebeurtenis:
    return Gebeurtenis(id=r.id, pseudoniem=r.pseudoniem, event=r.event, datum=r.datum, regio=r.regio)


def test_a_move_out_of_the_region_transfers_the_open_case_and_closes_it_here() -> None:
    before = in_status(Status.IN_TRAJECT)
    cause = g(verhuisd(), date(2026, 2, 12))
    out = verwerk(before, cause)
    assert [type(r.event) for r in out.reacties] == [rmc.DossierOvergedragen, rmc.DossierGesloten]
    overdracht, sluiting = (r.event for r in out.reacties)
    assert isinstance(overdracht, rmc.DossierOvergedragen) and isinstance(sluiting, rmc.DossierGesloten)
    assert (overdracht.dossier_id, overdracht.van_regio, overdracht.naar_regio, overdracht.naar_gemeente) == (
        DOSSIER, REGIO, NIEUWE_REGIO, "GM0363"
    )
    assert overdracht.datum == date(2026, 2, 10) == sluiting.datum
    assert sluiting.reden is RmcSluitreden.VERHUISD
    after = out.toestand
    assert after is not None
    assert (after.dossier.status, after.dossier.sluitreden, after.dossier.overgedragen_naar) == (
        Status.AFGESLOTEN, RmcSluitreden.VERHUISD, NIEUWE_REGIO
    )
    assert after.versie == before.versie + 3  # Verhuisd and the two reactions

    # redelivery of the cause decides the very same events (ids derived from the cause)
    again = verwerk(before, cause)
    assert [r.id for r in again.reacties] == [r.id for r in out.reacties]
    # the echoes from the log are not counted twice
    state = after
    for r in out.reacties:
        res = verwerk(state, echo(r))
        assert res.echo and res.toestand is not None
        state = res.toestand
    assert state.versie == after.versie and state.verwachte_echo == ()


@pytest.mark.parametrize(
    ("oud", "nieuw"),
    [(REGIO, REGIO), ("MC01", REGIO)],
    ids=["move within the region", "move into the region"],
)
def test_no_transfer_without_leaving_the_region(oud: str, nieuw: str) -> None:
    out = verwerk(in_status(Status.IN_BEELD), g(verhuisd(oud, nieuw)))
    assert out.reacties == ()
    assert out.toestand is not None and out.toestand.dossier.open


def test_a_closed_case_is_not_transferred() -> None:
    out = verwerk(in_status(Status.AFGESLOTEN), g(verhuisd()))
    assert out.reacties == ()


def test_the_closing_date_is_never_before_the_intake() -> None:
    state = apply(in_status(Status.NIEUW), g(verhuisd(datum=date(2025, 12, 1))))
    assert state is not None
    events = decide(Overdragen(REGIO, NIEUWE_REGIO, "GM0363", date(2025, 12, 1)), state)
    assert {e.datum for e in events if isinstance(e, rmc.DossierOvergedragen | rmc.DossierGesloten)} == {
        state.dossier.aangemeld_op
    }


def test_transfer_needs_a_registered_move_out_of_the_region() -> None:
    with pytest.raises(DomeinFout) as fout:
        decide(Overdragen(REGIO, NIEUWE_REGIO, "GM0363", date(2026, 2, 10)), in_status(Status.IN_BEELD))
    assert fout.value.regel == "geen_verhuizing_buiten_regio"


def test_the_new_region_continues_the_case_from_the_history_and_the_transfer() -> None:
    """The old instance re-publishes the history (same ids) on the new topic, then the transfer."""
    oud = in_status(Status.GEPLAATST)
    history = [
        rmc.JongereAangemeld(
            dossier_id=DOSSIER, bron=oud.dossier.bron, datum=oud.dossier.aangemeld_op,
            woongemeente="GM0637", geboortejaar_maand=oud.geboortejaar_maand,
        ),
        rmc.ContactpogingGedaan(dossier_id=DOSSIER, datum=date(2026, 1, 7), kanaal=ContactKanaal.SMS, geslaagd=True),
        rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 1, 7)),
        rmc.TrajectGestart(
            dossier_id=DOSSIER, traject_id=TRAJECT, route=RmcRoute.WERK, datum=date(2026, 1, 12)
        ),
    ]
    state = None
    for ev in history:
        state = apply(state, g(ev, regio=NIEUWE_REGIO))
    overdracht = rmc.DossierOvergedragen(
        dossier_id=DOSSIER, van_regio=REGIO, naar_regio=NIEUWE_REGIO, naar_gemeente="GM0363",
        datum=date(2026, 2, 10),
    )
    state = apply(state, g(overdracht, regio=NIEUWE_REGIO))
    assert state is not None
    d = state.dossier
    assert (d.status, d.dossier_id, d.overgenomen_van, d.in_beeld_sinds) == (
        Status.IN_TRAJECT, DOSSIER, REGIO, date(2026, 1, 7)
    )
    assert d.traject is not None and d.traject.route is RmcRoute.WERK
    assert [(p.kanaal, p.geslaagd) for p in d.contactpogingen] == [(ContactKanaal.SMS, True)]
    assert state.woongemeente == "GM0363" and state.coach is None
    assert not d.verhuisd_buiten_regio
    # and the new region's coach may work on it
    later = apply(state, g(rmc.DossierGesloten(dossier_id=DOSSIER, reden=RmcSluitreden.SK_BEHAALD,
                                               datum=date(2026, 3, 1)), regio=NIEUWE_REGIO))
    assert later is not None and later.dossier.status is Status.AFGESLOTEN


def test_a_transfer_for_another_case_changes_nothing_in_the_new_region() -> None:
    """The young person already had an own open case here: the transferred one does not replace it."""
    eigen = in_status(Status.IN_BEELD)
    vreemd = rmc.DossierOvergedragen(
        dossier_id=TRAJECT, van_regio="MC01", naar_regio=REGIO, naar_gemeente="GM0637", datum=date(2026, 2, 10)
    )
    state = apply(eigen, g(vreemd))
    assert state is not None
    assert (state.dossier.dossier_id, state.dossier.status, state.dossier.overgenomen_van) == (
        DOSSIER, Status.IN_BEELD, None
    )


def test_a_case_that_comes_back_is_reopened_from_its_whole_history() -> None:
    """MC28 → MC07 → MC28: the MC07 period (a placement) and the earlier MC28 history both count."""
    eerst = [
        g(aangemeld()),
        g(rmc.ContactpogingGedaan(dossier_id=DOSSIER, datum=date(2026, 1, 7), kanaal=ContactKanaal.SMS,
                                  geslaagd=True)),
        g(rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 1, 7))),
        g(rmc.TrajectGestart(dossier_id=DOSSIER, traject_id=TRAJECT, route=RmcRoute.WERK, datum=date(2026, 1, 12))),
    ]
    state = None
    for e in eerst:
        state = apply(state, e)
    out = verwerk(state, g(verhuisd()))
    weg = out.toestand
    assert weg is not None and not weg.dossier.open and weg.dossier.overgedragen_naar == NIEUWE_REGIO
    # while away: MC07 placed the young person; the copy arrives here before the transfer back
    plaatsing = g(rmc.JongereGeplaatst(dossier_id=DOSSIER, bestemming=RmcRoute.WERK, startdatum=date(2026, 3, 2)))
    gesloten = apply(weg, plaatsing)
    assert gesloten is not None and gesloten.dossier.plaatsing is None, "a closed file ignores it"
    terug = g(rmc.DossierOvergedragen(dossier_id=DOSSIER, van_regio=NIEUWE_REGIO, naar_regio=REGIO,
                                      naar_gemeente="GM0637", datum=date(2026, 3, 10)))
    assert is_terugkeer(gesloten, terug)
    # the history as kept here: the first period, the reactions (closing excluded by type), the copy
    history = [*eerst, *out.reacties, plaatsing]
    hervat = hervatten(gesloten, history)
    assert hervat.versie == gesloten.versie, "the version never goes back"
    final = apply(hervat, terug)
    assert final is not None
    d = final.dossier
    assert (d.status, d.overgenomen_van, d.overgedragen_naar, d.sluitreden) == (
        Status.GEPLAATST, NIEUWE_REGIO, None, None
    )
    assert d.plaatsing is not None and d.plaatsing.startdatum == date(2026, 3, 2)
    assert [p.kanaal for p in d.contactpogingen] == [ContactKanaal.SMS]
    assert final.coach is None and final.woongemeente == "GM0637" and final.versie == gesloten.versie + 1
    assert not is_terugkeer(final, terug), "an open case is not a return"
