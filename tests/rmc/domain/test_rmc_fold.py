"""The file as a fold over events (domain.md A6): total, versioned, JSON round-trip safe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rmc.domain import Jongere, Status, apply, fold
from rmc_helpers import DOSSIER, SCHOOL, TRAJECT, aangemeld, g, in_status, run, uid

from contracts.codes import (
    AfwezigheidCode,
    ContactKanaal,
    Melder,
    MeldingSoort,
    RmcRoute,
    RmcSluitreden,
    SchoolType,
    StartkwalificatieNiveau,
    UrenEenheid,
    Voortgang,
)
from contracts.events import registratie, rmc


def test_only_an_intake_creates_a_file() -> None:
    for ev in (
        registratie.Verhuisd(
            verhuisdatum=date(2026, 2, 1),
            oude_gemeente="GM0637",
            nieuwe_gemeente="GM1930",
            oude_regio="MC28",
            nieuwe_regio="MC29",
        ),
        rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 1, 7)),
    ):
        assert apply(None, g(ev)) is None
    j = run(None, aangemeld())
    assert (j.versie, j.dossier.status, j.dossier.aangemeld_op, j.woongemeente) == (
        1,
        Status.NIEUW,
        date(2026, 1, 5),
        "GM0637",
    )


def test_version_counts_every_event_on_the_file() -> None:
    j = in_status(Status.GEPLAATST)
    assert j.versie == 5  # aangemeld, contact, in beeld, traject, geplaatst
    unrelated = registratie.AfwezigheidGeregistreerd(
        afwezigheid_id=uid(),
        school=SCHOOL,
        datum=date(2026, 2, 3),
        uren=Decimal("2"),
        eenheid=UrenEenheid.LESUUR,
        code=AfwezigheidCode.ZIEK,
    )
    assert apply(j, g(unrelated)) is j, "events outside the file do not touch it"


def test_events_for_another_dossier_and_facts_after_closing_change_nothing_but_the_version() -> None:
    j = in_status(Status.IN_BEELD)
    other = apply(
        j,
        g(
            rmc.TrajectGestart(
                dossier_id=uid(), traject_id=uid(), route=RmcRoute.WERK, datum=date(2026, 2, 1)
            )
        ),
    )
    assert other is not None and other.dossier == j.dossier and other.versie == j.versie + 1
    closed = in_status(Status.AFGESLOTEN)
    after = run(
        closed,
        rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 3, 1)),
        rmc.DossierGesloten(dossier_id=DOSSIER, reden=RmcSluitreden.SK_BEHAALD, datum=date(2026, 3, 2)),
    )
    assert after.dossier == closed.dossier, "closing twice keeps the first reason; nothing reopens"


def test_in_beeld_and_niet_bereikbaar_only_move_from_the_statuses_a6_allows() -> None:
    traject = in_status(Status.IN_TRAJECT)
    assert (
        run(traject, rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 2, 1))).dossier.status
        is Status.IN_TRAJECT
    )
    in_beeld = in_status(Status.IN_BEELD)
    nb = rmc.NietBereikbaar(
        dossier_id=DOSSIER, datum=date(2026, 3, 1), aantal_pogingen=3, eerste_poging=date(2026, 1, 6)
    )
    assert run(in_beeld, nb).dossier.status is Status.IN_BEELD


def test_a_new_traject_after_a_placement_ends_the_placement() -> None:
    j = run(
        in_status(Status.GEPLAATST),
        rmc.TrajectGestart(dossier_id=DOSSIER, traject_id=uid(), route=RmcRoute.WERK, datum=date(2026, 3, 1)),
    )
    assert j.dossier.status is Status.IN_TRAJECT and j.dossier.plaatsing is None


def test_moves_mark_the_case_only_when_leaving_this_region() -> None:
    j = in_status(Status.IN_BEELD)
    weg = registratie.Verhuisd(
        verhuisdatum=date(2026, 2, 1),
        oude_gemeente="GM0637",
        nieuwe_gemeente="GM1930",
        oude_regio="MC28",
        nieuwe_regio="MC29",
    )
    moved = run(j, weg)
    assert moved.dossier.verhuisd_buiten_regio and moved.woongemeente == "GM1930"
    terug = registratie.Verhuisd(
        verhuisdatum=date(2026, 3, 1),
        oude_gemeente="GM1930",
        nieuwe_gemeente="GM0637",
        oude_regio="MC29",
        nieuwe_regio="MC28",
    )
    assert not run(moved, terug).dossier.verhuisd_buiten_regio
    # the same move seen by the *new* region's instance does not mark anything there
    seen_in_29 = apply(j, g(weg, regio="MC29"))
    assert seen_in_29 is not None and not seen_in_29.dossier.verhuisd_buiten_regio


def test_registratie_facts_on_the_file() -> None:
    j = in_status(Status.IN_BEELD)
    melding = registratie.MeldingGeregistreerd(
        melding_id=uid(),
        soort=MeldingSoort.ACHTTIEN_PLUS,
        melder=next(iter(Melder)),
        school=SCHOOL,
        startdatum=date(2026, 2, 2),
    )
    lrv = registratie.MeldingGeregistreerd(
        melding_id=uid(),
        soort=MeldingSoort.LRV,
        melder=next(iter(Melder)),
        school=SCHOOL,
        startdatum=date(2026, 2, 2),
    )
    sk = registratie.StartkwalificatieBehaald(datum=date(2026, 7, 1), niveau=StartkwalificatieNiveau.MBO_2)
    after = run(j, melding, lrv, sk)
    assert after.dossier.melding_ids == (melding.melding_id,), "only 18+ reports belong to the Doorstroompunt"
    assert after.dossier.sk_behaald_op == date(2026, 7, 1)
    assert after.versie == j.versie + 2
    herinschrijving = registratie.Herinschrijving(
        lijst_maand="2026-03", school=SCHOOL, school_type=SchoolType.MBO, ingangsdatum=date(2026, 3, 1)
    )
    assert run(j, herinschrijving).dossier == j.dossier, "the placement comes from the reaction, not the fold"


def test_the_coach_is_the_one_who_last_acted() -> None:
    j = run(None, aangemeld())
    assert j.coach is None
    j = run(
        j,
        rmc.ContactpogingGedaan(
            dossier_id=DOSSIER, datum=date(2026, 1, 6), kanaal=ContactKanaal.SMS, geslaagd=False
        ),
        actor="coach-a",
    )
    assert j.coach == "coach-a"
    j = run(
        j,
        registratie.StartkwalificatieBehaald(datum=date(2026, 7, 1), niveau=StartkwalificatieNiveau.HAVO),
        actor="ignored-for-registratie",
    )
    assert j.coach == "coach-a"


def test_partner_weeks_are_kept_per_traject_and_week() -> None:
    j = in_status(Status.IN_TRAJECT)
    weeks = [
        rmc.TrajectVoortgang(
            dossier_id=DOSSIER,
            traject_id=TRAJECT,
            partner="werkstart",
            week=w,
            aanwezigheid_pct=p,
            voortgang=Voortgang.GOED,
        )
        for w, p in (("2026-W04", 100), ("2026-W05", 80), ("2026-W04", 90))
    ]
    j = run(j, *weeks)
    assert sorted((w.week, w.aanwezigheid_pct) for w in j.dossier.voortgang) == [
        ("2026-W04", 90),
        ("2026-W05", 80),
    ]


def test_the_state_survives_a_json_round_trip() -> None:
    for status in Status:
        j = in_status(status)
        assert Jongere.model_validate_json(j.model_dump_json()) == j


def test_fold_equals_repeated_apply() -> None:
    events = [
        g(aangemeld()),
        g(
            rmc.ContactpogingGedaan(
                dossier_id=DOSSIER, datum=date(2026, 1, 6), kanaal=ContactKanaal.GESPREK, geslaagd=True
            )
        ),
        g(rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 1, 6))),
    ]
    state = None
    for e in events:
        state = apply(state, e)
    assert fold(events) == state and state is not None and state.dossier.status is Status.IN_BEELD
