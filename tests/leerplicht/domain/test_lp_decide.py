"""decide(command, state): the MAS order (domain.md A4, A5), each refusal naming field and rule in Dutch."""

from __future__ import annotations

import re
from datetime import date

import pytest
from leerplicht.domain import (
    DomeinFout,
    Dossier,
    DossierFase,
    KiesRoute,
    NeemInBehandeling,
    NeemTerKennisgeving,
    SluitDossier,
    SluitMeldingAf,
    StartOnderzoek,
    VoerInterventieUit,
    apply,
    decide,
)
from leerplicht.domain.commands import Command
from leerplicht.domain.teksten import ROUTE
from lp_helpers import (
    GEREGISTREERD_OP,
    afw,
    feit,
    ingetrokken,
    leerling,
    melding,
    nieuw_dossier,
    uid,
    uitvoeren,
)

from contracts.codes import (
    AfwezigheidCode,
    HaltAdvies,
    InterventieSoort,
    InterventieUitkomst,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
    MeldingStatus,
)
from contracts.events import leerplicht as lp

D1 = date(2026, 3, 24)
D2 = date(2026, 3, 30)
D3 = date(2026, 4, 7)
D4 = date(2026, 4, 14)
D5 = date(2026, 5, 20)


def fout(command: Command, state: Dossier) -> DomeinFout:
    with pytest.raises(DomeinFout) as info:
        decide(command, state)
    err = info.value
    assert err.melding and err.veld and err.regel
    return err


def opgepakt() -> Dossier:
    d = nieuw_dossier()
    return uitvoeren(d, NeemInBehandeling(d.eerste_melding_id, D1))


def onderzocht() -> Dossier:
    d = opgepakt()
    return uitvoeren(d, StartOnderzoek(d.eerste_melding_id, D2, met_leerling=True))


def met_route(*routes: MasRoute, **kw: object) -> Dossier:
    return uitvoeren(onderzocht(), KiesRoute(tuple(routes), D3, **kw))  # type: ignore[arg-type]


# ---- reports (A4) ------------------------------------------------------------------------------


def test_pick_up_emits_in_behandeling_and_names_the_new_dossier() -> None:
    d = nieuw_dossier()
    (ev,) = decide(NeemInBehandeling(d.eerste_melding_id, D1), d)
    assert isinstance(ev, lp.MeldingInBehandeling)
    assert (ev.melding_id, ev.dossier_id, ev.datum, ev.nieuw_dossier) == (
        d.eerste_melding_id,
        d.dossier_id,
        D1,
        True,
    )


def test_a_report_joining_an_open_dossier_is_not_a_new_dossier() -> None:
    d = opgepakt()
    m2 = melding(soort=MeldingSoort.LUXE)
    d = apply(d, feit(m2, date(2026, 3, 25)))  # type: ignore[assignment]
    (ev,) = decide(NeemInBehandeling(m2.melding_id, D2), d)
    assert isinstance(ev, lp.MeldingInBehandeling) and ev.nieuw_dossier is False


def test_pick_up_twice_is_refused() -> None:
    d = opgepakt()
    err = fout(NeemInBehandeling(d.eerste_melding_id, D2), d)
    assert (err.veld, err.regel) == ("melding_id", "status_geregistreerd")
    assert "In behandeling" in err.melding and "Geregistreerd" in err.melding


def test_unknown_report_is_refused() -> None:
    err = fout(NeemInBehandeling(uid(), D1), nieuw_dossier())
    assert (err.veld, err.regel) == ("melding_id", "melding_in_dossier")


def test_no_step_dated_before_the_dossier_opened_or_before_the_report() -> None:
    d = nieuw_dossier()
    err = fout(NeemInBehandeling(d.eerste_melding_id, GEREGISTREERD_OP.replace(day=20)), d)
    assert (err.veld, err.regel) == ("datum", "datum_na_opening")
    m2 = melding()
    d2 = apply(d, feit(m2, date(2026, 3, 26)))
    assert d2 is not None
    err = fout(NeemInBehandeling(m2.melding_id, date(2026, 3, 25)), d2)
    assert (err.veld, err.regel) == ("datum", "datum_volgorde")


def test_ter_kennisgeving_from_geregistreerd_emits_the_pick_up_first() -> None:
    d = nieuw_dossier()
    events = decide(NeemTerKennisgeving(d.eerste_melding_id, D1), d)
    assert [type(e) for e in events] == [lp.MeldingInBehandeling, lp.MeldingTerKennisgevingAangenomen]
    after = uitvoeren(d, NeemTerKennisgeving(d.eerste_melding_id, D1))
    m = after.melding(d.eerste_melding_id)
    assert m is not None and m.status is MeldingStatus.TER_KENNISGEVING_AANGENOMEN
    err = fout(NeemTerKennisgeving(d.eerste_melding_id, D2), after)
    assert (err.veld, err.regel) == ("melding_id", "melding_open")


def test_withdrawn_report_cannot_be_picked_up_or_taken_for_information() -> None:
    d = nieuw_dossier()
    d = apply(d, feit(ingetrokken(d.eerste_melding_id), D1))  # type: ignore[assignment]
    assert fout(NeemInBehandeling(d.eerste_melding_id, D1), d).regel == "status_geregistreerd"
    assert fout(NeemTerKennisgeving(d.eerste_melding_id, D1), d).regel == "melding_open"


def test_a_report_is_afgesloten_only_after_its_onderzoek() -> None:
    d = opgepakt()
    err = fout(SluitMeldingAf(d.eerste_melding_id, D2), d)
    assert (err.veld, err.regel) == ("melding_id", "onderzoek_vereist")
    d = onderzocht()
    (ev,) = decide(SluitMeldingAf(d.eerste_melding_id, D3), d)
    assert isinstance(ev, lp.MeldingAfgesloten)
    assert fout(SluitMeldingAf(d.eerste_melding_id, D3), nieuw_dossier()).regel in {
        "status_in_behandeling",
        "melding_in_dossier",
    }


# ---- onderzoek and routes (A5) -----------------------------------------------------------------


def test_onderzoek_needs_the_report_picked_up_and_happens_once() -> None:
    d = nieuw_dossier()
    err = fout(StartOnderzoek(d.eerste_melding_id, D1, True), d)
    assert (err.veld, err.regel) == ("melding_id", "status_in_behandeling")
    d = onderzocht()
    err = fout(StartOnderzoek(d.eerste_melding_id, D3, True), d)
    assert (err.veld, err.regel) == ("melding_id", "onderzoek_eenmalig")


def test_onderzoek_not_before_the_pick_up() -> None:
    d = opgepakt()
    err = fout(StartOnderzoek(d.eerste_melding_id, GEREGISTREERD_OP, True), d)
    assert (err.veld, err.regel) == ("datum", "datum_volgorde")


def test_no_route_before_an_onderzoek() -> None:
    err = fout(KiesRoute((MasRoute.BASISROUTE,), D3), opgepakt())
    assert (err.veld, err.regel) == ("routes", "onderzoek_vereist")
    assert "onderzoek" in err.melding


@pytest.mark.parametrize(
    ("routes", "regel"),
    [
        ((MasRoute.BASISROUTE, MasRoute.STRAFRECHT), "basisroute_alleen"),
        ((MasRoute.STRAFRECHT, MasRoute.STRAFRECHT), "routes_uniek"),
        ((), "route_vereist"),
    ],
)
def test_route_combinations(routes: tuple[MasRoute, ...], regel: str) -> None:
    err = fout(KiesRoute(routes, D3), onderzocht())
    assert (err.veld, err.regel) == ("routes", regel)


def test_vervolgroutes_combine_and_escalation_is_a_new_choice() -> None:
    d = met_route(MasRoute.BASISROUTE)
    err = fout(KiesRoute((MasRoute.BASISROUTE,), D4), d)
    assert err.regel == "route_gewijzigd"
    (ev,) = decide(KiesRoute((MasRoute.VRIJWILLIGE_HULP, MasRoute.STRAFRECHT), D4), d)
    assert isinstance(ev, lp.RouteGekozen) and ev.routes == [MasRoute.VRIJWILLIGE_HULP, MasRoute.STRAFRECHT]
    d = uitvoeren(d, KiesRoute((MasRoute.VRIJWILLIGE_HULP, MasRoute.STRAFRECHT), D4))
    assert d.huidige_routes == (MasRoute.VRIJWILLIGE_HULP, MasRoute.STRAFRECHT)
    assert d.gekozen_routes == {MasRoute.BASISROUTE, MasRoute.VRIJWILLIGE_HULP, MasRoute.STRAFRECHT}


# ---- Halt (A5) ---------------------------------------------------------------------------------


def test_halt_route_when_eligible_needs_no_override() -> None:
    (ev,) = decide(KiesRoute((MasRoute.HALT,), D3, leerling()), onderzocht())
    assert isinstance(ev, lp.RouteGekozen) and ev.routes == [MasRoute.HALT]


def test_halt_route_against_the_advice_needs_a_reason() -> None:
    te_veel = leerling(afwezigheden=[afw(date(2026, 3, 9), "61")])  # more than 60 (A5)
    err = fout(KiesRoute((MasRoute.HALT,), D3, te_veel), onderzocht())
    assert (err.veld, err.regel) == ("halt_toelichting", "halt_advies")
    assert "61 uur" in err.melding
    events = decide(KiesRoute((MasRoute.HALT,), D3, te_veel, "Ouders werken mee; Halt past"), onderzocht())
    assert [type(e) for e in events] == [lp.HaltAdviesOverschreven, lp.RouteGekozen]
    override = events[0]
    assert isinstance(override, lp.HaltAdviesOverschreven)
    assert override.advies is HaltAdvies.NIET_GESCHIKT and override.toelichting == "Ouders werken mee; Halt past"


def test_halt_without_pupil_data_is_not_eligible() -> None:
    err = fout(KiesRoute((MasRoute.HALT,), D3, None), onderzocht())
    assert err.regel == "halt_advies" and "leeftijd onbekend" in err.melding


def test_a_halt_reason_is_refused_when_the_advice_is_positive() -> None:
    err = fout(KiesRoute((MasRoute.HALT,), D3, leerling(), "onnodig"), onderzocht())
    assert (err.veld, err.regel) == ("halt_toelichting", "halt_toelichting_alleen_bij_overschrijven")
    err = fout(KiesRoute((MasRoute.BASISROUTE,), D3, None, "onnodig"), onderzocht())
    assert err.regel == "halt_toelichting_alleen_bij_overschrijven"


def test_halt_happens_once_per_pupil_even_with_a_reason() -> None:
    err = fout(KiesRoute((MasRoute.HALT,), D3, leerling(eerdere=1), "toch"), onderzocht())
    assert (err.veld, err.regel) == ("routes", "halt_eenmalig")
    d = met_route(MasRoute.HALT, leerling=leerling())
    d = uitvoeren(d, VoerInterventieUit(uid(), InterventieSoort.HALT_VERWIJZING, D4, leerling=leerling()))
    err = fout(VoerInterventieUit(uid(), InterventieSoort.HALT_VERWIJZING, D5, leerling=leerling()), d)
    assert (err.veld, err.regel) == ("soort", "halt_eenmalig")


def test_halt_referral_rechecks_the_advice_unless_overridden() -> None:
    d = met_route(MasRoute.HALT, leerling=leerling())
    later = leerling(afwezigheden=[afw(date(2026, 3, 9), "0.5", AfwezigheidCode.TE_LAAT)] * 61)
    err = fout(VoerInterventieUit(uid(), InterventieSoort.HALT_VERWIJZING, D4, leerling=later), d)
    assert err.regel == "halt_advies" and "61 keer te laat" in err.melding
    events = decide(
        VoerInterventieUit(
            uid(),
            InterventieSoort.HALT_VERWIJZING,
            D4,
            leerling=later,
            halt_toelichting="eerste keer te laat, korte periode",
        ),
        d,
    )
    assert [type(e) for e in events] == [lp.HaltAdviesOverschreven, lp.InterventieUitgevoerd]
    overridden = met_route(MasRoute.HALT, leerling=later, halt_toelichting="reden")
    (ev,) = decide(VoerInterventieUit(uid(), InterventieSoort.HALT_VERWIJZING, D4, leerling=later), overridden)
    assert isinstance(ev, lp.InterventieUitgevoerd)


# ---- interventions (A5) ------------------------------------------------------------------------


def test_no_intervention_before_pick_up() -> None:
    err = fout(VoerInterventieUit(uid(), InterventieSoort.GESPREK, D1), nieuw_dossier())
    assert (err.veld, err.regel) == ("soort", "in_behandeling")


def test_a_conversation_may_precede_the_onderzoek_but_a_letter_may_not() -> None:
    (ev,) = decide(VoerInterventieUit(uid(), InterventieSoort.GESPREK, D1), opgepakt())
    assert isinstance(ev, lp.InterventieUitgevoerd) and ev.soort is InterventieSoort.GESPREK
    err = fout(VoerInterventieUit(uid(), InterventieSoort.KENNISGEVINGSBRIEF, D1), opgepakt())
    assert (err.veld, err.regel) == ("soort", "onderzoek_vereist")
    (ev,) = decide(VoerInterventieUit(uid(), InterventieSoort.WAARSCHUWINGSGESPREK, D3), onderzocht())
    assert isinstance(ev, lp.InterventieUitgevoerd)


@pytest.mark.parametrize(
    ("soort", "route"),
    [
        (InterventieSoort.HALT_VERWIJZING, MasRoute.HALT),
        (InterventieSoort.PROCES_VERBAAL, MasRoute.STRAFRECHT),
        (InterventieSoort.ZORGOVERLEG, MasRoute.VRIJWILLIGE_HULP),
        (InterventieSoort.MELDING_RAAD_KINDERBESCHERMING, MasRoute.VERPLICHT_KADER),
    ],
)
def test_a_vervolgroute_step_needs_its_route(soort: InterventieSoort, route: MasRoute) -> None:
    d = met_route(MasRoute.BASISROUTE)
    err = fout(VoerInterventieUit(uid(), soort, D4, leerling=leerling()), d)
    assert (err.veld, err.regel) == ("soort", "route_gekozen")
    assert ROUTE[route] in err.melding and route.value not in err.melding
    d = met_route(route, leerling=leerling())
    events = decide(VoerInterventieUit(uid(), soort, D4, leerling=leerling()), d)
    assert isinstance(events[-1], lp.InterventieUitgevoerd)


def test_strafrecht_order_pv_then_om_then_uitspraak() -> None:
    d = met_route(MasRoute.STRAFRECHT)
    err = fout(VoerInterventieUit(uid(), InterventieSoort.OM_BESLISSING, D4, InterventieUitkomst.DAGVAARDING), d)
    assert (err.veld, err.regel) == ("soort", "proces_verbaal_vereist")
    d = uitvoeren(d, VoerInterventieUit(uid(), InterventieSoort.PROCES_VERBAAL, D4))
    err = fout(VoerInterventieUit(uid(), InterventieSoort.OM_BESLISSING, D5), d)
    assert (err.veld, err.regel) == ("uitkomst", "uitkomst_vereist")
    err = fout(VoerInterventieUit(uid(), InterventieSoort.UITSPRAAK, D5, InterventieUitkomst.BOETE), d)
    assert (err.veld, err.regel) == ("soort", "dagvaarding_vereist")
    d2 = uitvoeren(d, VoerInterventieUit(uid(), InterventieSoort.OM_BESLISSING, D5, InterventieUitkomst.TRANSACTIE))
    assert fout(VoerInterventieUit(uid(), InterventieSoort.UITSPRAAK, D5, InterventieUitkomst.BOETE), d2).regel == (
        "dagvaarding_vereist"
    )
    d3 = uitvoeren(d, VoerInterventieUit(uid(), InterventieSoort.OM_BESLISSING, D5, InterventieUitkomst.DAGVAARDING))
    (ev,) = decide(VoerInterventieUit(uid(), InterventieSoort.UITSPRAAK, D5, InterventieUitkomst.TAAKSTRAF), d3)
    assert isinstance(ev, lp.InterventieUitgevoerd) and ev.uitkomst is InterventieUitkomst.TAAKSTRAF


def test_an_outcome_must_fit_the_intervention() -> None:
    err = fout(VoerInterventieUit(uid(), InterventieSoort.GESPREK, D1, InterventieUitkomst.BOETE), opgepakt())
    assert (err.veld, err.regel) == ("uitkomst", "uitkomst_past")
    assert "geen" in err.melding


def test_halt_outcome_is_recorded_once_on_the_referral() -> None:
    ref = uid()
    d = met_route(MasRoute.HALT, leerling=leerling())
    d = uitvoeren(d, VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D4, leerling=leerling()))
    err = fout(VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D5), d)
    assert (err.veld, err.regel) == ("uitkomst", "uitkomst_vereist")
    err = fout(VoerInterventieUit(ref, InterventieSoort.GESPREK, D5), d)
    assert (err.veld, err.regel) == ("soort", "interventie_soort")
    err = fout(VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D1, InterventieUitkomst.HALT_POSITIEF), d)
    assert (err.veld, err.regel) == ("datum", "datum_volgorde")
    d = uitvoeren(d, VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D5, InterventieUitkomst.HALT_NEGATIEF))
    interventie = d.interventie(ref)
    assert interventie is not None and interventie.uitkomst is InterventieUitkomst.HALT_NEGATIEF
    err = fout(VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D5, InterventieUitkomst.HALT_POSITIEF), d)
    assert (err.veld, err.regel) == ("uitkomst", "uitkomst_eenmalig")


# ---- closing (A5) ------------------------------------------------------------------------------


def test_closing_closes_open_reports_then_the_dossier() -> None:
    d = onderzocht()
    m2 = melding(soort=MeldingSoort.OVERIG)
    d = apply(d, feit(m2, D2))  # type: ignore[assignment]
    d = uitvoeren(d, NeemInBehandeling(m2.melding_id, D3))
    events = decide(SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D4), d)
    assert [type(e) for e in events] == [
        lp.MeldingAfgesloten,  # investigated
        lp.MeldingTerKennisgevingAangenomen,  # picked up, not investigated
        lp.DossierGesloten,
    ]
    closed = uitvoeren(d, SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D4))
    assert closed.fase is DossierFase.GESLOTEN
    assert {m.status for m in closed.meldingen} == {
        MeldingStatus.AFGESLOTEN,
        MeldingStatus.TER_KENNISGEVING_AANGENOMEN,
    }


def test_no_closing_twice_and_no_steps_after_closing() -> None:
    closed = uitvoeren(onderzocht(), SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D3))
    err = fout(SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D4), closed)
    assert (err.veld, err.regel) == ("dossier_id", "dossier_open")
    assert "al gesloten" in err.melding
    assert fout(VoerInterventieUit(uid(), InterventieSoort.GESPREK, D4), closed).regel == "dossier_open"


def test_a_transferred_dossier_takes_no_commands() -> None:
    d = opgepakt()
    ev = lp.DossierOvergedragen(
        dossier_id=d.dossier_id, van_regio="MC28", naar_regio="MC29", naar_gemeente="GM1930", datum=D2
    )
    moved = apply(d, feit(ev, D2))
    assert moved is not None
    err = fout(StartOnderzoek(d.eerste_melding_id, D3, True), moved)
    assert err.regel == "dossier_open" and "MC29" in err.melding


def test_reports_still_geregistreerd_block_closing() -> None:
    err = fout(SluitDossier(LeerplichtSluitreden.VERHUISD, D1), nieuw_dossier())
    assert (err.veld, err.regel) == ("meldingen", "meldingen_opgepakt")


def test_overig_needs_a_toelichting_and_only_overig_may_have_one() -> None:
    d = opgepakt()
    err = fout(SluitDossier(LeerplichtSluitreden.OVERIG, D2), d)
    assert (err.veld, err.regel) == ("toelichting", "toelichting_bij_overig")
    err = fout(SluitDossier(LeerplichtSluitreden.OVERIG, D2, "  "), d)
    assert err.regel == "toelichting_bij_overig"
    err = fout(SluitDossier(LeerplichtSluitreden.VERHUISD, D2, "naar het buitenland"), d)
    assert err.regel == "toelichting_bij_overig"
    events = decide(SluitDossier(LeerplichtSluitreden.OVERIG, D2, "gezin geëmigreerd"), d)
    last = events[-1]
    assert isinstance(last, lp.DossierGesloten) and last.toelichting == "gezin geëmigreerd"


@pytest.mark.parametrize(
    ("reden", "uitleg"),
    [
        (LeerplichtSluitreden.HALT_POSITIEF, "Halt-verwijzing"),
        (LeerplichtSluitreden.PV_AFGEDAAN, "proces-verbaal"),
        (LeerplichtSluitreden.NAAR_ZORG, "zorgroute"),
        (LeerplichtSluitreden.INGETROKKEN, "ingetrokken"),
    ],
)
def test_a_closing_reason_must_fit_the_file(reden: LeerplichtSluitreden, uitleg: str) -> None:
    err = fout(SluitDossier(reden, D4), met_route(MasRoute.BASISROUTE))
    assert (err.veld, err.regel) == ("reden", "reden_past") and uitleg in err.melding


def test_verzuim_beeindigd_needs_an_onderzoek() -> None:
    err = fout(SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D2), opgepakt())
    assert err.regel == "reden_past"


def test_closing_reasons_that_fit() -> None:
    ref = uid()
    halt = met_route(MasRoute.HALT, leerling=leerling())
    halt = uitvoeren(
        halt,
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D4, leerling=leerling()),
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D5, InterventieUitkomst.HALT_POSITIEF),
    )
    assert isinstance(decide(SluitDossier(LeerplichtSluitreden.HALT_POSITIEF, D5), halt)[-1], lp.DossierGesloten)

    pv = uitvoeren(
        met_route(MasRoute.STRAFRECHT),
        VoerInterventieUit(uid(), InterventieSoort.PROCES_VERBAAL, D4),
    )
    assert fout(SluitDossier(LeerplichtSluitreden.PV_AFGEDAAN, D5), pv).regel == "reden_past"
    pv = uitvoeren(pv, VoerInterventieUit(uid(), InterventieSoort.OM_BESLISSING, D5, InterventieUitkomst.SEPOT))
    assert isinstance(decide(SluitDossier(LeerplichtSluitreden.PV_AFGEDAAN, D5), pv)[-1], lp.DossierGesloten)

    zorg = met_route(MasRoute.VRIJWILLIGE_HULP)
    assert isinstance(decide(SluitDossier(LeerplichtSluitreden.NAAR_ZORG, D4), zorg)[-1], lp.DossierGesloten)

    d = nieuw_dossier()
    d = apply(d, feit(ingetrokken(d.eerste_melding_id), D1))  # type: ignore[assignment]
    (ev,) = decide(SluitDossier(LeerplichtSluitreden.INGETROKKEN, D1), d)
    assert isinstance(ev, lp.DossierGesloten)


def test_closing_not_before_the_latest_step() -> None:
    err = fout(SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D1), onderzocht())
    assert (err.veld, err.regel) == ("datum", "datum_volgorde")


def test_every_decided_event_folds_and_moves_the_version_by_its_count() -> None:
    """decide and apply agree: the events of an accepted command are all effective on the state."""
    ref = uid()
    d = nieuw_dossier()
    steps: list[Command] = [
        NeemInBehandeling(d.eerste_melding_id, D1),
        VoerInterventieUit(uid(), InterventieSoort.GESPREK, D1),
        StartOnderzoek(d.eerste_melding_id, D2, True),
        KiesRoute((MasRoute.HALT, MasRoute.VRIJWILLIGE_HULP), D3, leerling(geboortejaar_maand="2015-01"), "rijp"),
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D4, leerling=leerling("2015-01")),
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, D5, InterventieUitkomst.HALT_POSITIEF),
        SluitDossier(LeerplichtSluitreden.HALT_POSITIEF, D5),
    ]
    for step in steps:
        events = decide(step, d)
        before = d.version
        d = uitvoeren(d, step)
        assert d.version == before + len(events)
    assert d.fase is DossierFase.GESLOTEN and d.version == 1 + 1 + 1 + 1 + 2 + 1 + 1 + 2


# --- decide speaks plain Dutch (issue 15): no document references, enum codes or ISO dates --------

_CODE = re.compile(r"\b[A-Z]{2,}(_[A-Z]+)*\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _weigeringen() -> list[DomeinFout]:
    gesloten = uitvoeren(onderzocht(), SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D4, None))
    m = opgepakt().meldingen[0].melding_id
    return [
        fout(NeemInBehandeling(m, D2), opgepakt()),
        fout(SluitMeldingAf(m, D2), opgepakt()),
        fout(StartOnderzoek(nieuw_dossier().meldingen[0].melding_id, D2, True), nieuw_dossier()),
        fout(KiesRoute((MasRoute.BASISROUTE,), D2), opgepakt()),
        fout(KiesRoute((MasRoute.BASISROUTE, MasRoute.HALT), D4), onderzocht()),
        fout(VoerInterventieUit(uid(), InterventieSoort.PROCES_VERBAAL, D4), met_route(MasRoute.BASISROUTE)),
        fout(VoerInterventieUit(uid(), InterventieSoort.KENNISGEVINGSBRIEF, D4,
                                uitkomst=InterventieUitkomst.SEPOT), met_route(MasRoute.BASISROUTE)),
        fout(SluitDossier(LeerplichtSluitreden.OVERIG, D4, None), onderzocht()),
        fout(SluitDossier(LeerplichtSluitreden.HALT_POSITIEF, D4, None), onderzocht()),
        fout(SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, D4, None), nieuw_dossier()),
        fout(NeemInBehandeling(m, D4), gesloten),
        fout(StartOnderzoek(m, date(2000, 1, 3), True), opgepakt()),
    ]


def test_refusals_speak_plain_dutch_without_codes_references_or_iso_dates() -> None:
    for err in _weigeringen():
        assert "domain.md" not in err.melding, err.melding
        assert not _CODE.search(err.melding), err.melding
        assert not _ISO.search(err.melding), err.melding
