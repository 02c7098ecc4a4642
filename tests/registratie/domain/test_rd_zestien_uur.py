"""16 uur in 4 weken (domain.md A3.1): thresholds, windows over holidays, repeats, recoding."""

from __future__ import annotations

import itertools
from datetime import timedelta

from rd_helpers import D, afw, dagelijks, meldingen, pupil, run, uren, vo, zestien
from registratie.domain import (
    Enrolment,
    FiledReport,
    GracePeriod,
    HerbeoordelingSignal,
    Ontvanger,
    Protocol,
    ProtocolScope,
    Recoding,
)

from contracts.codes import AfwezigheidCode, MeldingSoort, MeldingStatus, SchoolType, UrenEenheid, Vakantieregio


def test_exactly_16_hours_is_reported_on_the_day_it_is_reached() -> None:
    absences = [afw(D(2026, 3, 2), 6), afw(D(2026, 3, 4), 6), afw(D(2026, 3, 5), 4), afw(D(2026, 3, 6), 2)]
    [s] = zestien(run(pupil(), absences, D(2026, 3, 20)))
    assert (s.start, s.end, s.bereikt_op, s.hours) == (D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 5), uren(16))
    assert s.due_date == D(2026, 3, 12)  # Thu + 5 working days
    assert s.unit is UrenEenheid.LESUUR
    assert s.ontvanger is Ontvanger.LEERPLICHT
    assert s.herhaalmelding == 0
    assert s.voorlopig_tot is None
    assert len(s.absence_ids) == 3


def test_15_and_a_half_hours_is_not_reported() -> None:
    absences = [afw(D(2026, 3, 2), 8), afw(D(2026, 3, 10), "7.5")]
    assert zestien(run(pupil(), absences, D(2026, 4, 30))) == []


def test_float_hours_are_exact() -> None:
    # at most one school day (10 h) per day counts (A2), so 15.9 h are spread over two days
    absences = [afw(D(2026, 3, 2), 0.1) for _ in range(80)] + [afw(D(2026, 3, 3), 0.1) for _ in range(79)]
    absences.append(afw(D(2026, 3, 4), 0.1))
    [s] = zestien(run(pupil(), absences, D(2026, 3, 20)))
    assert s.hours == uren(16) and s.end == D(2026, 3, 4)


def test_primary_school_counts_clock_hours() -> None:
    p = pupil(D(2017, 5, 1), Enrolment("11AA00", SchoolType.PO, Vakantieregio.MIDDEN, D(2022, 8, 1)))
    [s] = zestien(
        run(p, [afw(D(2026, 3, 2), 5.5), afw(D(2026, 3, 3), 5.5), afw(D(2026, 3, 4), 5)], D(2026, 3, 9))
    )
    assert s.unit is UrenEenheid.KLOKUUR


def test_all_ongeoorloofd_codes_count_and_authorised_codes_do_not() -> None:
    codes = ["ONGEOORLOOFD", "TE_LAAT", "LUXE", "ONBEKEND"]
    absences = [afw(D(2026, 3, 2) + timedelta(days=i), 4, c) for i, c in enumerate(codes)]
    assert [s.end for s in zestien(run(pupil(), absences, D(2026, 3, 20)))] == [D(2026, 3, 5)]
    authorised = [c.value for c in AfwezigheidCode if c.value not in codes]
    absences = [afw(D(2026, 3, 2) + timedelta(days=i % 5), 8, c) for i, c in enumerate(authorised)]
    assert zestien(run(pupil(), absences, D(2026, 3, 20))) == []


def test_window_spans_a_holiday_week() -> None:
    # midden voorjaarsvakantie 14–22 Feb 2026: 2 Feb, 9 Feb, (16 Feb holiday), 23 Feb, 2 Mar = 4 lesweken
    absences = [afw(d, 4) for d in (D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 23), D(2026, 3, 2))]
    [s] = zestien(run(pupil(), absences, D(2026, 3, 20)))
    assert (s.start, s.end) == (D(2026, 2, 2), D(2026, 3, 2))
    # the same spread over five lesweken (noord has its holiday a week later: 23 Feb) is not reported
    absences_5 = [afw(d, 4) for d in (D(2026, 1, 26), D(2026, 2, 2), D(2026, 2, 9), D(2026, 3, 2))]
    assert zestien(run(pupil(), absences_5, D(2026, 3, 20))) == []


def test_holiday_week_is_skipped_but_depends_on_the_school_region() -> None:
    absences = [afw(d, 4) for d in (D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 16), D(2026, 3, 2))]
    # noord: 2 Feb, 9 Feb, 16 Feb, (23 Feb holiday), 2 Mar = 4 lesweken → reported
    assert [
        s.end for s in zestien(run(pupil(D(2012, 3, 15), vo(regio=Vakantieregio.NOORD)), absences, D(2026, 3, 20)))
    ] == [D(2026, 3, 2)]
    # midden: 16 Feb is a holiday day and does not count → 12 hours
    assert zestien(run(pupil(), absences, D(2026, 3, 20))) == []


def test_absence_registered_on_a_holiday_day_does_not_count() -> None:
    absences = [afw(D(2026, 2, 16), 8), afw(D(2026, 2, 17), 8)]
    assert zestien(run(pupil(), absences, D(2026, 3, 20))) == []


def test_deadline_over_koningsdag_and_easter() -> None:
    # reached Thu 2 Apr 2026: Goede Vrijdag, Tweede Paasdag are no working days
    absences = [afw(D(2026, 4, 1), 8), afw(D(2026, 4, 2), 8)]
    [s] = zestien(run(pupil(), absences, D(2026, 4, 20)))
    assert s.due_date == D(2026, 4, 13)  # (3 Apr GV, 6 Apr 2e Paasdag) 7, 8, 9, 10, 13 Apr
    absences = [afw(D(2026, 4, 23), 8), afw(D(2026, 4, 24), 8)]
    [s] = zestien(run(pupil(D(2012, 3, 15), vo(regio=Vakantieregio.NOORD)), absences, D(2026, 5, 20)))
    assert s.due_date == D(2026, 5, 4)  # 27 Apr Koningsdag skipped: 28, 29, 30 Apr, 1 May, 4 May


def test_deadline_over_christmas() -> None:
    absences = [afw(D(2025, 12, 18), 8), afw(D(2025, 12, 19), 8)]
    [s] = zestien(run(pupil(), absences, D(2026, 1, 20)))
    assert s.due_date == D(2025, 12, 30)  # Fri 19 Dec: 22, 23, 24, (25, 26 Kerst), 29, 30 Dec


def test_repeat_reports_under_continuous_absence_7_days_apart_and_at_most_4() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 4, 24), 8)
    reports = zestien(run(pupil(), absences, D(2026, 4, 24)))
    assert [(s.start, s.end, s.herhaalmelding) for s in reports] == [
        (D(2026, 3, 2), D(2026, 3, 3), 0),
        (D(2026, 3, 4), D(2026, 3, 10), 1),  # 16 reached on 5 Mar, deferred to ≥ 3 Mar + 7
        (D(2026, 3, 11), D(2026, 3, 17), 2),
        (D(2026, 3, 18), D(2026, 3, 24), 3),
        (D(2026, 3, 25), D(2026, 3, 31), 4),
    ]
    for a, b in itertools.pairwise(reports):
        assert a.end is not None and b.end is not None
        assert (b.end - a.end).days >= 7
        assert b.start == a.end + timedelta(days=1)  # next count starts the day after the end date


def test_after_return_a_new_first_report_can_follow() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 4, 10), 8) + dagelijks(D(2026, 4, 14), D(2026, 4, 17), 8)
    reports = zestien(run(pupil(), absences, D(2026, 4, 24)))
    assert len(reports) == 6
    assert (reports[-1].start, reports[-1].end, reports[-1].herhaalmelding) == (
        D(2026, 4, 14),
        D(2026, 4, 15),
        0,
    )


def test_not_continuous_repeat_is_not_deferred() -> None:
    # report 1 ends Tue 3 Mar; present Wed 4 Mar; absent again Thu–Fri: a new first report, no 7-day wait
    absences = [afw(D(2026, 3, 2), 8), afw(D(2026, 3, 3), 8), afw(D(2026, 3, 5), 8), afw(D(2026, 3, 6), 8)]
    reports = zestien(run(pupil(), absences, D(2026, 3, 20)))
    assert [(s.end, s.herhaalmelding) for s in reports] == [(D(2026, 3, 3), 0), (D(2026, 3, 6), 0)]


def test_filed_report_anchors_the_next_count() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 3, 13), 8)
    filed = [
        FiledReport(
            "m1", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 2), D(2026, 3, 3), MeldingStatus.IN_BEHANDELING
        )
    ]
    reports = zestien(run(pupil(), absences, D(2026, 3, 13), reports=filed))
    assert [(s.start, s.end, s.herhaalmelding) for s in reports] == [(D(2026, 3, 4), D(2026, 3, 10), 1)]


def test_withdrawn_report_does_not_anchor() -> None:
    absences = [afw(D(2026, 3, 2), 8), afw(D(2026, 3, 3), 8)]
    filed = [
        FiledReport("m1", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 2), D(2026, 3, 3), MeldingStatus.INGETROKKEN)
    ]
    [s] = zestien(run(pupil(), absences, D(2026, 3, 13), reports=filed))
    assert s.end == D(2026, 3, 3)


def test_isk_grace_period_counts_only_after_it() -> None:
    enrol = vo(D(2026, 3, 2), isk=True)
    protocol = Protocol(
        "isk", ProtocolScope.SCHOOL, enrol.school_id, D(2025, 8, 1), gratieperiodes=(GracePeriod(6),)
    )
    inside = dagelijks(D(2026, 3, 2), D(2026, 4, 10), 8)  # grace: 2 Mar – 12 Apr
    after = [afw(D(2026, 4, 13), 8), afw(D(2026, 4, 14), 4), afw(D(2026, 4, 15), 4)]
    decisions = run(pupil(D(2012, 3, 15), enrol), inside + after, D(2026, 4, 20), protocols=[protocol])
    assert [(s.start, s.end) for s in zestien(decisions)] == [(D(2026, 4, 13), D(2026, 4, 15))]
    assert meldingen(decisions, MeldingSoort.LRV) == []
    # the absence stays registered: without the protocol the same facts give reports from 2 Mar
    assert zestien(run(pupil(D(2012, 3, 15), enrol), inside + after, D(2026, 4, 20)))[0].start == D(
        2026, 3, 2
    )


def test_grace_period_only_for_isk_enrolments_and_from_its_valid_from() -> None:
    absences = [afw(D(2026, 3, 2), 8), afw(D(2026, 3, 3), 8)]
    protocol = Protocol(
        "isk", ProtocolScope.SCHOOL, "00AP00", D(2025, 8, 1), gratieperiodes=(GracePeriod(6),)
    )
    not_isk = pupil(D(2012, 3, 15), vo(D(2026, 3, 2)))
    assert len(zestien(run(not_isk, absences, D(2026, 3, 20), protocols=[protocol]))) == 1
    later = Protocol("isk", ProtocolScope.SCHOOL, "00AP00", D(2026, 3, 3), gratieperiodes=(GracePeriod(6),))
    isk = pupil(D(2012, 3, 15), vo(D(2026, 3, 2), isk=True))
    assert len(zestien(run(isk, absences, D(2026, 3, 20), protocols=[later]))) == 1


def test_recoding_onbekend_to_ziek_before_report_means_no_report() -> None:
    a1, a2 = afw(D(2026, 3, 2), 8, "ONBEKEND"), afw(D(2026, 3, 3), 8, "ONBEKEND")
    assert len(zestien(run(pupil(), [a1, a2], D(2026, 3, 4)))) == 1
    recoding = [Recoding(a2.absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 4))]
    assert zestien(run(pupil(), [a1, a2], D(2026, 3, 4), recodings=recoding)) == []
    # a late recoding (after the 2 school days) before the report also removes it
    late = [Recoding(a2.absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 12))]
    assert zestien(run(pupil(), [a1, a2], D(2026, 3, 12), recodings=late)) == []
    # a recoding recorded after today is not known yet
    assert len(zestien(run(pupil(), [a1, a2], D(2026, 3, 11), recodings=late))) == 1


def test_onbekend_report_is_provisional_during_the_recoding_window() -> None:
    a1, a2 = afw(D(2026, 3, 2), 8), afw(D(2026, 3, 3), 8, "ONBEKEND")
    [s] = zestien(run(pupil(), [a1, a2], D(2026, 3, 4)))
    assert s.voorlopig_tot == D(2026, 3, 5)  # 2 school days after Tue 3 Mar
    [s] = zestien(run(pupil(), [a1, a2], D(2026, 3, 6)))
    assert s.voorlopig_tot is None


def test_recoding_after_the_report_keeps_it_and_asks_for_review() -> None:
    a1, a2 = afw(D(2026, 3, 2), 8, "ONBEKEND"), afw(D(2026, 3, 3), 8, "ONBEKEND")
    filed = [
        FiledReport("m1", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 2), D(2026, 3, 3), MeldingStatus.GEREGISTREERD)
    ]
    recoding = [Recoding(a2.absence_id, AfwezigheidCode.ZIEK, D(2026, 3, 9))]
    decisions = run(pupil(), [a1, a2], D(2026, 3, 9), recodings=recoding, reports=filed)
    assert zestien(decisions) == []  # no new report, and the filed one is not re-signalled
    [h] = [d for d in decisions if isinstance(d, HerbeoordelingSignal)]
    assert (h.melding_id, h.hours_now) == ("m1", uren(8))
    assert "minder dan 16" in h.reden
    # a closed report is not re-assessed
    closed = [
        FiledReport("m1", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 2), D(2026, 3, 3), MeldingStatus.AFGESLOTEN)
    ]
    decisions = run(pupil(), [a1, a2], D(2026, 3, 9), recodings=recoding, reports=closed)
    assert not any(isinstance(d, HerbeoordelingSignal) for d in decisions)


def test_pupil_turning_18_mid_window() -> None:
    p = pupil(D(2008, 3, 4))  # 18 on Wed 4 Mar 2026
    absences = [afw(D(2026, 3, 2), 4), afw(D(2026, 3, 3), 4), afw(D(2026, 3, 4), 8), afw(D(2026, 3, 5), 8)]
    decisions = run(p, absences, D(2026, 3, 20))
    assert zestien(decisions) == []  # only 8 hours before the 18th birthday
    [s] = meldingen(decisions, MeldingSoort.ACHTTIEN_PLUS)
    assert (s.start, s.end, s.hours, s.ontvanger) == (
        D(2026, 3, 4),
        D(2026, 3, 5),
        uren(16),
        Ontvanger.DOORSTROOMPUNT,
    )


def test_reached_before_the_18th_birthday_is_reported() -> None:
    p = pupil(D(2008, 3, 4))
    absences = [afw(D(2026, 3, 2), 8), afw(D(2026, 3, 3), 8), afw(D(2026, 3, 4), 8)]
    decisions = run(p, absences, D(2026, 3, 20))
    assert [s.end for s in zestien(decisions)] == [D(2026, 3, 3)]
    assert meldingen(decisions, MeldingSoort.ACHTTIEN_PLUS) == []


def test_pupil_with_startkwalificatie_is_not_reported() -> None:
    p = pupil(D(2009, 1, 10), startkwalificatie_op=D(2025, 7, 1))  # 17, havo diploma
    absences = dagelijks(D(2026, 3, 2), D(2026, 3, 13), 8)
    decisions = run(p, absences, D(2026, 3, 20))
    assert meldingen(decisions) == []


def test_not_yet_leerplichtig_is_not_reported() -> None:
    # 5 on 10 Mar 2026
    p = pupil(D(2021, 3, 10), Enrolment("11AA00", SchoolType.PO, Vakantieregio.MIDDEN, D(2025, 3, 10)))
    absences = [afw(D(2026, 3, 30), 8), afw(D(2026, 3, 31), 8)]  # leerplichtig from 1 Apr 2026
    assert zestien(run(p, absences, D(2026, 4, 20))) == []
    absences = [afw(D(2026, 4, 1), 8), afw(D(2026, 4, 2), 8)]
    assert len(zestien(run(p, absences, D(2026, 4, 20)))) == 1


def test_doorstroompunt_age_limit_by_date() -> None:
    # 24 in 2025/2026
    p = pupil(D(2001, 6, 1), Enrolment("25XX00", SchoolType.MBO, Vakantieregio.MIDDEN, D(2024, 8, 1)))
    dec = [afw(D(2025, 12, 15), 8), afw(D(2025, 12, 16), 8)]
    assert meldingen(run(p, dec, D(2025, 12, 31)), MeldingSoort.ACHTTIEN_PLUS) == []  # limit 23
    jan = [afw(D(2026, 1, 12), 8), afw(D(2026, 1, 13), 8)]
    assert len(meldingen(run(p, jan, D(2026, 1, 31)), MeldingSoort.ACHTTIEN_PLUS)) == 1  # limit 27


def test_new_school_starts_its_own_count() -> None:
    old = vo(D(2024, 8, 1), D(2026, 3, 4), school="OLD000")
    new = vo(D(2026, 3, 5), school="NEW000", regio=Vakantieregio.NOORD)
    absences = [afw(D(2026, 3, 3), 8), afw(D(2026, 3, 4), 4), afw(D(2026, 3, 5), 4)]
    assert zestien(run(pupil(D(2012, 3, 15), old, new), absences, D(2026, 3, 20))) == []
