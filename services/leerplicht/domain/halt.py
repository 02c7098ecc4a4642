"""Halt eligibility advice (domain.md A5), a pure function over the dossier and the pupil's history.

A5: *pupil aged 12 to 17 at the time of the verzuim (Halt is for minors), first Halt referral for
verzuim, at most 60 hours missed and at most 60 times late* (Halt refers only *more than* 60 to the
OM, so exactly 60 is still eligible). The advice
is advisory: the officer may override it with a reason (``HaltAdviesOverschreven``). One part is not
advisory: "A Halt penalty for verzuim happens once per pupil" (A5), so a second referral is refused
by :func:`leerplicht.domain.commands.decide` whatever the advice.

Decisions where A5 is silent:

* **Age at month precision** (A1, one age convention: :func:`leerrecht.leeftijd.leeftijd_op`). The
  platform knows only the birth year and month (the exact date stays in the identity topic, domain.md
  B). The advice is ``GESCHIKT`` only when the age is certain, so the doubt inside a birth month
  falls on the side of ``NIET_GESCHIKT`` (with a reason; the officer, who can see the birth date, may
  override): the pupil must be *certainly* 12 on the peildatum (the youngest possible age ≥ 12; the
  verzuim up to then is the pupil's own from 12, A1) and *certainly not yet* 18 on the first day of
  the case's verzuim (the oldest possible age ≤ 17: the verzuim began as a minor). Unknown age (no
  enrolment seen) is also ``NIET_GESCHIKT``.
* **Hours missed** are the hours of ongeoorloofd absence (A2: ``ONGEOORLOOFD``, ``TE_LAAT`` — minutes
  missed count as time missed —, ``LUXE`` and provisional ``ONBEKEND``) from the start of the case's
  verzuim (the earliest report period start of the dossier) up to the peildatum. Clock and lesson
  hours are summed as they are: a lesson hour is at most 60 minutes (A2), so the sum never
  overstates the time missed.
* **Times late** are the ``TE_LAAT`` registrations (one per day, A2) in the same period.
* **Earlier referrals** are Halt referrals in this dossier plus those in the pupil's earlier dossiers
  at this office (the adapter counts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.codes import AfwezigheidCode, HaltAdvies, InterventieSoort
from leerrecht.leeftijd import Twijfel, leeftijd_op

from .dossier import Dossier

__all__ = [
    "HALT_MAX_KEER_TE_LAAT",
    "HALT_MAX_LEEFTIJD",
    "HALT_MAX_UREN",
    "HALT_MIN_LEEFTIJD",
    "Afwezigheid",
    "HaltBeoordeling",
    "LeerlingGegevens",
    "halt_advies",
    "zeker_leeftijd",
]

HALT_MIN_LEEFTIJD = 12
HALT_MAX_LEEFTIJD = 17
HALT_MAX_UREN = Decimal(60)
HALT_MAX_KEER_TE_LAAT = 60


@dataclass(frozen=True, slots=True)
class Afwezigheid:
    """One registered absence (A2), as the office's projection holds it (codes after recoding)."""

    datum: date
    uren: Decimal
    code: AfwezigheidCode


@dataclass(frozen=True, slots=True)
class LeerlingGegevens:
    """What Halt eligibility needs beyond the dossier. ``geboortejaar_maand`` is ``YYYY-MM``."""

    geboortejaar_maand: str | None
    afwezigheden: Sequence[Afwezigheid] = ()
    eerdere_halt_verwijzingen: int = 0


@dataclass(frozen=True, slots=True)
class HaltBeoordeling:
    advies: HaltAdvies
    redenen: tuple[str, ...]
    """Dutch reasons for ``NIET_GESCHIKT`` (empty for ``GESCHIKT``), shown to the officer."""
    uren_verzuim: Decimal
    keer_te_laat: int
    eerste_verwijzing: bool

    @property
    def geschikt(self) -> bool:
        return self.advies is HaltAdvies.GESCHIKT


def zeker_leeftijd(geboortejaar_maand: str, peildatum: date) -> int:
    """The age the pupil is certain to have reached on ``peildatum`` when born on an unknown day of
    the given month (the youngest possible age, A1).

    Grounds: domain.md A1, Decision (one age convention).
    """
    return leeftijd_op(geboortejaar_maand, peildatum, Twijfel.JONGST)


def halt_advies(dossier: Dossier, leerling: LeerlingGegevens, peildatum: date) -> HaltBeoordeling:
    """The platform's advisory Halt eligibility for this case on ``peildatum`` (A5).

    Grounds: domain.md A5 (Halt eligibility, Decision: ages 12 to 17, at most 60 hours).
    """
    redenen: list[str] = []
    if leerling.geboortejaar_maand is None:
        redenen.append("leeftijd onbekend: geen geboortemaand bekend (Halt vanaf 12 jaar)")
    else:
        if zeker_leeftijd(leerling.geboortejaar_maand, peildatum) < HALT_MIN_LEEFTIJD:
            redenen.append(f"leerling is niet zeker {HALT_MIN_LEEFTIJD} jaar of ouder (Halt vanaf 12 jaar)")
        oudst = leeftijd_op(leerling.geboortejaar_maand, dossier.verzuim_sinds, Twijfel.OUDST)
        if oudst > HALT_MAX_LEEFTIJD:
            redenen.append(f"leerling was bij het begin van het verzuim ({dossier.verzuim_sinds:%d-%m-%Y}) "
                           "niet zeker jonger dan 18 jaar (Halt is voor minderjarigen)")

    eerdere = leerling.eerdere_halt_verwijzingen + len(dossier.interventies_van(InterventieSoort.HALT_VERWIJZING))
    if eerdere > 0:
        redenen.append("leerling is al eerder naar Halt verwezen voor verzuim (eenmaal per leerling)")

    vanaf = dossier.verzuim_sinds
    periode = [a for a in leerling.afwezigheden if vanaf <= a.datum <= peildatum]
    uren = sum((a.uren for a in periode if a.code.telt_voor_meldplicht), Decimal(0))
    te_laat = sum(1 for a in periode if a.code is AfwezigheidCode.TE_LAAT)
    if uren > HALT_MAX_UREN:
        redenen.append(f"{uren} uur ongeoorloofd verzuim sinds {vanaf:%d-%m-%Y} (Halt bij hooguit 60 uur)")
    if te_laat > HALT_MAX_KEER_TE_LAAT:
        redenen.append(f"{te_laat} keer te laat sinds {vanaf:%d-%m-%Y} (Halt bij hooguit 60 keer)")
    return HaltBeoordeling(
        advies=HaltAdvies.NIET_GESCHIKT if redenen else HaltAdvies.GESCHIKT,
        redenen=tuple(redenen),
        uren_verzuim=uren,
        keer_te_laat=te_laat,
        eerste_verwijzing=eerdere == 0,
    )
