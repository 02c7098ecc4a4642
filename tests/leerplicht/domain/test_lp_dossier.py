"""The dossier fold (domain.md A4, A5): what each fact does, versions, and order-independence of statuses."""

from __future__ import annotations

from datetime import date

from leerplicht.domain import DossierFase, apply, fold, nieuw_dossier_id
from lp_helpers import GEREGISTREERD_OP, PSEUDO, feit, ingetrokken, melding, nieuw_dossier, uid

from contracts.codes import (
    HaltAdvies,
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
    MeldingStatus,
)
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg


def test_a_report_opens_a_dossier_with_status_geregistreerd() -> None:
    m = melding()
    d = apply(None, feit(m, GEREGISTREERD_OP))
    assert d is not None
    assert d.dossier_id == nieuw_dossier_id(m.melding_id)
    assert d.pseudoniem == PSEUDO
    assert d.fase is DossierFase.OPEN and d.open
    assert d.version == 1
    assert d.geopend_op == GEREGISTREERD_OP
    assert [(x.melding_id, x.status) for x in d.meldingen] == [(m.melding_id, MeldingStatus.GEREGISTREERD)]
    assert d.laatste_actie_op is None and d.eerste_contact_op is None


def test_dossier_id_is_deterministic_per_report() -> None:
    m = uid()
    assert nieuw_dossier_id(m) == nieuw_dossier_id(m)
    assert nieuw_dossier_id(m) != nieuw_dossier_id(uid())


def test_an_18_plus_report_opens_no_leerplicht_dossier() -> None:
    """A3.5: the 18+ report goes to the Doorstroompunt."""
    assert apply(None, feit(melding(soort=MeldingSoort.ACHTTIEN_PLUS), GEREGISTREERD_OP)) is None
    d = nieuw_dossier()
    assert apply(d, feit(melding(soort=MeldingSoort.ACHTTIEN_PLUS), GEREGISTREERD_OP)) is d


def test_other_facts_without_a_dossier_are_ignored() -> None:
    assert apply(None, feit(ingetrokken(uid()), GEREGISTREERD_OP)) is None
    ev = lp.OnderzoekGestart(dossier_id=uid(), melding_id=uid(), datum=GEREGISTREERD_OP, met_leerling=True)
    assert apply(None, feit(ev, GEREGISTREERD_OP)) is None


def test_a_second_report_joins_the_open_dossier_and_a_duplicate_is_a_no_op() -> None:
    d = nieuw_dossier()
    m2 = melding(soort=MeldingSoort.LUXE, startdatum=date(2026, 2, 16))
    d2 = apply(d, feit(m2, date(2026, 3, 25)))
    assert d2 is not None and d2.version == 2
    assert [x.soort for x in d2.meldingen] == [MeldingSoort.ZESTIEN_UUR, MeldingSoort.LUXE]
    assert d2.eerste_registratie_op == GEREGISTREERD_OP
    assert d2.verzuim_sinds == date(2026, 2, 16)
    same = apply(d2, feit(m2, date(2026, 3, 26)))
    assert same is d2 and same.version == 2


def test_withdrawal_sets_ingetrokken_with_its_reason() -> None:
    d = nieuw_dossier()
    m = d.eerste_melding_id
    d2 = apply(d, feit(ingetrokken(m), date(2026, 3, 24)))
    assert d2 is not None
    got = d2.melding(m)
    assert got is not None and got.status is MeldingStatus.INGETROKKEN
    assert got.intrekkingsreden is IntrekkingsReden.ONTERECHT_GEMELD
    assert got.afgehandeld_op == date(2026, 3, 24)
    assert d2.version == 2


def test_statuses_only_move_forward_so_log_order_does_not_matter() -> None:
    """A withdrawal and a pick-up can cross on the log; both orders fold to Ingetrokken."""
    d = nieuw_dossier()
    m = d.eerste_melding_id
    pick = feit(
        lp.MeldingInBehandeling(melding_id=m, dossier_id=d.dossier_id, datum=date(2026, 3, 24), nieuw_dossier=True),
        date(2026, 3, 24),
    )
    withdraw = feit(ingetrokken(m), date(2026, 3, 24))
    a = fold([pick, withdraw], d)
    b = fold([withdraw, pick], d)
    assert a is not None and b is not None
    assert a.melding(m) == b.melding(m)
    got = a.melding(m)
    assert got is not None and got.status is MeldingStatus.INGETROKKEN
    assert got.in_behandeling_op == date(2026, 3, 24)
    assert a.version == b.version == 3


def test_einddatum_is_updated_once() -> None:
    d = nieuw_dossier()
    ev = reg.MeldingEinddatumVastgesteld(melding_id=d.eerste_melding_id, einddatum=date(2026, 4, 3))
    d2 = apply(d, feit(ev, date(2026, 4, 3)))
    assert d2 is not None and d2.version == 2
    m = d2.melding(d.eerste_melding_id)
    assert m is not None and m.einddatum == date(2026, 4, 3)
    assert apply(d2, feit(ev, date(2026, 4, 4))) is d2


def test_the_mas_steps_fold_into_the_dossier() -> None:
    d = nieuw_dossier()
    m, i = d.eerste_melding_id, d.dossier_id
    halt = uid()
    events = [
        lp.MeldingInBehandeling(melding_id=m, dossier_id=i, datum=date(2026, 3, 24), nieuw_dossier=True),
        lp.OnderzoekGestart(dossier_id=i, melding_id=m, datum=date(2026, 3, 30), met_leerling=True),
        lp.RouteGekozen(dossier_id=i, routes=[MasRoute.HALT, MasRoute.VRIJWILLIGE_HULP], datum=date(2026, 4, 7)),
        lp.HaltAdviesOverschreven(
            dossier_id=i,
            advies=HaltAdvies.NIET_GESCHIKT,
            datum=date(2026, 4, 7),
            toelichting="Leerling is 12 in de geboortemaand",
        ),
        lp.InterventieUitgevoerd(
            dossier_id=i, interventie_id=halt, soort=InterventieSoort.HALT_VERWIJZING, datum=date(2026, 4, 8)
        ),
        lp.InterventieUitgevoerd(
            dossier_id=i,
            interventie_id=halt,
            soort=InterventieSoort.HALT_VERWIJZING,
            datum=date(2026, 5, 20),
            uitkomst=InterventieUitkomst.HALT_POSITIEF,
        ),
        lp.MeldingAfgesloten(melding_id=m, dossier_id=i, datum=date(2026, 5, 21)),
        lp.DossierGesloten(dossier_id=i, reden=LeerplichtSluitreden.HALT_POSITIEF, datum=date(2026, 5, 21)),
    ]
    state = fold([feit(e, e.datum) for e in events], d)  # type: ignore[attr-defined]
    assert state is not None
    assert state.version == 1 + len(events)
    got = state.melding(m)
    assert got is not None and got.status is MeldingStatus.AFGESLOTEN and got.afgehandeld_op == date(2026, 5, 21)
    assert state.onderzoek_voor(m) is not None and state.eerste_contact_op == date(2026, 3, 30)
    assert state.huidige_routes == (MasRoute.HALT, MasRoute.VRIJWILLIGE_HULP)
    assert [h.toelichting for h in state.halt_overschrijvingen] == ["Leerling is 12 in de geboortemaand"]
    (ref,) = state.interventies
    assert (ref.uitkomst, ref.uitkomst_op, ref.datum) == (
        InterventieUitkomst.HALT_POSITIEF,
        date(2026, 5, 20),
        date(2026, 4, 8),
    )
    assert state.fase is DossierFase.GESLOTEN and not state.open
    assert state.sluiting is not None and state.sluiting.reden is LeerplichtSluitreden.HALT_POSITIEF
    assert state.laatste_actie_op == date(2026, 5, 21)
    # closing twice on the log changes nothing
    again = lp.DossierGesloten(dossier_id=i, reden=LeerplichtSluitreden.OVERIG, datum=date(2026, 6, 1), toelichting="x")
    assert apply(state, feit(again, date(2026, 6, 1))) is state


def test_a_conversation_is_first_contact_and_the_latest_action_date_never_goes_back() -> None:
    d = nieuw_dossier()
    i = d.dossier_id
    gesprek = lp.InterventieUitgevoerd(
        dossier_id=i, interventie_id=uid(), soort=InterventieSoort.GESPREK, datum=date(2026, 3, 26)
    )
    late_entry = lp.InterventieUitgevoerd(
        dossier_id=i, interventie_id=uid(), soort=InterventieSoort.HUISBEZOEK, datum=date(2026, 3, 25)
    )
    s = fold([feit(gesprek, date(2026, 3, 26)), feit(late_entry, date(2026, 3, 27))], d)
    assert s is not None
    assert s.eerste_contact_op == date(2026, 3, 25)
    assert s.laatste_actie_op == date(2026, 3, 26)


def test_a_transfer_closes_the_case_for_this_office() -> None:
    d = nieuw_dossier()
    ev = lp.DossierOvergedragen(
        dossier_id=d.dossier_id,
        van_regio="MC28",
        naar_regio="MC29",
        naar_gemeente="GM1930",
        open_meldingen=[d.eerste_melding_id],
        datum=date(2026, 4, 1),
    )
    s = apply(d, feit(ev, date(2026, 4, 1)))
    assert s is not None and s.fase is DossierFase.OVERGEDRAGEN
    assert s.sluiting is not None and s.sluiting.naar_regio == "MC29"
    assert s.sluiting.reden is LeerplichtSluitreden.VERHUISD


def test_an_outcome_event_repeated_is_a_no_op() -> None:
    d = nieuw_dossier()
    ref = uid()
    a = lp.InterventieUitgevoerd(
        dossier_id=d.dossier_id, interventie_id=ref, soort=InterventieSoort.GESPREK, datum=date(2026, 3, 24)
    )
    s = apply(d, feit(a, date(2026, 3, 24)))
    assert s is not None
    assert apply(s, feit(a, date(2026, 3, 24))) is s  # no outcome: nothing new
