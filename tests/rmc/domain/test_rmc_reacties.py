"""Automatic reactions to registratie facts: intake and placement by re-enrolment (domain.md A6, A3.5,
A3.7), deterministic under redelivery and replay."""

from __future__ import annotations

from datetime import date

from rmc.domain import Gebeurtenis, Jongere, Kenmerken, Status, afgeleid_id, verwerk
from rmc.domain.leeftijd import parse_leeftijdsgrenzen
from rmc.domain.model import Regels
from rmc_helpers import SCHOOL, P, g, in_status, uid

from contracts.codes import Melder, MeldingSoort, Opleidingsniveau, RmcAanmeldBron, RmcRoute, SchoolType
from contracts.events import registratie, rmc

INTAKE_DAG = date(2026, 3, 2)


def vsv(gjm: str = "2007-04") -> registratie.PotentieelVsvGesignaleerd:
    return registratie.PotentieelVsvGesignaleerd(
        lijst_maand="2026-02",
        uitschrijfdatum=date(2026, 1, 30),
        woongemeente="GM0637",
        geboortejaar_maand=gjm,
    )


def herinschrijving(ingang: date = date(2026, 4, 1)) -> registratie.Herinschrijving:
    return registratie.Herinschrijving(
        lijst_maand="2026-04",
        school=SCHOOL,
        school_type=SchoolType.MBO,
        ingangsdatum=ingang,
        niveau=Opleidingsniveau.MBO_2,
    )


def achttien_plus() -> registratie.MeldingGeregistreerd:
    return registratie.MeldingGeregistreerd(
        melding_id=uid(),
        soort=MeldingSoort.ACHTTIEN_PLUS,
        melder=next(iter(Melder)),
        school=SCHOOL,
        startdatum=date(2026, 2, 2),
    )


def echo(r: Gebeurtenis) -> Gebeurtenis:
    """The published reaction as it comes back from the log (same id)."""
    return Gebeurtenis(id=r.id, pseudoniem=r.pseudoniem, event=r.event, datum=r.datum, regio=r.regio)


def test_a_potential_vsv_is_taken_in_on_the_intake_date() -> None:
    cause = g(vsv(), INTAKE_DAG)
    out = verwerk(None, cause)
    [reactie] = out.reacties
    ev = reactie.event
    assert isinstance(ev, rmc.JongereAangemeld)
    assert (ev.bron, ev.datum, ev.woongemeente, ev.geboortejaar_maand) == (
        RmcAanmeldBron.POTENTIEEL_VSV,
        INTAKE_DAG,
        "GM0637",
        "2007-04",
    )
    assert ev.dossier_id == afgeleid_id(cause.id, "dossier")
    assert out.toestand is not None and out.toestand.dossier.status is Status.NIEUW
    assert out.toestand.pseudoniem == P and out.toestand.verwachte_echo == (reactie.id,)
    assert verwerk(None, cause) == out, "a redelivered signal gives the very same reaction (same ids)"


def test_above_the_age_limit_nobody_is_taken_in() -> None:
    out = verwerk(None, g(vsv(gjm="1999-01"), date(2026, 3, 2)))  # 27 in March 2026
    assert out.toestand is None and out.reacties == ()
    young_law = Regels(parse_leeftijdsgrenzen("0001-01-01=30"))
    assert verwerk(None, g(vsv(gjm="1999-01"), date(2026, 3, 2)), young_law).reacties, (
        "the table is configuration"
    )


def test_a_second_signal_while_in_care_adds_no_second_case() -> None:
    first = verwerk(None, g(vsv(), INTAKE_DAG))
    second = verwerk(first.toestand, g(vsv(), date(2026, 4, 1)))
    assert second.reacties == ()
    assert second.toestand is not None and second.toestand.versie == first.toestand.versie + 1  # type: ignore[union-attr]


def test_an_18_plus_report_is_taken_in_with_what_rmc_knows_of_the_pupil() -> None:
    melding = achttien_plus()
    assert verwerk(None, g(melding, INTAKE_DAG)).reacties == (), "nothing known: no age check possible"
    out = verwerk(
        None, g(melding, INTAKE_DAG), kenmerken=Kenmerken(woongemeente="GM0603", geboortejaar_maand="2006-05")
    )
    [r] = out.reacties
    assert isinstance(r.event, rmc.JongereAangemeld)
    assert (r.event.bron, r.event.melding_id, r.event.woongemeente) == (
        RmcAanmeldBron.ACHTTIEN_PLUS_MELDING,
        melding.melding_id,
        "GM0603",
    )
    assert out.toestand is not None and out.toestand.dossier.melding_ids == (melding.melding_id,)
    other = registratie.MeldingGeregistreerd(
        melding_id=uid(),
        soort=MeldingSoort.LRV,
        melder=next(iter(Melder)),
        school=SCHOOL,
        startdatum=date(2026, 2, 2),
    )
    assert verwerk(
        None, g(other), kenmerken=Kenmerken(woongemeente="GM0603", geboortejaar_maand="2006-05")
    ) == verwerk(None, g(other))


def test_re_enrolment_places_automatically_and_the_echo_is_not_counted_twice() -> None:
    j = in_status(Status.IN_BEELD)
    cause = g(herinschrijving(), date(2026, 4, 3))
    out = verwerk(j, cause)
    assert [type(r.event).__name__ for r in out.reacties] == ["TrajectGestart", "JongereGeplaatst"]
    plaatsing = out.reacties[1].event
    assert isinstance(plaatsing, rmc.JongereGeplaatst) and plaatsing.automatisch
    assert plaatsing.startdatum == date(2026, 4, 1) and plaatsing.bestemming is RmcRoute.ONDERWIJS
    state = out.toestand
    assert state is not None and state.dossier.status is Status.GEPLAATST
    assert state.versie == j.versie + 3  # Herinschrijving + the two reactions
    for r in out.reacties:
        back = verwerk(state, echo(r))
        assert back.echo and back.reacties == () and back.toegepast == ()
        assert back.toestand is not None
        state = back.toestand
    assert state.versie == j.versie + 3 and state.verwachte_echo == ()
    assert state.dossier == out.toestand.dossier  # type: ignore[union-attr]
    # a repeated A02 list with the same enrolment: nothing new
    assert verwerk(state, g(herinschrijving(), date(2026, 5, 4))).reacties == ()


def test_re_enrolment_without_an_open_case_does_nothing() -> None:
    assert verwerk(None, g(herinschrijving())).toestand is None
    closed = in_status(Status.AFGESLOTEN)
    assert verwerk(closed, g(herinschrijving())).reacties == ()


def replay(log: list[Gebeurtenis]) -> tuple[Jongere | None, list[Gebeurtenis]]:
    """What the projection does: every event in log order, publishing reactions to the log's end; an
    event id seen before is dropped (the projection runner's duplicate-id check)."""
    state: Jongere | None = None
    published: list[Gebeurtenis] = []
    queue = list(log)
    seen: set[object] = set()
    while queue:
        ev = queue.pop(0)
        if ev.id in seen:
            continue
        seen.add(ev.id)
        out = verwerk(state, ev)
        state = out.toestand
        for r in out.reacties:
            published.append(r)
            queue.append(echo(r))
    return state, published


def test_replaying_the_log_with_its_echoes_gives_the_same_file_and_no_new_reactions() -> None:
    log = [g(vsv(), INTAKE_DAG), g(herinschrijving(), date(2026, 4, 3))]
    state, published = replay(log)
    assert state is not None and state.verwachte_echo == () and state.dossier.status is Status.GEPLAATST
    # the full log now holds the signals and the echoes of the reactions, interleaved in log order
    full = [log[0], echo(published[0]), log[1], *[echo(r) for r in published[1:]]]
    again, republished = replay(full)
    assert again == state
    assert [r.id for r in republished] == [r.id for r in published], "same ids: consumers drop them"


def test_derived_ids_are_uuid7_time_ordered_with_their_cause() -> None:
    cause = uid()
    a, b = afgeleid_id(cause, "x"), afgeleid_id(cause, "y")
    assert a.version == 7 and a != b and afgeleid_id(cause, "x") == a
    assert a.int >> 80 == cause.int >> 80
