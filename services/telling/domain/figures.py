"""National figures as a pure function of the log (domain.md C).

Two kinds of indicator, two mechanisms:

* **Sums and incident counts** (the walking skeleton's ``afwezigheid.*``): :func:`effects` turns one
  event into :class:`Increment` effects on counter cells; the projection adds them up.
* **Unique persons** (the leerplichttelling, MAS monitor, vsv, Doorstroompunt, leerrecht count):
  domain.md C counts *persons, not incidents*, and a person's figures depend on more than one event
  (a report and its later withdrawal, an LRV report and its end date, a move). So the projection keeps
  the **facts** of each person (:class:`Feiten`, folded with :func:`neem_op`) and derives the person's
  memberships from those facts alone (:func:`lidmaatschappen`). A cell's value is the number of
  distinct members (``lid``) with at least ``drempel`` sources (``bron``, e.g. a report id).

Why facts-then-memberships instead of per-event increments: the fold over a person's facts is a
*set union* (every fact is stored once; a report's parts — registration, end date, withdrawal — merge
field by field), so the result does not depend on the order in which events arrive. Telling reads
40 regional topics and a moved pupil's history spans two of them; a rebuild from offset 0 interleaves
them differently from the live run, and must still produce the same figures (rebuild hash == live
hash). A withdrawn report (A4, A3.10) simply stops producing memberships, so retractions need no
special events.

A cell is ``(indicator, gebied, periode)``: ``gebied`` is ``NL``, a region ``MCxx`` or a municipality
``GMxxxx`` (the woongemeente, A4/C); ``periode`` is a year ``2025-2026``, a schooljaar (1 Aug – 31 Jul)
or, for vsv, a vsv-jaar (from 1 Oct) as the indicator says (:attr:`Indicator.periode`).

What needs a clock (an LRV report still open on a later 1 September, "> 3 months" of a case that is
still open, the vsv startset "enrolled on 1 October") reads the **klok** passed to
:func:`lidmaatschappen`: the last day that has passed *according to the log* (the projection derives
it from the latest recorded day it has read, see ``telling.projection``), never the wall clock, so a
rebuild from the same log reaches the same figures. A person's memberships change with the klok only on
the dates :func:`grenzen` names, which is what lets the projection wake exactly the persons concerned
when the klok moves on (``wekker``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import takewhile
from typing import Any, ClassVar, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import (
    AfwezigheidCode,
    InterventieSoort,
    InterventieUitkomst,
    MasRoute,
    MeldingSoort,
    RmcRoute,
    RmcSluitreden,
    SchoolType,
    SignaalSoort,
    TellingSchoolType,
    UitschrijvingsReden,
    Vrijstellingsartikel,
)
from contracts.events import leerplicht, registratie, rmc
from contracts.events.base import Event
from contracts.events.registratie import AfwezigheidGeregistreerd
from leerrecht.leeftijd import Twijfel, geboortejaar_maand
from leerrecht.leeftijd import leeftijd_op as _leeftijd_op

NATIONAAL = "NL"

PeriodeSoort = Literal["schooljaar", "vsvjaar"]
Soort = Literal["personen", "dossiers", "som", "aantal"]


# --------------------------------------------------------------------------- periods


def schooljaar(d: date) -> str:
    """The schooljaar (1 Aug – 31 Jul, domain.md terms) containing ``d``, as ``2025-2026``."""
    start = d.year if d.month >= 8 else d.year - 1
    return f"{start}-{start + 1}"


def vsvjaar(d: date) -> str:
    """The vsv-jaar (from 1 Oct, domain.md C) containing ``d``, as ``2025-2026``."""
    start = d.year if d.month >= 10 else d.year - 1
    return f"{start}-{start + 1}"


def schooljaar_begin(jaar: str) -> date:
    """Grounds: domain.md terms (schooljaar: 1 Aug - 31 Jul) and C (periods)."""
    return date(int(jaar[:4]), 8, 1)


def schooljaren(van: date, tot: date) -> list[str]:
    """Every schooljaar from the one of ``van`` up to and including the one of ``tot``.

    Grounds: domain.md terms (schooljaar: 1 Aug - 31 Jul) and C (periods).
    """
    first, last = int(schooljaar(van)[:4]), int(schooljaar(tot)[:4])
    return [f"{y}-{y + 1}" for y in range(first, last + 1)]


def plus_maanden(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb).

    Grounds: domain.md C (LRV and absoluut verzuim longer than 3 months).
    """
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class Indicator:
    """One figure: what it counts (``definitie``, Dutch, user-facing), which events feed it
    (``bronnen``), its period kind, and what is deferred. ``drempel``: a member counts only with at
    least this many distinct sources in the cell (2 = "herhaald")."""

    id: str
    tabel: str
    definitie: str
    bronnen: tuple[str, ...]
    periode: PeriodeSoort = "schooljaar"
    soort: Soort = "personen"
    drempel: int = 1
    uitgesteld: str = ""
    versie: int = 1

    @property
    def stroom_id(self) -> str:
        """The id on the count stream (``^[a-z][a-z0-9_]{1,63}$``): the skeleton's dotted names
        become underscores."""
        return self.id.replace(".", "_")

    @property
    def definitie_id(self) -> str:
        return f"{self.stroom_id}/v{self.versie}"

    @property
    def telt_leden(self) -> bool:
        """Counted from memberships (unique persons or cases), not by adding increments."""
        return self.soort in ("personen", "dossiers")

    @property
    def gepubliceerd(self) -> bool:
        """On the count stream, under disclosure control: counts of persons or cases (C). Sums of
        hours and incident counts stay internal (the contract's ``waarde`` is a count of persons)."""
        return self.telt_leden


def _t(event_cls: type[Event]) -> str:
    return event_cls.event_type


_HERCODERING = _t(registratie.AfwezigheidGecorrigeerd)
_MELDING = _t(registratie.MeldingGeregistreerd)
_INTREKKING = _t(registratie.MeldingIngetrokken)
_EINDDATUM = _t(registratie.MeldingEinddatumVastgesteld)
_ABSOLUUT = _t(registratie.AbsoluutVerzuimGesignaleerd)
_INSCHRIJVING = _t(registratie.LeerlingIngeschreven)
_VERHUISD = _t(registratie.Verhuisd)
_VRIJSTELLING = _t(registratie.VrijstellingGeregistreerd)
_INTERVENTIE = _t(leerplicht.InterventieUitgevoerd)
_WOON = (_INSCHRIJVING, _VERHUISD)
_UITSCHRIJVING = _t(registratie.LeerlingUitgeschreven)
_SK = _t(registratie.StartkwalificatieBehaald)
_BEHANDELING = _t(leerplicht.MeldingInBehandeling)
_ROUTE = _t(leerplicht.RouteGekozen)
_VSV_STARTSET_BRONNEN = (_INSCHRIJVING, _UITSCHRIJVING, _SK, _VERHUISD)
_RMC_PLAATSING = (_t(rmc.JongereAangemeld), _t(rmc.JongereGeplaatst), *_WOON)

VSV_LEEFTIJDSGRENS = 23
"""The vsv figures count young people under 23 on 1 October (the national vsv definition, DUO/OCW),
also after the Doorstroompunt age limit rose to 27 (A1): a **Decision** so that the series stays
comparable with the national vsv figures of earlier years."""

MAS_TIJD_TOT_ROUTE = ((28, "binnen_4_weken", "binnen 4 weken"),
                      (84, "4_tot_12_weken", "na 4 tot 12 weken"),
                      (None, "langer_dan_12_weken", "na meer dan 12 weken"))
"""Time from report to route in calendar days (upper bound inclusive; ``None``: no bound). A5 sets
the deadlines of the first steps (pick up within 5 working days, first contact within 10); the route
follows the onderzoek, so the buckets are wider: a **Decision**, comparable across regions."""

PLAATSING_BINNEN = ((3, "binnen_3_maanden", "binnen 3 maanden"),
                    (6, "3_tot_6_maanden", "na 3 tot 6 maanden"),
                    (None, "langer_dan_6_maanden", "na meer dan 6 maanden"))
"""Time from aanmelding to placement in calendar months (A6; **Decision**: 3 months is the horizon
A6 uses for a lasting placement)."""

HALT_RECIDIVE_MAANDEN = 12
"""Re-offending after Halt (C, MAS monitor): a new verzuimmelding starting within 12 months after
the Halt referral (**Decision**: the horizon of Halt's own recidivism monitor)."""

_LRV_BRONNEN = (_MELDING, _EINDDATUM, _INTREKKING, _t(registratie.MeldplichtBereikt),
                _t(registratie.MeldplichtVervallen), *_WOON)
_ABSOLUUT_BRONNEN = (_ABSOLUUT, _MELDING, _INTREKKING, _INSCHRIJVING)


_LIJST: list[Indicator] = [
    # --- the walking skeleton's figures (sums and incidents; NL and region only) -------------
    Indicator("afwezigheid.registraties", "afwezigheid",
              "Aantal geregistreerde afwezigheden (alle codes), per schooljaar.",
              (_t(AfwezigheidGeregistreerd),), soort="aantal"),
    Indicator("afwezigheid.uren.geoorloofd", "afwezigheid",
              "Som van geregistreerde uren geoorloofde afwezigheid (A2), per schooljaar; een hercodering "
              "verschuift de uren naar de nieuwe soort.",
              (_t(AfwezigheidGeregistreerd), _HERCODERING), soort="som", versie=2,
              uitgesteld="Een hercodering uit schema v1 (zonder datum en oude uren) verschuift geen uren; "
                         "na een verhuizing verschuift een hercodering de uren in de regio van de hercodering."),
    Indicator("afwezigheid.uren.ongeoorloofd", "afwezigheid",
              "Som van geregistreerde uren ongeoorloofde of nog onbekende afwezigheid (A2); een "
              "hercodering verschuift de uren naar de nieuwe soort.",
              (_t(AfwezigheidGeregistreerd), _HERCODERING), soort="som", versie=2,
              uitgesteld="Een hercodering uit schema v1 (zonder datum en oude uren) verschuift geen uren; "
                         "na een verhuizing verschuift een hercodering de uren in de regio van de hercodering. "
                         "Een hercodering naar geoorloofd haalt de leerling niet uit "
                         "leerlingen.met_ongeoorloofde_afwezigheid."),
    Indicator("leerlingen.met_ongeoorloofde_afwezigheid", "afwezigheid",
              "Unieke leerlingen met minstens één registratie ongeoorloofde afwezigheid (ook na hercodering "
              "naar ongeoorloofd), per schooljaar; uitgesplitst naar schoolsoort en leeftijd op de eerste dag "
              "met ongeoorloofde afwezigheid in het schooljaar.",
              (_t(AfwezigheidGeregistreerd), _HERCODERING, *_WOON), versie=2,
              uitgesteld="Een hercodering naar geoorloofd haalt de leerling er niet uit."),
    # --- leerplichttelling (art. 25 Lpw), per woongemeente per schooljaar, unieke personen ----
    Indicator("absoluut_verzuim", "leerplichttelling",
              "Unieke leer- of kwalificatieplichtige inwoners die nergens staan ingeschreven en geen "
              "vrijstelling hebben (A3.6): een DUO-/platformsignaal of een melding ABSOLUUT (niet "
              "ingetrokken), geteld in het schooljaar van het signaal.",
              _ABSOLUUT_BRONNEN,
              uitgesteld="Een geval dat doorloopt in een volgend schooljaar telt daar pas bij een "
                         "nieuw signaal (DUO levert maandelijks kandidaten)."),
    Indicator("absoluut_verzuim_langer_dan_3_maanden", "leerplichttelling",
              "Van het absoluut verzuim: personen die langer dan 3 maanden nergens ingeschreven waren "
              "(van 'sinds' tot de nieuwe inschrijving; zonder nieuwe inschrijving tot vandaag volgens "
              "het log), geteld in het schooljaar waarin de 3 maanden verstreken.",
              (_ABSOLUUT, _INSCHRIJVING), versie=2),
    Indicator("relatief_verzuim", "leerplichttelling",
              "Unieke leerlingen met minstens één (niet ingetrokken) melding '16 uur in 4 weken' "
              "(A3.1), in het schooljaar van de einddatum van de melding.",
              (_MELDING, _INTREKKING, *_WOON)),
    Indicator("relatief_verzuim_herhaald", "leerplichttelling",
              "Van het relatief verzuim: leerlingen met twee of meer zulke meldingen in hetzelfde "
              "schooljaar en dezelfde gemeente (herhaald relatief verzuim).",
              (_MELDING, _INTREKKING, *_WOON), drempel=2),
    Indicator("luxeverzuim", "leerplichttelling",
              "Unieke leerlingen met minstens één (niet ingetrokken) melding luxeverzuim (A3.3).",
              (_MELDING, _INTREKKING, *_WOON)),
    Indicator("lrv", "leerplichttelling",
              "Unieke leerlingen met een (niet ingetrokken) melding langdurig relatief verzuim (A3.2) "
              "die in het schooljaar openstond, vanaf het schooljaar waarin de LRV-grens werd bereikt; "
              "een melding zonder einddatum staat open tot vandaag volgens het log.",
              _LRV_BRONNEN, versie=3),
    Indicator("lrv_op_1_september", "leerplichttelling",
              "Van het LRV: leerlingen met een LRV-melding waarvan de LRV-grens vóór 1 september van het "
              "schooljaar werd bereikt en die op 1 september nog openstond.",
              _LRV_BRONNEN, versie=3),
    Indicator("lrv_nieuw", "leerplichttelling",
              "Van het LRV: leerlingen met een LRV-melding waarvan de LRV-grens in het schooljaar vanaf 1 "
              "september werd bereikt (ook als de eerste verzuimdag 1 september zelf was).",
              _LRV_BRONNEN, versie=2),
    Indicator("lrv_langer_dan_3_maanden", "leerplichttelling",
              "Van het LRV: leerlingen van wie de LRV-melding langer dan 3 maanden openstond (ook een "
              "melding die nog openstaat), geteld in het schooljaar waarin de 3 maanden verstreken.",
              _LRV_BRONNEN, versie=2),
    Indicator("lrv_verhuisd", "leerplichttelling",
              "Van het LRV: leerlingen die verhuisden terwijl hun LRV-melding openstond, geteld bij de "
              "oude woongemeente in het schooljaar van de verhuizing.",
              _LRV_BRONNEN),
    *[
        Indicator(f"vrijstellingen_{a.value}", "leerplichttelling",
                  f"Unieke personen met een vrijstelling op grond van artikel {a.value} Leerplichtwet, "
                  "in elk schooljaar waarin de vrijstelling geldt, bij de woongemeente die DUO bij de "
                  "vrijstelling opgaf, ingeschreven of niet (na een latere verhuizing: de nieuwe).",
                  (_VRIJSTELLING, *_WOON),
                  uitgesteld="Een vrijstelling zonder einddatum telt in elk schooljaar tot vandaag volgens het "
                             "log, tot en met het schooljaar waarin de persoon 18 wordt (zonder bekende "
                             "geboortemaand: hooguit 13 schooljaren). Een vrijstelling uit schema v1 (zonder "
                             "woongemeente) telt bij de woongemeente die telling anders kent, en zonder die "
                             "alleen landelijk en in de regio.", versie=3)
        for a in Vrijstellingsartikel
    ],
    Indicator("processen_verbaal", "leerplichttelling",
              "Unieke leerlingen tegen wie (of tegen wier ouders) proces-verbaal is opgemaakt (A5).",
              (_INTERVENTIE, *_WOON)),
    Indicator("halt_verwijzingen", "leerplichttelling",
              "Unieke leerlingen die voor verzuim naar Halt zijn verwezen (A5).",
              (_INTERVENTIE, *_WOON)),
    Indicator("thuiszitters", "leerplichttelling",
              "Thuiszitters volgens OCW (sinds 2016): unieke personen in absoluut verzuim of langdurig "
              "relatief verzuim in het schooljaar (vereniging, niet de som).",
              (*_ABSOLUUT_BRONNEN, *_LRV_BRONNEN), versie=2),
    # --- MAS monitor -------------------------------------------------------------------------
    *[
        Indicator(f"mas_route_{r.value.lower()}", "mas",
                  f"Dossiers (zaken) waarin de route {r.value} is gekozen (A5), in het schooljaar van de "
                  "keuze; een dossier dat opschaalt telt bij elke gekozen route.",
                  (_t(leerplicht.RouteGekozen),), soort="dossiers")
        for r in MasRoute
    ],
    Indicator("mas_dossiers_met_route", "mas",
              "Dossiers (zaken) waarin minstens één route is gekozen: de noemer van het aandeel per route.",
              (_ROUTE,), soort="dossiers"),
    *[
        Indicator(f"mas_tijd_tot_route_{naam}", "mas",
                  f"Dossiers (zaken) waarin de eerste route {tekst} na de melding werd gekozen (A5): van "
                  "de vroegste melddatum van de meldingen in het dossier tot de eerste routekeuze, in "
                  "het schooljaar van die keuze.",
                  (_MELDING, _BEHANDELING, _ROUTE), soort="dossiers")
        for _, naam, tekst in MAS_TIJD_TOT_ROUTE
    ],
    Indicator("halt_positief", "mas", "Unieke leerlingen met Halt-uitkomst positief (A5).",
              (_INTERVENTIE, *_WOON)),
    Indicator("halt_negatief", "mas", "Unieke leerlingen met Halt-uitkomst negatief (A5).",
              (_INTERVENTIE, *_WOON)),
    Indicator("halt_recidive", "mas",
              f"Van de naar Halt verwezen leerlingen: wie binnen {HALT_RECIDIVE_MAANDEN} maanden na de "
              "verwijzing opnieuw werd gemeld voor verzuim (16 uur, luxe of LRV, niet ingetrokken), "
              "geteld in het schooljaar van de verwijzing. Noemer: halt_verwijzingen; voor het laatste "
              "jaar is het cijfer pas na 12 maanden compleet.",
              (_INTERVENTIE, _MELDING, _INTREKKING, *_WOON)),
    # --- vsv ---------------------------------------------------------------------------------
    Indicator("potentieel_vsv", "vsv",
              "Nieuwe potentiële voortijdig schoolverlaters (A3.7, DUO A01): unieke personen per "
              "vsv-jaar (vanaf 1 oktober) van de uitschrijfdatum, bij de woongemeente van de lijst.",
              (_t(registratie.PotentieelVsvGesignaleerd),), periode="vsvjaar"),
    Indicator("potentieel_vsv_heringeschreven", "vsv",
              "Van de potentiële vsv'ers: personen die daarna weer zijn ingeschreven (DUO A02).",
              (_t(registratie.PotentieelVsvGesignaleerd), _t(registratie.Herinschrijving)),
              periode="vsvjaar"),
    Indicator("vsv_startset", "vsv",
              f"Startset (C): unieke jongeren jonger dan {VSV_LEEFTIJDSGRENS} die op 1 oktober van het "
              "vsv-jaar in het vo, (v)so of mbo stonden ingeschreven en geen startkwalificatie hadden, "
              "bij hun woongemeente op 1 oktober. De noemer van het vsv-percentage.",
              _VSV_STARTSET_BRONNEN, periode="vsvjaar"),
    Indicator("vsv_nieuw", "vsv",
              "Nieuwe voortijdig schoolverlaters (C): van de startset van het vsv-jaar, wie op 1 oktober "
              "een jaar later nergens meer stond ingeschreven en nog geen startkwalificatie had (wie "
              "emigreerde telt niet mee). Bekend "
              "vanaf die tweede 1 oktober; vsv-percentage = vsv_nieuw / vsv_startset.",
              _VSV_STARTSET_BRONNEN, periode="vsvjaar"),
    # --- Doorstroompunt (RMC) ----------------------------------------------------------------
    Indicator("doorstroompunt_aangemeld", "doorstroompunt",
              "Unieke jongeren aangemeld bij het Doorstroompunt (A6), in het schooljaar van aanmelding.",
              (_t(rmc.JongereAangemeld),)),
    Indicator("doorstroompunt_geplaatst", "doorstroompunt",
              "Unieke jongeren geplaatst (status GEPLAATST, A6), in het schooljaar van de startdatum.",
              (_t(rmc.JongereGeplaatst), *_WOON, _t(rmc.JongereAangemeld))),
    *[
        Indicator(f"doorstroompunt_geplaatst_{naam}", "doorstroompunt",
                  f"Unieke jongeren geplaatst {tekst} na aanmelding (A6), in het schooljaar van de "
                  "startdatum van de plaatsing.",
                  _RMC_PLAATSING)
        for _, naam, tekst in PLAATSING_BINNEN
    ],
    *[
        Indicator(f"doorstroompunt_geplaatst_{b.value.lower()}", "doorstroompunt",
                  f"Unieke jongeren geplaatst met bestemming {b.value} (A6).",
                  (_t(rmc.JongereGeplaatst), *_WOON, _t(rmc.JongereAangemeld)))
        for b in RmcRoute
    ],
    Indicator("doorstroompunt_geplaatst_duurzaam", "doorstroompunt",
              "Unieke jongeren van wie het dossier sloot met GEPLAATST_DUURZAAM (na 3 maanden nog "
              "geplaatst).",
              (_t(rmc.DossierGesloten), *_WOON, _t(rmc.JongereAangemeld))),
    Indicator("doorstroompunt_niet_bereikbaar", "doorstroompunt",
              "Unieke jongeren met status NIET_BEREIKBAAR (A6).",
              (_t(rmc.NietBereikbaar), *_WOON, _t(rmc.JongereAangemeld))),
    # --- leerrecht count ---------------------------------------------------------------------
    Indicator("langdurig_geoorloofd_afwezig", "leerrecht",
              "Unieke leerlingen met een signaal langdurig geoorloofd afwezig (≥ 4 aaneengesloten weken) "
              "of zorgwekkend ziekteverzuim (MAZL, A3.8).",
              (_t(registratie.SignaalGegeven), *_WOON)),
    Indicator("leerrecht_telling", "leerrecht",
              "Iedere jongere wiens recht op onderwijs op het spel staat (C): thuiszitters (absoluut + "
              "LRV), langdurig geoorloofd afwezigen, vrijstellingen 5a en onopgelost absoluut verzuim; "
              "unieke personen.",
              (*_ABSOLUUT_BRONNEN, *_LRV_BRONNEN, _VRIJSTELLING, _t(registratie.SignaalGegeven)), versie=3,
              uitgesteld="'Onopgelost' absoluut verzuim: elk gesignaleerd geval in het schooljaar telt."),
]

INDICATOREN: dict[str, Indicator] = {i.id: i for i in _LIJST}
if len(INDICATOREN) != len(_LIJST):
    raise RuntimeError("indicator ids must be unique")
DEFINITIES: dict[str, str] = {i.id: i.definitie for i in _LIJST}
TABELLEN: tuple[str, ...] = tuple(dict.fromkeys(i.tabel for i in _LIJST))


def indicator(naam: str) -> Indicator:
    """Grounds: domain.md C (every figure has its definition)."""
    return INDICATOREN[naam]


@dataclass(frozen=True)
class Aandeel:
    """A rate of two published counts of the same area and period (C): published only where the
    denominator is at least 100 and the numerator is shown (:func:`~telling.domain.disclosure.aandeel`)."""

    id: str
    teller: str
    noemer: str
    definitie: str


AANDELEN: dict[str, Aandeel] = {a.id: a for a in [
    Aandeel("vsv_percentage", "vsv_nieuw", "vsv_startset",
            "Vsv-percentage (C): nieuwe voortijdig schoolverlaters als deel van de startset van het vsv-jaar."),
    Aandeel("halt_recidive_percentage", "halt_recidive", "halt_verwijzingen",
            "Deel van de naar Halt verwezen leerlingen dat binnen 12 maanden opnieuw werd gemeld (MAS-monitor; "
            "in de praktijk verzuimt 50–60 % na Halt niet opnieuw)."),
    *[Aandeel(f"mas_aandeel_{r.value.lower()}", f"mas_route_{r.value.lower()}", "mas_dossiers_met_route",
              f"Aandeel van de dossiers met een route waarin de route {r.value} is gekozen (MAS-monitor; onderzoek "
              "naar dossiers uit 2019 vond de basisroute in 44 % van de zaken).")
      for r in MasRoute],
]}
for _a in AANDELEN.values():
    if _a.teller not in INDICATOREN or _a.noemer not in INDICATOREN:
        raise RuntimeError(f"aandeel {_a.id} names an unknown indicator")


# --------------------------------------------------------------------------- cells and effects


@dataclass(frozen=True)
class Cell:
    """A counter cell. ``ouder`` (the enclosing area: a gemeente's region, a region's ``NL``) is
    carried along for the disclosure tables but is not part of the cell's identity. ``uitsplitsing``
    is a breakdown of the area's figure (C): ``""`` for none, else ``"schooltype:vo"`` or
    ``"leeftijd:12-15"`` (:data:`UITSPLITSINGEN`)."""

    indicator: str
    gebied: str
    periode: str
    ouder: str | None = field(default=None, compare=False)
    uitsplitsing: str = ""

    def __hash__(self) -> int:
        """The dataclass hash, kept after the first call. Why: every membership's hash and every key of
        :func:`waarden` hashes its cell, millions of times in a rebuild (issue 16), and the cells of
        :func:`lidmaatschappen` are shared objects, so most are hashed once. Not pickled: a string's
        hash differs between processes."""
        h: int | None = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.indicator, self.gebied, self.periode, self.uitsplitsing))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


SCHOOLTYPE, LEEFTIJD = "schooltype", "leeftijd"
LEEFTIJDSBANDEN: tuple[tuple[int, int | None], ...] = ((0, 11), (12, 15), (16, 17), (18, 22), (23, 26), (27, None))
"""Age bands of the breakdown (C): under 12 only the parents answer (A1), 12–15 leerplichtig and
personally answerable, 16–17 kwalificatieplichtig, 18–22 the classic vsv/RMC group, 23–26 the group
added in 2026 (A1), 27 and older."""
UITSPLITSINGEN: dict[str, tuple[str, ...]] = {
    SCHOOLTYPE: tuple(t.value for t in TellingSchoolType),
    LEEFTIJD: tuple(f"{a}-{b}" if b is not None else f"{a}+" for a, b in LEEFTIJDSBANDEN),
}
"""Every breakdown and its categories. Published for NL and the regions only: a municipality split
five ways would be mostly suppressed cells."""


def leeftijdsband(leeftijd: int) -> str:
    """Grounds: domain.md C (breakdown by age band)."""
    for a, b in LEEFTIJDSBANDEN:
        if leeftijd >= a and (b is None or leeftijd <= b):
            return f"{a}-{b}" if b is not None else f"{a}+"
    raise ValueError(f"negative age {leeftijd}")


_TELLING_SCHOOLTYPE = {SchoolType.PO: TellingSchoolType.PO, SchoolType.VO: TellingSchoolType.VO,
                       SchoolType.MBO: TellingSchoolType.MBO, SchoolType.SO: TellingSchoolType.V_SO,
                       SchoolType.VSO: TellingSchoolType.V_SO}


@dataclass(frozen=True)
class Increment:
    cell: Cell
    amount: Decimal


@dataclass(frozen=True)
class Membership:
    """``person`` (a pseudonym, or a dossier id for case counts) counts once towards ``cell`` for
    each distinct ``bron`` (the fact behind it, e.g. a report id); see :attr:`Indicator.drempel`."""

    cell: Cell
    person: str
    bron: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sleutel", _lid_sleutel(self.cell, self.person))

    sleutel: ClassVar[tuple[str, str, str, str, str]]
    """(indicator, gebied, periode, uitsplitsing, person): the member in its cell, whatever the source,
    as plain strings. Why: the fold counts sources per (cell, member) at every point that moves
    (:func:`~telling.domain.historie._verschuif`), and a key holding a :class:`Cell` called its Python
    ``__hash__`` at every lookup, where a tuple of strings hashes in C (issue 16, eighth round)."""

    def __hash__(self) -> int:
        """The dataclass hash, kept after the first call (as :meth:`Cell.__hash__`, and not pickled
        for the same reason): the fold puts the shared memberships of :func:`_gedeelde_leden` in sets
        at every point of a person's history. Equal memberships have equal fields, so equal hashes."""
        h: int | None = self.__dict__.get("_hash")
        if h is None:
            h = hash((*self.sleutel, self.bron))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


def gebied_cellen(indicator: str, periode: str, regio: str, gemeente: str | None = None,
                  uitsplitsingen: Iterable[str] = ()) -> list[Cell]:
    """The cells one fact counts in: NL, its region and, when known, its woongemeente; and for NL and
    the region each breakdown the person falls in (``"schooltype:vo"``, ...).

    Grounds: domain.md C (breakdowns: woongemeente, region, national, school type, age band).
    """
    cells = [Cell(indicator, NATIONAAL, periode, None), Cell(indicator, regio, periode, NATIONAAL)]
    if gemeente is not None:
        cells.append(Cell(indicator, gemeente, periode, regio))
    for u in uitsplitsingen:
        cells += [Cell(indicator, NATIONAAL, periode, None, u), Cell(indicator, regio, periode, NATIONAAL, u)]
    return cells


@lru_cache(maxsize=1 << 16)
def _gedeelde_cellen(indicator: str, periode: str, regio: str, gemeente: str | None,
                     uitsplitsingen: tuple[str, ...]) -> tuple[Cell, ...]:
    """:func:`gebied_cellen`, one shared tuple per argument set. Why: :func:`lidmaatschappen` runs for
    every point of every person's history (issue 16: the fold is most of telling's CPU); shared cells
    are built once, and two memberships of one cell then compare their cells by identity."""
    return tuple(gebied_cellen(indicator, periode, regio, gemeente, uitsplitsingen))


@lru_cache(maxsize=1 << 13)
def _gedeelde_leden(indicator: str, periode: str, regio: str, gemeente: str | None,
                    uitsplitsingen: tuple[str, ...], wie: str, bron: str) -> tuple[Membership, ...]:
    """The memberships of one count of :func:`lidmaatschappen`, one shared tuple per argument set
    (bounded: the last 8,192 sets, about 17 MB; 16,384 held no more hits at 50k events). Why: the fold
    derives a person's memberships two or three times per batch (the basis and each new point) from
    mostly the same facts; shared objects are built and hashed once and compare by identity in the
    sets of the fold (issue 16)."""
    return tuple(_lid(c, wie, bron) for c in _gedeelde_cellen(indicator, periode, regio, gemeente, uitsplitsingen))


def _lid(cell: Cell, wie: str, bron: str) -> Membership:
    """``Membership(cell, wie, bron)`` with its hash already kept: the same fields, without the frozen
    dataclass's ``__init__`` (three ``object.__setattr__`` calls; measured 0.78 against 0.32 us)."""
    m = object.__new__(Membership)
    sleutel = _lid_sleutel(cell, wie)
    m.__dict__.update(cell=cell, person=wie, bron=bron, sleutel=sleutel, _hash=hash((*sleutel, bron)))
    return m


def _lid_sleutel(cell: Cell, wie: str) -> tuple[str, str, str, str, str]:
    """:attr:`Membership.sleutel`."""
    return (cell.indicator, cell.gebied, cell.periode, cell.uitsplitsing, wie)


ONGEOORLOOFD = frozenset({AfwezigheidCode.ONGEOORLOOFD, AfwezigheidCode.TE_LAAT, AfwezigheidCode.LUXE,
                          AfwezigheidCode.ONBEKEND})


def afwezigheid_soort(code: AfwezigheidCode) -> Literal["geoorloofd", "ongeoorloofd"]:
    """Which hour sum an absence adds to (A2): unauthorised or still unknown counts as ongeoorloofd.

    Grounds: domain.md A2 (the code set: geoorloofd or not).
    """
    return "ongeoorloofd" if code in ONGEOORLOOFD else "geoorloofd"


def afwezigheid_som_cellen(jaar: str, regio: str, soort: str) -> tuple[list[Cell], list[Cell]]:
    """The cells an absence of ``soort`` in ``jaar`` and ``regio`` adds to: (its count, its hours).

    Grounds: domain.md A2 (authorised or not) and C.
    """
    return (gebied_cellen("afwezigheid.registraties", jaar, regio),
            gebied_cellen(f"afwezigheid.uren.{soort}", jaar, regio))


def afwezigheid_totalen(jaar: str, regio: str, soort: str, aantal: int, uren: Decimal) -> list[Increment]:
    """The sums of ``aantal`` absences of one ``soort`` in one schooljaar and region, ``uren`` hours
    together: what :func:`effects` adds for each of them, added up once.

    Why: absences are ~90 % of the log; the projection aggregates a batch per (schooljaar, region,
    soort) in memory and expands the cells once (../shared/notes/perf-baselines.md).

    Grounds: domain.md A2 and C.
    """
    tellen, optellen = afwezigheid_som_cellen(jaar, regio, soort)
    return [*(Increment(cell, Decimal(aantal)) for cell in tellen), *(Increment(cell, uren) for cell in optellen)]


def effects(event: Event, subject: str, region: str) -> Iterable[Increment]:
    """The per-event sums of the high-volume absence events (the skeleton's ``afwezigheid.*``).

    Absences are not kept as facts per pupil (hundreds per pupil per year); they only add to sums,
    except the earliest unauthorised one per schooljaar and region (:class:`EersteOngeoorloofd`), from
    which the person count ``leerlingen.met_ongeoorloofde_afwezigheid`` is derived like every other
    person count. The reference for one event; the projection adds the same per batch
    (:func:`afwezigheid_totalen`).

    Grounds: domain.md A2 and C.
    """
    if isinstance(event, AfwezigheidGeregistreerd):
        yield from afwezigheid_totalen(schooljaar(event.datum), region, afwezigheid_soort(event.code), 1,
                                       event.uren)


# --------------------------------------------------------------------------- a person's facts


class _Feit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Woonfeit(_Feit):
    """The person lived in ``gemeente`` (region ``regio``) on ``datum``. ``prio`` breaks ties on one
    day: the new municipality of a move wins over any other observation of that day."""

    datum: date
    gemeente: str
    regio: str
    prio: int = 0


class Verhuizing(_Feit):
    datum: date
    oude_gemeente: str
    oude_regio: str


class MeldingFeit(_Feit):
    """A report's parts, merged field by field whatever order they arrive in (A4)."""

    soort: MeldingSoort | None = None
    startdatum: date | None = None
    einddatum_melding: date | None = None
    einddatum_vastgesteld: date | None = None
    ingetrokken: bool = False
    regio: str | None = None
    gemeld_op: date | None = None

    @property
    def einddatum(self) -> date | None:
        return self.einddatum_vastgesteld or self.einddatum_melding


class LrvDrempel(_Feit):
    """registratie's LRV rule fired (``MeldplichtBereikt``, A3.2): the absence run from ``vanaf``
    became LRV on ``bereikt_op`` (the LRV threshold, C). ``meldplicht_id``: the duty, so a lapse
    (``MeldplichtVervallen``) can set it aside; ``None`` in facts stored before it was kept."""

    vanaf: date
    bereikt_op: date
    meldplicht_id: str | None = None


class EersteOngeoorloofd(_Feit):
    """The earliest day with an unauthorised (or still unknown) absence of the person in the schooljaar
    of ``datum``, on the topic of region ``regio`` (issue 12.8). One per (schooljaar, region): a later
    absence adds nothing, an earlier one replaces it, so merging is taking the minimum and the result
    does not depend on the order events arrive in. Why keep it: the person count of pupils with
    unauthorised absence is then derived from facts like every other one, with the school type and age
    band of that day (C, breakdowns); hundreds of absences per pupil are still not kept."""

    regio: str
    datum: date


class Schoolinschrijving(_Feit):
    """An enrolment: from ``datum`` at ``school`` (BRIN6) of ``school_type``, recorded at ``vastgelegd``
    (the envelope's recordedtime; ``None`` in facts stored before it was kept: the oldest).

    One enrolment per school and ingangsdatum: registratie publishes it again when the school corrects
    its details, and the one recorded last holds (:func:`_met_inschrijving`)."""

    datum: date
    school: str
    school_type: SchoolType
    vastgelegd: datetime | None = None


class Uitschrijving(_Feit):
    """An un-enrolment: ``datum`` is the last day enrolled (registratie's **Decision**, inclusive)."""

    datum: date
    school: str
    reden: UitschrijvingsReden


class Behandeling(_Feit):
    """Report ``melding`` is handled in leerplicht dossier ``dossier`` (A4 *In behandeling*)."""

    melding: str
    dossier: str


class AbsoluutFeit(_Feit):
    peildatum: date
    sinds: date
    gemeente: str
    regio: str


class VrijstellingFeit(_Feit):
    """A vrijstelling; ``gemeente`` is the woongemeente DUO stated with it on ``geregistreerd_op``
    (schema v2; both ``None`` for a v1 event), where it counts (C, Decision)."""

    artikel: Vrijstellingsartikel
    van: date
    tot_en_met: date | None
    regio: str
    gemeente: str | None = None
    geregistreerd_op: date | None = None


class SignaalFeit(_Feit):
    peildatum: date
    regio: str


class InterventieFeit(_Feit):
    soort: InterventieSoort
    datum: date
    uitkomst: InterventieUitkomst | None
    regio: str


class RouteFeit(_Feit):
    dossier: str
    route: MasRoute
    datum: date
    regio: str


class VsvFeit(_Feit):
    uitschrijfdatum: date
    gemeente: str
    regio: str


class RmcFeit(_Feit):
    soort: Literal["aangemeld", "geplaatst", "niet_bereikbaar", "duurzaam"]
    dossier: str
    datum: date
    bestemming: RmcRoute | None = None
    regio: str


class Feiten(_Feit):
    """Everything telling remembers about one person (keyed by pseudonym in the projection). Only
    facts the figures need; no identifying data. Sets are stored as tuples without duplicates.

    The dicts default through ``default_factory``: pydantic deep-copies an unhashable default (``{}``)
    for every field left out, and a stored day leaves out its empty fields (``projection._json``), so
    reading a person's days spent most of its time in ``copy.deepcopy`` (issue 16, eighth round).
    ``exclude_defaults`` still leaves them out."""

    woon: tuple[Woonfeit, ...] = ()
    verhuizingen: tuple[Verhuizing, ...] = ()
    inschrijvingen: tuple[date, ...] = ()
    herinschrijvingen: tuple[date, ...] = ()
    meldingen: dict[str, MeldingFeit] = Field(default_factory=dict)
    absoluut: tuple[AbsoluutFeit, ...] = ()
    vrijstellingen: dict[str, VrijstellingFeit] = Field(default_factory=dict)
    signalen: dict[str, SignaalFeit] = Field(default_factory=dict)
    interventies: dict[str, InterventieFeit] = Field(default_factory=dict)
    routes: tuple[RouteFeit, ...] = ()
    vsv: tuple[VsvFeit, ...] = ()
    rmc: tuple[RmcFeit, ...] = ()
    schoolinschrijvingen: tuple[Schoolinschrijving, ...] = ()
    uitschrijvingen: tuple[Uitschrijving, ...] = ()
    startkwalificaties: tuple[date, ...] = ()
    geboren: tuple[str, ...] = ()
    behandelingen: tuple[Behandeling, ...] = ()
    lrv_drempels: tuple[LrvDrempel, ...] = ()
    vervallen_meldplichten: tuple[str, ...] = ()
    ongeoorloofd: tuple[EersteOngeoorloofd, ...] = ()


STATEFUL: tuple[type[Event], ...] = (
    registratie.LeerlingIngeschreven, registratie.LeerlingUitgeschreven,
    registratie.StartkwalificatieBehaald, registratie.Verhuisd, registratie.MeldingGeregistreerd,
    registratie.MeldingIngetrokken, registratie.MeldingEinddatumVastgesteld,
    registratie.AbsoluutVerzuimGesignaleerd, registratie.VrijstellingGeregistreerd,
    registratie.SignaalGegeven, registratie.PotentieelVsvGesignaleerd, registratie.Herinschrijving,
    registratie.MeldplichtBereikt, registratie.MeldplichtVervallen, leerplicht.InterventieUitgevoerd,
    leerplicht.RouteGekozen,
    leerplicht.MeldingInBehandeling,
    rmc.JongereAangemeld, rmc.JongereGeplaatst, rmc.NietBereikbaar, rmc.DossierGesloten,
)
STATEFUL_TYPES = frozenset(c.event_type for c in STATEFUL)

_TELT_ALS_LANGDURIG = frozenset({SignaalSoort.LANGDURIG_GEOORLOOFD, SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM})


_F = TypeVar("_F")


def _plus(items: tuple[_F, ...], new: _F) -> tuple[_F, ...]:
    return items if new in items else (*items, new)


_OUDST = datetime.min.replace(tzinfo=UTC)


def _recentst(i: Schoolinschrijving) -> tuple[datetime, str]:
    """The order of two views of one enrolment: the later recorded; on an equal time, the larger type
    as text (any order of arrival then gives the same)."""
    return (i.vastgelegd or _OUDST, i.school_type.value)


def _met_inschrijving(items: tuple[Schoolinschrijving, ...], nieuw: Schoolinschrijving,
                      ) -> tuple[Schoolinschrijving, ...]:
    """``items`` with enrolment ``nieuw``: of the views of one enrolment (school and ingangsdatum) only
    the one recorded last is kept, a maximum, so any order of the events and any split over recorded days
    gives the same (:func:`voeg_samen`).

    Why: a school that corrects an enrolment's school type (so and vso at one location) makes registratie
    publish it again; kept side by side, the pupil counted as enrolled at both types (the vsv startset).

    Grounds: domain.md C (each figure is reproducible from the log; the vsv startset).
    """
    for k, oud in enumerate(items):
        if oud.school == nieuw.school and oud.datum == nieuw.datum:
            if _recentst(nieuw) <= _recentst(oud):
                return items
            return (*items[:k], nieuw, *items[k + 1:])
    return (*items, nieuw)


def woon_gezien(ingangsdatum: date, peildatum: date) -> date:
    """The day an enrolment's woongemeente holds for: its ingangsdatum, or the day the enrolment was
    decided when that is later. **Decision**: registratie states the woongemeente it knows when it decides
    (it refuses another one, a move comes from DUO), so an enrolment published again later (a school's
    start-of-year file with the new class, a corrected type) tells where the pupil lives then, which after
    a move is not where they lived on the ingangsdatum. Dated at its ingangsdatum it tied with the first
    publication's municipality there, and the months before the move could count in the new one.

    Grounds: domain.md C (per woongemeente) and A4 (routed to the woongemeente).
    """
    return max(ingangsdatum, peildatum)


def met_ongeoorloofd(f: Feiten, regio: str, datum: date) -> Feiten:
    """``f`` with an unauthorised absence on ``datum`` in ``regio``: kept only if it is the earliest of
    its schooljaar and region (:class:`EersteOngeoorloofd`; a minimum, so any order gives the same).

    Grounds: domain.md C (pupils with unauthorised absence, with breakdowns) and A2.
    """
    nieuw = _met_eerste(f.ongeoorloofd, regio, datum)
    return f if nieuw is f.ongeoorloofd else f.model_copy(update={"ongeoorloofd": nieuw})


def _met_eerste(items: tuple[EersteOngeoorloofd, ...], regio: str, datum: date,
                ) -> tuple[EersteOngeoorloofd, ...]:
    """:func:`met_ongeoorloofd` on the tuple alone (``items`` itself when nothing changes)."""
    jaar = schooljaar(datum)
    zelfde = [e for e in items if e.regio == regio and schooljaar(e.datum) == jaar]
    if any(e.datum <= datum for e in zelfde):
        return items
    rest = tuple(e for e in items if e not in zelfde)
    return (*rest, EersteOngeoorloofd(regio=regio, datum=datum))


def _melding(f: Feiten, melding_id: object, **update: object) -> Feiten:
    key = str(melding_id)
    old = f.meldingen.get(key, MeldingFeit())
    new = old.model_copy(update=update)
    return f.model_copy(update={"meldingen": {**f.meldingen, key: new}})


def neem_op(f: Feiten, event: Event, regio: str, peildatum: date, vastgelegd: datetime | None = None) -> Feiten:
    """Fold one event into the person's facts. ``regio``: the region of the topic it came from (the
    region of residence, A4); ``peildatum``: the day it happened (the envelope's time, in NL);
    ``vastgelegd``: when the platform recorded it (the envelope's recordedtime).

    Commutative by construction: every branch adds a fact to a set, fills a field of one report
    that no other event fills, or keeps a maximum (an enrolment's latest recorded view), so any
    interleaving of a person's events gives the same facts.

    Grounds: domain.md C (each figure is reproducible from the log).
    """
    match event:
        case registratie.AfwezigheidGeregistreerd() if event.code in ONGEOORLOOFD:
            f = met_ongeoorloofd(f, regio, event.datum)
        case registratie.AfwezigheidGecorrigeerd() if event.nieuwe_code in ONGEOORLOOFD and event.datum:
            f = met_ongeoorloofd(f, regio, event.datum)  # recoded to ongeoorloofd (v1: day unknown)
        case registratie.LeerlingIngeschreven():
            f = f.model_copy(update={
                "woon": _plus(f.woon, Woonfeit(datum=woon_gezien(event.ingangsdatum, peildatum),
                                               gemeente=event.woongemeente, regio=regio)),
                "inschrijvingen": _plus(f.inschrijvingen, event.ingangsdatum),
                "schoolinschrijvingen": _met_inschrijving(f.schoolinschrijvingen, Schoolinschrijving(
                    datum=event.ingangsdatum, school=event.school.code, school_type=event.school_type,
                    vastgelegd=vastgelegd)),
                "geboren": _plus(f.geboren, event.geboortejaar_maand),
            })
        case registratie.LeerlingUitgeschreven():
            f = f.model_copy(update={
                "uitschrijvingen": _plus(f.uitschrijvingen, Uitschrijving(
                    datum=event.uitschrijfdatum, school=event.school.code, reden=event.reden)),
                "startkwalificaties": (_plus(f.startkwalificaties, event.uitschrijfdatum)
                                       if event.met_startkwalificatie else f.startkwalificaties),
            })
        case registratie.StartkwalificatieBehaald():
            f = f.model_copy(update={"startkwalificaties": _plus(f.startkwalificaties, event.datum)})
        case leerplicht.MeldingInBehandeling():
            f = f.model_copy(update={"behandelingen": _plus(f.behandelingen, Behandeling(
                melding=str(event.melding_id), dossier=str(event.dossier_id)))})
        case registratie.Verhuisd():
            oud = Woonfeit(datum=event.verhuisdatum - timedelta(days=1), gemeente=event.oude_gemeente,
                           regio=event.oude_regio)
            nieuw = Woonfeit(datum=event.verhuisdatum, gemeente=event.nieuwe_gemeente,
                             regio=event.nieuwe_regio, prio=1)
            f = f.model_copy(update={
                "woon": _plus(_plus(f.woon, oud), nieuw),
                "verhuizingen": _plus(f.verhuizingen, Verhuizing(
                    datum=event.verhuisdatum, oude_gemeente=event.oude_gemeente,
                    oude_regio=event.oude_regio)),
            })
        case registratie.MeldingGeregistreerd():
            f = _melding(f, event.melding_id, soort=event.soort, startdatum=event.startdatum,
                         einddatum_melding=event.einddatum, regio=regio, gemeld_op=peildatum)
            if event.woongemeente is not None:  # v2: where the pupil lived when the report was filed
                f = f.model_copy(update={"woon": _plus(f.woon, Woonfeit(
                    datum=peildatum, gemeente=event.woongemeente, regio=regio))})
            if event.geboortejaar_maand is not None:
                f = f.model_copy(update={"geboren": _plus(f.geboren, event.geboortejaar_maand)})
        case registratie.MeldplichtBereikt() if event.soort is MeldingSoort.LRV:
            f = f.model_copy(update={"lrv_drempels": _plus(f.lrv_drempels, LrvDrempel(
                vanaf=event.vanaf, bereikt_op=event.bereikt_op, meldplicht_id=str(event.meldplicht_id)))})
        case registratie.MeldplichtVervallen() if event.soort is MeldingSoort.LRV:
            f = f.model_copy(update={"vervallen_meldplichten": _plus(f.vervallen_meldplichten,
                                                                     str(event.meldplicht_id))})
        case registratie.MeldingEinddatumVastgesteld():
            f = _melding(f, event.melding_id, einddatum_vastgesteld=event.einddatum)
        case registratie.MeldingIngetrokken():
            f = _melding(f, event.melding_id, ingetrokken=True)
        case registratie.AbsoluutVerzuimGesignaleerd():
            f = f.model_copy(update={
                "absoluut": _plus(f.absoluut, AbsoluutFeit(peildatum=peildatum, sinds=event.sinds,
                                                           gemeente=event.woongemeente, regio=regio)),
                "geboren": _plus(f.geboren, event.geboortejaar_maand),
                "woon": _plus(f.woon, Woonfeit(datum=peildatum, gemeente=event.woongemeente, regio=regio)),
            })
        case registratie.VrijstellingGeregistreerd():
            f = f.model_copy(update={"vrijstellingen": {**f.vrijstellingen, str(event.vrijstelling_id):
                VrijstellingFeit(artikel=event.artikel, van=event.van, tot_en_met=event.tot_en_met,
                                 regio=regio, gemeente=event.woongemeente,
                                 geregistreerd_op=peildatum if event.woongemeente is not None else None)}})
        case registratie.SignaalGegeven() if event.soort in _TELT_ALS_LANGDURIG:
            f = f.model_copy(update={"signalen": {**f.signalen, str(event.signaal_id):
                SignaalFeit(peildatum=event.peildatum, regio=regio)}})
        case registratie.PotentieelVsvGesignaleerd():
            f = f.model_copy(update={
                "vsv": _plus(f.vsv, VsvFeit(uitschrijfdatum=event.uitschrijfdatum,
                                            gemeente=event.woongemeente, regio=regio)),
                "woon": _plus(f.woon, Woonfeit(datum=peildatum, gemeente=event.woongemeente, regio=regio)),
            })
        case registratie.Herinschrijving():
            f = f.model_copy(update={"herinschrijvingen": _plus(f.herinschrijvingen, event.ingangsdatum)})
        case leerplicht.InterventieUitgevoerd():
            f = f.model_copy(update={"interventies": {**f.interventies, str(event.interventie_id):
                InterventieFeit(soort=event.soort, datum=event.datum, uitkomst=event.uitkomst, regio=regio)}})
        case leerplicht.RouteGekozen():
            routes = f.routes
            for r in event.routes:
                routes = _plus(routes, RouteFeit(dossier=str(event.dossier_id), route=r, datum=event.datum,
                                                 regio=regio))
            f = f.model_copy(update={"routes": routes})
        case rmc.JongereAangemeld():
            f = f.model_copy(update={
                "rmc": _plus(f.rmc, RmcFeit(soort="aangemeld", dossier=str(event.dossier_id),
                                            datum=event.datum, regio=regio)),
                "geboren": _plus(f.geboren, event.geboortejaar_maand),
                "woon": _plus(f.woon, Woonfeit(datum=event.datum, gemeente=event.woongemeente, regio=regio)),
            })
        case rmc.JongereGeplaatst():
            f = f.model_copy(update={"rmc": _plus(f.rmc, RmcFeit(
                soort="geplaatst", dossier=str(event.dossier_id), datum=event.startdatum,
                bestemming=event.bestemming, regio=regio))})
        case rmc.NietBereikbaar():
            f = f.model_copy(update={"rmc": _plus(f.rmc, RmcFeit(
                soort="niet_bereikbaar", dossier=str(event.dossier_id), datum=event.datum, regio=regio))})
        case rmc.DossierGesloten() if event.reden is RmcSluitreden.GEPLAATST_DUURZAAM:
            f = f.model_copy(update={"rmc": _plus(f.rmc, RmcFeit(
                soort="duurzaam", dossier=str(event.dossier_id), datum=event.datum, regio=regio))})
        case _:
            pass
    return f


def _unie(a: tuple[_F, ...], b: tuple[_F, ...]) -> tuple[_F, ...]:
    if not b:
        return a
    if not a:
        return b
    seen = set(a)
    return (*a, *(x for x in b if x not in seen))


_K = TypeVar("_K")


def _kies(a: _K | None, b: _K | None) -> _K | None:
    """One field of a report from two partial views: the one that is set; if both are set and differ
    (only possible for contradicting events with one id), the larger as text, so the choice does not
    depend on the order."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    return max(a, b, key=str)


def _meng_melding(a: MeldingFeit, b: MeldingFeit) -> MeldingFeit:
    return MeldingFeit.model_construct(
        soort=_kies(a.soort, b.soort), startdatum=_kies(a.startdatum, b.startdatum),
        einddatum_melding=_kies(a.einddatum_melding, b.einddatum_melding),
        einddatum_vastgesteld=_kies(a.einddatum_vastgesteld, b.einddatum_vastgesteld),
        ingetrokken=a.ingetrokken or b.ingetrokken, regio=_kies(a.regio, b.regio),
        gemeld_op=_kies(a.gemeld_op, b.gemeld_op),
    )


LEEG = Feiten()


def is_leeg(f: Feiten) -> bool:
    """``f == LEEG`` without pydantic's ``__eq__`` (issue 16: the fold asks this for every day of every
    person): every field of :class:`Feiten` is a tuple or a dict, all empty in ``LEEG``. A person without
    facts is in no figure (domain.md C: the figures count persons by the events recorded about them)."""
    return f is LEEG or not any(f.__dict__.values())


def voeg_samen(a: Feiten, b: Feiten) -> Feiten:
    """The facts of two sets of events together: ``fold(x + y) == voeg_samen(fold(x), fold(y))``.

    Why: the as-of history (:mod:`telling.domain.historie`) keeps a person's facts per recorded day and
    needs the facts as they stood on any day, i.e. the union of the days up to it. Every part of
    :class:`Feiten` is a set (tuples without duplicates, dicts keyed by an event's id) and a report's
    fields are each filled by one kind of event, so the union is well defined and commutative
    (compared by membership: tuple order is irrelevant to :func:`lidmaatschappen`).

    Grounds: domain.md C (each figure is reproducible from the log).
    """
    if is_leeg(b):
        return a
    if is_leeg(a):
        return b
    # Only b's non-empty fields change anything (a day usually holds one or two kinds of fact): the
    # others keep a's value, as the union with an empty set or mapping gives (eighth round of issue 16:
    # the unions of every field hashed every fact of ``a`` at every point of every fold).
    velden = dict(a.__dict__)
    for naam, waarde in b.__dict__.items():
        if not waarde:
            continue
        oud = velden[naam]
        if naam == "meldingen":
            meldingen = dict(oud)
            for k, m in waarde.items():
                meldingen[k] = _meng_melding(meldingen[k], m) if k in meldingen else m
            velden[naam] = meldingen
        elif naam in _MAPPINGS:
            velden[naam] = {**oud, **waarde}
        elif naam == "ongeoorloofd":
            velden[naam] = _eerste_unie(oud, waarde)
        elif naam == "schoolinschrijvingen":
            for i in waarde:
                oud = _met_inschrijving(oud, i)
            velden[naam] = oud
        else:
            velden[naam] = _unie(oud, waarde)
    return _bouw(**velden)


_MAPPINGS = frozenset({"vrijstellingen", "signalen", "interventies"})
"""The fields of :class:`Feiten` keyed by an event's id besides ``meldingen``: the later view of a key wins."""


def _eerste_unie(a: tuple[EersteOngeoorloofd, ...], b: tuple[EersteOngeoorloofd, ...],
                 ) -> tuple[EersteOngeoorloofd, ...]:
    for e in b:
        a = _met_eerste(a, e.regio, e.datum)
    return a


_FEITEN_VELDEN = tuple(Feiten.model_fields)


def _bouw(**velden: Any) -> Feiten:
    """``Feiten.model_construct(**velden)`` for a complete set of fields, as that sets them (the same
    ``__dict__``, fields set, no extra, no private), without its per-field defaults and alias lookups:
    :func:`voeg_samen` builds one for every day of every folded person (issue 16)."""
    f = Feiten.__new__(Feiten)
    object.__setattr__(f, "__dict__", {k: velden[k] for k in _FEITEN_VELDEN})
    object.__setattr__(f, "__pydantic_fields_set__", set(_FEITEN_VELDEN))
    object.__setattr__(f, "__pydantic_extra__", None)
    object.__setattr__(f, "__pydantic_private__", None)
    return f


def woonplaats(f: Feiten, d: date) -> Woonfeit | None:
    """Where the person lived on ``d``: the latest observation on or before ``d``, else the earliest
    one after it. Order-independent (a set lookup), so a move processed late changes nothing.

    Grounds: domain.md C (per woongemeente) and A4 (routed to the woongemeente).
    """
    if not f.woon:
        return None
    voor = [w for w in f.woon if w.datum <= d]
    if voor:
        return max(voor, key=lambda w: (w.datum, w.prio, w.gemeente))
    return min(f.woon, key=lambda w: (w.datum, -w.prio, w.gemeente))


def lidmaatschappen(f: Feiten, lid: str, klok: date | None = None) -> frozenset[Membership]:
    """All memberships that follow from one person's facts (the definitions in :data:`INDICATOREN`).

    ``klok``: the last day that has passed according to the log (module docstring); ``None`` knows no
    time beyond the facts themselves: an open report then counts only in its start year, and nothing
    that needs a peildatum (the vsv startset) counts. The projection stores the difference between the
    memberships before and after a batch; a cell's value is then the number of distinct members (with
    ≥ ``drempel`` sources).

    Grounds: domain.md C (every figure; leerplichttelling per art. 25 Lpw).
    """
    out: set[Membership] = set()
    splits: dict[date, tuple[str, ...]] = {}

    def tel(ind: str, periode: str, d: date, regio: str, bron: str, *, gemeente: str | None = None,
            wie: str = lid, woon: bool = True) -> None:
        if gemeente is None and woon:
            w = woonplaats(f, d)
            if w is not None:
                gemeente, regio = w.gemeente, w.regio
        u: tuple[str, ...] = ()
        if INDICATOREN[ind].soort == "personen":
            if d not in splits:
                splits[d] = uitsplitsingen_op(f, d)
            u = splits[d]
        out.update(_gedeelde_leden(ind, periode, regio, gemeente, u, wie, bron))

    for mid, m in f.meldingen.items():
        if m.ingetrokken or m.soort is None or m.startdatum is None or m.regio is None:
            continue
        start, regio = m.startdatum, m.regio
        if m.soort is MeldingSoort.ZESTIEN_UUR:
            d = m.einddatum_melding or start
            for ind in ("relatief_verzuim", "relatief_verzuim_herhaald"):
                tel(ind, schooljaar(d), d, regio, mid)
        elif m.soort is MeldingSoort.LUXE:
            tel("luxeverzuim", schooljaar(start), start, regio, mid)
        elif m.soort is MeldingSoort.ABSOLUUT:
            for ind in ("absoluut_verzuim", "thuiszitters", "leerrecht_telling"):
                tel(ind, schooljaar(start), start, regio, mid)
        elif m.soort is MeldingSoort.LRV:
            _lrv(f, mid, m, start, regio, tel, klok)

    for a in f.absoluut:
        for ind in ("absoluut_verzuim", "thuiszitters", "leerrecht_telling"):
            tel(ind, schooljaar(a.peildatum), a.peildatum, a.regio, f"abs:{a.sinds}", gemeente=a.gemeente)
    for sinds in {a.sinds for a in f.absoluut}:
        laatste = max((a for a in f.absoluut if a.sinds == sinds), key=lambda a: (a.peildatum, a.gemeente))
        terug = [d for d in f.inschrijvingen if d >= sinds]
        eind = min(terug) if terug else max(laatste.peildatum, klok or laatste.peildatum)
        drie = plus_maanden(sinds, 3)
        if eind > drie:
            tel("absoluut_verzuim_langer_dan_3_maanden", schooljaar(drie), drie, laatste.regio,
                f"abs:{sinds}", gemeente=laatste.gemeente)

    for vid, v in f.vrijstellingen.items():
        for jaar in schooljaren(v.van, _vrijstelling_tot(f, v, klok)):
            d = max(v.van, schooljaar_begin(jaar))
            regio, gemeente = _vrijstelling_woongemeente(f, v, d)
            tel(f"vrijstellingen_{v.artikel.value}", jaar, d, regio, vid, gemeente=gemeente)
            if v.artikel is Vrijstellingsartikel.ARTIKEL_5A:
                tel("leerrecht_telling", jaar, d, regio, vid, gemeente=gemeente)

    for eo in f.ongeoorloofd:
        # national and in the region of the absence's topic, as always; no municipality (woon=False)
        tel("leerlingen.met_ongeoorloofde_afwezigheid", schooljaar(eo.datum), eo.datum, eo.regio, "afwezigheid",
            woon=False)

    for sid, s in f.signalen.items():
        for ind in ("langdurig_geoorloofd_afwezig", "leerrecht_telling"):
            tel(ind, schooljaar(s.peildatum), s.peildatum, s.regio, sid)

    for iid, i in f.interventies.items():
        jaar = schooljaar(i.datum)
        if i.soort is InterventieSoort.PROCES_VERBAAL:
            tel("processen_verbaal", jaar, i.datum, i.regio, iid)
        elif i.soort is InterventieSoort.HALT_VERWIJZING:
            tel("halt_verwijzingen", jaar, i.datum, i.regio, iid)
            if i.uitkomst is InterventieUitkomst.HALT_POSITIEF:
                tel("halt_positief", jaar, i.datum, i.regio, iid)
            elif i.uitkomst is InterventieUitkomst.HALT_NEGATIEF:
                tel("halt_negatief", jaar, i.datum, i.regio, iid)
            if _opnieuw_gemeld(f, i.datum):
                tel("halt_recidive", jaar, i.datum, i.regio, iid)

    for r in f.routes:
        jaar = schooljaar(r.datum)
        tel(f"mas_route_{r.route.value.lower()}", jaar, r.datum, r.regio, "", wie=r.dossier)
        tel("mas_dossiers_met_route", jaar, r.datum, r.regio, "", wie=r.dossier)
    _tijd_tot_route(f, tel)

    for u in f.vsv:
        jaar = vsvjaar(u.uitschrijfdatum)
        bron = f"vsv:{u.uitschrijfdatum}"
        tel("potentieel_vsv", jaar, u.uitschrijfdatum, u.regio, bron, gemeente=u.gemeente)
        if any(d >= u.uitschrijfdatum for d in f.herinschrijvingen):
            tel("potentieel_vsv_heringeschreven", jaar, u.uitschrijfdatum, u.regio, bron, gemeente=u.gemeente)

    for e in f.rmc:
        jaar = schooljaar(e.datum)
        if e.soort == "aangemeld":
            tel("doorstroompunt_aangemeld", jaar, e.datum, e.regio, e.dossier)
        elif e.soort == "geplaatst" and e.bestemming is not None:
            tel("doorstroompunt_geplaatst", jaar, e.datum, e.regio, e.dossier)
            tel(f"doorstroompunt_geplaatst_{e.bestemming.value.lower()}", jaar, e.datum, e.regio, e.dossier)
        elif e.soort == "niet_bereikbaar":
            tel("doorstroompunt_niet_bereikbaar", jaar, e.datum, e.regio, e.dossier)
        elif e.soort == "duurzaam":
            tel("doorstroompunt_geplaatst_duurzaam", jaar, e.datum, e.regio, e.dossier)
    _tijd_tot_plaatsing(f, tel)
    if klok is not None:
        _vsv_startset(f, klok, tel)
    return frozenset(out)


_VERZUIMMELDING = frozenset({MeldingSoort.ZESTIEN_UUR, MeldingSoort.LUXE, MeldingSoort.LRV})
VSV_SCHOOLTYPES = frozenset({SchoolType.VO, SchoolType.VSO, SchoolType.MBO})
"""The vsv startset counts pupils in vo and mbo (and, in this platform, vso: domain.md C's "(v)so")."""


def uitsplitsingen_op(f: Feiten, d: date) -> tuple[str, ...]:
    """The breakdown categories of the person on ``d`` (C): the school type of the enrolment active
    then (the latest started; ``geen`` when not enrolled) and the age band (when the birth month is
    known). **Decision**: a person counts in one school type per cell, that of the reference day of
    the fact (a report's start, a signal's day, 1 October for the startset). What is unknown is left
    out: the categories then add up to less than the total (a residual the disclosure control treats
    as known, the cautious choice).

    Grounds: domain.md C (breakdowns by school type and age band).
    """
    actief = actieve_inschrijvingen(f, d)
    out: list[str] = []
    if actief:
        st = _TELLING_SCHOOLTYPE[max(actief, key=lambda i: (i.datum, i.school)).school_type]
        out.append(f"{SCHOOLTYPE}:{st.value}")
    elif f.schoolinschrijvingen or f.absoluut:
        # known not to be enrolled then; without any enrolment on the log (enrolled before the
        # platform started) the school type is unknown and the person counts only in the total
        out.append(f"{SCHOOLTYPE}:{TellingSchoolType.GEEN.value}")
    if f.geboren and min(f.geboren) <= geboortejaar_maand(d):  # "JJJJ-MM" orders as text
        out.append(f"{LEEFTIJD}:{leeftijdsband(leeftijd_op(min(f.geboren), d))}")
    return tuple(out)


VRIJSTELLING_HOOGSTENS_JAREN = 13
"""An open-ended vrijstelling counts at most this many schooljaren when the birth month is unknown: the
longest a person can be leer- or kwalificatieplichtig (from 5 to 18, A1). **Decision**."""


def _vrijstelling_tot(f: Feiten, v: VrijstellingFeit, klok: date | None) -> date:
    """The last day an exemption counts: its end date; without one, the klok (the log's today), but
    not past the schooljaar in which the person turns 18 (A1: no plicht left to exempt from)."""
    if v.tot_en_met is not None:
        return v.tot_en_met
    if klok is None or klok <= v.van:
        return v.van
    if f.geboren:
        achttien = int(min(f.geboren)[:4]) + 18
        grens = date(achttien, 7, 31) if int(min(f.geboren)[5:7]) < 8 else date(achttien + 1, 7, 31)
    else:
        grens = date(int(schooljaar(v.van)[:4]) + VRIJSTELLING_HOOGSTENS_JAREN, 7, 31)
    return max(v.van, min(klok, grens))


def _vrijstelling_woongemeente(f: Feiten, v: VrijstellingFeit, d: date) -> tuple[str, str | None]:
    """(region, woongemeente) a vrijstelling counts in on ``d`` (C, Decision: the woongemeente DUO
    stated for it, enrolled or not). Why not the residence telling otherwise knows: a 5a child is
    normally enrolled nowhere, so there is none, and DUO is the register of residence. A move DUO
    reports after the vrijstelling was registered, on or before ``d``, is newer: then the residence on
    ``d``. A v1 vrijstelling states none: ``None``, the residence telling knows decides (as before)."""
    if v.gemeente is None or v.geregistreerd_op is None:
        return v.regio, None
    if any(v.geregistreerd_op < m.datum <= d for m in f.verhuizingen):
        return v.regio, None
    return v.regio, v.gemeente


def _opnieuw_gemeld(f: Feiten, verwezen: date) -> bool:
    """Re-offending after a Halt referral on ``verwezen`` (:data:`HALT_RECIDIVE_MAANDEN`)."""
    tot = plus_maanden(verwezen, HALT_RECIDIVE_MAANDEN)
    return any(not m.ingetrokken and m.soort in _VERZUIMMELDING and m.startdatum is not None
               and verwezen < m.startdatum <= tot for m in f.meldingen.values())


def _tijd_tot_route(f: Feiten, tel: _Tel) -> None:
    """Per dossier: calendar days from the earliest report date of its reports to its first route."""
    eerste: dict[str, RouteFeit] = {}
    for r in f.routes:
        e = eerste.get(r.dossier)
        if e is None or (r.datum, r.regio) < (e.datum, e.regio):
            eerste[r.dossier] = r
    for dossier, r in sorted(eerste.items()):
        gemeld = [m.gemeld_op for b in f.behandelingen if b.dossier == dossier
                  for m in (f.meldingen.get(b.melding),) if m is not None and m.gemeld_op is not None]
        if not gemeld:
            continue
        dagen = (r.datum - min(gemeld)).days
        naam = next(n for grens, n, _ in MAS_TIJD_TOT_ROUTE if grens is None or dagen <= grens)
        tel(f"mas_tijd_tot_route_{naam}", schooljaar(r.datum), r.datum, r.regio, "", wie=dossier)


def _tijd_tot_plaatsing(f: Feiten, tel: _Tel) -> None:
    """Per Doorstroompunt dossier and placement: months from aanmelding to the placement's start."""
    aangemeld: dict[str, date] = {}
    for e in f.rmc:
        if e.soort == "aangemeld" and (e.dossier not in aangemeld or e.datum < aangemeld[e.dossier]):
            aangemeld[e.dossier] = e.datum
    for e in f.rmc:
        if e.soort != "geplaatst" or e.dossier not in aangemeld:
            continue
        begin = aangemeld[e.dossier]
        naam = next(n for grens, n, _ in PLAATSING_BINNEN
                    if grens is None or e.datum <= plus_maanden(begin, grens))
        tel(f"doorstroompunt_geplaatst_{naam}", schooljaar(e.datum), e.datum, e.regio, e.dossier)


def leeftijd_op(geboortejaar_maand: str, d: date) -> int:
    """Age in whole years on ``d`` from birth year and month (the log never has the day), by the
    platform's one age function (A1, :func:`leerrecht.leeftijd.leeftijd_op`). **Decision**: inside the
    birth month the doubt falls on the older side (the birthday counts from the first of the birth
    month), as the figures have always counted; no rule decides a person's help here, and keeping the
    side keeps the series (and the definition versions) unchanged.

    Grounds: domain.md A1, Decision (one age convention) and C (age bands).
    """
    return _leeftijd_op(geboortejaar_maand, d, Twijfel.OUDST)


def actieve_inschrijvingen(f: Feiten, d: date) -> list[Schoolinschrijving]:
    """The enrolments active on ``d``: from on or before ``d`` and not ended before ``d`` by an
    un-enrolment at that school (the un-enrolment date is the last day).

    Grounds: domain.md C (breakdowns by school type; the vsv startset).
    """
    if not f.uitschrijvingen:  # the usual person: nothing ends an enrolment
        return [i for i in f.schoolinschrijvingen if i.datum <= d]
    return [i for i in f.schoolinschrijvingen if i.datum <= d
            and not any(u.school == i.school and i.datum <= u.datum < d for u in f.uitschrijvingen)]


def ingeschreven_op(f: Feiten, d: date, types: frozenset[SchoolType] | None = None) -> bool:
    """Enrolled on ``d`` at a school (of one of ``types``).

    Grounds: domain.md C (the vsv startset: enrolled on 1 October).
    """
    return any(types is None or i.school_type in types for i in actieve_inschrijvingen(f, d))


def _in_startset(f: Feiten, peildatum: date) -> bool:
    if (not f.geboren or min(f.geboren) > geboortejaar_maand(peildatum)
            or leeftijd_op(min(f.geboren), peildatum) >= VSV_LEEFTIJDSGRENS):
        return False
    if any(d <= peildatum for d in f.startkwalificaties):
        return False
    return ingeschreven_op(f, peildatum, VSV_SCHOOLTYPES)


def _vsv_startset(f: Feiten, klok: date, tel: _Tel) -> None:
    """The startset of every vsv-jaar whose 1 October has passed, and who left it a year later (C)."""
    vsv = [i.datum for i in f.schoolinschrijvingen if i.school_type in VSV_SCHOOLTYPES]
    if not vsv:
        return
    for jaar in range(min(vsv).year, klok.year + 1):
        peil = date(jaar, 10, 1)
        if peil > klok or not _in_startset(f, peil):
            continue
        w = woonplaats(f, peil)
        if w is None:
            continue
        periode, bron = vsvjaar(peil), f"vsv:{jaar}"
        tel("vsv_startset", periode, peil, w.regio, bron, gemeente=w.gemeente)
        later = date(jaar + 1, 10, 1)
        if (later <= klok and not ingeschreven_op(f, later)
                and not any(d <= later for d in f.startkwalificaties)
                and not any(u.reden is UitschrijvingsReden.EMIGRATIE and peil <= u.datum < later
                            for u in f.uitschrijvingen)):
            tel("vsv_nieuw", periode, peil, w.regio, bron, gemeente=w.gemeente)


def grenzen(f: Feiten, na: date, tot: date) -> list[date]:
    """The days ``t`` in ``(na, tot]`` on which the person's memberships may change with the klok alone:
    ``lidmaatschappen(f, lid, t)`` can differ from ``(…, t - 1 day)`` only on these days.

    Why: the projection recomputes a person when the klok passes their next such day (their
    ``wekker``) and the as-of history records a change on exactly that day, so figures move with
    time without a daily pass over every person. A superset is harmless (a day without change writes
    nothing); a missing day would be a wrong figure, which the property test guards.

    Grounds: domain.md C (figures that need time to pass: LRV > 3 months, the startset on 1 October).
    """
    return list(dict.fromkeys(takewhile(lambda t: t <= tot, _grenzen(f, na))))


def volgende_grens(f: Feiten, na: date, voor: date | None = None) -> date | None:
    """The first of :func:`grenzen` after ``na`` (and before ``voor``), or ``None``.

    Grounds: domain.md C (figures that need time to pass).
    """
    t = next(_grenzen(f, na), None)
    return t if t is not None and (voor is None or t < voor) else None


def _grenzen(f: Feiten, na: date) -> Iterator[date]:
    bronnen: list[Iterator[date]] = []
    for m in f.meldingen.values():
        if (m.soort is MeldingSoort.LRV and not m.ingetrokken and m.startdatum is not None
                and m.einddatum is None):
            bronnen.append(_lrv_grenzen(m.startdatum, na))
    for sinds in {a.sinds for a in f.absoluut}:
        if not any(d >= sinds for d in f.inschrijvingen):
            bronnen.append(iter([plus_maanden(sinds, 3) + timedelta(days=1)]))
    bronnen.append(_vsv_grenzen(f, na))
    for v in f.vrijstellingen.values():
        if v.tot_en_met is None:  # open-ended: every 1 August it may count in a new schooljaar
            laatste = _vrijstelling_tot(f, v, date.max).year
            bronnen.append(date(j, 8, 1) for j in range(max(v.van.year, na.year), laatste + 1))
    return (t for t in heapq.merge(*bronnen) if t > na)


def _lrv_grenzen(start: date, na: date) -> Iterator[date]:
    """An open LRV report: every 1 August (a new schooljaar it is open in), every 1 September (open on
    1 September) and the day after 3 months (from the year of ``na`` on: earlier ones are not asked)."""
    drie = plus_maanden(start, 3) + timedelta(days=1)
    jaar = max(start.year, na.year)
    while True:
        yield from sorted((date(jaar, 8, 1), date(jaar, 9, 1), *((drie,) if drie.year == jaar else ())))
        jaar += 1


def _vsv_grenzen(f: Feiten, na: date) -> Iterator[date]:
    """Every 1 October on which the person is, or a year earlier was, in vo/(v)so/mbo (startset and
    new vsv'er, :func:`_vsv_startset`), bounded by the vsv age limit (from the year of ``na`` on).

    Why by periods: an enrolment is active from its day up to its first un-enrolment at that school on
    or after it (:func:`actieve_inschrijvingen`), so the periods answer :func:`ingeschreven_op` for every
    1 October at once, and once the last period has ended no later year can yield. The year by year
    calls were the largest part of the klok's boundaries, asked at every point of every fold, and a
    person who left school walked every year up to the age limit to find none (issue 16, eighth round)."""
    perioden = _vsv_perioden(f)
    if not perioden:
        return
    begin = max(min(van for van, _ in perioden).year, na.year)
    eind = (int(min(f.geboren)[:4]) + VSV_LEEFTIJDSGRENS + 2) if f.geboren else begin + 40
    laatste = max(tot for _, tot in perioden)
    if laatste < date.max:  # after the last period ends, neither 1 October of a later year is in one
        eind = min(eind, laatste.year + 2)
    for jaar in range(begin, eind + 1):
        peil, vorig = date(jaar, 10, 1), date(jaar - 1, 10, 1)
        if any(van <= peil <= tot or van <= vorig <= tot for van, tot in perioden):
            yield peil


def _vsv_perioden(f: Feiten) -> list[tuple[date, date]]:
    """(first day, last day) of every vo/(v)so/mbo enrolment: the last day is the earliest un-enrolment
    at that school on or after the first (``date.max``: none), the days :func:`actieve_inschrijvingen`
    counts it active."""
    return [(i.datum, min((u.datum for u in f.uitschrijvingen if u.school == i.school and u.datum >= i.datum),
                          default=date.max))
            for i in f.schoolinschrijvingen if i.school_type in VSV_SCHOOLTYPES]


def lrv_drempel(f: Feiten, m: MeldingFeit, start: date) -> date:
    """The day an LRV report's absence became LRV (C, Decision "at 1 Sept" / "new"): registratie's own
    ``MeldplichtBereikt`` for the run that starts on the report's first day of absence (the earliest,
    should there be several); without one (a report the school filed on its own, or from before the
    platform), the day the report was filed, which a report always follows; as a last resort the
    earliest day "more than 4 lesweken" can end (4 weeks after the first day). A duty that lapsed
    (``MeldplichtVervallen``: recoded, a vrijstelling) fixed no threshold and is left out.

    Grounds: domain.md C, Decision (LRV at 1 Sept / new) and A3.2.
    """
    bereikt = [d.bereikt_op for d in f.lrv_drempels
               if d.vanaf == start and (d.meldplicht_id is None or d.meldplicht_id not in f.vervallen_meldplichten)]
    if bereikt:
        return min(bereikt)
    return m.gemeld_op if m.gemeld_op is not None else start + timedelta(days=28)


def _lrv(f: Feiten, mid: str, m: MeldingFeit, start: date, regio: str, tel: _Tel,
         klok: date | None) -> None:
    """LRV (A3.2) in the leerplichttelling's breakdown: open in the year, at 1 Sept, new, > 3 months,
    moved away. A report without an end date is open up to the klok (without one: its start year).
    An LRV counts from the schooljaar its threshold was reached (:func:`lrv_drempel`): "at 1 Sept"
    when reached before 1 September and still open then, "new" when reached from 1 September on."""
    eind = m.einddatum
    open_tot = eind or (max(start, klok) if klok is not None else start)
    drempel = lrv_drempel(f, m, start)
    van = drempel if drempel <= open_tot else start  # an end before the threshold: a data error, as before
    for jaar in schooljaren(van, open_tot):
        begin = schooljaar_begin(jaar)
        d = max(start, begin)
        for ind in ("lrv", "thuiszitters", "leerrecht_telling"):
            tel(ind, jaar, d, regio, mid)
        sep1 = date(begin.year, 9, 1)
        if drempel < sep1 and (eind >= sep1 if eind is not None else klok is None or klok >= sep1):
            tel("lrv_op_1_september", jaar, sep1, regio, mid)
    if drempel >= date(schooljaar_begin(schooljaar(drempel)).year, 9, 1):
        tel("lrv_nieuw", schooljaar(drempel), max(start, drempel), regio, mid)
    drie = plus_maanden(start, 3)
    if (eind if eind is not None else klok or start) > drie:
        tel("lrv_langer_dan_3_maanden", schooljaar(drie), drie, regio, mid)
    for v in f.verhuizingen:
        if start <= v.datum and (eind is None or eind >= v.datum):
            tel("lrv_verhuisd", schooljaar(v.datum), v.datum, v.oude_regio, f"{mid}@{v.datum}",
                gemeente=v.oude_gemeente)


class _Tel(Protocol):
    """The signature of the ``tel`` closure in :func:`lidmaatschappen` (for mypy)."""

    def __call__(self, ind: str, periode: str, d: date, regio: str, bron: str, *,
                 gemeente: str | None = None, wie: str = "", woon: bool = True) -> None: ...


def waarden(leden: Iterable[Membership]) -> dict[Cell, int]:
    """The value of every cell: distinct members with at least the indicator's ``drempel`` sources.

    The reference for what the projection computes in SQL (used by tests and the pure fold).

    Grounds: domain.md C (unique persons, not incidents).
    """
    # in a set each membership is unique, so a (cell, member)'s number of memberships is its number of
    # distinct sources: counted without building a set of sources per member (issue 16: the fold runs
    # this for every point of every person's history)
    uniek = leden if isinstance(leden, (set, frozenset)) else set(leden)
    bronnen: dict[tuple[Cell, str], int] = {}
    for m in uniek:
        k = (m.cell, m.person)
        bronnen[k] = bronnen.get(k, 0) + 1
    uit: dict[Cell, int] = {}
    for (cell, _), n in bronnen.items():
        uit[cell] = uit.get(cell, 0) + (n >= INDICATOREN[cell.indicator].drempel)
    return uit
