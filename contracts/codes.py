"""Fixed national code lists (domain.md A2, A4, A5, A6, C): the vocabulary every event speaks.

These enums *are* the versioned code set that domain.md A2 asks for. They are versioned through the
events that use them: an enum becomes part of each event's JSON Schema snapshot
(``contracts/schemas/<type>/v<N>.json``), so removing or renaming a value is caught by
:func:`contracts.compat.breaking_changes` and forces a new schema version with an upcaster. Adding
a value is backward compatible (consumers are upgraded before producers, see :mod:`contracts.compat`).

Wire values are the member names (upper-case Dutch terms), except where a national standard has a
short form of its own: school types use DUO's lower-case ``po``/``vo``/... and vrijstelling articles
use the article numbers (``5a``) as they appear in the Leerplichtwet and the leerplichttelling.
"""

from __future__ import annotations

from enum import StrEnum


class AfwezigheidCode(StrEnum):
    """The national absence code set (domain.md A2): one code per registered absence."""

    ZIEK = "ZIEK"
    VERLOF_VAKANTIE = "VERLOF_VAKANTIE"
    VERLOF_GEWICHTIG = "VERLOF_GEWICHTIG"
    RELIGIEUS = "RELIGIEUS"
    SCHORSING = "SCHORSING"
    SCHOOL_GESLOTEN = "SCHOOL_GESLOTEN"
    ONGEOORLOOFD = "ONGEOORLOOFD"
    TE_LAAT = "TE_LAAT"
    LUXE = "LUXE"
    ONBEKEND = "ONBEKEND"

    @property
    def geoorloofd(self) -> bool:
        """Authorised absence? ``ONBEKEND`` is *not* authorised: it counts as ongeoorloofd until recoded."""
        return self in _GEOORLOOFD

    @property
    def voorlopig(self) -> bool:
        """Provisional code (A2): ``ONBEKEND`` must be recoded within 2 school days."""
        return self is AfwezigheidCode.ONBEKEND

    @property
    def telt_voor_meldplicht(self) -> bool:
        """Counts towards the 16-uur rule (A3.1): ONGEOORLOOFD, TE_LAAT, LUXE and provisional ONBEKEND."""
        return not self.geoorloofd

    @property
    def wettelijke_grond(self) -> str | None:
        """Legal ground in the Leerplichtwet 1969 (A2 table), ``None`` where the law gives none."""
        return _WETTELIJKE_GROND.get(self)


_GEOORLOOFD = frozenset(
    {
        AfwezigheidCode.ZIEK,
        AfwezigheidCode.VERLOF_VAKANTIE,
        AfwezigheidCode.VERLOF_GEWICHTIG,
        AfwezigheidCode.RELIGIEUS,
        AfwezigheidCode.SCHORSING,
        AfwezigheidCode.SCHOOL_GESLOTEN,
    }
)

_WETTELIJKE_GROND: dict[AfwezigheidCode, str] = {
    AfwezigheidCode.ZIEK: "art. 11 d Lpw",
    AfwezigheidCode.VERLOF_VAKANTIE: "art. 11 f, 13a Lpw",
    AfwezigheidCode.VERLOF_GEWICHTIG: "art. 11 g, 14 Lpw",
    AfwezigheidCode.RELIGIEUS: "art. 11 e, 13 Lpw",
    AfwezigheidCode.SCHORSING: "art. 11 c Lpw",
    AfwezigheidCode.SCHOOL_GESLOTEN: "art. 11 a, b Lpw",
    AfwezigheidCode.LUXE: "art. 13a Lpw",
}


class UrenEenheid(StrEnum):
    """Unit of absence hours (A2): primary schools count clock hours, vo/mbo lesson hours (≤ 60 min)."""

    KLOKUUR = "KLOKUUR"
    LESUUR = "LESUUR"


class SchoolType(StrEnum):
    """School type as DUO names it. ``so`` is included next to ``vso`` because domain.md C breaks
    figures down by "(v)so"; both count like their regular counterparts for hours (A2)."""

    PO = "po"
    SO = "so"
    VO = "vo"
    VSO = "vso"
    MBO = "mbo"

    @property
    def uren_eenheid(self) -> UrenEenheid:
        """Primary (po, so) counts clock hours; secondary and mbo count lesson hours (A2)."""
        return UrenEenheid.KLOKUUR if self in (SchoolType.PO, SchoolType.SO) else UrenEenheid.LESUUR


class VoStructuur(StrEnum):
    """A vo location's education structure as DUO names it (``ONDERWIJSSTRUCTUUR``, domain.md B):
    ``VBO``/``MAVO`` (vmbo), ``HAVO``, ``VWO``, ``PRO`` (praktijkonderwijs) and ``BRUGJAAR`` (a
    location that only holds the first, undivided year(s))."""

    VBO = "VBO"
    MAVO = "MAVO"
    HAVO = "HAVO"
    VWO = "VWO"
    PRO = "PRO"
    BRUGJAAR = "BRUGJAAR"


class TellingSchoolType(StrEnum):
    """School-type breakdown of the figures (domain.md C): po, vo, mbo, (v)so, none."""

    PO = "po"
    VO = "vo"
    MBO = "mbo"
    V_SO = "(v)so"
    GEEN = "geen"


class Vakantieregio(StrEnum):
    """The school's holiday region: its holiday weeks are skipped when counting lesweken (A3.1)."""

    NOORD = "NOORD"
    MIDDEN = "MIDDEN"
    ZUID = "ZUID"


class MeldingSoort(StrEnum):
    """Kind of verzuimmelding (A3)."""

    ZESTIEN_UUR = "ZESTIEN_UUR"  # A3.1, art. 21a Lpw
    LRV = "LRV"  # A3.2 langdurig relatief verzuim
    LUXE = "LUXE"  # A3.3 luxeverzuim
    OVERIG = "OVERIG"  # A3.4 optional, below threshold
    ACHTTIEN_PLUS = "ACHTTIEN_PLUS"  # A3.5 to the Doorstroompunt
    ABSOLUUT = "ABSOLUUT"  # A3.6 not enrolled anywhere

    @property
    def verplicht(self) -> bool:
        """Must be reported by law (everything except OVERIG, A3.4)."""
        return self is not MeldingSoort.OVERIG


class MeldingStatus(StrEnum):
    """DUO's five report statuses, exactly (A4)."""

    GEREGISTREERD = "GEREGISTREERD"
    IN_BEHANDELING = "IN_BEHANDELING"
    AFGESLOTEN = "AFGESLOTEN"
    TER_KENNISGEVING_AANGENOMEN = "TER_KENNISGEVING_AANGENOMEN"
    INGETROKKEN = "INGETROKKEN"

    @property
    def duo_label(self) -> str:
        return _DUO_LABEL[self]

    @property
    def eindstatus(self) -> bool:
        return self in (
            MeldingStatus.AFGESLOTEN,
            MeldingStatus.TER_KENNISGEVING_AANGENOMEN,
            MeldingStatus.INGETROKKEN,
        )


_DUO_LABEL: dict[MeldingStatus, str] = {
    MeldingStatus.GEREGISTREERD: "Geregistreerd",
    MeldingStatus.IN_BEHANDELING: "In behandeling",
    MeldingStatus.AFGESLOTEN: "Afgesloten",
    MeldingStatus.TER_KENNISGEVING_AANGENOMEN: "Ter kennisgeving aangenomen",
    MeldingStatus.INGETROKKEN: "Ingetrokken",
}


class Melder(StrEnum):
    """Who filed a report: the school, DUO (register facts such as absoluut verzuim), or the
    platform itself (derived from enrolment state, A3.6)."""

    SCHOOL = "SCHOOL"
    DUO = "DUO"
    PLATFORM = "PLATFORM"


class IntrekkingsReden(StrEnum):
    """Why a report was withdrawn (A4). ``VRIJSTELLING`` is DUO's reason *V* (A3.10, automatic)."""

    VRIJSTELLING = "VRIJSTELLING"
    ONTERECHT_GEMELD = "ONTERECHT_GEMELD"
    DUBBELE_MELDING = "DUBBELE_MELDING"
    AFWEZIGHEID_GECORRIGEERD = "AFWEZIGHEID_GECORRIGEERD"  # e.g. ONBEKEND recoded to ZIEK within 2 days


class VervalReden(StrEnum):
    """Why a published report duty lapsed without a report (A2, A3.10; ``MeldplichtVervallen``).

    ``HERCODERING``: a recoding or hour correction (within its window, or of a non-provisional code)
    took the absence below the rule; ``LATE_HERCODERING``: an ``ONBEKEND`` recoded after its
    2-school-day window (A2 Decision "late recoding", also signalled to leerplicht);
    ``VRIJSTELLING``: a vrijstelling covers the period (A3.10); ``OVERIG``: other changed facts
    (e.g. an enrolment corrected)."""

    HERCODERING = "HERCODERING"
    LATE_HERCODERING = "LATE_HERCODERING"
    VRIJSTELLING = "VRIJSTELLING"
    OVERIG = "OVERIG"


class HerbeoordelingsReden(StrEnum):
    """Why the school is asked to review a filed report (A2 recoding, A4: only the school withdraws).

    ``ONDER_DREMPEL``: a 16-uur or 18+ report's period holds fewer than 16 ongeoorloofd hours now
    (A3.1); ``GEEN_LUXE``: a luxe report's period holds no ``LUXE`` absence any more (A3.3)."""

    ONDER_DREMPEL = "ONDER_DREMPEL"
    GEEN_LUXE = "GEEN_LUXE"


class MasRoute(StrEnum):
    """MAS routes (A5): the light basisroute, or one or more of the four vervolgroutes."""

    BASISROUTE = "BASISROUTE"
    VRIJWILLIGE_HULP = "VRIJWILLIGE_HULP"  # 1. zorgroute
    HALT = "HALT"  # 2.
    VERPLICHT_KADER = "VERPLICHT_KADER"  # 3. jeugdhulp in verplicht kader (Raad voor de Kinderbescherming)
    STRAFRECHT = "STRAFRECHT"  # 4. proces-verbaal to the OM

    @property
    def vervolgroute(self) -> bool:
        return self is not MasRoute.BASISROUTE


class InterventieUitkomst(StrEnum):
    """Outcome of an intervention that has one (A5): Halt, OM decision, court ruling."""

    HALT_POSITIEF = "HALT_POSITIEF"
    HALT_NEGATIEF = "HALT_NEGATIEF"
    SEPOT = "SEPOT"
    TRANSACTIE = "TRANSACTIE"
    DAGVAARDING = "DAGVAARDING"
    TAAKSTRAF = "TAAKSTRAF"
    BOETE = "BOETE"
    VRIJSPRAAK = "VRIJSPRAAK"
    ANDERE_STRAF = "ANDERE_STRAF"


class InterventieSoort(StrEnum):
    """Steps of the MAS (A5), each belonging to one route. Recorded with dates so the officer's
    worklist and the MAS monitor (C) can show where a pupil is in the process."""

    GESPREK = "GESPREK"
    HUISBEZOEK = "HUISBEZOEK"
    KENNISGEVINGSBRIEF = "KENNISGEVINGSBRIEF"
    WAARSCHUWINGSGESPREK = "WAARSCHUWINGSGESPREK"
    ZORGOVERLEG = "ZORGOVERLEG"
    DOORVERWIJZING_ZORG = "DOORVERWIJZING_ZORG"
    HALT_VERWIJZING = "HALT_VERWIJZING"
    MELDING_RAAD_KINDERBESCHERMING = "MELDING_RAAD_KINDERBESCHERMING"
    PROCES_VERBAAL = "PROCES_VERBAAL"
    OM_BESLISSING = "OM_BESLISSING"
    UITSPRAAK = "UITSPRAAK"

    @property
    def route(self) -> MasRoute:
        return _INTERVENTIE_ROUTE[self]

    @property
    def mogelijke_uitkomsten(self) -> frozenset[InterventieUitkomst]:
        """Outcomes that make sense for this step; empty when the step has no recorded outcome."""
        return _INTERVENTIE_UITKOMSTEN.get(self, frozenset())


_INTERVENTIE_ROUTE: dict[InterventieSoort, MasRoute] = {
    InterventieSoort.GESPREK: MasRoute.BASISROUTE,
    InterventieSoort.HUISBEZOEK: MasRoute.BASISROUTE,
    InterventieSoort.KENNISGEVINGSBRIEF: MasRoute.BASISROUTE,
    InterventieSoort.WAARSCHUWINGSGESPREK: MasRoute.BASISROUTE,
    InterventieSoort.ZORGOVERLEG: MasRoute.VRIJWILLIGE_HULP,
    InterventieSoort.DOORVERWIJZING_ZORG: MasRoute.VRIJWILLIGE_HULP,
    InterventieSoort.HALT_VERWIJZING: MasRoute.HALT,
    InterventieSoort.MELDING_RAAD_KINDERBESCHERMING: MasRoute.VERPLICHT_KADER,
    InterventieSoort.PROCES_VERBAAL: MasRoute.STRAFRECHT,
    InterventieSoort.OM_BESLISSING: MasRoute.STRAFRECHT,
    InterventieSoort.UITSPRAAK: MasRoute.STRAFRECHT,
}

_INTERVENTIE_UITKOMSTEN: dict[InterventieSoort, frozenset[InterventieUitkomst]] = {
    InterventieSoort.HALT_VERWIJZING: frozenset(
        {InterventieUitkomst.HALT_POSITIEF, InterventieUitkomst.HALT_NEGATIEF}
    ),
    InterventieSoort.OM_BESLISSING: frozenset(
        {InterventieUitkomst.SEPOT, InterventieUitkomst.TRANSACTIE, InterventieUitkomst.DAGVAARDING}
    ),
    InterventieSoort.UITSPRAAK: frozenset(
        {
            InterventieUitkomst.TAAKSTRAF,
            InterventieUitkomst.BOETE,
            InterventieUitkomst.VRIJSPRAAK,
            InterventieUitkomst.ANDERE_STRAF,
        }
    ),
}


class HaltAdvies(StrEnum):
    """The platform's advisory Halt eligibility (A5: ≥ 12, first referral, < 60 h, < 60× late)."""

    GESCHIKT = "GESCHIKT"
    NIET_GESCHIKT = "NIET_GESCHIKT"


class LeerplichtSluitreden(StrEnum):
    """Closing reasons of a leerplicht dossier, the fixed list of domain.md A5."""

    VERZUIM_BEEINDIGD = "VERZUIM_BEEINDIGD"
    NAAR_ZORG = "NAAR_ZORG"
    HALT_POSITIEF = "HALT_POSITIEF"
    PV_AFGEDAAN = "PV_AFGEDAAN"
    VRIJSTELLING = "VRIJSTELLING"
    LEERPLICHT_GEEINDIGD = "LEERPLICHT_GEEINDIGD"
    VERHUISD = "VERHUISD"
    INGETROKKEN = "INGETROKKEN"
    OVERLEDEN = "OVERLEDEN"
    OVERIG = "OVERIG"  # free text required


class RmcStatus(StrEnum):
    """Doorstroompunt (RMC) case statuses (A6 Decision)."""

    NIEUW = "NIEUW"
    IN_BEELD = "IN_BEELD"
    NIET_BEREIKBAAR = "NIET_BEREIKBAAR"
    IN_TRAJECT = "IN_TRAJECT"
    GEPLAATST = "GEPLAATST"
    AFGESLOTEN = "AFGESLOTEN"


class RmcRoute(StrEnum):
    """Doorstroompunt routes and placement destinations (A6)."""

    ONDERWIJS = "ONDERWIJS"
    WERK = "WERK"
    COMBINATIE = "COMBINATIE"  # bbl / work + study
    ZORG_DAGBESTEDING = "ZORG_DAGBESTEDING"
    TRAJECT = "TRAJECT"  # a programme such as a 10-week group traject


class RmcSluitreden(StrEnum):
    """Closing reasons of a Doorstroompunt case (A6)."""

    SK_BEHAALD = "SK_BEHAALD"
    GEPLAATST_DUURZAAM = "GEPLAATST_DUURZAAM"  # still placed after 3 months
    LEEFTIJDSGRENS = "LEEFTIJDSGRENS"
    VERHUISD = "VERHUISD"
    GEEN_HULP_GEWENST = "GEEN_HULP_GEWENST"
    OVERLEDEN = "OVERLEDEN"


class RmcAanmeldBron(StrEnum):
    """How a young person enters the Doorstroompunt (A6 intake)."""

    POTENTIEEL_VSV = "POTENTIEEL_VSV"  # A3.7
    ACHTTIEN_PLUS_MELDING = "ACHTTIEN_PLUS_MELDING"  # A3.5
    OVERDRACHT = "OVERDRACHT"  # transferred from another region
    EIGEN_MELDING = "EIGEN_MELDING"  # walk-in / referral by a partner


class ContactKanaal(StrEnum):
    """Channel of a contact attempt (A6)."""

    SMS = "SMS"  # any text message (sms, chat app)
    TELEFOON = "TELEFOON"
    EMAIL = "EMAIL"
    BRIEF = "BRIEF"
    HUISBEZOEK = "HUISBEZOEK"
    GESPREK = "GESPREK"

    @property
    def telt_altijd_als_contact(self) -> bool:
        """A6 "niet loslaten": a text message counts as contact for the 4-week keep-in-touch clock even
        when unanswered; other channels only when the attempt succeeded. (Reaching ``IN_BEELD``
        always needs a successful contact.)"""
        return self is ContactKanaal.SMS


class Voortgang(StrEnum):
    """Weekly progress judgement a traject partner reports (A6). A code, not a note: free text about
    a young person on the shared log is a privacy risk the domain does not require."""

    GOED = "GOED"
    VOLDOENDE = "VOLDOENDE"
    ZORGELIJK = "ZORGELIJK"
    UITGEVALLEN = "UITGEVALLEN"


class Opleidingsniveau(StrEnum):
    """Education level of a placement or enrolment."""

    PRAKTIJKONDERWIJS = "PRAKTIJKONDERWIJS"
    VMBO = "VMBO"
    HAVO = "HAVO"
    VWO = "VWO"
    MBO_1 = "MBO_1"  # entree: not a startkwalificatie
    MBO_2 = "MBO_2"
    MBO_3 = "MBO_3"
    MBO_4 = "MBO_4"
    HBO = "HBO"
    WO = "WO"


class StartkwalificatieNiveau(StrEnum):
    """Diplomas that are a startkwalificatie (SK): havo, vwo, mbo 2+; vmbo and entree are not."""

    HAVO = "HAVO"
    VWO = "VWO"
    MBO_2 = "MBO_2"
    MBO_3 = "MBO_3"
    MBO_4 = "MBO_4"


class Vrijstellingsartikel(StrEnum):
    """Vrijstelling articles of the Leerplichtwet, as counted in the leerplichttelling (C)."""

    ARTIKEL_5A = "5a"  # lichamelijk/psychisch niet geschikt
    ARTIKEL_5B = "5b"  # richting-bezwaren
    ARTIKEL_5C = "5c"  # onderwijs in het buitenland
    ARTIKEL_15 = "15"  # kwalificatieplicht: ander onderwijs/werk
    ARTIKEL_3A = "3a"  # vervangende leerplicht
    ARTIKEL_3B = "3b"  # volledige leerplicht: ander onderwijs


class UitschrijvingsReden(StrEnum):
    """Why a pupil was un-enrolled (B: DUO register fact or school administration)."""

    OVERSTAP = "OVERSTAP"  # to another school
    DIPLOMA = "DIPLOMA"
    VOORTIJDIG_VERLATEN = "VOORTIJDIG_VERLATEN"
    VERWIJDERD = "VERWIJDERD"  # verwijdering by the school
    EMIGRATIE = "EMIGRATIE"
    VRIJSTELLING = "VRIJSTELLING"
    OVERLEDEN = "OVERLEDEN"
    OVERIG = "OVERIG"


class VerlofSoort(StrEnum):
    """Leave that needs a decision (A2): holiday leave (art. 13a) or weighty circumstances (art. 14)."""

    VAKANTIE = "VAKANTIE"
    GEWICHTIGE_OMSTANDIGHEDEN = "GEWICHTIGE_OMSTANDIGHEDEN"

    @property
    def afwezigheid_code(self) -> AfwezigheidCode:
        if self is VerlofSoort.VAKANTIE:
            return AfwezigheidCode.VERLOF_VAKANTIE
        return AfwezigheidCode.VERLOF_GEWICHTIG


class Beslisser(StrEnum):
    """Who decides on leave (A2): the head up to 10 school days, the leerplichtambtenaar above."""

    DIRECTEUR = "DIRECTEUR"
    LEERPLICHTAMBTENAAR = "LEERPLICHTAMBTENAAR"


class Plicht(StrEnum):
    """Which obligation applies (A1)."""

    LEERPLICHT = "LEERPLICHT"
    KWALIFICATIEPLICHT = "KWALIFICATIEPLICHT"


class SignaalBron(StrEnum):
    """Who supplied a register signal (absoluut verzuim, A3.6)."""

    DUO = "DUO"
    PLATFORM = "PLATFORM"


class SignaalSoort(StrEnum):
    """Signals that are not DUO reports (A3.8, A3.9, A3.11, A2 late recoding): they only *add* attention."""

    ZORGWEKKEND_ZIEKTEVERZUIM = "ZORGWEKKEND_ZIEKTEVERZUIM"  # MAZL: 4th sick report in 12 weeks / 7th day
    LOKAAL_PROTOCOL = "LOKAAL_PROTOCOL"  # a school's or region's own protocol rule
    LANGDURIG_GEOORLOOFD = "LANGDURIG_GEOORLOOFD"  # ≥ 4 consecutive weeks authorised absence (A3.11, C)
    LATE_HERCODERING = "LATE_HERCODERING"  # ONBEKEND recoded after 2 school days removed a due duty (A2)


class SignaalOntvanger(StrEnum):
    """Who a signal goes to (A3.8: the school and, by agreement, leerplicht; A3.5/A6: the region's
    Doorstroompunt, i.e. rmc, for young people 18+ without a startkwalificatie)."""

    SCHOOL = "SCHOOL"
    LEERPLICHT = "LEERPLICHT"
    DOORSTROOMPUNT = "DOORSTROOMPUNT"


class GebiedType(StrEnum):
    """Area of a published figure (C)."""

    GEMEENTE = "GEMEENTE"
    REGIO = "REGIO"
    LAND = "LAND"
