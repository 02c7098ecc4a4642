"""The worklist (domain.md A5 Decision): pick up within 5 working days, first contact within 10, a case
without any action for 6 weeks is flagged. Working days skip weekends and Atw public holidays."""

from __future__ import annotations

from datetime import date

from leerplicht.domain import (
    NeemInBehandeling,
    SluitDossier,
    StartOnderzoek,
    VoerInterventieUit,
    WerkSoort,
    apply,
    items_voor,
    werklijst,
)
from leerplicht.domain.werklijst import contact_termijn, oppak_termijn
from lp_helpers import feit, ingetrokken, melding, nieuw_dossier, uid, uitvoeren

from contracts.codes import InterventieSoort, LeerplichtSluitreden, MeldingSoort

# --- due dates over public holidays ----------------------------------------------------------


def test_pick_up_deadline_over_koningsdag() -> None:
    """Fri 24 Apr 2026 + 5 working days: Mon 27 Apr is Koningsdag → Tue 28, Wed 29, Thu 30, Fri 1,
    Mon 4 May."""
    assert oppak_termijn(date(2026, 4, 24)) == date(2026, 5, 4)


def test_first_contact_deadline_over_koningsdag_and_bevrijdingsdag() -> None:
    """… then Tue 5 May (Bevrijdingsdag, every year under the Atw) is skipped too: 6, 7, 8, 11, 12 May."""
    assert contact_termijn(date(2026, 4, 24)) == date(2026, 5, 12)


def test_pick_up_deadline_over_christmas() -> None:
    """Wed 23 Dec 2026: Thu 24, (Fri 25 and Sat 26 Christmas, weekend), Mon 28, Tue 29, Wed 30, Thu 31."""
    assert oppak_termijn(date(2026, 12, 23)) == date(2026, 12, 31)


def test_first_contact_deadline_over_christmas_and_new_year() -> None:
    """… Fri 1 Jan 2027 Nieuwjaarsdag is skipped: Mon 4, Tue 5, Wed 6, Thu 7, Fri 8 Jan 2027."""
    assert contact_termijn(date(2026, 12, 23)) == date(2027, 1, 8)


def test_pick_up_deadline_from_a_report_filed_on_a_weekend() -> None:
    assert oppak_termijn(date(2026, 3, 21)) == date(2026, 3, 27)  # Sat → Mon..Fri


def test_equated_days_by_royal_decree_are_skipped_when_given() -> None:
    vrijdag_na_hemelvaart = date(2026, 5, 15)
    assert oppak_termijn(date(2026, 5, 12)) == date(2026, 5, 20)  # Hemelvaart Thu 14 May skipped
    assert oppak_termijn(date(2026, 5, 12), [vrijdag_na_hemelvaart]) == date(2026, 5, 21)


# --- items of one dossier --------------------------------------------------------------------


def test_a_new_report_over_koningsdag_is_late_only_after_its_due_date() -> None:
    d = nieuw_dossier(op=date(2026, 4, 24))
    (item,) = items_voor(d, date(2026, 5, 4))
    assert item.soort is WerkSoort.OPPAKKEN and item.uiterlijk == date(2026, 5, 4) and not item.te_laat
    assert item.melding_id == d.eerste_melding_id and item.melding_soort is MeldingSoort.ZESTIEN_UUR
    (late,) = items_voor(d, date(2026, 5, 6))  # 5 May is not a working day: 1 working day late
    assert late.te_laat and late.werkdagen_te_laat == 1


def test_a_weekend_after_the_due_date_is_not_yet_late() -> None:
    d = nieuw_dossier(op=date(2026, 3, 20))  # Fri → due Fri 27 Mar
    (item,) = items_voor(d, date(2026, 3, 29))  # Sunday
    assert item.uiterlijk == date(2026, 3, 27) and not item.te_laat and item.werkdagen_te_laat == 0
    (item,) = items_voor(d, date(2026, 3, 30))
    assert item.te_laat and item.werkdagen_te_laat == 1


def test_first_contact_over_christmas_counts_from_the_registration() -> None:
    d = nieuw_dossier(op=date(2026, 12, 23))
    d = uitvoeren(d, NeemInBehandeling(d.eerste_melding_id, date(2027, 1, 4)))  # picked up late
    (item,) = items_voor(d, date(2027, 1, 8))
    assert item.soort is WerkSoort.EERSTE_CONTACT
    assert (item.sinds, item.uiterlijk, item.te_laat) == (date(2026, 12, 23), date(2027, 1, 8), False)
    (item,) = items_voor(d, date(2027, 1, 12))
    assert item.te_laat and item.werkdagen_te_laat == 2


def test_first_contact_item_ends_with_an_onderzoek_or_a_conversation() -> None:
    d = nieuw_dossier()
    d = uitvoeren(d, NeemInBehandeling(d.eerste_melding_id, date(2026, 3, 24)))
    assert [i.soort for i in items_voor(d, date(2026, 3, 25))] == [WerkSoort.EERSTE_CONTACT]
    assert (
        items_voor(uitvoeren(d, StartOnderzoek(d.eerste_melding_id, date(2026, 3, 25), True)), date(2026, 3, 25)) == []
    )
    assert (
        items_voor(
            uitvoeren(d, VoerInterventieUit(uid(), InterventieSoort.GESPREK, date(2026, 3, 25))),
            date(2026, 3, 25),
        )
        == []
    )


def test_six_weeks_without_action_is_flagged_from_day_42() -> None:
    d = nieuw_dossier()
    d = uitvoeren(
        d,
        NeemInBehandeling(d.eerste_melding_id, date(2026, 3, 24)),
        StartOnderzoek(d.eerste_melding_id, date(2026, 3, 25), True),
    )
    assert items_voor(d, date(2026, 5, 5)) == []  # day 41
    (item,) = items_voor(d, date(2026, 5, 6))  # day 42
    assert item.soort is WerkSoort.GEEN_ACTIE and item.te_laat
    assert (item.sinds, item.uiterlijk) == (date(2026, 3, 25), date(2026, 5, 6))


def test_six_weeks_count_from_opening_when_nothing_happened() -> None:
    d = nieuw_dossier(op=date(2026, 3, 23))
    soorten = {i.soort for i in items_voor(d, date(2026, 5, 4))}
    assert soorten == {WerkSoort.OPPAKKEN, WerkSoort.GEEN_ACTIE}


def test_withdrawn_reports_and_closed_dossiers_need_nothing() -> None:
    d = nieuw_dossier()
    withdrawn = apply(d, feit(ingetrokken(d.eerste_melding_id), date(2026, 3, 24)))
    assert withdrawn is not None
    assert [i.soort for i in items_voor(withdrawn, date(2026, 3, 25))] == []
    closed = uitvoeren(withdrawn, SluitDossier(LeerplichtSluitreden.INGETROKKEN, date(2026, 3, 25)))
    assert items_voor(closed, date(2026, 9, 1)) == []


# --- the region's worklist -------------------------------------------------------------------


def test_worklist_lists_new_reports_overdue_items_and_cases_per_officer() -> None:
    peil = date(2026, 4, 1)
    nieuw = nieuw_dossier(op=date(2026, 3, 31))  # due 9 Apr (Goede Vrijdag, Tweede Paasdag): not late
    oud = nieuw_dossier(op=date(2026, 3, 20))  # due 27 Mar: late
    bezig = nieuw_dossier(op=date(2026, 3, 16))
    bezig = uitvoeren(bezig, NeemInBehandeling(bezig.eerste_melding_id, date(2026, 3, 17)))  # contact due 30 Mar
    tweede = apply(bezig, feit(melding(soort=MeldingSoort.LUXE), date(2026, 3, 31)))
    assert tweede is not None
    w = werklijst([(nieuw, None), (oud, "officer-28"), (tweede, "officer-28")], peil)
    assert w.peildatum == peil
    assert next((i.dossier_id, i.uiterlijk) for i in w.oppakken) == (oud.dossier_id, date(2026, 3, 27))
    assert {(i.dossier_id, i.uiterlijk) for i in w.oppakken[1:]} == {
        (nieuw.dossier_id, date(2026, 4, 9)),
        (tweede.dossier_id, date(2026, 4, 9)),
    }
    assert not any(i.te_laat for i in w.oppakken[1:])
    assert [(i.soort, i.dossier_id) for i in w.te_laat] == [
        (WerkSoort.OPPAKKEN, oud.dossier_id),
        (WerkSoort.EERSTE_CONTACT, tweede.dossier_id),
    ]
    assert w.te_laat[1].behandelaar == "officer-28" and w.te_laat[1].werkdagen_te_laat == 2
    assert w.open_per_behandelaar == {"": 1, "officer-28": 2}


def test_closed_dossiers_are_not_counted() -> None:
    d = nieuw_dossier()
    d = apply(d, feit(ingetrokken(d.eerste_melding_id), date(2026, 3, 24)))  # type: ignore[assignment]
    closed = uitvoeren(d, SluitDossier(LeerplichtSluitreden.INGETROKKEN, date(2026, 3, 25)))
    w = werklijst([(closed, "officer-28")], date(2026, 6, 1))
    assert w.oppakken == () and w.te_laat == () and w.open_per_behandelaar == {}


# --- the next deadline, stored for the worklist's SQL -----------------------------------------


def _te_laat_op(state: object, peildatum: date) -> bool:
    return any(i.te_laat for i in items_voor(state, peildatum))  # type: ignore[arg-type]


def test_next_deadline_of_a_new_report_is_its_pick_up_and_it_is_late_exactly_when_the_items_say() -> None:
    from leerplicht.domain.werklijst import volgende_termijn

    state = nieuw_dossier(date(2026, 4, 24))  # Friday before Koningsdag
    t = volgende_termijn(state)
    assert t is not None and t.soort is WerkSoort.OPPAKKEN and t.uiterlijk == date(2026, 5, 4)
    assert t.te_laat_vanaf == date(2026, 5, 6)  # Tue 5 May is Bevrijdingsdag
    for dag in range(0, 80):
        peildatum = date(2026, 4, 24).fromordinal(date(2026, 4, 24).toordinal() + dag)
        assert _te_laat_op(state, peildatum) == (peildatum >= t.te_laat_vanaf), peildatum


def test_next_deadline_after_pick_up_is_first_contact_then_six_weeks_without_action() -> None:
    from leerplicht.domain.werklijst import volgende_termijn

    state = nieuw_dossier(date(2026, 3, 2))
    m = state.meldingen[0].melding_id
    state = uitvoeren(state, NeemInBehandeling(m, date(2026, 3, 3)))
    t = volgende_termijn(state)
    assert t is not None and t.soort is WerkSoort.EERSTE_CONTACT and t.uiterlijk == contact_termijn(date(2026, 3, 2))
    state = uitvoeren(state, StartOnderzoek(m, date(2026, 3, 4), True))
    t = volgende_termijn(state)
    assert t is not None and t.soort is WerkSoort.GEEN_ACTIE and t.uiterlijk == date(2026, 4, 15)
    for dag in range(0, 60):
        peildatum = date.fromordinal(date(2026, 3, 4).toordinal() + dag)
        assert _te_laat_op(state, peildatum) == (peildatum >= t.te_laat_vanaf), peildatum


def test_a_closed_dossier_has_no_next_deadline() -> None:
    from leerplicht.domain.werklijst import volgende_termijn

    state = nieuw_dossier(date(2026, 3, 2))
    m = state.meldingen[0].melding_id
    state = uitvoeren(state, NeemInBehandeling(m, date(2026, 3, 3)), StartOnderzoek(m, date(2026, 3, 4), True),
                      SluitDossier(LeerplichtSluitreden.VERZUIM_BEEINDIGD, date(2026, 3, 5), None))
    assert volgende_termijn(state) is None
