"""A registration is a fact per day (domain.md A2, "what a registration is"): the pure intake decision.

`afwezigheid_registreren` decides one registration against the pupil's day as it stands: refused on a
day without school, a duplicate (nothing published), a correction (``AfwezigheidGecorrigeerd``) or a
new absence, with all codes of the day together at most one school day.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registratie.domain import Absence, Decision, Enrolment, PupilFacts, Recoding, evaluate
from registratie.domain.intake import (
    MAX_UREN_PER_SCHOOLDAG,
    Afgewezen,
    AfwezigheidStand,
    AlIngeschreven,
    Besluit,
    Duplicaat,
    Inschrijving,
    Leerling,
    afwezigheid_hercoderen,
    afwezigheid_registreren,
    dag_na,
    geldende_geboortedatum,
    inschrijven,
    na_inschrijving,
)
from registratie.domain.kalender import snelle_kalender

from contracts.codes import AfwezigheidCode, SchoolType, Vakantieregio
from contracts.events.registratie import AfwezigheidGecorrigeerd, AfwezigheidGeregistreerd

D = date
SCHOOL, ANDERE = "00AP00", "00AV00"
START = D(2025, 8, 25)
TODAY = D(2026, 5, 29)
GEBOORTEDATUM = D(2012, 3, 15)
C = AfwezigheidCode


def leerling(*scholen: str) -> Leerling:
    return Leerling("p-test", "GM0637", "MC28", tuple(
        Inschrijving(s, SchoolType.PO, Vakantieregio.MIDDEN, START, None) for s in scholen or (SCHOOL,)))


_ids = (UUID(int=i) for i in itertools.count(1))


def registreer(datum: date, uren: str | Decimal, code: C = C.ONGEOORLOOFD, *, dag: Sequence[AfwezigheidStand] = (),
               school: str = SCHOOL, wie: Leerling | None = None) -> Besluit | Duplicaat:
    return afwezigheid_registreren(
        wie or leerling(SCHOOL, ANDERE), afwezigheid_id=next(_ids), school=school, datum=datum, uren=Decimal(uren),
        code=code, vandaag=TODAY, kalender=snelle_kalender(), dag=dag,
    )


def stand(datum: date, uren: str, code: C = C.ONGEOORLOOFD, *, school: str = SCHOOL,
          eerder: tuple[tuple[C, Decimal], ...] = ()) -> AfwezigheidStand:
    return AfwezigheidStand(next(_ids), "p-test", "MC28", school, datum, code, Decimal(uren), eerder)


def geweigerd(datum: date, uren: str = "4", **kw: object) -> Afgewezen:
    with pytest.raises(Afgewezen) as exc:
        registreer(datum, uren, **kw)  # type: ignore[arg-type]
    return exc.value


@pytest.mark.parametrize(("datum", "waarom"), [
    (D(2025, 11, 22), "weekend"),                    # Saturday
    (D(2025, 11, 23), "weekend"),                    # Sunday
    (D(2025, 10, 20), "herfstvakantie"),             # midden: 18–26 October 2025
    (D(2026, 2, 16), "voorjaarsvakantie"),
    (D(2026, 4, 3), "Goede Vrijdag"),                # Atw art. 3 lid 2
    (D(2026, 4, 6), "Tweede Paasdag"),
    (D(2026, 5, 14), "Hemelvaartsdag"),
    (D(2026, 5, 25), "Tweede Pinksterdag"),
])
def test_a_day_without_school_is_refused_naming_the_field_and_the_rule(datum: date, waarom: str) -> None:
    fout = geweigerd(datum)
    assert (fout.veld, fout.regel) == ("datum", "alleen_schooldagen")
    assert waarom in fout.melding and datum.isoformat() not in fout.melding


def test_a_school_day_is_accepted_and_a_date_outside_the_calendar_is_refused() -> None:
    b = registreer(D(2026, 4, 2), "4")  # the Thursday before Goede Vrijdag
    assert isinstance(b, Besluit) and isinstance(b.events[0], AfwezigheidGeregistreerd)
    wie = Leerling("p-test", "GM0637", "MC28", (Inschrijving(SCHOOL, SchoolType.PO, Vakantieregio.MIDDEN,
                                                             D(2019, 8, 1), None),))
    with pytest.raises(Afgewezen) as exc:
        afwezigheid_registreren(wie, afwezigheid_id=next(_ids), school=SCHOOL, datum=D(2019, 9, 2),
                                uren=Decimal(2), code=C.ZIEK, vandaag=TODAY, kalender=snelle_kalender())
    assert (exc.value.veld, exc.value.regel) == ("datum", "binnen_schoolkalender")


def test_the_same_code_and_hours_again_is_a_duplicate_of_the_absence_that_holds_it() -> None:
    er = stand(D(2026, 3, 9), "3")
    assert registreer(D(2026, 3, 9), "3.00", dag=[er]) == Duplicaat(er.afwezigheid_id)
    # another school's absence on that day is not this school's fact
    assert isinstance(registreer(D(2026, 3, 9), "3", dag=[stand(D(2026, 3, 9), "3", school=ANDERE)]), Besluit)


def test_the_same_code_with_other_hours_is_a_correction_event() -> None:
    er = stand(D(2026, 3, 9), "3")
    b = registreer(D(2026, 3, 9), "5", dag=[er, stand(D(2026, 3, 9), "1", C.ZIEK)])
    assert isinstance(b, Besluit)
    [e] = b.events
    assert isinstance(e, AfwezigheidGecorrigeerd)
    assert (e.afwezigheid_id, e.datum, e.oude_code, e.nieuwe_code, e.oude_uren, e.nieuwe_uren) == (
        er.afwezigheid_id, D(2026, 3, 9), C.ONGEOORLOOFD, C.ONGEOORLOOFD, Decimal(3), Decimal(5))
    na = dag_na([er], b, SCHOOL)
    assert [(a.afwezigheid_id, a.uren, a.eerder) for a in na] == [
        (er.afwezigheid_id, Decimal(5), ((C.ONGEOORLOOFD, Decimal(3)),))]


def test_all_codes_of_the_pupil_on_one_day_stay_within_one_school_day() -> None:
    assert MAX_UREN_PER_SCHOOLDAG == 10
    fout = geweigerd(D(2026, 3, 9), "16")
    assert (fout.veld, fout.regel) == ("uren", "maximaal_een_schooldag")
    dag = [stand(D(2026, 3, 9), "6", C.ZIEK), stand(D(2026, 3, 9), "2", C.TE_LAAT, school=ANDERE)]
    assert isinstance(registreer(D(2026, 3, 9), "2", dag=dag), Besluit)  # exactly 10
    assert geweigerd(D(2026, 3, 9), "2.25", dag=dag).regel == "maximaal_een_schooldag"
    # a correction is measured against the day without the hours it replaces
    assert isinstance(registreer(D(2026, 3, 9), "8", C.ZIEK, dag=dag), Besluit)
    assert geweigerd(D(2026, 3, 9), "8.5", code=C.ZIEK, dag=dag).regel == "maximaal_een_schooldag"


def test_two_absences_under_one_code_are_corrected_together_or_refused_as_ambiguous() -> None:
    """A recoding can put a second absence under a code already held that day."""
    eerste, tweede = stand(D(2026, 3, 9), "2", C.ZIEK), stand(D(2026, 3, 9), "3", C.ZIEK)
    assert isinstance(registreer(D(2026, 3, 9), "5", C.ZIEK, dag=[eerste, tweede]), Duplicaat)
    b = registreer(D(2026, 3, 9), "6", C.ZIEK, dag=[eerste, tweede])
    assert isinstance(b, Besluit)
    [e] = b.events
    assert isinstance(e, AfwezigheidGecorrigeerd) and (e.afwezigheid_id, e.nieuwe_uren) == (tweede.afwezigheid_id, 4)
    assert geweigerd(D(2026, 3, 9), "2", code=C.ZIEK, dag=[eerste, tweede]).regel == "eenduidige_correctie"


def test_what_a_recoded_absence_held_before_is_a_duplicate_while_no_absence_holds_that_code() -> None:
    her = stand(D(2026, 3, 9), "3", C.ZIEK, eerder=((C.ONBEKEND, Decimal(3)),))
    assert registreer(D(2026, 3, 9), "3", C.ONBEKEND, dag=[her]) == Duplicaat(her.afwezigheid_id)
    assert isinstance(registreer(D(2026, 3, 9), "2", C.ONBEKEND, dag=[her]), Besluit), "other hours: a new fact"


def test_a_recoding_keeps_the_day_within_one_school_day() -> None:
    her = stand(D(2026, 3, 9), "3", C.ONBEKEND)
    with pytest.raises(Afgewezen) as exc:
        afwezigheid_hercoderen(her, school=SCHOOL, nieuwe_code=C.ZIEK, nieuwe_uren=Decimal(5), dagtotaal=Decimal(9))
    assert (exc.value.veld, exc.value.regel) == ("nieuwe_uren", "maximaal_een_schooldag")
    b = afwezigheid_hercoderen(her, school=SCHOOL, nieuwe_code=C.ZIEK, nieuwe_uren=Decimal(4), dagtotaal=Decimal(9))
    assert isinstance(b.events[0], AfwezigheidGecorrigeerd)


# ------------------------------------------------------------------------------------------------
# Properties: a submission is folded through the intake decision into the pupil's state, and the
# legal rules are evaluated on the events it published (as registratie.state does).
# ------------------------------------------------------------------------------------------------

SPAN_START = D(2026, 1, 5)
SPAN_DAYS = 120  # over the voorjaarsvakantie, Goede Vrijdag, Pasen, Koningsdag, the meivakantie
PUPIL = PupilFacts("p-test", GEBOORTEDATUM, enrolments=(Enrolment(SCHOOL, SchoolType.PO, Vakantieregio.MIDDEN,
                                                                   START),))
Feit = tuple[date, AfwezigheidCode, Decimal]

dagen = st.integers(min_value=0, max_value=SPAN_DAYS).map(lambda i: SPAN_START + timedelta(days=i))
uren = st.decimals(min_value=Decimal("0.25"), max_value=Decimal(10), places=2)
feiten = st.lists(st.tuples(dagen, st.sampled_from(list(AfwezigheidCode)), uren), max_size=30)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Registratie:
    """The pupil's absences as registratie holds them, and the events it published."""

    def __init__(self) -> None:
        self.dagen: dict[date, list[AfwezigheidStand]] = {}
        self.events: list[AfwezigheidGeregistreerd | AfwezigheidGecorrigeerd] = []

    def inzenden(self, rijen: Sequence[Feit]) -> int:
        """One submission (a file); returns how many events it published."""
        voor = len(self.events)
        wie = leerling()
        for datum, code, u in rijen:
            dag = self.dagen.get(datum, [])
            try:
                # a new absence per day and code at most, so its id can follow from them (the same
                # absence gets the same id whatever else was submitted)
                b = afwezigheid_registreren(wie, afwezigheid_id=uuid5(NAMESPACE_URL, f"{datum}/{code}"),
                                            school=SCHOOL, datum=datum,
                                            uren=u, code=code, vandaag=TODAY, kalender=snelle_kalender(), dag=dag)
            except Afgewezen:
                continue
            if isinstance(b, Besluit):
                self.dagen[datum] = dag_na(dag, b, SCHOOL)
                self.events.extend(b.events)  # type: ignore[arg-type]
        return len(self.events) - voor

    def besluiten(self) -> list[Decision]:
        absences = [Absence(str(e.afwezigheid_id), e.datum, e.uren, e.code, SCHOOL, TODAY)
                    for e in self.events if isinstance(e, AfwezigheidGeregistreerd)]
        recodings = [Recoding(str(e.afwezigheid_id), e.nieuwe_code, TODAY, e.nieuwe_uren)
                     for e in self.events if isinstance(e, AfwezigheidGecorrigeerd)]
        return evaluate(PUPIL, absences, recodings, (), (), TODAY)

    def als_bestand(self) -> list[Feit]:
        return [(a.datum, a.code, a.uren) for dag in self.dagen.values() for a in dag]


def schooldag(d: date) -> bool:
    return snelle_kalender().is_schooldag(d, "midden")


@SETTINGS
@given(feiten)
def test_hours_on_days_without_school_never_count(rijen: list[Feit]) -> None:
    alles, alleen_schooldagen = Registratie(), Registratie()
    alles.inzenden(rijen)
    alleen_schooldagen.inzenden([r for r in rijen if schooldag(r[0])])
    assert all(schooldag(d) for d in alles.dagen)
    assert alles.besluiten() == alleen_schooldagen.besluiten()


@SETTINGS
@given(feiten)
def test_a_day_never_holds_more_than_one_school_day(rijen: list[Feit]) -> None:
    r = Registratie()
    r.inzenden(rijen)
    assert all(sum(a.uren for a in dag) <= MAX_UREN_PER_SCHOOLDAG for dag in r.dagen.values())


@SETTINGS
@given(feiten, st.randoms(use_true_random=False))
def test_submitting_the_same_facts_again_changes_nothing(rijen: list[Feit], rnd: object) -> None:
    r = Registratie()
    r.inzenden(rijen)
    besluiten = r.besluiten()
    # the same file again, under any key
    bestand = list({(d, c): (d, c, u) for d, c, u in rijen}.values())  # one row per day and code
    eenmaal = Registratie()
    eenmaal.inzenden(bestand)
    eenmaal_besluiten = eenmaal.besluiten()
    assert eenmaal.inzenden(bestand) == 0
    assert eenmaal.besluiten() == eenmaal_besluiten
    # the facts as they stand, stated again in any order
    feiten_nu = r.als_bestand()
    rnd.shuffle(feiten_nu)  # type: ignore[attr-defined]
    assert r.inzenden(feiten_nu) == 0
    assert r.besluiten() == besluiten


def _inschrijving(wie: Leerling | None, school: str, ingang: date, woongemeente: str = "GM0637", *,
                 klas: str | None = "7B", isk: bool | None = False, geboortedatum: date = GEBOORTEDATUM,
                 vestiging_isk: bool = False) -> Besluit:
    besluit = _inschrijven(wie, school, ingang, woongemeente, klas=klas, isk=isk, geboortedatum=geboortedatum,
                           vestiging_isk=vestiging_isk)
    assert isinstance(besluit, Besluit)
    return besluit


def _inschrijven(wie: Leerling | None, school: str, ingang: date, woongemeente: str = "GM0637", *,
                 klas: str | None = "7B", isk: bool | None = False, geboortedatum: date = GEBOORTEDATUM,
                 vestiging_isk: bool = False) -> Besluit | AlIngeschreven:
    return inschrijven(pseudoniem="p-test", regio="MC28", woongemeente=woongemeente, geboortedatum=geboortedatum,
                       school=school, school_type=SchoolType.PO, vakantieregio=Vakantieregio.MIDDEN,
                       ingangsdatum=ingang, klas=klas, isk=isk, vandaag=TODAY, bekend=wie,
                       vestiging_isk=vestiging_isk)


def test_a_batchs_next_row_of_a_pupil_is_decided_against_what_the_first_left() -> None:
    """An unknown pupil's first row makes its woongemeente the known one, as a single enrolment would,
    so a second row with another is refused (a move is DUO's fact); the same enrolment twice stays one."""
    na = na_inschrijving(None, _inschrijving(None, SCHOOL, START))
    assert (na.pseudoniem, na.woongemeente, na.regio, na.geboortejaar_maand) == ("p-test", "GM0637", "MC28", "2012-03")
    assert [(i.school, i.ingangsdatum, i.einddatum, i.klas) for i in na.inschrijvingen] == [(SCHOOL, START, None, "7B")]
    with pytest.raises(Afgewezen) as exc:
        _inschrijving(na, ANDERE, START, woongemeente="GM0363")
    assert (exc.value.veld, exc.value.regel) == ("woongemeente", "gelijk_aan_registratie")
    assert _inschrijven(na, SCHOOL, START) == AlIngeschreven("p-test")
    later = na_inschrijving(na, _inschrijving(na, ANDERE, D(2025, 9, 1)))
    assert [i.school for i in later.inschrijvingen] == [SCHOOL, ANDERE]
    assert later.ingeschreven_op(D(2025, 9, 2)) and later.inschrijving_op(ANDERE, D(2025, 9, 1)) is not None


def test_an_enrolment_held_already_is_acknowledged_and_a_changed_one_corrects_its_details() -> None:
    """A re-uploaded file, or DUO's register stating what the school fed, is not a second enrolment
    (A2's rule for a re-uploaded file): nothing to publish. Another class, ISK flag or birth month is
    published again and replaces the details held, its end date kept; a row without a class keeps it."""
    na = na_inschrijving(None, _inschrijving(None, SCHOOL, START))
    assert _inschrijven(na, SCHOOL, START) == AlIngeschreven("p-test")
    assert _inschrijven(na, SCHOOL, START, klas=None) == AlIngeschreven("p-test"), "DUO knows no class"
    with pytest.raises(Afgewezen):  # a move stays DUO's fact, also for an enrolment held
        _inschrijven(na, SCHOOL, START, woongemeente="GM0363")

    anders = _inschrijving(na, SCHOOL, START, klas="8B")
    [ev] = anders.events
    assert (ev.klas, ev.school.code, ev.ingangsdatum) == ("8B", SCHOOL, START)
    beëindigd = replace(na, inschrijvingen=(replace(na.inschrijvingen[0], einddatum=D(2025, 12, 19)),))
    na_8b = na_inschrijving(beëindigd, anders)
    assert [(i.klas, i.einddatum) for i in na_8b.inschrijvingen] == [("8B", D(2025, 12, 19))]
    assert _inschrijven(na_8b, SCHOOL, START, klas="8B") == AlIngeschreven("p-test")

    isk = _inschrijving(na, SCHOOL, START, isk=True)
    na_isk = na_inschrijving(na, isk)
    assert isk.events[0].isk is True and na_isk.inschrijvingen[0].isk is True
    # DUO's row states no ISK flag: the school's stays, also at a location that is not ISK (or is)
    assert _inschrijven(na_isk, SCHOOL, START, isk=None) == AlIngeschreven("p-test")
    assert _inschrijven(na, SCHOOL, START, isk=None, vestiging_isk=True) == AlIngeschreven("p-test")
    nieuw = _inschrijving(None, ANDERE, START, isk=None, vestiging_isk=True)
    assert nieuw.events[0].isk is True, "nothing held, nothing stated: the location's flag"
    maand = _inschrijving(na, SCHOOL, START, klas=None, geboortedatum=D(2012, 4, 2))
    assert (maand.events[0].klas, maand.events[0].geboortejaar_maand) == ("7B", "2012-04")
    assert na_inschrijving(na, maand).geboortejaar_maand == "2012-04"
    # another school, or another start date at the same school, is another enrolment
    assert isinstance(_inschrijven(na, ANDERE, START), Besluit)
    assert isinstance(_inschrijven(na, SCHOOL, D(2025, 9, 1)), Besluit)


def test_two_schools_that_state_other_birth_months_each_upload_again_without_publishing() -> None:
    """A pupil enrolled at two schools whose records disagree on the birth month (a typing error at one
    of them): each school's re-uploaded file is its own enrolment stated again, so nothing is published.
    Before, each upload was compared with the month the *other* school stated last and was published
    again, back and forth on every upload. A school that changes its own month still corrects it."""
    a = na_inschrijving(None, _inschrijving(None, SCHOOL, START, geboortedatum=D(2012, 3, 15)))
    beide = na_inschrijving(a, _inschrijving(a, ANDERE, START, geboortedatum=D(2012, 4, 2)))
    stand = beide
    for _upload in range(3):
        for school, geboren in ((SCHOOL, D(2012, 3, 15)), (ANDERE, D(2012, 4, 2))):
            besluit = _inschrijven(stand, school, START, geboortedatum=geboren)
            assert besluit == AlIngeschreven("p-test"), (school, _upload)
    correctie = _inschrijving(stand, SCHOOL, START, geboortedatum=D(2012, 5, 1))
    assert correctie.events[0].geboortejaar_maand == "2012-05"
    na = na_inschrijving(stand, correctie)
    assert na.geboortejaar_maand == "2012-05"
    assert _inschrijven(na, SCHOOL, START, geboortedatum=D(2012, 5, 1)) == AlIngeschreven("p-test")
    assert _inschrijven(na, ANDERE, START, geboortedatum=D(2012, 4, 2)) == AlIngeschreven("p-test")


def test_a_schools_birth_month_that_differs_from_duos_gives_way_to_duos_and_is_flagged() -> None:
    """DUO's birth date (from the BRP) holds for a school's enrolment when the months differ; the same
    month, DUO's own rows and a pupil DUO never stated keep the date as given."""
    duo = replace(na_inschrijving(None, _inschrijving(None, SCHOOL, START, geboortedatum=D(2012, 3, 15))),
                  duo_geboortedatum=D(2012, 3, 15))
    assert geldende_geboortedatum(D(2012, 4, 2), duo, door_school=True) == (D(2012, 3, 15), True)
    assert geldende_geboortedatum(D(2012, 3, 1), duo, door_school=True) == (D(2012, 3, 1), False)
    assert geldende_geboortedatum(D(2012, 4, 2), duo, door_school=False) == (D(2012, 4, 2), False)
    zonder = replace(duo, duo_geboortedatum=None)
    assert geldende_geboortedatum(D(2012, 4, 2), zonder, door_school=True) == (D(2012, 4, 2), False)
    assert geldende_geboortedatum(D(2012, 4, 2), None, door_school=True) == (D(2012, 4, 2), False)
    # the enrolment decided with DUO's date is the one held: nothing to publish
    assert _inschrijven(duo, SCHOOL, START, geboortedatum=D(2012, 3, 15)) == AlIngeschreven("p-test")
