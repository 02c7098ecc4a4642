"""The klok of the figures and the figures that need it (telling.domain.figures, .historie).

Hand-computed cases for every clock-driven figure (an open LRV report, unresolved absoluut verzuim, the
vsv startset and new vsv'ers) and for the new MAS and Doorstroompunt figures; then the two properties
the projection relies on: memberships change with the klok only on :func:`grenzen`, and a history built
while the klok moves on (waking persons by their ``wekker``) equals the history computed at the end.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.figures import (
    LEEG,
    Cell,
    Feiten,
    Membership,
    grenzen,
    leeftijd_op,
    lidmaatschappen,
    neem_op,
    waarden,
)
from telling.domain.historie import Dagen, stand, verwerk, wekker
from tl_scenario import AMS, RDAM, SCENARIO, SCHOOL, Stap, p, uid

from contracts.codes import (
    InterventieSoort,
    InterventieUitkomst,
    MasRoute,
    Melder,
    MeldingSoort,
    Plicht,
    RmcAanmeldBron,
    RmcRoute,
    SchoolType,
    SignaalBron,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    UrenEenheid,
    Vakantieregio,
    Vrijstellingsartikel,
)
from contracts.events import leerplicht, registratie, rmc
from contracts.events.base import Event

REGIO = "MC21"


def _feiten(*items: tuple[date, Event]) -> Feiten:
    f = LEEG
    for d, ev in items:
        f = neem_op(f, ev, REGIO, d)
    return f


def _waarde(f: Feiten, klok: date | None, indicator: str, periode: str, gebied: str = AMS) -> int:
    return waarden(lidmaatschappen(f, "x", klok)).get(Cell(indicator, gebied, periode), 0)


def _ingeschreven(d: date, school_type: SchoolType = SchoolType.VO, geboren: str = "2009-05",
                  brin: str = "12AB") -> registratie.LeerlingIngeschreven:
    return registratie.LeerlingIngeschreven(
        school=SCHOOL.model_copy(update={"brin": brin}), school_type=school_type, ingangsdatum=d,
        vakantieregio=Vakantieregio.NOORD, woongemeente=AMS, geboortejaar_maand=geboren)


def _uitgeschreven(d: date, reden: UitschrijvingsReden = UitschrijvingsReden.VOORTIJDIG_VERLATEN,
                   brin: str = "12AB") -> registratie.LeerlingUitgeschreven:
    return registratie.LeerlingUitgeschreven(
        school=SCHOOL.model_copy(update={"brin": brin}), uitschrijfdatum=d, reden=reden,
        met_startkwalificatie=False)


def _lrv(n: int, start: date, eind: date | None = None) -> registratie.MeldingGeregistreerd:
    return registratie.MeldingGeregistreerd(melding_id=uid(n), soort=MeldingSoort.LRV, melder=Melder.SCHOOL,
                                            school=SCHOOL, startdatum=start, einddatum=eind)


def _absoluut(sinds: date) -> registratie.AbsoluutVerzuimGesignaleerd:
    return registratie.AbsoluutVerzuimGesignaleerd(bron=SignaalBron.DUO, plicht=Plicht.LEERPLICHT, sinds=sinds,
                                                   woongemeente=AMS, geboortejaar_maand="2012-06")


# --------------------------------------------------------------------------- hand-computed


def test_an_open_lrv_report_counts_for_more_than_3_months_from_the_day_after_and_in_later_years() -> None:
    f = _feiten((date(2025, 8, 25), _ingeschreven(date(2025, 8, 25))),
                (date(2025, 9, 16), _lrv(1, date(2025, 9, 15))))
    # without a klok, as before: only its start year, not > 3 months
    assert _waarde(f, None, "lrv_langer_dan_3_maanden", "2025-2026") == 0
    # 15 Sept + 3 months = 15 Dec; "longer than" from 16 Dec (as an end date 16 Dec would count)
    assert _waarde(f, date(2025, 12, 15), "lrv_langer_dan_3_maanden", "2025-2026") == 0
    assert _waarde(f, date(2025, 12, 16), "lrv_langer_dan_3_maanden", "2025-2026") == 1
    # open into the next schooljaar: counted there from 1 August, and on its 1 September
    assert _waarde(f, date(2026, 7, 31), "lrv", "2026-2027") == 0
    assert _waarde(f, date(2026, 8, 1), "lrv", "2026-2027") == 1
    assert _waarde(f, date(2026, 8, 31), "lrv_op_1_september", "2026-2027") == 0
    assert _waarde(f, date(2026, 9, 1), "lrv_op_1_september", "2026-2027") == 1
    assert _waarde(f, date(2026, 9, 1), "thuiszitters", "2026-2027") == 1
    # started after 1 Sept 2025: not open on that 1 Sept, new in its year
    assert _waarde(f, date(2026, 9, 1), "lrv_op_1_september", "2025-2026") == 0
    assert _waarde(f, date(2026, 9, 1), "lrv_nieuw", "2025-2026") == 1
    # the end date, once known, wins over the klok
    g = neem_op(f, registratie.MeldingEinddatumVastgesteld(melding_id=uid(1), einddatum=date(2025, 11, 1)),
                REGIO, date(2025, 11, 1))
    assert _waarde(g, date(2026, 9, 1), "lrv_langer_dan_3_maanden", "2025-2026") == 0
    assert _waarde(g, date(2026, 9, 1), "lrv", "2026-2027") == 0


def test_unresolved_absoluut_verzuim_passes_3_months_with_the_klok_and_enrolment_stops_it() -> None:
    f = _feiten((date(2025, 9, 10), _absoluut(date(2025, 9, 1))))
    assert _waarde(f, date(2025, 12, 1), "absoluut_verzuim_langer_dan_3_maanden", "2025-2026") == 0
    assert _waarde(f, date(2025, 12, 2), "absoluut_verzuim_langer_dan_3_maanden", "2025-2026") == 1
    terug = neem_op(f, _ingeschreven(date(2025, 11, 20), geboren="2012-06"), REGIO, date(2025, 11, 20))
    assert _waarde(terug, date(2026, 6, 1), "absoluut_verzuim_langer_dan_3_maanden", "2025-2026") == 0


def test_vsv_startset_and_new_vsv_follow_the_two_1_octobers() -> None:
    # enrolled in vo since 2024; leaves without SK on 30 June 2026; not enrolled on 1 Oct 2026
    vsv = _feiten((date(2024, 8, 20), _ingeschreven(date(2024, 8, 20))),
                  (date(2026, 6, 30), _uitgeschreven(date(2026, 6, 30))))
    assert _waarde(vsv, date(2024, 9, 30), "vsv_startset", "2024-2025") == 0  # 1 Oct not passed
    assert _waarde(vsv, date(2024, 10, 1), "vsv_startset", "2024-2025") == 1
    assert _waarde(vsv, date(2026, 10, 1), "vsv_startset", "2025-2026") == 1
    assert _waarde(vsv, date(2026, 10, 1), "vsv_startset", "2026-2027") == 0
    assert _waarde(vsv, date(2026, 10, 1), "vsv_nieuw", "2024-2025") == 0  # still enrolled on 1 Oct 2025
    assert _waarde(vsv, date(2026, 9, 30), "vsv_nieuw", "2025-2026") == 0  # not known yet
    assert _waarde(vsv, date(2026, 10, 1), "vsv_nieuw", "2025-2026") == 1
    # the same with an SK (uitschrijving with diploma), with emigration, or with a new enrolment: no vsv
    diploma = registratie.StartkwalificatieBehaald(datum=date(2026, 6, 30), niveau=StartkwalificatieNiveau.HAVO)
    sk = neem_op(vsv, diploma, REGIO, date(2026, 6, 30))
    assert _waarde(sk, date(2026, 10, 1), "vsv_nieuw", "2025-2026") == 0
    weg = _feiten((date(2024, 8, 20), _ingeschreven(date(2024, 8, 20))),
                  (date(2026, 6, 30), _uitgeschreven(date(2026, 6, 30), UitschrijvingsReden.EMIGRATIE)))
    assert _waarde(weg, date(2026, 10, 1), "vsv_nieuw", "2025-2026") == 0
    mbo = neem_op(vsv, _ingeschreven(date(2026, 8, 28), SchoolType.MBO, brin="34CD"), REGIO, date(2026, 8, 28))
    assert _waarde(mbo, date(2026, 10, 1), "vsv_nieuw", "2025-2026") == 0
    assert _waarde(mbo, date(2026, 10, 1), "vsv_startset", "2026-2027") == 1
    # po pupils are not in the startset; 23 or older on 1 October neither
    po = _feiten((date(2024, 8, 20), _ingeschreven(date(2024, 8, 20), SchoolType.PO, geboren="2016-02")))
    assert _waarde(po, date(2026, 10, 1), "vsv_startset", "2025-2026") == 0
    oud = _feiten((date(2024, 8, 20), _ingeschreven(date(2024, 8, 20), SchoolType.MBO, geboren="2002-09")))
    assert _waarde(oud, date(2025, 10, 1), "vsv_startset", "2024-2025") == 1  # 22 on 1 Oct 2024
    assert _waarde(oud, date(2025, 10, 1), "vsv_startset", "2025-2026") == 0  # 23 on 1 Oct 2025


def _vrijstelling(n: int, van: date) -> registratie.VrijstellingGeregistreerd:
    return registratie.VrijstellingGeregistreerd(vrijstelling_id=uid(n), artikel=Vrijstellingsartikel.ARTIKEL_5A,
                                                 van=van, tot_en_met=None)


def test_an_open_ended_vrijstelling_counts_every_schooljaar_until_the_person_turns_18() -> None:
    f = _feiten((date(2025, 11, 3), _vrijstelling(1, date(2025, 11, 1))))
    assert _waarde(f, None, "vrijstellingen_5a", "2025-2026", REGIO) == 1
    assert _waarde(f, date(2026, 7, 31), "vrijstellingen_5a", "2026-2027", REGIO) == 0
    assert _waarde(f, date(2026, 8, 1), "vrijstellingen_5a", "2026-2027", REGIO) == 1
    assert _waarde(f, date(2026, 8, 1), "leerrecht_telling", "2026-2027", REGIO) == 1
    # without a birth month at most 13 schooljaren (5 to 18)
    assert _waarde(f, date(2040, 1, 1), "vrijstellingen_5a", "2037-2038", REGIO) == 1
    assert _waarde(f, date(2040, 1, 1), "vrijstellingen_5a", "2038-2039", REGIO) == 0
    # born March 2008: 18 in March 2026, so 2025-2026 is the last schooljaar
    oud = neem_op(f, _ingeschreven(date(2025, 8, 20), SchoolType.VSO, geboren="2008-03"), REGIO, date(2025, 8, 20))
    assert _waarde(oud, date(2026, 9, 1), "vrijstellingen_5a", "2025-2026") == 1
    assert _waarde(oud, date(2026, 9, 1), "vrijstellingen_5a", "2026-2027") == 0


def test_age_from_birth_year_and_month() -> None:
    assert leeftijd_op("2002-10", date(2025, 10, 1)) == 23  # the birthday counts from the 1st
    assert leeftijd_op("2002-11", date(2025, 10, 1)) == 22


def test_time_from_report_to_route_and_halt_recidive() -> None:
    melding = registratie.MeldingGeregistreerd(
        melding_id=uid(1), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2025, 9, 1), einddatum=date(2025, 9, 26), uren=Decimal(16), eenheid=UrenEenheid.LESUUR)
    f = _feiten(
        (date(2025, 8, 25), _ingeschreven(date(2025, 8, 25))),
        (date(2025, 9, 29), melding),
        (date(2025, 10, 2), leerplicht.MeldingInBehandeling(melding_id=uid(1), dossier_id=uid(50),
                                                            datum=date(2025, 10, 2), nieuw_dossier=True)),
        (date(2025, 11, 10), leerplicht.RouteGekozen(dossier_id=uid(50), routes=[MasRoute.HALT],
                                                     datum=date(2025, 11, 10))),
        (date(2026, 1, 5), leerplicht.RouteGekozen(dossier_id=uid(50), routes=[MasRoute.STRAFRECHT],
                                                   datum=date(2026, 1, 5))),
        (date(2025, 11, 20), leerplicht.InterventieUitgevoerd(
            dossier_id=uid(50), interventie_id=uid(51), soort=InterventieSoort.HALT_VERWIJZING,
            datum=date(2025, 11, 20), uitkomst=InterventieUitkomst.HALT_POSITIEF)),
    )
    leden = waarden(lidmaatschappen(f, "x"))
    # 29 Sept → 10 Nov: 42 days, the first route counts (4 to 12 weeks), once per dossier
    assert leden[Cell("mas_tijd_tot_route_4_tot_12_weken", "NL", "2025-2026")] == 1
    assert Cell("mas_tijd_tot_route_binnen_4_weken", "NL", "2025-2026") not in leden
    assert Cell("mas_tijd_tot_route_langer_dan_12_weken", "NL", "2025-2026") not in leden
    assert Cell("halt_recidive", AMS, "2025-2026") not in leden
    # a new 16-uur report starting within 12 months after the Halt referral: recidive
    opnieuw = registratie.MeldingGeregistreerd(
        melding_id=uid(2), soort=MeldingSoort.LUXE, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2026, 5, 11), einddatum=date(2026, 5, 15))
    g = neem_op(f, opnieuw, REGIO, date(2026, 5, 15))
    assert waarden(lidmaatschappen(g, "x"))[Cell("halt_recidive", AMS, "2025-2026")] == 1
    te_laat = opnieuw.model_copy(update={"startdatum": date(2026, 11, 23), "einddatum": date(2026, 11, 27)})
    assert Cell("halt_recidive", AMS, "2025-2026") not in waarden(
        lidmaatschappen(neem_op(f, te_laat, REGIO, date(2026, 11, 27)), "x"))


def test_time_to_placement_per_doorstroompunt_dossier() -> None:
    aangemeld = rmc.JongereAangemeld(dossier_id=uid(70), bron=RmcAanmeldBron.POTENTIEEL_VSV,
                                     datum=date(2025, 10, 15), woongemeente=AMS, geboortejaar_maand="2007-04")
    for start, bucket in ((date(2026, 1, 15), "binnen_3_maanden"), (date(2026, 1, 16), "3_tot_6_maanden"),
                          (date(2026, 4, 16), "langer_dan_6_maanden")):
        f = _feiten((date(2025, 10, 15), aangemeld),
                    (start, rmc.JongereGeplaatst(dossier_id=uid(70), bestemming=RmcRoute.WERK, startdatum=start)))
        leden = waarden(lidmaatschappen(f, "x"))
        assert leden[Cell(f"doorstroompunt_geplaatst_{bucket}", AMS, "2025-2026")] == 1, start
        buckets = {c.indicator for c in leden if c.gebied == AMS and c.indicator.endswith("_maanden")}
        assert buckets == {f"doorstroompunt_geplaatst_{bucket}"}, start


# --------------------------------------------------------------------------- properties


def _extra_personen() -> list[Stap]:
    """Persons whose figures move with the klok, next to the scenario's."""
    rows: list[tuple[int, date, Event]] = [
        (31, date(2024, 8, 20), _ingeschreven(date(2024, 8, 20))),
        (31, date(2026, 6, 30), _uitgeschreven(date(2026, 6, 30))),
        (32, date(2025, 8, 25), _ingeschreven(date(2025, 8, 25), SchoolType.MBO, geboren="2004-01")),
        (32, date(2025, 9, 16), _lrv(3201, date(2025, 9, 15))),
        (33, date(2025, 9, 10), _absoluut(date(2025, 9, 1))),
        (33, date(2026, 3, 2), _absoluut(date(2025, 9, 1))),
        (34, date(2025, 11, 3), _lrv(3401, date(2025, 10, 27))),
        (34, date(2026, 2, 2), registratie.MeldingEinddatumVastgesteld(melding_id=uid(3401),
                                                                       einddatum=date(2026, 1, 30))),
        (35, date(2025, 10, 6), _vrijstelling(3501, date(2025, 10, 1))),
    ]
    return [Stap(p(n), REGIO, d, ev, UUID(int=0x0199_0000_0000_7000_8000_0000_0001_0000 + i))
            for i, (n, d, ev) in enumerate(rows)]


ALLE = [*SCENARIO, *_extra_personen()]


def _per_persoon() -> dict[str, Feiten]:
    out: dict[str, Feiten] = {}
    for s in ALLE:
        out[s.subject] = neem_op(out.get(s.subject, LEEG), s.event, s.region, s.datum)
    return out


def test_memberships_change_with_the_klok_only_on_the_named_boundaries() -> None:
    for persoon, f in _per_persoon().items():
        begin = date(2024, 8, 1)
        vorige = lidmaatschappen(f, persoon, begin)
        namen = set(grenzen(f, begin, date(2029, 12, 31)))
        d = begin
        while d < date(2029, 12, 31):
            d += timedelta(days=1)
            nu = lidmaatschappen(f, persoon, d)
            if nu != vorige:
                assert d in namen, (persoon, d, nu ^ vorige)
            vorige = nu


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1200), st.integers(0, 6), st.integers(0, 400)), min_size=1, max_size=6))
def test_boundaries_are_complete_for_random_facts(items: list[tuple[int, int, int]]) -> None:
    """Random open/closed LRV reports, absoluut signals, enrolments and un-enrolments."""
    begin = date(2024, 8, 1)
    f = LEEG
    for n, (dag, soort, duur) in enumerate(items):
        d = begin + timedelta(days=dag)
        ev: Event
        if soort == 0:
            ev = _lrv(900 + n, d)
        elif soort == 1:
            ev = _lrv(900 + n, d, d + timedelta(days=duur))
        elif soort == 2:
            ev = _absoluut(d)
        elif soort == 3:
            ev = _ingeschreven(d, SchoolType.MBO, geboren="2008-10")
        elif soort == 4:
            ev = _uitgeschreven(d)
        elif soort == 5:
            ev = registratie.StartkwalificatieBehaald(datum=d, niveau=StartkwalificatieNiveau.MBO_2)
        else:
            ev = _vrijstelling(900 + n, d)
        f = neem_op(f, ev, REGIO, d)
    namen = set(grenzen(f, begin, date(2029, 12, 31)))
    vorige = lidmaatschappen(f, "x", begin)
    d = begin
    while d < date(2029, 12, 31):
        d += timedelta(days=7) if d.day not in (1, 2) and d.month not in (8, 9, 10) else timedelta(days=1)
        nu = lidmaatschappen(f, "x", d)
        if nu != vorige:
            # the change happened on a boundary between the previous probe and d
            assert any(t <= d for t in namen if t > d - timedelta(days=7)), (d, nu ^ vorige)
        vorige = nu


def _speel(stappen: list[Stap], batch: int, wekkers_per_batch: int = 1_000_000,
          ) -> tuple[dict[str, Dagen], dict[tuple[Cell, date], int], set[Membership], date | None]:
    """The projection without a database: batches, the klok from the latest registratiedag, each
    person computed at a klok of its own, at most ``wekkers_per_batch`` woken persons per batch (the
    earliest wekker first) and the rest brought up to date at the end (``inhalen``)."""
    dagen: dict[str, Dagen] = {}
    wekkers: dict[str, date | None] = {}
    kloks: dict[str, date | None] = {}
    leden: set[Membership] = set()
    historie: dict[tuple[Cell, date], int] = defaultdict(int)
    klok: date | None = None

    def verwerk_batch(per: dict[str, list[Stap]]) -> None:
        nonlocal leden
        achter = sorted((w, q) for q, w in wekkers.items() if w is not None and klok is not None and w <= klok)
        wakker = {q for _, q in achter[:wekkers_per_batch]}
        for persoon in sorted(per.keys() | wakker):
            voor = dagen.get(persoon, {})
            na = dict(voor)
            for s in per.get(persoon, []):
                dag = s.geregistreerd.date()
                na[dag] = neem_op(na.get(dag, LEEG), s.event, s.region, s.datum)
            klok_oud = kloks.get(persoon)
            if na == voor and klok == klok_oud:
                continue
            v = verwerk(voor, na, persoon, klok_oud, klok)
            leden = (leden - v.eraf) | v.erbij
            for k, n in v.mutaties.items():
                historie[k] += n
            dagen[persoon], kloks[persoon], wekkers[persoon] = na, klok, wekker(na, klok)

    for i in range(0, len(stappen), batch):
        deel = stappen[i:i + batch]
        laatste = max(s.geregistreerd.date() for s in deel) - timedelta(days=1)
        klok = max(klok, laatste) if klok is not None else laatste
        per: dict[str, list[Stap]] = defaultdict(list)
        for s in deel:
            per[s.subject].append(s)
        verwerk_batch(per)
    while any(w is not None and klok is not None and w <= klok for w in wekkers.values()):
        verwerk_batch({})
    return dagen, {k: v for k, v in historie.items() if v}, leden, klok


def test_history_with_a_moving_klok_equals_the_history_computed_at_the_end() -> None:
    geordend = sorted(ALLE, key=lambda s: s.geregistreerd)
    # end with a late event so the klok passes 1 Oct 2026 (startset, new vsv'ers, open reports)
    slot = Stap(p(99), REGIO, date(2026, 10, 5), _ingeschreven(date(2026, 10, 5), SchoolType.PO, "2019-01"),
                uid(77_777))
    geordend.append(slot)
    dagen, historie, leden, klok = _speel(geordend, batch=1)
    assert klok == date(2026, 10, 4)
    # at once: every person's whole history at the final klok
    ineens: dict[tuple[Cell, date], int] = defaultdict(int)
    alle_leden: set[Membership] = set()
    for persoon, d in dagen.items():
        v = verwerk({}, d, persoon, None, klok)
        alle_leden |= v.erbij
        for k, n in v.mutaties.items():
            ineens[k] += n
    assert leden == alle_leden
    assert historie == {k: v for k, v in ineens.items() if v}
    cijfers = waarden(leden)
    assert cijfers[Cell("lrv_langer_dan_3_maanden", "NL", "2025-2026")] >= 1
    assert cijfers[Cell("vsv_nieuw", AMS, "2025-2026")] == 1
    # the change is recorded on the day it happened (person 32: 16 Dec 2025), not on a later batch's day
    lang = Cell("lrv_langer_dan_3_maanden", REGIO, "2025-2026")
    assert sum(n for (c, dag), n in historie.items() if c == lang and dag < date(2025, 12, 16)) == \
        sum(n for (c, dag), n in historie.items() if c == lang and dag <= date(2025, 12, 15))
    assert historie.get((lang, date(2025, 12, 16)), 0) == 1
    # any batch size and arrival order gives the same figures and history
    rnd = random.Random(11)
    for batch, per_batch in ((3, 1_000_000), (17, 1_000_000), (5, 1), (40, 2)):
        volgorde = geordend[:-1]
        rnd.shuffle(volgorde)
        _, h2, l2, k2 = _speel([*volgorde, slot], batch, per_batch)  # woken a few at a time, then caught up
        assert k2 == klok and l2 == leden and h2 == historie


# ---- issue 12.7: an LRV counts "at 1 Sept" only when its threshold was reached before then -------


def _lrv_bereikt(n: int, vanaf: date, bereikt_op: date) -> registratie.MeldplichtBereikt:
    return registratie.MeldplichtBereikt(
        meldplicht_id=uid(100 + n), soort=MeldingSoort.LRV, school=SCHOOL, vanaf=vanaf, bereikt_op=bereikt_op,
        uren=Decimal(80), eenheid=UrenEenheid.LESUUR, uiterlijk_melden_op=bereikt_op + timedelta(days=7),
        regel_versie="lrv.v1")


def test_an_lrv_absent_from_1_september_that_became_lrv_on_29_september_is_new() -> None:
    """domain.md C, Decision: "new" when the LRV threshold was reached during the schooljaar, even when
    the first day of absence is 1 September itself."""
    f = _feiten((date(2025, 8, 25), _ingeschreven(date(2025, 8, 25))),
                (date(2025, 9, 29), _lrv_bereikt(1, date(2025, 9, 1), date(2025, 9, 29))),
                (date(2025, 9, 30), _lrv(1, date(2025, 9, 1))))
    assert _waarde(f, date(2025, 10, 1), "lrv_op_1_september", "2025-2026") == 0
    assert _waarde(f, date(2025, 10, 1), "lrv_nieuw", "2025-2026") == 1
    assert _waarde(f, date(2025, 10, 1), "lrv", "2025-2026") == 1
    # without the rule's own event the filing day stands in for the threshold (a report follows it)
    g = _feiten((date(2025, 8, 25), _ingeschreven(date(2025, 8, 25))), (date(2025, 9, 30), _lrv(1, date(2025, 9, 1))))
    assert _waarde(g, date(2025, 10, 1), "lrv_op_1_september", "2025-2026") == 0
    assert _waarde(g, date(2025, 10, 1), "lrv_nieuw", "2025-2026") == 1


def test_an_lrv_reached_before_the_summer_and_still_open_counts_at_1_september_not_as_new() -> None:
    f = _feiten((date(2024, 8, 26), _ingeschreven(date(2024, 8, 26))),
                (date(2025, 6, 30), _lrv_bereikt(1, date(2025, 5, 26), date(2025, 6, 30))),
                (date(2025, 7, 1), _lrv(1, date(2025, 5, 26))))
    assert _waarde(f, date(2025, 10, 1), "lrv_op_1_september", "2025-2026") == 1
    assert _waarde(f, date(2025, 10, 1), "lrv_nieuw", "2025-2026") == 0
    assert _waarde(f, date(2025, 10, 1), "lrv_nieuw", "2024-2025") == 1


def test_an_lrv_whose_absence_began_before_the_summer_counts_only_from_its_threshold_year() -> None:
    """Absent from 7 July, the summer holiday skipped: LRV on 29 September. Not an LRV of the year
    before (it was not one then), new in the year it became one."""
    f = _feiten((date(2024, 8, 26), _ingeschreven(date(2024, 8, 26))),
                (date(2025, 9, 29), _lrv_bereikt(1, date(2025, 7, 7), date(2025, 9, 29))),
                (date(2025, 9, 30), _lrv(1, date(2025, 7, 7))))
    assert _waarde(f, date(2025, 10, 1), "lrv", "2024-2025") == 0
    assert _waarde(f, date(2025, 10, 1), "thuiszitters", "2024-2025") == 0
    assert _waarde(f, date(2025, 10, 1), "lrv", "2025-2026") == 1
    assert _waarde(f, date(2025, 10, 1), "lrv_nieuw", "2025-2026") == 1
    assert _waarde(f, date(2025, 10, 1), "lrv_op_1_september", "2025-2026") == 0


def test_a_corrected_school_type_replaces_the_enrolment_from_the_day_it_was_recorded() -> None:
    """registratie publishes an enrolment again when the school corrects its details (same school, same
    ingangsdatum): a vso enrolment corrected to so leaves the vsv startset from the correction's day on,
    and stays in it as of the days before. Found in the thirteenth session: both enrolments were kept,
    so the pupil counted as enrolled at both types. Whatever order the two arrive in, on whichever days."""
    recorded = datetime(2024, 9, 2, 10, tzinfo=UTC)
    vso = (_ingeschreven(date(2024, 8, 20), SchoolType.VSO), recorded)
    so = (_ingeschreven(date(2024, 8, 20), SchoolType.SO), recorded + timedelta(days=20))  # recorded 22 Sept

    def dagen(*items: tuple[registratie.LeerlingIngeschreven, datetime]) -> Dagen:
        out: Dagen = {}
        for ev, t in items:
            out[t.date()] = neem_op(out.get(t.date(), LEEG), ev, REGIO, date(2024, 8, 20), vastgelegd=t)
        return out

    for volgorde in ((vso, so), (so, vso)):
        per_dag = dagen(*volgorde)
        assert _waarde(stand(per_dag), date(2024, 10, 1), "vsv_startset", "2024-2025") == 0
        assert _waarde(stand(per_dag, date(2024, 9, 21)), date(2024, 10, 1), "vsv_startset", "2024-2025") == 1
        # recorded on one day, in either order: the later recorded one holds
        zelfde_dag = _feiten_vastgelegd(*volgorde)
        assert _waarde(zelfde_dag, date(2024, 10, 1), "vsv_startset", "2024-2025") == 0
    # and corrected back to vso later: counted again; a replay changes nothing
    terug = (_ingeschreven(date(2024, 8, 20), SchoolType.VSO), recorded + timedelta(days=25))
    for volgorde in ((vso, so, terug), (terug, vso, so), (so, terug, vso, terug)):
        f = _feiten_vastgelegd(*volgorde)
        assert _waarde(f, date(2024, 10, 1), "vsv_startset", "2024-2025") == 1
        assert len(f.schoolinschrijvingen) == 1


def _feiten_vastgelegd(*items: tuple[registratie.LeerlingIngeschreven, datetime]) -> Feiten:
    f = LEEG
    for ev, t in items:
        f = neem_op(f, ev, REGIO, ev.ingangsdatum, vastgelegd=t)
    return f


def test_an_enrolment_published_again_after_a_move_tells_where_the_pupil_lives_now_not_then() -> None:
    """A school's start-of-year file sends every enrolment again with the new class, and registratie
    publishes a changed one again with the pupil's woongemeente as it knows it *now*. For a pupil who moved
    since the enrolment began, that is not where they lived on its ingangsdatum: the enrolment's
    observation of the woongemeente is dated the day it was decided, so the months before the move keep
    the old municipality (here the vsv startset of 1 October 2023)."""
    eerst = registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=date(2023, 8, 21), klas="1B",
        vakantieregio=Vakantieregio.NOORD, woongemeente=AMS, geboortejaar_maand="2010-05")
    verhuisd = registratie.Verhuisd(verhuisdatum=date(2024, 3, 1), oude_gemeente=AMS, nieuwe_gemeente=RDAM,
                                    oude_regio=REGIO, nieuwe_regio="MC29")
    opnieuw = eerst.model_copy(update={"klas": "2B", "woongemeente": RDAM})
    stappen = [(eerst, REGIO, date(2023, 8, 21)), (verhuisd, REGIO, date(2024, 3, 1)),
               (verhuisd, "MC29", date(2024, 3, 1)), (opnieuw, "MC29", date(2024, 9, 2))]
    for volgorde in (stappen, stappen[::-1]):
        f = LEEG
        for ev, regio, dag in volgorde:
            f = neem_op(f, ev, regio, dag)
        assert _waarde(f, date(2024, 10, 1), "vsv_startset", "2023-2024", AMS) == 1
        assert _waarde(f, date(2024, 10, 1), "vsv_startset", "2023-2024", RDAM) == 0
        assert _waarde(f, date(2024, 10, 1), "vsv_startset", "2024-2025", RDAM) == 1
        assert _waarde(f, date(2024, 10, 1), "vsv_startset", "2024-2025", AMS) == 0
