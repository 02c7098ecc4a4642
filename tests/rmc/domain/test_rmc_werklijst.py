"""The coach's worklist (domain.md A6 "niet loslaten", 3-month placement check, A1 age limit)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rmc.domain import Jongere, Status, werklijst
from rmc.domain.datums import add_months
from rmc_helpers import DOSSIER, aangemeld, in_status, run

from contracts.codes import ContactKanaal, RmcRoute, RmcSluitreden
from contracts.events import registratie, rmc


def named(j: Jongere, pseudoniem: str, coach: str | None = None) -> Jongere:
    return j.model_copy(update={"pseudoniem": pseudoniem, "coach": coach})


def contact(j: Jongere, datum: date, kanaal: ContactKanaal, geslaagd: bool) -> Jongere:
    return run(j, rmc.ContactpogingGedaan(dossier_id=DOSSIER, datum=datum, kanaal=kanaal, geslaagd=geslaagd))


def niet_loslaten(j: Jongere, vandaag: date) -> list[str]:
    return [w.pseudoniem for w in werklijst([j], vandaag).niet_loslaten]


LAATSTE = date(2026, 3, 2)


@pytest.mark.parametrize(("dagen", "op_lijst"), [(27, False), (28, True), (60, True)])
def test_four_weeks_without_contact_puts_the_young_person_on_the_list(dagen: int, op_lijst: bool) -> None:
    j = contact(in_status(Status.IN_BEELD), LAATSTE, ContactKanaal.GESPREK, True)
    vandaag = LAATSTE + timedelta(days=dagen)
    assert bool(niet_loslaten(j, vandaag)) is op_lijst
    if op_lijst:
        [item] = werklijst([j], vandaag).niet_loslaten
        assert (item.sinds, item.dagen, item.status) == (LAATSTE, dagen, Status.IN_BEELD)


def test_an_unanswered_text_message_counts_as_contact_but_an_unanswered_call_does_not() -> None:
    base = in_status(Status.IN_BEELD)  # last successful contact 2026-01-07
    vandaag = date(2026, 3, 20)
    sms = contact(base, LAATSTE, ContactKanaal.SMS, False)
    assert niet_loslaten(sms, vandaag) == [], "a text message keeps the clock going (A6)"
    call = contact(base, LAATSTE, ContactKanaal.TELEFOON, False)
    [item] = werklijst([call], vandaag).niet_loslaten
    assert item.sinds == date(2026, 1, 7), "a failed call is an attempt, not contact"


def test_the_clock_of_a_new_young_person_starts_at_intake() -> None:
    j = in_status(Status.NIEUW)  # aangemeld 2026-01-05
    assert niet_loslaten(j, date(2026, 2, 1)) == []
    assert niet_loslaten(j, date(2026, 2, 2)) == [j.pseudoniem]
    assert [w.sinds for w in werklijst([j], date(2026, 1, 6)).nieuw] == [date(2026, 1, 5)]


def test_niet_bereikbaar_stays_on_the_list_but_placed_and_closed_do_not() -> None:
    vandaag = date(2026, 6, 1)
    assert niet_loslaten(in_status(Status.NIET_BEREIKBAAR), vandaag)
    assert niet_loslaten(in_status(Status.IN_TRAJECT), vandaag)
    assert niet_loslaten(in_status(Status.GEPLAATST), vandaag) == []
    lijst = werklijst([in_status(Status.AFGESLOTEN)], vandaag)
    assert lijst.niet_loslaten == [] and lijst.caseload == {}


@pytest.mark.parametrize(
    ("start", "eerste_controle"),
    [
        (date(2026, 2, 2), date(2026, 5, 2)),
        (date(2026, 11, 30), date(2027, 2, 28)),  # end of month clamps
        (date(2027, 11, 30), date(2028, 2, 29)),  # leap year
    ],
)
def test_placements_come_back_three_calendar_months_after_the_start(
    start: date, eerste_controle: date
) -> None:
    assert add_months(start, 3) == eerste_controle
    j = run(
        in_status(Status.IN_TRAJECT),
        rmc.JongereGeplaatst(dossier_id=DOSSIER, bestemming=RmcRoute.WERK, startdatum=start),
    )
    assert werklijst([j], eerste_controle - timedelta(days=1)).plaatsing_controleren == []
    [item] = werklijst([j], eerste_controle).plaatsing_controleren
    assert item.sinds == start


def test_the_age_limit_list_follows_the_limit_in_force_on_the_day() -> None:
    j = run(None, aangemeld(datum=date(2025, 6, 2), gjm="2002-11"))  # 22 at intake under limit 23
    assert werklijst([j], date(2025, 11, 30)).leeftijdsgrens == []
    assert [w.pseudoniem for w in werklijst([j], date(2025, 12, 1)).leeftijdsgrens] == [j.pseudoniem]
    assert werklijst([j], date(2026, 1, 1)).leeftijdsgrens == [], "from 2026 the limit is 27"


def test_the_age_limit_is_decided_per_birth_year_month_in_one_list() -> None:
    """The list decides each year-month once (a region's thousands of files share a few hundred): files of
    one year-month all land on the list or none does, whatever their order."""
    oud = [run(None, aangemeld(datum=date(2025, 6, 2), gjm="2002-11")).model_copy(update={"pseudoniem": f"oud-{i}"})
           for i in range(3)]
    jong = [run(None, aangemeld(datum=date(2025, 6, 2), gjm="2005-03")).model_copy(update={"pseudoniem": f"jong-{i}"})
            for i in range(3)]
    gemengd = [oud[0], jong[0], oud[1], jong[1], jong[2], oud[2]]
    assert sorted(w.pseudoniem for w in werklijst(gemengd, date(2025, 12, 1)).leeftijdsgrens) == \
        ["oud-0", "oud-1", "oud-2"]
    assert werklijst(list(reversed(gemengd)), date(2025, 11, 30)).leeftijdsgrens == []


def test_moves_and_startkwalificatie_surface_for_closing() -> None:
    j = run(
        in_status(Status.IN_BEELD),
        registratie.Verhuisd(
            verhuisdatum=date(2026, 2, 1),
            oude_gemeente="GM0637",
            nieuwe_gemeente="GM1930",
            oude_regio="MC28",
            nieuwe_regio="MC29",
        ),
    )
    lijst = werklijst([j], date(2026, 2, 2))
    assert [w.pseudoniem for w in lijst.verhuisd] == [j.pseudoniem] and lijst.sk_behaald == []


def test_caseload_per_coach_and_a_coach_filter() -> None:
    vandaag = date(2026, 6, 1)
    files = [
        named(in_status(Status.IN_BEELD), "p" * 20 + "1", "coach-a"),
        named(in_status(Status.IN_TRAJECT), "p" * 20 + "2", "coach-a"),
        named(in_status(Status.NIEUW), "p" * 20 + "3", None),
        named(in_status(Status.GEPLAATST), "p" * 20 + "4", "coach-b"),
        named(
            run(
                in_status(Status.IN_BEELD),
                rmc.DossierGesloten(
                    dossier_id=DOSSIER, reden=RmcSluitreden.OVERLEDEN, datum=date(2026, 2, 1)
                ),
            ),
            "p" * 20 + "5",
            "coach-b",
        ),
    ]
    lijst = werklijst(files, vandaag)
    assert lijst.caseload == {"coach-a": 2, None: 1, "coach-b": 1}
    mine = werklijst(files, vandaag, coach="coach-a")
    assert {w.pseudoniem for w in mine.niet_loslaten} == {"p" * 20 + "1", "p" * 20 + "2"}
    assert mine.nieuw == [] and mine.caseload == lijst.caseload
