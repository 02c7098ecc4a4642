"""Plain Dutch names of the published indicators, their tables and breakdowns, for the dashboard.

Why a list of its own: an indicator's id is a stable technical key (``lrv_op_1_september``,
``leerlingen.met_ongeoorloofde_afwezigheid``) used in the API and on the count stream; an analyst
reads a name. The definition itself stays in :mod:`telling.domain.figures` and is shown once.
"""

from __future__ import annotations

NAMEN: dict[str, str] = {
    "leerlingen.met_ongeoorloofde_afwezigheid": "Leerlingen met ongeoorloofde afwezigheid",
    "absoluut_verzuim": "Absoluut verzuim",
    "absoluut_verzuim_langer_dan_3_maanden": "Absoluut verzuim langer dan 3 maanden",
    "relatief_verzuim": "Relatief verzuim (16 uur in 4 weken)",
    "relatief_verzuim_herhaald": "Relatief verzuim, herhaald",
    "luxeverzuim": "Luxeverzuim",
    "lrv": "Langdurig relatief verzuim",
    "lrv_op_1_september": "Langdurig relatief verzuim op 1 september",
    "lrv_nieuw": "Langdurig relatief verzuim, nieuw in het schooljaar",
    "lrv_langer_dan_3_maanden": "Langdurig relatief verzuim langer dan 3 maanden",
    "lrv_verhuisd": "Langdurig relatief verzuim, verhuisd",
    "vrijstellingen_5a": "Vrijstellingen artikel 5a (lichamelijk of psychisch)",
    "vrijstellingen_5b": "Vrijstellingen artikel 5b (richting van het onderwijs)",
    "vrijstellingen_5c": "Vrijstellingen artikel 5c (onderwijs in het buitenland)",
    "vrijstellingen_15": "Vrijstellingen artikel 15 (alternatief programma)",
    "vrijstellingen_3a": "Vrijstellingen artikel 3a (geen geschikte school)",
    "vrijstellingen_3b": "Vrijstellingen artikel 3b (buiten Nederland)",
    "processen_verbaal": "Processen-verbaal",
    "halt_verwijzingen": "Verwijzingen naar Halt",
    "thuiszitters": "Thuiszitters",
    "mas_route_basisroute": "Dossiers met de basisroute",
    "mas_route_vrijwillige_hulp": "Dossiers met vrijwillige hulp",
    "mas_route_halt": "Dossiers met de route Halt",
    "mas_route_verplicht_kader": "Dossiers met het verplichte kader",
    "mas_route_strafrecht": "Dossiers met de route strafrecht",
    "mas_dossiers_met_route": "Dossiers met een gekozen route",
    "mas_tijd_tot_route_binnen_4_weken": "Route gekozen binnen 4 weken",
    "mas_tijd_tot_route_4_tot_12_weken": "Route gekozen na 4 tot 12 weken",
    "mas_tijd_tot_route_langer_dan_12_weken": "Route gekozen na meer dan 12 weken",
    "halt_positief": "Halt afgerond met positieve uitkomst",
    "halt_negatief": "Halt afgerond met negatieve uitkomst",
    "halt_recidive": "Opnieuw gemeld binnen 12 maanden na Halt",
    "potentieel_vsv": "Potentiële voortijdig schoolverlaters",
    "potentieel_vsv_heringeschreven": "Potentiële voortijdig schoolverlaters, weer ingeschreven",
    "vsv_startset": "Startset voortijdig schoolverlaten (1 oktober)",
    "vsv_nieuw": "Nieuwe voortijdig schoolverlaters",
    "doorstroompunt_aangemeld": "Aangemeld bij het Doorstroompunt",
    "doorstroompunt_geplaatst": "Geplaatst door het Doorstroompunt",
    "doorstroompunt_geplaatst_binnen_3_maanden": "Geplaatst binnen 3 maanden",
    "doorstroompunt_geplaatst_3_tot_6_maanden": "Geplaatst na 3 tot 6 maanden",
    "doorstroompunt_geplaatst_langer_dan_6_maanden": "Geplaatst na meer dan 6 maanden",
    "doorstroompunt_geplaatst_onderwijs": "Geplaatst in onderwijs",
    "doorstroompunt_geplaatst_werk": "Geplaatst in werk",
    "doorstroompunt_geplaatst_combinatie": "Geplaatst in werk en onderwijs",
    "doorstroompunt_geplaatst_zorg_dagbesteding": "Geplaatst in zorg of dagbesteding",
    "doorstroompunt_geplaatst_traject": "Geplaatst in een traject",
    "doorstroompunt_geplaatst_duurzaam": "Duurzaam geplaatst (na 3 maanden nog op hun plek)",
    "doorstroompunt_niet_bereikbaar": "Niet bereikbaar voor het Doorstroompunt",
    "langdurig_geoorloofd_afwezig": "Langdurig geoorloofd afwezig",
    "leerrecht_telling": "Leerrecht-telling: recht op onderwijs op het spel",
}

TABELLEN = {"afwezigheid": "Afwezigheid", "leerplichttelling": "Leerplichttelling",
            "mas": "Aanpak van verzuim (MAS-monitor)", "vsv": "Voortijdig schoolverlaten",
            "doorstroompunt": "Doorstroompunt", "leerrecht": "Leerrecht"}

UITSPLITSINGEN = {"schooltype": "Per schooltype", "leeftijd": "Per leeftijd"}

CATEGORIEEN = {"po": "Basisonderwijs", "vo": "Voortgezet onderwijs", "(v)so": "(Voortgezet) speciaal onderwijs",
               "mbo": "Mbo", "geen": "Niet ingeschreven"}

PERIODE_SOORTEN = {"schooljaar": "schooljaar (1 augustus tot en met 31 juli)",
                   "vsvjaar": "vsv-jaar (1 oktober tot en met 30 september)"}


def naam(indicator: str) -> str:
    """The indicator's plain name; an indicator added without one still reads as words, not a code."""
    return NAMEN.get(indicator) or indicator.replace(".", " ").replace("_", " ").capitalize()


def categorie(c: str) -> str:
    """A breakdown category: a school type by name, an age band as ``12 tot 16 jaar``."""
    if c in CATEGORIEEN:
        return CATEGORIEEN[c]
    if "-" in c and c.replace("-", "").isdigit():
        van, tot = c.split("-")
        return f"{van} tot en met {tot} jaar"
    if c.endswith("+") and c[:-1].isdigit():
        return f"{c[:-1]} jaar en ouder"
    return c.replace("_", " ")


def aandeel(aandeel_id: str) -> str:
    """A rate's plain name (``mas_aandeel_halt`` → ``Aandeel dossiers met de route Halt``)."""
    if aandeel_id == "vsv_percentage":
        return "Vsv-percentage (nieuwe voortijdig schoolverlaters van de startset)"
    if aandeel_id == "halt_recidive_percentage":
        return "Opnieuw gemeld binnen 12 maanden na Halt (van de verwijzingen naar Halt)"
    route = aandeel_id.removeprefix("mas_aandeel_")
    route_naam = naam("mas_route_" + route)
    return f"Aandeel {route_naam[0].lower()}{route_naam[1:]} (van de dossiers met een route)"
