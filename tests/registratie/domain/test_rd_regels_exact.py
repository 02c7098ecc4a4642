"""Issue 12 points 1, 2, 3, 9, 10: the legal rules exactly (domain.md A2, A3.2, A3.6, A3.11).

Each case here failed on the code before the fix (see the commit that added it).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from rd_helpers import D, afw, meldingen, pupil, run, schooldagen, uren, vo, zestien
from registratie.domain import (
    AbsoluutVerzuimSignal,
    Enrolment,
    FiledReport,
    LangdurigGeoorloofdSignal,
    LateHercoderingSignal,
    Ontvanger,
    Recoding,
    evaluate,
)

from contracts.codes import AfwezigheidCode, MeldingSoort, MeldingStatus, SchoolType, Vakantieregio


def lrv(decisions: list) -> list:  # type: ignore[type-arg]
    return meldingen(decisions, MeldingSoort.LRV)


PO_START = D(2020, 8, 1)


def po(start: date = PO_START, end: date | None = None) -> Enrolment:
    return Enrolment("00PO00", SchoolType.PO, Vakantieregio.MIDDEN, start, end)


# ---------------------------------------------------------------------------------------------
# 1. LRV with short school days (A3.2 Decision "which days count")
# ---------------------------------------------------------------------------------------------


def test_po_pupil_absent_every_day_with_a_short_wednesday_gets_lrv() -> None:
    p = pupil(D(2016, 1, 10), po())
    absences = [
        afw(d, "3.75" if d.weekday() == 2 else "5.5") for d in schooldagen(D(2026, 3, 2), D(2026, 4, 10))
    ]
    [s] = lrv(run(p, absences, D(2026, 4, 10)))
    assert (s.start, s.bereikt_op) == (D(2026, 3, 2), D(2026, 3, 30))


def test_vo_pupil_with_a_three_lesuur_friday_gets_lrv() -> None:
    absences = [afw(d, 3 if d.weekday() == 4 else 6) for d in schooldagen(D(2026, 3, 2), D(2026, 4, 10))]
    [s] = lrv(run(pupil(), absences, D(2026, 4, 10)))
    assert (s.start, s.bereikt_op) == (D(2026, 3, 2), D(2026, 3, 30))


def test_a_day_under_three_hours_still_ends_the_run() -> None:
    absences = [
        afw(d, "2.75" if d == D(2026, 3, 3) else 6) for d in schooldagen(D(2026, 3, 2), D(2026, 4, 10))
    ]
    [s] = lrv(run(pupil(), absences, D(2026, 4, 10)))
    assert (s.start, s.bereikt_op) == (D(2026, 3, 4), D(2026, 4, 7))  # a new run starts after 3 Mar


def test_scheduled_hours_decide_when_the_school_publishes_them() -> None:
    days = schooldagen(D(2026, 3, 2), D(2026, 4, 10))
    rooster = {("00AP00", d): Decimal(2) for d in days if d.weekday() == 4}
    absences = [afw(d, 2 if d.weekday() == 4 else 6) for d in days]
    assert lrv(run(pupil(), absences, D(2026, 4, 10))) == []  # 2 < 3: not a whole day unscheduled
    [s] = lrv(evaluate(pupil(), absences, (), (), (), D(2026, 4, 10), rooster=rooster))
    assert s.bereikt_op == D(2026, 3, 30)


def test_more_than_four_lesweken_means_four_full_weeks_and_a_day_of_the_next() -> None:
    # from Wed 4 Mar: the first full lesweek starts 9 Mar; 9 Mar – 3 Apr are four full lesweken;
    # Mon 6 Apr is Tweede Paasdag, so Tue 7 Apr is the first lesdag of the fifth
    assert lrv(run(pupil(), [afw(d, 6) for d in schooldagen(D(2026, 3, 4), D(2026, 4, 3))], D(2026, 4, 10))) == []
    [s] = lrv(run(pupil(), [afw(d, 6) for d in schooldagen(D(2026, 3, 4), D(2026, 4, 7))], D(2026, 4, 10)))
    assert (s.start, s.bereikt_op) == (D(2026, 3, 4), D(2026, 4, 7))


# ---------------------------------------------------------------------------------------------
# 2. hours on a day without school never count (A2 "what a registration is", A3.1)
# ---------------------------------------------------------------------------------------------


def test_hours_on_a_saturday_do_not_make_a_16_uur_report() -> None:
    absences = [afw(D(2026, 3, 13), 8), afw(D(2026, 3, 14), 8)]  # Friday, Saturday
    assert zestien(run(pupil(), absences, D(2026, 3, 20))) == []


def test_hours_on_hemelvaartsdag_or_in_the_herfstvakantie_do_not_count() -> None:
    hemelvaart = [afw(D(2026, 5, 13), 8), afw(D(2026, 5, 14), 8)]
    assert zestien(run(pupil(), hemelvaart, D(2026, 5, 20))) == []
    herfst = [afw(D(2025, 10, 17), 8), afw(D(2025, 10, 20), 8)]  # midden: 18 – 26 Oct 2025
    assert zestien(run(pupil(), herfst, D(2025, 10, 31))) == []


def test_sixteen_hours_on_one_day_are_capped_at_one_school_day() -> None:
    assert zestien(run(pupil(), [afw(D(2026, 3, 11), 16)], D(2026, 3, 20))) == []
    two = [afw(D(2026, 3, 11), 8), afw(D(2026, 3, 11), 8, "LUXE")]
    assert zestien(run(pupil(), two, D(2026, 3, 20))) == []
    [s] = zestien(run(pupil(), [*two, afw(D(2026, 3, 12), 6)], D(2026, 3, 20)))
    assert (s.hours, s.bereikt_op) == (uren(16), D(2026, 3, 12))


def test_lrv_and_luxe_ignore_non_school_days() -> None:
    assert meldingen(run(pupil(), [afw(D(2026, 3, 14), 6, "LUXE")], D(2026, 3, 20)), MeldingSoort.LUXE) == []


# ---------------------------------------------------------------------------------------------
# 3. long authorised absence (A3.11)
# ---------------------------------------------------------------------------------------------


def langdurig(decisions: list) -> list[LangdurigGeoorloofdSignal]:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, LangdurigGeoorloofdSignal)]


def test_six_weeks_of_verlof_gewichtig_is_long_authorised_absence() -> None:
    absences = [afw(d, 6, "VERLOF_GEWICHTIG") for d in schooldagen(D(2026, 3, 2), D(2026, 4, 10))]
    [s] = langdurig(run(pupil(), absences, D(2026, 4, 10)))
    assert (s.school_id, s.start, s.datum, s.ontvanger) == ("00AP00", D(2026, 3, 2), D(2026, 3, 27), Ontvanger.SCHOOL)
    assert lrv(run(pupil(), absences, D(2026, 4, 10))) == []


def test_long_absence_with_mixed_codes_counts_and_unauthorised_only_does_not() -> None:
    days = schooldagen(D(2026, 3, 2), D(2026, 3, 27))
    mixed = [afw(d, 6, "ZIEK" if d == D(2026, 3, 10) else "ONGEOORLOOFD") for d in days]
    [s] = langdurig(run(pupil(), mixed, D(2026, 3, 30)))
    assert s.datum == D(2026, 3, 27)
    assert langdurig(run(pupil(), [afw(d, 6) for d in days], D(2026, 3, 30))) == []
    three_weeks = [afw(d, 6, "ZIEK") for d in days[:-1]]
    assert langdurig(run(pupil(), three_weeks, D(2026, 3, 30))) == []
    po_pupil = pupil(D(2016, 1, 10), po())
    po_days = [afw(d, "3.75" if d.weekday() == 2 else "5.5", "SCHORSING") for d in days]
    [s] = langdurig(run(po_pupil, po_days, D(2026, 3, 30)))
    assert s.school_id == "00PO00"


# ---------------------------------------------------------------------------------------------
# 9. summer transfers (A3.6 Decision)
# ---------------------------------------------------------------------------------------------


def absoluut(decisions: list) -> list[AbsoluutVerzuimSignal]:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, AbsoluutVerzuimSignal)]


def test_leaving_po_on_31_july_is_no_absoluut_verzuim_during_the_summer() -> None:
    p = pupil(D(2014, 5, 1), po(D(2018, 8, 1), D(2026, 7, 31)))
    assert absoluut(run(p, [], D(2026, 8, 20))) == []
    # the latest region starts on 31 Aug 2026 (midden); five working days later is 7 Sep
    assert absoluut(run(p, [], D(2026, 9, 4))) == []
    [a] = absoluut(run(p, [], D(2026, 9, 7)))
    assert a.sinds == D(2026, 8, 1)
    vo_school = vo(D(2026, 8, 31), school="00VO00")
    assert absoluut(run(pupil(D(2014, 5, 1), p.enrolments[0], vo_school), [], D(2026, 9, 7))) == []


def test_a_known_new_school_sets_the_first_school_day() -> None:
    # noord starts on 17 Aug 2026: a known new school there makes the candidate due on 24 Aug
    nieuw = vo(D(2026, 9, 1), regio=Vakantieregio.NOORD, school="00VO00")
    p = pupil(D(2014, 5, 1), po(D(2018, 8, 1), D(2026, 7, 31)), nieuw)
    assert absoluut(run(p, [], D(2026, 8, 21))) == []
    [a] = absoluut(run(p, [], D(2026, 8, 24)))
    assert a.sinds == D(2026, 8, 1)


def test_un_enrolment_during_the_year_waits_five_working_days() -> None:
    p = pupil(D(2014, 5, 1), vo(D(2024, 8, 1), D(2026, 3, 6)))
    assert absoluut(run(p, [], D(2026, 3, 12))) == []
    [a] = absoluut(run(p, [], D(2026, 3, 13)))
    assert a.sinds == D(2026, 3, 7)
    midweek = pupil(D(2014, 5, 1), vo(D(2024, 8, 1), D(2026, 3, 11)))  # un-enrolled on a Wednesday
    assert absoluut(run(midweek, [], D(2026, 3, 17))) == []
    [a] = absoluut(run(midweek, [], D(2026, 3, 18)))
    assert a.sinds == D(2026, 3, 12)


# ---------------------------------------------------------------------------------------------
# 10. late recoding of ONBEKEND (A2 Decision "late recoding")
# ---------------------------------------------------------------------------------------------


def _onbekend_week() -> list:  # type: ignore[type-arg]
    return [afw(d, 4, "ONBEKEND", recorded_on=d) for d in schooldagen(D(2026, 3, 2), D(2026, 3, 5))]


def late(decisions: list) -> list[LateHercoderingSignal]:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, LateHercoderingSignal)]


def test_a_late_recoding_that_removes_a_due_duty_is_shown_to_leerplicht() -> None:
    absences = _onbekend_week()
    [due] = zestien(run(pupil(), absences, D(2026, 3, 9)))
    assert due.voorlopig_tot == D(2026, 3, 9) and due.bereikt_op == D(2026, 3, 5)
    rec = [Recoding(absences[0].absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 16))]
    decisions = run(pupil(), absences, D(2026, 3, 16), recodings=rec)
    assert zestien(decisions) == []  # the truth wins over the deadline
    [s] = late(decisions)
    assert (s.soort, s.school_id, s.start, s.bereikt_op, s.hercodeerd_op, s.ontvanger) == (
        MeldingSoort.ZESTIEN_UUR, "00AP00", D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 16), Ontvanger.LEERPLICHT,
    )
    # re-evaluating later with the same facts keeps the same trace
    assert late(run(pupil(), absences, D(2026, 4, 20), recodings=rec)) == [s]


def test_recoding_in_time_or_before_the_duty_was_due_leaves_no_trace() -> None:
    absences = _onbekend_week()
    in_time = [Recoding(absences[0].absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 3))]
    assert late(run(pupil(), absences, D(2026, 3, 16), recodings=in_time)) == []
    # late for 2 Mar, but 5 Mar's ONBEKEND hours were recodable until 9 Mar: the duty was not yet due
    early = [Recoding(absences[0].absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 6))]
    assert late(run(pupil(), absences, D(2026, 3, 16), recodings=early)) == []


def test_late_recoding_that_leaves_the_duty_or_of_a_filed_report_is_no_late_recoding_signal() -> None:
    absences = [*_onbekend_week(), afw(D(2026, 3, 6), 4, recorded_on=D(2026, 3, 6))]
    rec = [Recoding(absences[0].absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 16))]
    decisions = run(pupil(), absences, D(2026, 3, 16), recodings=rec)
    assert zestien(decisions) and late(decisions) == []
    absences = _onbekend_week()
    filed = [FiledReport("m1", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 2), D(2026, 3, 5), MeldingStatus.GEREGISTREERD)]
    rec = [Recoding(absences[0].absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 16))]
    assert late(run(pupil(), absences, D(2026, 3, 16), recodings=rec, reports=filed)) == []


def test_helpers_sanity() -> None:
    assert D(2026, 3, 2).weekday() == 0 and D(2026, 3, 14).weekday() == 5
    assert D(2026, 5, 14) - timedelta(days=1) == D(2026, 5, 13)
