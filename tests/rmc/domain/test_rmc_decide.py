"""decide(command, state) -> events: the Doorstroompunt status machine (domain.md A6 Decision)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from rmc.domain import (
    Aanmelden,
    Afsluiten,
    AutomatischPlaatsen,
    Command,
    ContactpogingRegistreren,
    DomeinFout,
    Jongere,
    Plaatsen,
    Status,
    TrajectStarten,
    VoortgangMelden,
    decide,
)
from rmc_helpers import AANGEMELD, DOSSIER, SCHOOL, TRAJECT, aangemeld, in_status, run, uid

from contracts.codes import (
    ContactKanaal,
    Opleidingsniveau,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    Voortgang,
)
from contracts.events import registratie, rmc

VANDAAG = date(2026, 6, 1)


def types(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def fout(command: Command, state: Jongere | None) -> tuple[str, str]:
    with pytest.raises(DomeinFout) as exc:
        decide(command, state)
    assert len(exc.value.melding) > 15, "a Dutch sentence for the coach"
    return exc.value.veld, exc.value.regel


# --------------------------------------------------------------------------- the whole matrix

CONTACT_OK = ContactpogingRegistreren(
    datum=date(2026, 3, 2), kanaal=ContactKanaal.TELEFOON, geslaagd=True, vandaag=VANDAAG
)
CONTACT_SMS = ContactpogingRegistreren(
    datum=date(2026, 3, 2), kanaal=ContactKanaal.SMS, geslaagd=False, vandaag=VANDAAG
)
TRAJECT_WERK = TrajectStarten(traject_id=uid(), route=RmcRoute.WERK, datum=date(2026, 3, 2), vandaag=VANDAAG)
PLAATS_WERK = Plaatsen(bestemming=RmcRoute.WERK, startdatum=date(2026, 3, 9), vandaag=VANDAAG)
SLUIT_OVERLEDEN = Afsluiten(reden=RmcSluitreden.OVERLEDEN, datum=date(2026, 3, 2), vandaag=VANDAAG)
VOORTGANG = VoortgangMelden(
    partner="werkstart",
    traject_id=TRAJECT,
    week="2026-W10",
    aanwezigheid_pct=80,
    voortgang=Voortgang.GOED,
    vandaag=VANDAAG,
)
HERINSCHRIJVING = AutomatischPlaatsen(
    traject_id=uid(), school=SCHOOL, ingangsdatum=date(2026, 3, 2), niveau=Opleidingsniveau.MBO_2
)
AANMELDEN = Aanmelden(
    dossier_id=uid(),
    bron=RmcAanmeldBron.POTENTIEEL_VSV,
    datum=date(2026, 3, 2),
    woongemeente="GM0637",
    geboortejaar_maand="2006-01",
)

OK = "ok"
G = ("status", "dossier_gesloten")
# expected outcome of each command in each status: a list of event types, or (veld, regel)
MATRIX: dict[str, dict[Status, object]] = {
    "contact_geslaagd": {
        Status.NIEUW: ["ContactpogingGedaan", "InBeeld"],
        Status.NIET_BEREIKBAAR: ["ContactpogingGedaan", "InBeeld"],
        Status.IN_BEELD: ["ContactpogingGedaan"],
        Status.IN_TRAJECT: ["ContactpogingGedaan"],
        Status.GEPLAATST: ["ContactpogingGedaan"],
        Status.AFGESLOTEN: G,
    },
    "sms_onbeantwoord": {s: (["ContactpogingGedaan"] if s is not Status.AFGESLOTEN else G) for s in Status},
    "traject": {
        Status.NIEUW: ("status", "eerst_in_beeld"),
        Status.NIET_BEREIKBAAR: ("status", "eerst_in_beeld"),
        Status.IN_BEELD: ["TrajectGestart"],
        Status.IN_TRAJECT: ["TrajectGestart"],
        Status.GEPLAATST: ["TrajectGestart"],  # drop-out: a new route
        Status.AFGESLOTEN: G,
    },
    "plaatsing": {
        **{s: ("status", "eerst_traject") for s in Status},
        Status.IN_TRAJECT: ["JongereGeplaatst"],
        Status.AFGESLOTEN: G,
    },
    "afsluiten": {s: (["DossierGesloten"] if s is not Status.AFGESLOTEN else G) for s in Status},
    "voortgang": {
        **{s: ("traject_id", "geen_deelnemer") for s in Status},
        Status.IN_TRAJECT: ["TrajectVoortgang"],
        Status.AFGESLOTEN: G,
    },
    "herinschrijving": {
        Status.NIEUW: ["TrajectGestart", "JongereGeplaatst"],
        Status.NIET_BEREIKBAAR: ["TrajectGestart", "JongereGeplaatst"],
        Status.IN_BEELD: ["TrajectGestart", "JongereGeplaatst"],
        Status.IN_TRAJECT: ["JongereGeplaatst"],
        Status.GEPLAATST: ["JongereGeplaatst"],  # another placement is replaced by the enrolment
        Status.AFGESLOTEN: ("pseudoniem", "geen_open_dossier"),
    },
    "aanmelden": {
        **{s: ("pseudoniem", "al_in_begeleiding") for s in Status},
        Status.AFGESLOTEN: ["JongereAangemeld"],  # a new case after closing
    },
}
COMMANDS: dict[str, Command] = {
    "contact_geslaagd": CONTACT_OK,
    "sms_onbeantwoord": CONTACT_SMS,
    "traject": TRAJECT_WERK,
    "plaatsing": PLAATS_WERK,
    "afsluiten": SLUIT_OVERLEDEN,
    "voortgang": VOORTGANG,
    "herinschrijving": HERINSCHRIJVING,
    "aanmelden": AANMELDEN,
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("naam", list(MATRIX))
def test_every_command_in_every_status(naam: str, status: Status) -> None:
    state = in_status(status)
    assert state.dossier.status is status
    expected = MATRIX[naam][status]
    if isinstance(expected, list):
        assert types(decide(COMMANDS[naam], state)) == expected
    else:
        assert fout(COMMANDS[naam], state) == expected


@pytest.mark.parametrize("naam", [n for n in COMMANDS if n != "aanmelden"])
def test_an_unknown_young_person_has_no_file(naam: str) -> None:
    assert fout(COMMANDS[naam], None)[1] in ("geen_dossier", "geen_open_dossier")


def test_the_matrix_states_move_as_the_events_say() -> None:
    """Applying what decide emitted gives the next status of A6."""
    j = in_status(Status.NIEUW)
    j = run(j, *decide(CONTACT_OK, j))
    assert j.dossier.status is Status.IN_BEELD
    j = run(j, *decide(TRAJECT_WERK, j))
    assert j.dossier.status is Status.IN_TRAJECT
    j = run(j, *decide(PLAATS_WERK, j))
    assert j.dossier.status is Status.GEPLAATST
    te_vroeg = Afsluiten(
        reden=RmcSluitreden.GEPLAATST_DUURZAAM, datum=date(2026, 6, 8), vandaag=date(2026, 6, 9)
    )
    assert fout(te_vroeg, j) == ("reden", "duurzaam_na_drie_maanden")  # placed 9 March: from 9 June
    j = run(j, *decide(replace(te_vroeg, datum=date(2026, 6, 9)), j))
    assert (j.dossier.status, j.dossier.sluitreden) == (Status.AFGESLOTEN, RmcSluitreden.GEPLAATST_DUURZAAM)


# --------------------------------------------------------------------------- contact and NIET_BEREIKBAAR


def poging(
    d: date, geslaagd: bool = False, kanaal: ContactKanaal = ContactKanaal.TELEFOON
) -> ContactpogingRegistreren:
    return ContactpogingRegistreren(datum=d, kanaal=kanaal, geslaagd=geslaagd, vandaag=VANDAAG)


def pogingen(*datums: date, kanaal: ContactKanaal = ContactKanaal.TELEFOON) -> tuple[Jongere, list[object]]:
    j = in_status(Status.NIEUW)
    events: list[object] = []
    for d in datums:
        events = list(decide(poging(d, kanaal=kanaal), j))
        j = run(j, *events)  # type: ignore[arg-type]
    return j, events


def test_three_attempts_over_four_weeks_make_niet_bereikbaar() -> None:
    j, last = pogingen(date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 3))
    assert types(last) == ["ContactpogingGedaan", "NietBereikbaar"]
    nb = last[1]
    assert isinstance(nb, rmc.NietBereikbaar)
    assert (nb.aantal_pogingen, nb.eerste_poging, nb.datum) == (3, date(2026, 1, 6), date(2026, 2, 3))
    assert j.dossier.status is Status.NIET_BEREIKBAAR and j.dossier.niet_bereikbaar_sinds == date(2026, 2, 3)


def test_unanswered_text_messages_are_documented_attempts() -> None:
    j, _ = pogingen(date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 3), kanaal=ContactKanaal.SMS)
    assert j.dossier.status is Status.NIET_BEREIKBAAR


@pytest.mark.parametrize(
    "datums",
    [
        (date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 2)),  # 27 days: not yet 4 weeks
        (date(2026, 1, 6), date(2026, 2, 20)),  # 2 attempts over 6 weeks: too few
    ],
)
def test_fewer_than_three_attempts_or_less_than_four_weeks_stay_nieuw(datums: tuple[date, ...]) -> None:
    j, last = pogingen(*datums)
    assert types(last) == ["ContactpogingGedaan"]
    assert j.dossier.status is Status.NIEUW


def test_a_back_dated_attempt_can_complete_the_four_weeks() -> None:
    _, last = pogingen(date(2026, 1, 20), date(2026, 2, 5), date(2026, 1, 6))
    nb = last[1]
    assert isinstance(nb, rmc.NietBereikbaar)
    assert (nb.eerste_poging, nb.datum) == (date(2026, 1, 6), date(2026, 2, 5))


def test_after_niet_bereikbaar_a_successful_contact_brings_the_young_person_in_beeld() -> None:
    j = in_status(Status.NIET_BEREIKBAAR)
    assert types(decide(poging(date(2026, 2, 20)), j)) == ["ContactpogingGedaan"], "no second NietBereikbaar"
    events = decide(poging(date(2026, 2, 20), geslaagd=True, kanaal=ContactKanaal.SMS), j)
    assert types(events) == ["ContactpogingGedaan", "InBeeld"]
    assert run(j, *events).dossier.status is Status.IN_BEELD


@pytest.mark.parametrize(
    ("datum", "regel"),
    [
        (date(2026, 6, 2), "niet_in_toekomst"),
        (AANGEMELD.replace(day=4), "niet_voor_aanmelding"),
    ],
)
def test_contact_dates_lie_between_intake_and_today(datum: date, regel: str) -> None:
    assert fout(poging(datum), in_status(Status.NIEUW)) == ("datum", regel)


# --------------------------------------------------------------------------- traject and plaatsing


def test_route_traject_needs_the_partner_that_runs_it() -> None:
    c = TrajectStarten(traject_id=uid(), route=RmcRoute.TRAJECT, datum=date(2026, 3, 2), vandaag=VANDAAG)
    assert fout(c, in_status(Status.IN_BEELD)) == ("partner", "verplicht_bij_route_traject")
    [ev] = decide(replace(c, partner="werkstart"), in_status(Status.IN_BEELD))
    assert isinstance(ev, rmc.TrajectGestart) and ev.partner == "werkstart"


def test_a_new_traject_cannot_start_before_the_current_one() -> None:
    c = replace(TRAJECT_WERK, datum=date(2026, 1, 10))
    assert fout(c, in_status(Status.IN_TRAJECT)) == ("datum", "niet_voor_huidig_traject")


@pytest.mark.parametrize(
    ("command", "veld_regel"),
    [
        (replace(PLAATS_WERK, bestemming=RmcRoute.TRAJECT), ("bestemming", "traject_is_geen_plaatsing")),
        (replace(PLAATS_WERK, bestemming=RmcRoute.ONDERWIJS), ("niveau", "verplicht_bij_onderwijs")),
        (replace(PLAATS_WERK, bestemming=RmcRoute.COMBINATIE), ("niveau", "verplicht_bij_onderwijs")),
        (replace(PLAATS_WERK, school=SCHOOL), ("school", "alleen_bij_onderwijs")),
        (replace(PLAATS_WERK, startdatum=date(2026, 1, 11)), ("startdatum", "niet_voor_traject")),
        (replace(PLAATS_WERK, startdatum=date(2027, 6, 3)), ("startdatum", "te_ver_vooruit")),
    ],
)
def test_placement_rules(command: Plaatsen, veld_regel: tuple[str, str]) -> None:
    assert fout(command, in_status(Status.IN_TRAJECT)) == veld_regel


def test_a_placement_carries_destination_level_and_start_date() -> None:
    c = Plaatsen(
        bestemming=RmcRoute.ONDERWIJS,
        startdatum=date(2026, 8, 31),
        vandaag=VANDAAG,
        niveau=Opleidingsniveau.MBO_3,
        school=SCHOOL,
    )
    [ev] = decide(c, in_status(Status.IN_TRAJECT))
    assert isinstance(ev, rmc.JongereGeplaatst)
    assert (ev.bestemming, ev.niveau, ev.startdatum, ev.school, ev.automatisch) == (
        RmcRoute.ONDERWIJS,
        Opleidingsniveau.MBO_3,
        date(2026, 8, 31),
        SCHOOL,
        False,
    )


# --------------------------------------------------------------------------- closing reasons


def sluit(reden: RmcSluitreden, datum: date, vandaag: date = date(2030, 1, 1)) -> Afsluiten:
    return Afsluiten(reden=reden, datum=datum, vandaag=vandaag)


def test_geplaatst_duurzaam_only_three_calendar_months_after_the_start() -> None:
    j = in_status(Status.GEPLAATST)  # placed from 2026-02-02
    assert fout(sluit(RmcSluitreden.GEPLAATST_DUURZAAM, date(2026, 5, 1)), j) == (
        "reden",
        "duurzaam_na_drie_maanden",
    )
    assert types(decide(sluit(RmcSluitreden.GEPLAATST_DUURZAAM, date(2026, 5, 2)), j)) == ["DossierGesloten"]
    assert fout(sluit(RmcSluitreden.GEPLAATST_DUURZAAM, date(2026, 9, 1)), in_status(Status.IN_TRAJECT)) == (
        "reden",
        "duurzaam_vraagt_plaatsing",
    )


def test_leeftijdsgrens_only_when_the_limit_in_force_is_reached() -> None:
    j = in_status(Status.IN_BEELD, gjm="1999-06")  # 26 in January 2026
    assert fout(sluit(RmcSluitreden.LEEFTIJDSGRENS, date(2026, 6, 30)), j) == (
        "reden",
        "leeftijdsgrens_niet_bereikt",
    )
    assert types(decide(sluit(RmcSluitreden.LEEFTIJDSGRENS, date(2026, 7, 1)), j)) == ["DossierGesloten"]


def test_verhuisd_only_after_a_move_out_of_the_region() -> None:
    j = in_status(Status.IN_BEELD)
    assert fout(sluit(RmcSluitreden.VERHUISD, date(2026, 3, 1)), j) == (
        "reden",
        "geen_verhuizing_buiten_regio",
    )
    binnen = run(
        j,
        registratie.Verhuisd(
            verhuisdatum=date(2026, 2, 1),
            oude_gemeente="GM0637",
            nieuwe_gemeente="GM0603",
            oude_regio="MC28",
            nieuwe_regio="MC28",
        ),
    )
    assert fout(sluit(RmcSluitreden.VERHUISD, date(2026, 3, 1)), binnen)[1] == "geen_verhuizing_buiten_regio"
    weg = run(
        j,
        registratie.Verhuisd(
            verhuisdatum=date(2026, 2, 1),
            oude_gemeente="GM0637",
            nieuwe_gemeente="GM1930",
            oude_regio="MC28",
            nieuwe_regio="MC29",
        ),
    )
    assert types(decide(sluit(RmcSluitreden.VERHUISD, date(2026, 3, 1)), weg)) == ["DossierGesloten"]


def test_geen_hulp_gewenst_needs_contact_first() -> None:
    assert fout(sluit(RmcSluitreden.GEEN_HULP_GEWENST, date(2026, 3, 1)), in_status(Status.NIEUW)) == (
        "reden",
        "eerst_contact",
    )
    assert fout(sluit(RmcSluitreden.GEEN_HULP_GEWENST, date(2026, 3, 1)), in_status(Status.NIET_BEREIKBAAR))
    assert decide(sluit(RmcSluitreden.GEEN_HULP_GEWENST, date(2026, 3, 1)), in_status(Status.IN_BEELD))


@pytest.mark.parametrize("reden", [RmcSluitreden.SK_BEHAALD, RmcSluitreden.OVERLEDEN])
def test_sk_behaald_and_overleden_close_from_any_open_status(reden: RmcSluitreden) -> None:
    for status in Status:
        if status is not Status.AFGESLOTEN:
            [ev] = decide(sluit(reden, date(2026, 3, 1)), in_status(status))
            assert isinstance(ev, rmc.DossierGesloten) and ev.dossier_id == DOSSIER and ev.reden is reden


def test_closing_date_lies_between_intake_and_today() -> None:
    j = in_status(Status.NIEUW)
    assert fout(sluit(RmcSluitreden.OVERLEDEN, date(2026, 3, 2), vandaag=date(2026, 3, 1)), j) == (
        "datum",
        "niet_in_toekomst",
    )
    assert fout(sluit(RmcSluitreden.OVERLEDEN, date(2025, 12, 1)), j) == ("datum", "niet_voor_aanmelding")


# --------------------------------------------------------------------------- partner progress


@pytest.mark.parametrize(
    ("wijziging", "veld_regel"),
    [
        ({"partner": "andere-partner"}, ("traject_id", "geen_deelnemer")),
        ({"traject_id": DOSSIER}, ("traject_id", "geen_deelnemer")),
        ({"week": "2026-W24"}, ("week", "niet_in_toekomst")),  # Monday 8 June 2026 > 1 June
        ({"week": "2026-W02"}, ("week", "voor_start_traject")),  # traject started 12 Jan (W03)
        ({"week": "2025-W53"}, ("week", "ongeldige_week")),  # 2025 has 52 ISO weeks
        ({"aanwezigheid_pct": 101}, ("aanwezigheid_pct", "percentage")),
    ],
)
def test_partner_progress_rules(wijziging: dict[str, object], veld_regel: tuple[str, str]) -> None:
    assert fout(replace(VOORTGANG, **wijziging), in_status(Status.IN_TRAJECT)) == veld_regel  # type: ignore[arg-type]


def test_a_repeated_week_report_is_a_no_op_and_a_different_one_a_correction() -> None:
    j = in_status(Status.IN_TRAJECT)
    j = run(j, *decide(VOORTGANG, j))
    assert decide(VOORTGANG, j) == []
    correctie = replace(VOORTGANG, aanwezigheid_pct=60, voortgang=Voortgang.ZORGELIJK)
    j = run(j, *decide(correctie, j))
    assert [(w.week, w.aanwezigheid_pct) for w in j.dossier.voortgang] == [("2026-W10", 60)]


# --------------------------------------------------------------------------- automatic placement


def test_re_enrolment_places_automatically_with_route_onderwijs() -> None:
    events = decide(HERINSCHRIJVING, in_status(Status.NIEUW))
    traject, plaatsing = events
    assert isinstance(traject, rmc.TrajectGestart) and traject.route is RmcRoute.ONDERWIJS
    assert traject.traject_id == HERINSCHRIJVING.traject_id and traject.datum == date(2026, 3, 2)
    assert isinstance(plaatsing, rmc.JongereGeplaatst)
    assert (plaatsing.bestemming, plaatsing.automatisch, plaatsing.school, plaatsing.niveau) == (
        RmcRoute.ONDERWIJS,
        True,
        SCHOOL,
        Opleidingsniveau.MBO_2,
    )
    j = run(in_status(Status.NIEUW), *events)
    assert j.dossier.status is Status.GEPLAATST
    assert decide(HERINSCHRIJVING, j) == [], "the same enrolment again (repeated A02 list) adds nothing"


def test_intake_after_closing_opens_a_new_case() -> None:
    j = in_status(Status.AFGESLOTEN)
    events = decide(AANMELDEN, j)
    j2 = run(j, *events)
    assert j2.dossier.dossier_id == AANMELDEN.dossier_id and j2.dossier.status is Status.NIEUW
    assert j2.eerdere_dossiers == (DOSSIER,)
    assert j2.dossier.contactpogingen == ()


def test_aanmelden_carries_the_signal() -> None:
    [ev] = decide(replace(AANMELDEN, bron=RmcAanmeldBron.ACHTTIEN_PLUS_MELDING, melding_id=DOSSIER), None)
    assert isinstance(ev, rmc.JongereAangemeld)
    assert (ev.bron, ev.melding_id, ev.datum) == (
        RmcAanmeldBron.ACHTTIEN_PLUS_MELDING,
        DOSSIER,
        date(2026, 3, 2),
    )
    assert run(None, aangemeld()).dossier.status is Status.NIEUW
