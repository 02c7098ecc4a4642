"""LRV, luxe, absoluut verzuim, potential vsv, MAZL, vrijstelling withdrawal, local protocols."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from rd_helpers import D, afw, dagelijks, meldingen, pupil, run, uren, vo, zestien
from registratie.domain import (
    AbsoluutVerzuimSignal,
    FiledReport,
    IntrekkingSignal,
    MazlCriterium,
    MazlSignal,
    Ontvanger,
    PotentieelVsvSignal,
    Protocol,
    ProtocolScope,
    ProtocolSignal,
    SignaalMaat,
    SignaalRegel,
    Vrijstelling,
)

from contracts.codes import (
    AfwezigheidCode,
    IntrekkingsReden,
    MeldingSoort,
    MeldingStatus,
    Plicht,
    Vrijstellingsartikel,
)


def lrv(decisions: list) -> list:  # type: ignore[type-arg]
    return meldingen(decisions, MeldingSoort.LRV)


# ---------------------------------------------------------------------------------------------
# LRV (A3.2)
# ---------------------------------------------------------------------------------------------


def test_lrv_after_more_than_four_lesweken() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 4, 10), 6)
    [s] = lrv(run(pupil(), absences, D(2026, 4, 10)))
    assert (s.start, s.bereikt_op, s.end) == (D(2026, 3, 2), D(2026, 3, 30), None)
    assert s.due_date == D(2026, 4, 8)  # over Goede Vrijdag and Tweede Paasdag


def test_exactly_four_weeks_is_not_lrv() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 3, 27), 6)
    assert lrv(run(pupil(), absences, D(2026, 4, 10))) == []


def test_lrv_end_date_when_the_pupil_returns_or_leaves() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 3, 31), 6)
    [s] = lrv(run(pupil(), absences, D(2026, 4, 1)))
    assert s.end is None  # today's registration may still come
    [s] = lrv(run(pupil(), absences, D(2026, 4, 3)))
    assert s.end == D(2026, 3, 31)  # present on 1 Apr
    left = pupil(D(2012, 3, 15), vo(D(2024, 8, 1), D(2026, 4, 1)))
    [s] = lrv(run(left, [*absences, afw(D(2026, 4, 1), 6)], D(2026, 4, 20)))
    assert s.end == D(2026, 4, 1)


def test_lrv_streak_spans_a_holiday_and_is_broken_by_illness_or_partial_days() -> None:
    # 26 Jan – 13 Feb, (voorjaarsvakantie 16 Feb), 23 Feb – 27 Feb = 4 lesweken; 2 Mar is "more than"
    absences = dagelijks(D(2026, 1, 26), D(2026, 3, 2), 6)
    [s] = lrv(run(pupil(), absences, D(2026, 3, 3)))
    assert s.bereikt_op == D(2026, 3, 2)
    assert lrv(run(pupil(), absences[:-1], D(2026, 3, 3))) == []
    ill = [a if a.date != D(2026, 2, 11) else afw(a.date, 6, "ZIEK") for a in absences]
    assert lrv(run(pupil(), ill, D(2026, 3, 3))) == []
    short = [a if a.date != D(2026, 2, 11) else afw(a.date, 2) for a in absences]
    assert lrv(run(pupil(), short, D(2026, 3, 3))) == []
    late = dagelijks(D(2026, 1, 26), D(2026, 3, 2), 6, "TE_LAAT")
    assert lrv(run(pupil(), late, D(2026, 3, 3))) == []


def test_lrv_not_for_vrijgestelde_pupil_and_existing_report_is_referenced() -> None:
    absences = dagelijks(D(2026, 3, 2), D(2026, 4, 10), 6)
    v = Vrijstelling(Vrijstellingsartikel.ARTIKEL_5A, D(2026, 3, 16))
    assert lrv(run(pupil(D(2012, 3, 15), vrijstellingen=(v,)), absences, D(2026, 4, 10))) == []
    filed = [
        FiledReport("m9", MeldingSoort.LRV, D(2026, 3, 2), None, MeldingStatus.IN_BEHANDELING)
    ]
    [s] = lrv(run(pupil(), absences, D(2026, 4, 10), reports=filed))
    assert s.melding_id == "m9"


# ---------------------------------------------------------------------------------------------
# luxe (A3.3)
# ---------------------------------------------------------------------------------------------


def test_any_luxe_absence_is_reported_one_report_per_trip() -> None:
    absences = [afw(D(2026, 4, 23), 6, "LUXE"), afw(D(2026, 4, 24), 6, "LUXE"), afw(D(2026, 5, 4), 6, "LUXE")]
    # Fri 24 Apr and Mon 4 May are separated only by the meivakantie (midden 25 Apr – 3 May)
    [s] = meldingen(run(pupil(), absences, D(2026, 5, 4)), MeldingSoort.LUXE)
    assert (s.start, s.end, s.hours) == (D(2026, 4, 23), D(2026, 5, 4), uren(18))
    assert s.due_date == D(2026, 5, 1)  # known on 23 Apr: 24, (27 Koningsdag), 28, 29, 30 Apr, 1 May
    single = [afw(D(2026, 3, 2), 1, "LUXE")]
    [s] = meldingen(run(pupil(), single, D(2026, 3, 2)), MeldingSoort.LUXE)
    assert s.hours == uren(1)


def test_luxe_known_only_after_recoding_is_due_from_the_recoding() -> None:
    from registratie.domain import Recoding

    a = afw(D(2026, 3, 2), 6, "ONBEKEND", recorded_on=D(2026, 3, 2))
    rec = [Recoding(a.absence_id, AfwezigheidCode.LUXE, D(2026, 3, 16))]
    [s] = meldingen(run(pupil(), [a], D(2026, 3, 16), recodings=rec), MeldingSoort.LUXE)
    assert (s.bereikt_op, s.due_date) == (D(2026, 3, 16), D(2026, 3, 23))


def test_two_trips_are_two_reports() -> None:
    absences = [afw(D(2026, 3, 2), 6, "LUXE"), afw(D(2026, 3, 4), 6, "LUXE")]
    assert len(meldingen(run(pupil(), absences, D(2026, 3, 5)), MeldingSoort.LUXE)) == 2


# ---------------------------------------------------------------------------------------------
# absoluut verzuim (A3.6) and potential vsv (A3.7)
# ---------------------------------------------------------------------------------------------


def test_absoluut_verzuim_from_enrolment_state() -> None:
    p = pupil(D(2014, 5, 1), vo(D(2024, 8, 1), D(2026, 3, 6)))
    [a] = [d for d in run(p, [], D(2026, 3, 20)) if isinstance(d, AbsoluutVerzuimSignal)]
    assert a.sinds == D(2026, 3, 7) and a.plicht is Plicht.LEERPLICHT
    v = Vrijstelling(Vrijstellingsartikel.ARTIKEL_5A, D(2026, 3, 7))
    p_v = pupil(D(2014, 5, 1), vo(D(2024, 8, 1), D(2026, 3, 6)), vrijstellingen=(v,))
    assert not any(isinstance(d, AbsoluutVerzuimSignal) for d in run(p_v, [], D(2026, 3, 20)))
    p_3a = pupil(
        D(2014, 5, 1), vo(D(2024, 8, 1), D(2026, 3, 6)), vrijstellingen=(Vrijstelling("3a", D(2026, 3, 7)),)
    )
    assert any(isinstance(d, AbsoluutVerzuimSignal) for d in run(p_3a, [], D(2026, 3, 20)))


def test_never_enrolled_child_is_absoluut_verzuim_since_leerplicht_began() -> None:
    p = pupil(D(2020, 6, 10), vo(D(2030, 1, 1)))  # only a future enrolment
    [a] = [d for d in run(p, [], D(2026, 3, 1)) if isinstance(d, AbsoluutVerzuimSignal)]
    assert a.sinds == D(2025, 7, 1)


def test_potential_vsv() -> None:
    p = pupil(D(2009, 1, 10), vo(D(2021, 8, 1), D(2026, 2, 27)))  # 17, leaves without SK
    [v] = [d for d in run(p, [], D(2026, 3, 20)) if isinstance(d, PotentieelVsvSignal)]
    assert (v.uitschrijfdatum, v.leeftijd, v.ontvanger) == (D(2026, 2, 27), 17, Ontvanger.DOORSTROOMPUNT)
    reenrolled = pupil(D(2009, 1, 10), vo(D(2021, 8, 1), D(2026, 2, 27)), vo(D(2026, 3, 9), school="NEW000"))
    assert not any(isinstance(d, PotentieelVsvSignal) for d in run(reenrolled, [], D(2026, 3, 20)))
    with_sk = pupil(D(2009, 1, 10), vo(D(2021, 8, 1), D(2026, 2, 27)), startkwalificatie_op=D(2026, 2, 20))
    assert not any(isinstance(d, PotentieelVsvSignal) for d in run(with_sk, [], D(2026, 3, 20)))
    young = pupil(D(2015, 1, 10), vo(D(2021, 8, 1), D(2026, 2, 27)))  # 11
    assert not any(isinstance(d, PotentieelVsvSignal) for d in run(young, [], D(2026, 3, 20)))


def test_potential_vsv_age_limit_by_date() -> None:
    p25 = pupil(D(2000, 6, 1), vo(D(2021, 8, 1), D(2025, 11, 30)))  # 25 when leaving in 2025: limit 23
    assert not any(isinstance(d, PotentieelVsvSignal) for d in run(p25, [], D(2026, 3, 20)))
    p25b = pupil(D(2000, 6, 1), vo(D(2021, 8, 1), D(2026, 1, 30)))  # 25 when leaving in 2026: limit 27
    assert any(isinstance(d, PotentieelVsvSignal) for d in run(p25b, [], D(2026, 3, 20)))


# ---------------------------------------------------------------------------------------------
# MAZL (A3.8)
# ---------------------------------------------------------------------------------------------


def mazl(decisions: list) -> list[MazlSignal]:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, MazlSignal)]


def test_seventh_consecutive_school_day_ill() -> None:
    absences = dagelijks(D(2026, 3, 4), D(2026, 3, 12), 6, "ZIEK")  # Wed..Thu next week: 7 school days
    [s] = mazl(run(pupil(), absences, D(2026, 3, 12)))
    assert (s.criterium, s.datum, s.eerste_ziektedag, s.ontvanger) == (
        MazlCriterium.ZEVENDE_ZIEKTEDAG,
        D(2026, 3, 12),
        D(2026, 3, 4),
        Ontvanger.SCHOOL,
    )
    assert mazl(run(pupil(), absences[:-1], D(2026, 3, 12))) == []


def test_ill_over_a_holiday_is_one_sick_period() -> None:
    absences = dagelijks(D(2026, 2, 10), D(2026, 2, 25), 6, "ZIEK")  # over voorjaarsvakantie
    [s] = mazl(run(pupil(), absences, D(2026, 2, 25)))
    assert (s.datum, s.eerste_ziektedag) == (D(2026, 2, 25), D(2026, 2, 10))


def test_fourth_sick_report_within_12_lesweken() -> None:
    starts = [D(2026, 1, 12), D(2026, 2, 2), D(2026, 3, 2), D(2026, 4, 7)]
    absences = [afw(d, 6, "ZIEK") for d in starts]
    [s] = mazl(run(pupil(), absences, D(2026, 4, 20)))
    assert (s.criterium, s.datum, s.eerste_ziektedag, s.aantal) == (
        MazlCriterium.VIERDE_ZIEKMELDING,
        D(2026, 4, 7),
        D(2026, 1, 12),
        4,
    )
    spread = [afw(d, 6, "ZIEK") for d in (D(2025, 11, 3), D(2026, 1, 12), D(2026, 3, 2), D(2026, 4, 7))]
    assert mazl(run(pupil(), spread, D(2026, 4, 20))) == []


# ---------------------------------------------------------------------------------------------
# vrijstelling (A3.10)
# ---------------------------------------------------------------------------------------------


def test_report_overlapping_a_vrijstelling_is_withdrawn_with_reason_v() -> None:
    v = Vrijstelling(Vrijstellingsartikel.ARTIKEL_5A, D(2026, 3, 3), D(2026, 6, 30))
    p = pupil(D(2012, 3, 15), vrijstellingen=(v,))
    filed = [
        FiledReport(
            "m1", MeldingSoort.ZESTIEN_UUR, D(2026, 2, 23), D(2026, 3, 3), MeldingStatus.IN_BEHANDELING
        ),
        FiledReport("m2", MeldingSoort.ZESTIEN_UUR, D(2026, 1, 5), D(2026, 1, 9), MeldingStatus.AFGESLOTEN),
        FiledReport("m3", MeldingSoort.LRV, D(2026, 1, 5), None, MeldingStatus.GEREGISTREERD),
        FiledReport("m4", MeldingSoort.ZESTIEN_UUR, D(2026, 3, 4), D(2026, 3, 5), MeldingStatus.INGETROKKEN),
    ]
    withdrawn = [d for d in run(p, [], D(2026, 3, 20), reports=filed) if isinstance(d, IntrekkingSignal)]
    assert [(w.melding_id, w.reden) for w in withdrawn] == [
        ("m1", IntrekkingsReden.VRIJSTELLING),
        ("m3", IntrekkingsReden.VRIJSTELLING),
    ]


def test_absence_during_vrijstelling_does_not_count_and_counting_restarts_after_it() -> None:
    v = Vrijstelling(Vrijstellingsartikel.ARTIKEL_5C, D(2026, 3, 4), D(2026, 3, 4))
    p = pupil(D(2012, 3, 15), vrijstellingen=(v,))
    absences = [afw(D(2026, 3, 3), 8), afw(D(2026, 3, 4), 8), afw(D(2026, 3, 5), 4), afw(D(2026, 3, 6), 4)]
    assert zestien(run(p, absences, D(2026, 3, 20))) == []
    absences.append(afw(D(2026, 3, 9), 8))
    [s] = zestien(run(p, absences, D(2026, 3, 20)))
    assert (s.start, s.end) == (D(2026, 3, 5), D(2026, 3, 9))


# ---------------------------------------------------------------------------------------------
# local protocols (A3.9)
# ---------------------------------------------------------------------------------------------

LATE_5X = SignaalRegel(
    "laat5",
    "5× te laat of afwezig binnen 4 lesweken → signaal aan leerplicht",
    frozenset({AfwezigheidCode.TE_LAAT, AfwezigheidCode.ONGEOORLOOFD}),
    SignaalMaat.KEER,
    Decimal(5),
    4,
)
ZIEK_60 = SignaalRegel(
    "geoorloofd60",
    "≥ 60 uur geoorloofd verzuim in het schooljaar → meldingsvoorstel",
    frozenset({AfwezigheidCode.ZIEK, AfwezigheidCode.VERLOF_GEWICHTIG}),
    SignaalMaat.UREN,
    Decimal(60),
    None,
    Ontvanger.SCHOOL,
)


def protocol_signals(decisions: list) -> list[ProtocolSignal]:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, ProtocolSignal)]


def test_five_times_late_signal_only_adds() -> None:
    prot = Protocol("havo-x", ProtocolScope.SCHOOL, "00AP00", D(2025, 8, 1), (LATE_5X,))
    absences = [
        afw(d, "0.25", "TE_LAAT") for d in (D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 9), D(2026, 3, 16))
    ]
    assert protocol_signals(run(pupil(), absences, D(2026, 3, 30), protocols=[prot])) == []
    absences.append(afw(D(2026, 3, 23), 1))
    decisions = run(pupil(), absences, D(2026, 3, 30), protocols=[prot])
    [s] = protocol_signals(decisions)
    assert (s.regel_id, s.datum, s.start, s.aantal, s.ontvanger) == (
        "laat5",
        D(2026, 3, 23),
        D(2026, 3, 2),
        5,
        Ontvanger.LEERPLICHT,
    )
    assert zestien(decisions) == []  # a signal, not a legal report


def test_sixty_hours_authorised_in_the_schooljaar() -> None:
    prot = Protocol("regio-x", ProtocolScope.REGIO, "LP01", D(2025, 8, 1), (ZIEK_60,))
    absences = dagelijks(D(2026, 1, 12), D(2026, 1, 30), 4, "ZIEK")  # 15 days × 4 = 60
    p = pupil(D(2012, 3, 15), regiocode="LP01")
    [s] = protocol_signals(run(p, absences, D(2026, 2, 2), protocols=[prot]))
    assert (s.datum, s.hours) == (D(2026, 1, 30), uren(60))
    assert protocol_signals(run(pupil(), absences, D(2026, 2, 2), protocols=[prot])) == []  # other region


def test_protocol_versions_and_school_over_region() -> None:
    v1 = Protocol("p", ProtocolScope.SCHOOL, "00AP00", D(2025, 8, 1), ())
    v2 = Protocol("p", ProtocolScope.SCHOOL, "00AP00", D(2026, 3, 16), (LATE_5X,))
    regional = Protocol("r", ProtocolScope.REGIO, "LP01", D(2025, 8, 1), (LATE_5X,))
    p = pupil(D(2012, 3, 15), regiocode="LP01")
    before = [afw(D(2026, 3, 2) + timedelta(days=i), "0.5", "TE_LAAT") for i in range(5)]
    # v1 (no rules) is the school's protocol on these days and takes precedence over the region's
    assert protocol_signals(run(p, before, D(2026, 3, 30), protocols=[v1, v2, regional])) == []
    after = [afw(D(2026, 3, 16) + timedelta(days=i), "0.5", "TE_LAAT") for i in range(5)]
    [s] = protocol_signals(run(p, after, D(2026, 3, 30), protocols=[v1, v2, regional]))
    assert (s.protocol_id, s.protocol_valid_from, s.datum) == ("p", D(2026, 3, 16), D(2026, 3, 20))


def test_grace_period_does_not_hide_the_absence_from_signals() -> None:
    from registratie.domain import GracePeriod

    enrol = vo(D(2026, 3, 2), isk=True)
    prot = Protocol("isk", ProtocolScope.SCHOOL, "00AP00", D(2025, 8, 1), (LATE_5X,), (GracePeriod(6),))
    absences = dagelijks(D(2026, 3, 2), D(2026, 3, 6), 8)
    decisions = run(pupil(D(2012, 3, 15), enrol), absences, D(2026, 3, 9), protocols=[prot])
    assert zestien(decisions) == []
    assert len(protocol_signals(decisions)) == 1


def test_unit_helper_sanity() -> None:
    assert uren("1.5") == Decimal("1.5")
    assert isinstance(date.today(), date)
