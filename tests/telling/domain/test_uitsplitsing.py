"""Breakdowns by school type and age band (domain.md C): who counts where, and disclosure control that
keeps the breakdown tables and the area table consistent, so that together they reveal nothing."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.disclosure import (
    TOTAAL,
    Kruistabel,
    bepaalde_cellen,
    boom,
    publiceer,
    publiceer_uitsplitsingen,
)
from telling.domain.figures import (
    LEEG,
    UITSPLITSINGEN,
    Cell,
    leeftijdsband,
    lidmaatschappen,
    neem_op,
    uitsplitsingen_op,
    waarden,
)
from tl_scenario import AMS, SCHOOL, uid

from contracts.codes import (
    AfwezigheidCode,
    Melder,
    MeldingSoort,
    Plicht,
    SchoolType,
    SignaalBron,
    UrenEenheid,
    Vakantieregio,
)
from contracts.events import registratie
from contracts.events.base import Event

REGIO = "MC21"
MC29 = "MC29"


def test_age_bands_cover_every_age_once() -> None:
    assert [leeftijdsband(a) for a in (0, 11, 12, 15, 16, 17, 18, 22, 23, 26, 27, 40)] == [
        "0-11", "0-11", "12-15", "12-15", "16-17", "16-17", "18-22", "18-22", "23-26", "23-26", "27+", "27+"]
    assert UITSPLITSINGEN["schooltype"] == ("po", "vo", "mbo", "(v)so", "geen")


def test_a_person_counts_in_the_school_type_and_age_band_of_the_facts_day() -> None:
    f = neem_op(LEEG, registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VSO, ingangsdatum=date(2025, 8, 25),
        vakantieregio=Vakantieregio.NOORD, woongemeente=AMS, geboortejaar_maand="2011-03"), REGIO, date(2025, 8, 25))
    assert uitsplitsingen_op(f, date(2025, 10, 6)) == ("schooltype:(v)so", "leeftijd:12-15")
    assert uitsplitsingen_op(f, date(2025, 8, 24)) == ("schooltype:geen", "leeftijd:12-15")  # not yet enrolled
    f = neem_op(f, registratie.MeldingGeregistreerd(
        melding_id=uid(1), soort=MeldingSoort.LUXE, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2026, 3, 9), einddatum=date(2026, 3, 13)), REGIO, date(2026, 3, 13))
    leden = waarden(lidmaatschappen(f, "x"))
    for gebied in ("NL", REGIO):
        assert leden[Cell("luxeverzuim", gebied, "2025-2026", None, "schooltype:(v)so")] == 1
        assert leden[Cell("luxeverzuim", gebied, "2025-2026", None, "leeftijd:12-15")] == 1
    # municipalities are not broken down; dossier counts (MAS routes) neither
    assert not any(c.uitsplitsing and c.gebied == AMS for c in leden)


def test_not_enrolled_and_unknown_school_type() -> None:
    absoluut = neem_op(LEEG, registratie.AbsoluutVerzuimGesignaleerd(
        bron=SignaalBron.DUO, plicht=Plicht.LEERPLICHT, sinds=date(2025, 9, 1), woongemeente=AMS,
        geboortejaar_maand="2012-06"), REGIO, date(2025, 9, 10))
    assert uitsplitsingen_op(absoluut, date(2025, 9, 10)) == ("schooltype:geen", "leeftijd:12-15")
    # a report about a pupil enrolled before the log began: school type and age unknown, total only
    alleen_melding = neem_op(LEEG, registratie.MeldingGeregistreerd(
        melding_id=uid(2), soort=MeldingSoort.LUXE, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2026, 3, 9), einddatum=date(2026, 3, 13)), REGIO, date(2026, 3, 13))
    assert uitsplitsingen_op(alleen_melding, date(2026, 3, 9)) == ()
    # schema v2 of the report carries the woongemeente and birth month: the age band and the
    # municipality are known without the enrolment (the school type still is not)
    v2 = neem_op(LEEG, registratie.MeldingGeregistreerd(
        melding_id=uid(3), soort=MeldingSoort.LUXE, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2026, 3, 9), einddatum=date(2026, 3, 13), woongemeente=AMS,
        geboortejaar_maand="2012-06"), REGIO, date(2026, 3, 13))
    assert uitsplitsingen_op(v2, date(2026, 3, 9)) == ("leeftijd:12-15",)
    leden = waarden(lidmaatschappen(v2, "x"))
    assert leden[Cell("luxeverzuim", AMS, "2025-2026")] == 1


def _gecombineerd(gebieden: dict[str, tuple[str | None, int]], uitsplitsingen: dict[tuple[str, str], int],
                  weg: set[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Every hidden cell an attacker can compute from everything published together: the area tree
    (municipalities → regions → NL) and every breakdown table (categories → area total; regions → NL)."""
    sommen: list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]] = []
    kinderen: dict[str, list[str]] = {}
    for g, (ouder, _) in gebieden.items():
        if ouder is not None:
            kinderen.setdefault(ouder, []).append(g)
    for p, kids in kinderen.items():
        sommen.append(((p, TOTAAL), tuple((k, TOTAAL) for k in kids)))
    waarden_ = {(g, TOTAAL): w for g, (_, w) in gebieden.items()} | dict(uitsplitsingen)
    for dimensie, categorieen in UITSPLITSINGEN.items():
        # every region is a row of every breakdown: a region without breakdown cells publishes empty
        # cells (0, or suppressed where listed)
        rijen = {g for g, (ouder, _) in gebieden.items() if ouder == "NL"}
        for r in rijen | {"NL"}:
            sommen.append(((r, TOTAAL), tuple((r, f"{dimensie}:{c}") for c in categorieen)))
        for c in categorieen:
            sommen.append((("NL", f"{dimensie}:{c}"), tuple((r, f"{dimensie}:{c}") for r in rijen if r != "NL")))
    for (_, leden) in sommen:
        for cel in leden:
            waarden_.setdefault(cel, 0)
    tabel = Kruistabel(waarden_, (), (), TOTAAL, frozenset(), tuple(sommen))
    return bepaalde_cellen(tabel, weg)


def test_area_table_and_breakdowns_together_reveal_no_hidden_cell() -> None:
    rnd = random.Random(2026)
    for _ in range(150):
        regios = [f"MC{n:02d}" for n in range(1, rnd.randint(3, 9))]
        gebieden: dict[str, tuple[str | None, int]] = {}
        uitsplitsingen: dict[tuple[str, str], int] = {}
        for r in regios:
            gemeenten = [f"GM{int(r[2:]) * 10 + k:04d}" for k in range(rnd.randint(1, 4))]
            for g in gemeenten:
                gebieden[g] = (r, rnd.choice([0, 1, 2, 3, 5, 8, 12, 20, 40]))
            totaal = sum(gebieden[g][1] for g in gemeenten) + rnd.choice([0, 0, 1])
            gebieden[r] = ("NL", totaal)
            if rnd.random() < 0.2:
                continue  # nobody of this region has a known school type or age: no breakdown cells
            for dimensie, categorieen in UITSPLITSINGEN.items():
                rest = totaal - rnd.choice([0, 0, 1]) if totaal else 0  # unknown category: a residual
                for c in categorieen[:-1]:
                    n = rnd.randint(0, rest)
                    if n or rnd.random() < 0.3:
                        uitsplitsingen[(r, f"{dimensie}:{c}")] = n
                    rest -= n
                uitsplitsingen[(r, f"{dimensie}:{categorieen[-1]}")] = max(rest, 0)
        gebieden["NL"] = (None, sum(w for g, (o, w) in gebieden.items() if o == "NL"))
        for dimensie, categorieen in UITSPLITSINGEN.items():
            for c in categorieen:
                uitsplitsingen[("NL", f"{dimensie}:{c}")] = sum(
                    w for (g, u), w in uitsplitsingen.items() if g != "NL" and u == f"{dimensie}:{c}")
        tabel_1d = publiceer(boom(gebieden))
        gepubliceerd = publiceer_uitsplitsingen(gebieden, tabel_1d, uitsplitsingen)
        assert set(uitsplitsingen) <= set(gepubliceerd)
        assert all(gepubliceerd[k].onderdrukt for k in set(gepubliceerd) - set(uitsplitsingen))
        weg = {(g, TOTAAL) for g, s in tabel_1d.items() if s.onderdrukt} | {
            k for k, s in gepubliceerd.items() if s.onderdrukt}
        for k, w in uitsplitsingen.items():
            assert (0 < w < 10) <= (k in weg), k
            assert gepubliceerd[k].waarde in (None, w)
        for g, s in tabel_1d.items():  # the area table is published as it was: nothing shown is taken back
            assert s.waarde in (None, gebieden[g][1])
        assert _gecombineerd(gebieden, uitsplitsingen, weg) == frozenset()


# --------------------------------------------------------------------------- absences (issue 12.8)

_ONGEOORLOOFD = "leerlingen.met_ongeoorloofde_afwezigheid"


def _demo_leerling(n: int, woon: str, geboren: str) -> list[tuple[str, date, object]]:
    """Like the demo feed (deploy/local/demo_feed.py): a po pupil enrolled on 24 August, then a term
    of absence, some of it unauthorised, in the region of the woongemeente."""
    school = SCHOOL.model_copy(update={"brin": "00AP"})
    uit: list[tuple[str, date, object]] = [(REGIO, date(2025, 8, 24), registratie.LeerlingIngeschreven(
        school=school, school_type=SchoolType.PO, ingangsdatum=date(2025, 8, 24),
        vakantieregio=Vakantieregio.MIDDEN, woongemeente=woon, geboortejaar_maand=geboren))]
    for i, (d, code, uren) in enumerate([(date(2025, 9, 29), AfwezigheidCode.ZIEK, "5.5"),
                                         (date(2025, 10, 7), AfwezigheidCode.ONGEOORLOOFD, "2"),
                                         (date(2025, 10, 2), AfwezigheidCode.TE_LAAT, "0.25"),
                                         (date(2025, 11, 3), AfwezigheidCode.ONGEOORLOOFD, "5.5")]):
        uit.append((REGIO, d, registratie.AfwezigheidGeregistreerd(
            afwezigheid_id=uid(100 * n + i), school=school, datum=d, uren=Decimal(uren),
            eenheid=UrenEenheid.KLOKUUR, code=code)))
    return uit


def _fold(stappen: list[tuple[str, date, object]]) -> dict[Cell, int]:
    f = LEEG
    for regio, d, ev in stappen:
        assert isinstance(ev, Event)
        f = neem_op(f, ev, regio, d)
    return waarden(lidmaatschappen(f, "x"))


def test_pupils_with_unauthorised_absence_are_broken_down_by_school_type_and_age() -> None:
    """On the demo every school-type and age-band column of this figure was 0 while the total was 41:
    the figure was built straight from the absences and never placed the pupil."""
    leden = _fold(_demo_leerling(1, AMS, "2016-04"))
    for gebied in ("NL", REGIO):
        assert leden[Cell(_ONGEOORLOOFD, gebied, "2025-2026")] == 1
        # placed on the day of the first unauthorised absence (TE_LAAT on 2 October): po, aged 9
        assert leden[Cell(_ONGEOORLOOFD, gebied, "2025-2026", None, "schooltype:po")] == 1
        assert leden[Cell(_ONGEOORLOOFD, gebied, "2025-2026", None, "leeftijd:0-11")] == 1
    # as before: national and regional only, one member however many absences
    assert not any(c.indicator == _ONGEOORLOOFD and c.gebied == AMS for c in leden)


def test_a_pupil_enrolled_before_the_log_counts_in_the_total_only() -> None:
    leden = _fold(_demo_leerling(2, AMS, "2016-04")[1:])
    assert leden[Cell(_ONGEOORLOOFD, "NL", "2025-2026")] == 1
    assert not any(c.indicator == _ONGEOORLOOFD and c.uitsplitsing for c in leden)


_NA_VERHUIZING = (MC29, date(2025, 10, 1), registratie.AfwezigheidGeregistreerd(
    afwezigheid_id=uid(399), school=SCHOOL, datum=date(2025, 9, 30), uren=Decimal(1),
    eenheid=UrenEenheid.KLOKUUR, code=AfwezigheidCode.LUXE))


@settings(max_examples=40, deadline=None)
@given(st.permutations([*_demo_leerling(3, AMS, "2013-11"), _NA_VERHUIZING]))
def test_the_first_unauthorised_absence_does_not_depend_on_the_order_of_events(
        stappen: list[tuple[str, date, object]]) -> None:
    """The earliest unauthorised absence per schooljaar and region is a minimum: any order, same
    figures (a rebuild interleaves the regional topics differently)."""
    assert _fold(stappen) == _fold(sorted(stappen, key=lambda s: (s[1], s[0])))
