"""Events of *registratie*: what schools and DUO tell the platform, and what the legal rules derive.

Subject (Kafka key) of every event here is the pupil's pseudonym, except :class:`LesurenGepland`
(a school fact, keyed by BRIN6) and the register facts of DUO (:class:`SchoolvestigingVastgelegd`,
:class:`SchoolvestigingGesloten`, :class:`SchoolvestigingSamengevoegd`: keyed by BRIN6 on the
national register topic). Events are published on the events topic of the region of the
pupil's **woongemeente** (domain.md A4: reports go to the woongemeente's office, B: identifying data
only reaches the region of residence).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from contracts.codes import (
    AfwezigheidCode,
    Beslisser,
    HerbeoordelingsReden,
    IntrekkingsReden,
    Melder,
    MeldingSoort,
    Opleidingsniveau,
    Plicht,
    SchoolType,
    SignaalBron,
    SignaalOntvanger,
    SignaalSoort,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    UrenEenheid,
    Vakantieregio,
    VerlofSoort,
    VervalReden,
    VoStructuur,
    Vrijstellingsartikel,
)
from contracts.events.base import (
    Code,
    Domein,
    Event,
    GeboortejaarMaand,
    Gemeentecode,
    IsoWeek,
    Klas,
    Onderwerp,
    Regiocode,
    School,
    Uren,
    UrenTotaal,
    vrije_tekst,
)
from contracts.tekst import Omschrijving

_DUO_MAAND = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class RegistratieEvent(Event):
    domein: ClassVar[Domein] = "registratie"


class LeerlingIngeschreven(RegistratieEvent):
    """A pupil was enrolled at a school location (domain.md B: enrolment fed by schools and DUO).

    Carries what the rules need and nothing identifying: the school type fixes the hour unit (A2),
    the holiday region the lesweken (A3.1), ``geboortejaar_maand`` the age rules (A1), the
    woongemeente the routing of reports (A4). ``isk`` marks an ISK class, for the grace period of
    local protocols (A3.9).
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.leerling_ingeschreven"
    schema_version: ClassVar[int] = 1

    school: School
    school_type: SchoolType
    ingangsdatum: date = Field(description="First day of enrolment.")
    vakantieregio: Vakantieregio
    woongemeente: Gemeentecode
    geboortejaar_maand: GeboortejaarMaand
    klas: Klas | None = None
    isk: bool = Field(default=False, description="Enrolled in an internationale schakelklas (newcomers).")


class LeerlingUitgeschreven(RegistratieEvent):
    """A pupil was un-enrolled (domain.md B; A3.7: un-enrolment without SK may make a potential vsv'er).

    ``met_startkwalificatie`` is the DUO fact "with SK or not"; an SK implies reden ``DIPLOMA``.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.leerling_uitgeschreven"
    schema_version: ClassVar[int] = 1

    school: School
    uitschrijfdatum: date
    reden: UitschrijvingsReden
    met_startkwalificatie: bool
    naar_school: School | None = Field(default=None, description="New school on OVERSTAP, when known.")

    @model_validator(mode="after")
    def _sk_alleen_met_diploma(self) -> Self:
        if self.met_startkwalificatie and self.reden is not UitschrijvingsReden.DIPLOMA:
            raise ValueError("met_startkwalificatie requires reden DIPLOMA")
        if self.naar_school is not None and self.reden is not UitschrijvingsReden.OVERSTAP:
            raise ValueError("naar_school is only given with reden OVERSTAP")
        return self


class AfwezigheidGeregistreerd(RegistratieEvent):
    """A school registered absence of a pupil on one day (domain.md A2: all absence, per day, in hours).

    ``uren`` is a Decimal in Python and a JSON number on the wire; ``eenheid`` is explicit (clock hours
    in po/so, lesson hours in vo/vso/mbo; see ``SchoolType.uren_eenheid``) so sums never mix units.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.afwezigheid_geregistreerd"
    schema_version: ClassVar[int] = 1

    afwezigheid_id: UUID
    school: School
    datum: date
    uren: Uren
    eenheid: UrenEenheid
    code: AfwezigheidCode


class AfwezigheidGecorrigeerd(RegistratieEvent):
    """An earlier absence was recoded (domain.md A2: recoding is an event of its own, never an overwrite),
    e.g. ``ONBEKEND`` → ``ZIEK`` within 2 school days. ``nieuwe_uren`` corrects the hours as well.

    Schema v2 adds what a consumer needs without keeping every absence (telling moves hours between
    its geoorloofd/ongeoorloofd sums, domain.md C): ``datum``, the day of the absence (its
    schooljaar), and ``oude_uren``, the hours in force before this correction (after earlier
    recodings). Both are required keys in v2, but nullable: a v1 correction did not record them and
    an upcaster must not invent them (the absence is not in the payload and upcasters are pure), so
    the v1 → v2 upcaster (:mod:`contracts.catalogue`) sets both to ``null``, meaning *unknown*.
    Producers of v2 (registratie) always fill both; a consumer reads ``null`` as "a v1 correction"
    and must not guess (telling then moves no hours). They are known or unknown together.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.afwezigheid_gecorrigeerd"
    schema_version: ClassVar[int] = 2

    afwezigheid_id: UUID
    datum: date | None = Field(
        description="Day of the corrected absence (v2). null only in a v1 correction upcast to v2: unknown."
    )
    oude_code: AfwezigheidCode
    nieuwe_code: AfwezigheidCode
    oude_uren: Uren | None = Field(
        description="Hours in force before this correction (v2). null only in an upcast v1 correction: unknown."
    )
    nieuwe_uren: Uren | None = None

    @model_validator(mode="after")
    def _iets_gewijzigd(self) -> Self:
        if (self.datum is None) != (self.oude_uren is None):
            raise ValueError("datum and oude_uren are known together (both null only in an upcast v1 event)")
        zelfde_uren = self.nieuwe_uren is None or self.nieuwe_uren == self.oude_uren
        if self.oude_code is self.nieuwe_code and zelfde_uren:
            raise ValueError("a correction must change the code or the hours")
        return self


class _VerlofBesluit(RegistratieEvent):
    verlof_id: UUID
    school: School
    soort: VerlofSoort
    van: date
    tot_en_met: date
    schooldagen: int = Field(ge=1, le=200, description="School days of leave requested.")
    beslisser: Beslisser

    @model_validator(mode="after")
    def _bevoegdheid(self) -> Self:
        if self.tot_en_met < self.van:
            raise ValueError("tot_en_met is before van")
        if self.soort is VerlofSoort.VAKANTIE and self.beslisser is not Beslisser.DIRECTEUR:
            raise ValueError("holiday leave (art. 13a) is decided by the head (DIRECTEUR)")
        if self.soort is VerlofSoort.GEWICHTIGE_OMSTANDIGHEDEN:
            nodig = Beslisser.LEERPLICHTAMBTENAAR if self.schooldagen > 10 else Beslisser.DIRECTEUR
            if self.beslisser is not nodig:
                raise ValueError(f"leave of {self.schooldagen} school days (art. 14) is decided by {nodig}")
        return self


class VerlofVerleend(_VerlofBesluit):
    """Leave was granted (domain.md A2: holiday leave ≤ 10 days by the head, once a year, not in the
    first 2 lesweken; weighty circumstances ≤ 10 days head, > 10 days leerplichtambtenaar).
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.verlof_verleend"
    schema_version: ClassVar[int] = 1

    @model_validator(mode="after")
    def _vakantie_max_10(self) -> Self:
        if self.soort is VerlofSoort.VAKANTIE and self.schooldagen > 10:
            raise ValueError("holiday leave is at most 10 school days (art. 13a, domain.md A2)")
        return self


class VerlofGeweigerd(_VerlofBesluit):
    """A leave request was refused (domain.md A2); absence in that period is then ongeoorloofd or LUXE."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.verlof_geweigerd"
    schema_version: ClassVar[int] = 1


class MeldingGeregistreerd(RegistratieEvent):
    """A verzuimmelding was filed (domain.md A3, status *Geregistreerd* in A4).

    ``school`` is absent only for ``ABSOLUUT`` (not enrolled anywhere, A3.6). For ``ZESTIEN_UUR``
    (A3.1) the end date is the day 16 hours were reached and ``herhaling`` counts the repeat reports
    under continuous absence (at most 4). ``einddatum`` of an LRV report is set later, when the pupil
    returns or leaves (A3.2): see :class:`MeldingEinddatumVastgesteld`.

    Schema v2 adds the pupil's ``woongemeente`` (the office the report goes to, A4) and
    ``geboortejaar_maand`` (age rules: Halt from 12, A5; the age breakdown of the figures, C), so a
    consumer need not have seen the pupil's enrolment, which may predate the log. Both are optional:
    a v1 report upcast to v2 has neither (unknown), and registratie may not know a birth date.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.melding_geregistreerd"
    schema_version: ClassVar[int] = 2

    melding_id: UUID
    soort: MeldingSoort
    melder: Melder
    school: School | None = None
    startdatum: date
    einddatum: date | None = None
    uren: UrenTotaal | None = Field(default=None, description="Ongeoorloofd hours in the period.")
    eenheid: UrenEenheid | None = None
    herhaling: int = Field(default=0, ge=0, le=4, description="0 = first report; 1..4 = repeat (A3.1).")
    woongemeente: Gemeentecode | None = Field(default=None, description="The pupil's woongemeente (v2).")
    geboortejaar_maand: GeboortejaarMaand | None = Field(default=None, description="Birth year and month (v2).")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.einddatum is not None and self.einddatum < self.startdatum:
            raise ValueError("einddatum is before startdatum")
        if (self.soort is MeldingSoort.ABSOLUUT) != (self.school is None):
            raise ValueError("school is required, except for ABSOLUUT where there is none")
        if (self.uren is None) != (self.eenheid is None):
            raise ValueError("uren and eenheid go together")
        if self.soort is MeldingSoort.ZESTIEN_UUR and (
            self.uren is None or self.uren < 16 or self.einddatum is None
        ):
            raise ValueError("a ZESTIEN_UUR report needs einddatum and uren >= 16 (A3.1)")
        if self.herhaling and self.soort is not MeldingSoort.ZESTIEN_UUR:
            raise ValueError("herhaling only applies to ZESTIEN_UUR reports")
        return self


class MeldingEinddatumVastgesteld(RegistratieEvent):
    """The end date of an open report (LRV) was set because the pupil returned or left (domain.md A3.2)."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.melding_einddatum_vastgesteld"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    einddatum: date


class MeldingIngetrokken(RegistratieEvent):
    """A report was withdrawn, status *Ingetrokken* (domain.md A4), by the school or automatically when
    it overlaps a registered vrijstelling (A3.10, DUO reason V = ``VRIJSTELLING``).
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.melding_ingetrokken"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    reden: IntrekkingsReden
    vrijstelling_id: UUID | None = None

    @model_validator(mode="after")
    def _vrijstelling_bij_reden_v(self) -> Self:
        if (self.reden is IntrekkingsReden.VRIJSTELLING) != (self.vrijstelling_id is not None):
            raise ValueError("vrijstelling_id is given exactly when reden is VRIJSTELLING")
        return self


class MeldplichtBereikt(RegistratieEvent):
    """A legal reporting rule fired (domain.md A3.1–A3.3, A3.5): the school must report by
    ``uiterlijk_melden_op`` (onverwijld: within 5 working days). The count window is
    ``vanaf``..``bereikt_op``; the next count starts the day after ``bereikt_op``.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.meldplicht_bereikt"
    schema_version: ClassVar[int] = 1

    meldplicht_id: UUID
    soort: MeldingSoort
    school: School
    vanaf: date
    bereikt_op: date
    uren: UrenTotaal
    eenheid: UrenEenheid
    uiterlijk_melden_op: date
    regel_versie: Code = Field(description="Version id of the rule implementation that decided this.")

    @model_validator(mode="after")
    def _data(self) -> Self:
        if self.soort in (MeldingSoort.OVERIG, MeldingSoort.ABSOLUUT):
            raise ValueError("OVERIG is optional and ABSOLUUT is not a school duty: no meldplicht")
        if not self.vanaf <= self.bereikt_op <= self.uiterlijk_melden_op:
            raise ValueError("expected vanaf <= bereikt_op <= uiterlijk_melden_op")
        return self


class MeldtermijnVerstreken(RegistratieEvent):
    """The school did not file a required report within the term (domain.md A3.1: onverwijld, 5 working
    days). Surfaces in the leerplicht worklist; it is not itself a report."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.meldtermijn_verstreken"
    schema_version: ClassVar[int] = 1

    meldplicht_id: UUID
    soort: MeldingSoort
    school: School
    uiterlijk_melden_op: date


class MeldplichtVervallen(RegistratieEvent):
    """A published report duty (:class:`MeldplichtBereikt` with this ``meldplicht_id``) lapsed before
    the school reported: the facts no longer meet the rule (a recoding, domain.md A2; a vrijstelling, A3.10).
    The school need not report and no :class:`MeldtermijnVerstreken` follows. A duty met by a filed
    report does not lapse. Should the rule hold again later, that is a new duty with a new
    ``meldplicht_id``: a lapsed duty stays lapsed.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.meldplicht_vervallen"
    schema_version: ClassVar[int] = 1

    meldplicht_id: UUID
    soort: MeldingSoort
    school: School
    vervallen_op: date = Field(description="The day registratie found the duty no longer holds.")
    reden: VervalReden


class MeldingHerbeoordelingGevraagd(RegistratieEvent):
    """Please review this report: a filed report no longer meets its threshold after a recoding
    (domain.md A2, A3.1, A3.3). **Decision** (registratie): the report stays, it is a legal fact at
    DUO and only the school withdraws it (A4); the school is asked to review it. ``uren_nu``: the
    ongeoorloofd hours (``LUXE`` hours for a luxe report) in the report's period now, in ``eenheid``.
    Asked again only when ``uren_nu`` changes.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.melding_herbeoordeling_gevraagd"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    soort: MeldingSoort
    school: School
    peildatum: date = Field(description="The day registratie found the report below its rule.")
    uren_nu: UrenTotaal
    eenheid: UrenEenheid
    reden: HerbeoordelingsReden

    @model_validator(mode="after")
    def _soort(self) -> Self:
        if self.soort not in (MeldingSoort.ZESTIEN_UUR, MeldingSoort.ACHTTIEN_PLUS, MeldingSoort.LUXE):
            raise ValueError("only 16-uur, 18+ and luxe reports are reviewed on their hours")
        if (self.reden is HerbeoordelingsReden.GEEN_LUXE) != (self.soort is MeldingSoort.LUXE):
            raise ValueError("reden GEEN_LUXE goes with a LUXE report, ONDER_DREMPEL with the others")
        return self


class VrijstellingGeregistreerd(RegistratieEvent):
    """A vrijstelling was registered (domain.md B: DUO register fact; C: counted per article). Open reports
    overlapping it are withdrawn (A3.10). ``tot_en_met`` is absent for an indefinite vrijstelling.

    Schema v2 adds the ``woongemeente`` DUO states for the person (C, Decision: a vrijstelling counts in
    that woongemeente, enrolled or not). Why: a 5a vrijstelling is normally held by a child who is not
    enrolled anywhere, so no enrolment tells a consumer where the child lives. Optional: a v1
    vrijstelling upcast to v2 has none (``null``, unknown, never a guess); registratie always fills it.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.vrijstelling_geregistreerd"
    schema_version: ClassVar[int] = 2

    vrijstelling_id: UUID
    artikel: Vrijstellingsartikel
    van: date
    tot_en_met: date | None = None
    woongemeente: Gemeentecode | None = Field(
        default=None, description="The woongemeente DUO states for the person (v2). null only in an upcast v1 event."
    )

    @model_validator(mode="after")
    def _periode(self) -> Self:
        if self.tot_en_met is not None and self.tot_en_met < self.van:
            raise ValueError("tot_en_met is before van")
        return self


class Verhuisd(RegistratieEvent):
    """The woongemeente changed (domain.md B: DUO moves; A5: open reports and dossiers are transferred
    when the region changes). Gemeentecodes are municipalities, not addresses. Published on the old
    and, if different, the new region's topic (same event id) so both offices see it.
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.verhuisd"
    schema_version: ClassVar[int] = 1

    verhuisdatum: date
    oude_gemeente: Gemeentecode
    nieuwe_gemeente: Gemeentecode
    oude_regio: Regiocode
    nieuwe_regio: Regiocode

    @model_validator(mode="after")
    def _echt_verhuisd(self) -> Self:
        if self.oude_gemeente == self.nieuwe_gemeente:
            raise ValueError("a move changes the woongemeente")
        return self

    @property
    def regio_gewijzigd(self) -> bool:
        return self.oude_regio != self.nieuwe_regio


class StartkwalificatieBehaald(RegistratieEvent):
    """The pupil obtained a startkwalificatie (domain.md terms: havo, vwo, mbo 2+): kwalificatieplicht
    ends (A1) and the person leaves the Doorstroompunt target group."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.startkwalificatie_behaald"
    schema_version: ClassVar[int] = 1

    datum: date
    niveau: StartkwalificatieNiveau
    school: School | None = None


class AbsoluutVerzuimGesignaleerd(RegistratieEvent):
    """A resident is leer- or kwalificatieplichtig, not enrolled anywhere and without vrijstelling
    (domain.md A3.6). DUO supplies candidates; the platform also derives them from enrolment state."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.absoluut_verzuim_gesignaleerd"
    schema_version: ClassVar[int] = 1

    bron: SignaalBron
    plicht: Plicht
    sinds: date = Field(description="Not enrolled since this date.")
    woongemeente: Gemeentecode
    geboortejaar_maand: GeboortejaarMaand


class PotentieelVsvGesignaleerd(RegistratieEvent):
    """Un-enrolment without SK of a person aged 12 up to the Doorstroompunt limit who is not re-enrolled
    (domain.md A3.7, DUO's monthly A01 list). Intake for the Doorstroompunt (A6)."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.potentieel_vsv_gesignaleerd"
    schema_version: ClassVar[int] = 1

    lijst_maand: str = Field(pattern=_DUO_MAAND, description="Month of the DUO A01 list, YYYY-MM.")
    uitschrijfdatum: date
    laatste_school: School | None = None
    school_type: SchoolType | None = None
    woongemeente: Gemeentecode
    geboortejaar_maand: GeboortejaarMaand


class Herinschrijving(RegistratieEvent):
    """A potential vsv'er re-enrolled (domain.md A3.7, DUO's A02 list; A6: this places the young person
    automatically with route ``ONDERWIJS``). The school-side enrolment is a separate
    :class:`LeerlingIngeschreven`."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.herinschrijving"
    schema_version: ClassVar[int] = 1

    lijst_maand: str = Field(pattern=_DUO_MAAND, description="Month of the DUO A02 list, YYYY-MM.")
    school: School
    school_type: SchoolType
    ingangsdatum: date
    niveau: Opleidingsniveau | None = None


class LesurenGepland(RegistratieEvent):
    """Scheduled hours of a class in one week (domain.md D: attendance, not only absence, is worth
    showing; attendance % = 1 − absent hours / scheduled hours). A school fact, no pupil involved:
    keyed by BRIN6 on the school topic."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.lesuren_gepland"
    schema_version: ClassVar[int] = 1
    onderwerp: ClassVar[Onderwerp] = "SCHOOL"

    school: School
    klas: Klas
    week: IsoWeek
    uren: UrenTotaal = Field(description="Scheduled hours per pupil of the class in that week.")
    eenheid: UrenEenheid


class SignaalGegeven(RegistratieEvent):
    """A signal that is not a DUO report (domain.md A3.8 MAZL zorgwekkend ziekteverzuim, A3.9 local
    protocols): it only adds attention. ``regel_id`` + ``regel_geldig_vanaf`` identify the versioned
    protocol rule; ``omschrijving`` is the rule's own text, never text about the pupil."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.signaal_gegeven"
    schema_version: ClassVar[int] = 1

    signaal_id: UUID
    soort: SignaalSoort
    regel_id: Code
    regel_geldig_vanaf: date
    omschrijving: Omschrijving | None = vrije_tekst(200, "Text of the protocol rule, e.g. '5x te laat of afwezig'.")
    school: School
    peildatum: date = Field(description="The day the rule fired.")
    ontvangers: list[SignaalOntvanger] = Field(min_length=1, max_length=2)

    @model_validator(mode="after")
    def _ontvangers_uniek(self) -> Self:
        if len(set(self.ontvangers)) != len(self.ontvangers):
            raise ValueError("ontvangers must be unique")
        return self


# -- the national register of school locations (domain.md B "Register of schools") ----------------

BevoegdGezagNummer = Annotated[str, Field(pattern=r"^[0-9]{5}$", description="DUO's number of the school board.")]


class SchoolvestigingVastgelegd(RegistratieEvent):
    """DUO registers a school location or changes it, from ``geldig_vanaf`` (domain.md B: the register
    of schools, every type, dated; DUO feeds new, changed, merged and closed locations, RIO).

    The whole location as it is from that day, not a difference: a consumer needs no earlier event to
    know it. ``school_types``: what the location offers (a (v)so location offers both ``so`` and
    ``vso``; the enrolment says which one the pupil follows). ``geldig_tot`` (exclusive) ends it
    without a separate closing event. The holiday region is the location's own (four municipalities
    are split, so it is never derived from the municipality).
    """

    event_type: ClassVar[str] = "nl.leerrecht.registratie.schoolvestiging_vastgelegd"
    schema_version: ClassVar[int] = 1
    onderwerp: ClassVar[Onderwerp] = "VESTIGING"

    school: School
    naam: Omschrijving | None = vrije_tekst(200, "The location's name as DUO registers it.")
    gemeente: Gemeentecode = Field(description="Municipality of the location (not of any pupil).")
    school_types: list[SchoolType] = Field(min_length=1, max_length=2)
    vo_structuur: list[VoStructuur] = Field(default_factory=list, max_length=6)
    praktijkonderwijs: bool = False
    isk: bool = Field(default=False, description="The location has an ISK (internationale schakelklas).")
    vakantieregio: Vakantieregio
    bevoegd_gezag: BevoegdGezagNummer | None = None
    geldig_vanaf: date
    geldig_tot: date | None = Field(default=None, description="First day it no longer holds (exclusive).")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.school_types)) != len(self.school_types):
            raise ValueError("school_types must be unique")
        if len(set(self.vo_structuur)) != len(self.vo_structuur):
            raise ValueError("vo_structuur must be unique")
        if self.geldig_tot is not None and self.geldig_tot <= self.geldig_vanaf:
            raise ValueError("geldig_tot must be after geldig_vanaf")
        if self.praktijkonderwijs != (VoStructuur.PRO in self.vo_structuur) and self.vo_structuur:
            raise ValueError("praktijkonderwijs must agree with PRO in vo_structuur")
        return self


class SchoolvestigingGesloten(RegistratieEvent):
    """DUO closes a school location from ``geldig_tot`` on (domain.md B): from that day it takes no new
    enrolments; what happened there before stays."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.schoolvestiging_gesloten"
    schema_version: ClassVar[int] = 1
    onderwerp: ClassVar[Onderwerp] = "VESTIGING"

    school: School
    geldig_tot: date = Field(description="First day the location is closed.")


class SchoolvestigingSamengevoegd(RegistratieEvent):
    """DUO merges a school location into another from ``geldig_tot`` on (domain.md B): the merged one
    is closed from that day, ``opgegaan_in`` continues. Enrolments are not moved by this fact: DUO
    or the school feeds the pupils' enrolments at the continuing location."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.schoolvestiging_samengevoegd"
    schema_version: ClassVar[int] = 1
    onderwerp: ClassVar[Onderwerp] = "VESTIGING"

    school: School
    opgegaan_in: School
    geldig_tot: date = Field(description="First day the merged location no longer exists on its own.")

    @model_validator(mode="after")
    def _ander(self) -> Self:
        if self.opgegaan_in == self.school:
            raise ValueError("a location cannot merge into itself")
        return self
