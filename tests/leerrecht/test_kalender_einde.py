"""The calendar's known end and its extension by beheer (domain.md A3.12, a Decision).

Pure: the end of the shipped data, the degraded state from 12 months before it, and the validation
of further school years (the columns of ``leerrecht/data/schoolvakanties.csv``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from kalender_testdata import rijen

from leerrecht.kalender import (
    BuitenKalenderbereik,
    OngeldigeSchoolvakanties,
    Vakantieregio,
    kalender_stand,
    lees_schoolvakanties,
    load_schoolvakanties,
    standaard_kalender,
    uitbreiding,
)

D = date


def test_the_shipped_calendar_ends_with_midden_summer_2028() -> None:
    k = standaard_kalender()
    assert k.einde() == D(2028, 8, 20), "midden's zomervakantie 2028 ends first"
    assert k.einde_per_regio() == {Vakantieregio.NOORD: D(2028, 8, 27), Vakantieregio.MIDDEN: D(2028, 8, 20),
                                   Vakantieregio.ZUID: D(2028, 9, 3)}


@pytest.mark.parametrize(("vandaag", "status", "reden", "dagen"), [
    (D(2027, 7, 1), "ok", None, 416),
    (D(2027, 8, 19), "ok", None, 367),
    (D(2027, 8, 20), "degraded", "kalender_loopt_af", 366),  # exactly 12 months before the end
    (D(2027, 9, 20), "degraded", "kalender_loopt_af", 335),  # 11 months before
    (D(2028, 8, 20), "degraded", "kalender_loopt_af", 0),
    (D(2028, 8, 21), "degraded", "kalender_verlopen", -1),
])
def test_degraded_from_twelve_months_before_the_end(vandaag: date, status: str, reden: str | None,
                                                    dagen: int) -> None:
    s = kalender_stand(standaard_kalender(), vandaag)
    assert (s.status, s.reden, s.resterende_dagen, s.einde) == (status, reden, dagen, D(2028, 8, 20))
    assert s.waarschuwing_vanaf == D(2027, 8, 20)
    assert s.resterende_dagen_per_regio[Vakantieregio.ZUID] == (D(2028, 9, 3) - vandaag).days


def test_a_loaded_school_year_extends_the_lesweken() -> None:
    k = standaard_kalender()
    with pytest.raises(BuitenKalenderbereik):
        k.is_lesweek(D(2028, 9, 4), "midden")
    nieuw = uitbreiding(k.vakanties, lees_schoolvakanties(rijen("2028-2029")))
    assert len(nieuw) == 15
    k2 = k.met_vakanties(nieuw)
    assert k2.is_lesweek(D(2028, 9, 4), "midden")
    assert not k2.is_lesweek(D(2028, 10, 23), "midden"), "herfstvakantie midden 2028"
    assert k2.is_lesweek(D(2028, 10, 16), "midden")
    assert k2.einde() == D(2029, 8, 19)
    assert k2.is_lesweek(D(2027, 10, 4), "midden") == k.is_lesweek(D(2027, 10, 4), "midden")
    # what is known already is no change: loading the same rows again adds nothing
    assert uitbreiding(k2.vakanties, lees_schoolvakanties(rijen("2028-2029"))) == ()
    assert uitbreiding(k.vakanties, lees_schoolvakanties(rijen("2027-2028"))) == ()


def fouten(rows: list[dict[str, Any]], bestaand: Any = None) -> list[tuple[str, str]]:
    with pytest.raises(OngeldigeSchoolvakanties) as exc:
        uitbreiding(load_schoolvakanties() if bestaand is None else bestaand, lees_schoolvakanties(rows))
    return [(f.veld, f.regel) for f in exc.value.fouten]


def test_rows_are_validated_field_by_field() -> None:
    rows = rijen("2028-2029")
    rows[0] = {**rows[0], "regio": "west"}
    rows[1] = {**rows[1], "begin": "2028-13-01"}
    rows[2] = {**rows[2], "eind": "2028-10-01"}  # before its begin
    rows[3] = {**rows[3], "vakantie": "Paasvakantie"}
    rows[4] = {**rows[4], "schooljaar": "2028-2030"}
    rows.append({"schooljaar": "2028-2029", "vakantie": "Herfstvakantie"})
    with pytest.raises(OngeldigeSchoolvakanties) as exc:
        lees_schoolvakanties(rows)
    assert [(f.veld, f.regel) for f in exc.value.fouten] == [
        ("rijen[0].regio", "vakantieregio"), ("rijen[1].begin", "datum"), ("rijen[2].eind", "eind_na_begin"),
        ("rijen[3].vakantie", "vakantie"), ("rijen[4].schooljaar", "schooljaar"), ("rijen[15].regio", "verplicht"),
    ]
    assert all("west" not in f.melding and "2028-13-01" not in f.melding for f in exc.value.fouten), \
        "never echo the rejected value"


def test_a_school_year_must_be_complete_follow_on_and_not_change_what_is_known() -> None:
    assert fouten(rijen("2028-2029")[:-1]) == [("rijen", "volledig_schooljaar")]
    assert fouten(rijen("2029-2030")) == [("rijen", "aansluitend_schooljaar")], "2028-2029 is missing"
    gewijzigd = rijen("2027-2028")
    gewijzigd[-1] = {**gewijzigd[-1], "eind": "2028-09-10"}
    assert fouten(gewijzigd) == [("rijen[14]", "al_vastgesteld")]
    dubbel = rijen("2028-2029")
    dubbel.append(dict(dubbel[0]))
    assert fouten(dubbel) == [("rijen[15]", "dubbel")]
    buiten = rijen("2028-2029")
    buiten[0] = {**buiten[0], "begin": "2030-10-14", "eind": "2030-10-22"}
    assert fouten(buiten) == [("rijen[0].begin", "binnen_schooljaar")]
    overlap = rijen("2028-2029")
    overlap[3] = {**overlap[3], "begin": "2028-10-21", "eind": "2028-10-29"}  # kerst noord over herfst noord
    assert ("rijen[3]", "overlap") in fouten(overlap)


def test_two_school_years_at_once_in_any_order() -> None:
    rows = rijen("2029-2030") + rijen("2028-2029")
    nieuw = uitbreiding(load_schoolvakanties(), lees_schoolvakanties(rows))
    assert len(nieuw) == 30
    assert standaard_kalender().met_vakanties(nieuw).einde() == D(2030, 8, 18)
