"""Dutch labels of the codes an officer meets (report kinds, routes, interventions, outcomes, close
reasons): the pages show them, and ``decide``'s messages name things by them, never by an enum code."""

from __future__ import annotations

from datetime import date

from contracts.codes import InterventieSoort, InterventieUitkomst, LeerplichtSluitreden, MasRoute, MeldingSoort

__all__ = ["INTERVENTIE", "MELDING_SOORT", "ROUTE", "SLUITREDEN", "UITKOMST", "datum_nl"]


def datum_nl(d: date) -> str:
    """A date as a Dutch reader writes it in a sentence: ``02-06-2025``."""
    return d.strftime("%d-%m-%Y")


MELDING_SOORT: dict[MeldingSoort, str] = {
    MeldingSoort.ZESTIEN_UUR: "16 uur in 4 weken",
    MeldingSoort.LRV: "Langdurig relatief verzuim",
    MeldingSoort.LUXE: "Luxeverzuim",
    MeldingSoort.OVERIG: "Overig verzuim",
    MeldingSoort.ACHTTIEN_PLUS: "18+ zonder startkwalificatie",
    MeldingSoort.ABSOLUUT: "Absoluut verzuim",
}
ROUTE: dict[MasRoute, str] = {
    MasRoute.BASISROUTE: "Basisroute",
    MasRoute.VRIJWILLIGE_HULP: "Vrijwillige (jeugd)hulp",
    MasRoute.HALT: "Halt",
    MasRoute.VERPLICHT_KADER: "Jeugdhulp in verplicht kader",
    MasRoute.STRAFRECHT: "Strafrecht (proces-verbaal)",
}
INTERVENTIE: dict[InterventieSoort, str] = {
    InterventieSoort.GESPREK: "Gesprek",
    InterventieSoort.HUISBEZOEK: "Huisbezoek",
    InterventieSoort.KENNISGEVINGSBRIEF: "Kennisgevingsbrief",
    InterventieSoort.WAARSCHUWINGSGESPREK: "Waarschuwingsgesprek",
    InterventieSoort.ZORGOVERLEG: "Zorgoverleg",
    InterventieSoort.DOORVERWIJZING_ZORG: "Doorverwijzing naar zorg",
    InterventieSoort.HALT_VERWIJZING: "Verwijzing naar Halt",
    InterventieSoort.MELDING_RAAD_KINDERBESCHERMING: "Melding Raad voor de Kinderbescherming",
    InterventieSoort.PROCES_VERBAAL: "Proces-verbaal",
    InterventieSoort.OM_BESLISSING: "Beslissing OM",
    InterventieSoort.UITSPRAAK: "Uitspraak rechter",
}
UITKOMST: dict[InterventieUitkomst, str] = {
    InterventieUitkomst.HALT_POSITIEF: "Halt positief",
    InterventieUitkomst.HALT_NEGATIEF: "Halt negatief",
    InterventieUitkomst.SEPOT: "Sepot",
    InterventieUitkomst.TRANSACTIE: "Transactie",
    InterventieUitkomst.DAGVAARDING: "Dagvaarding",
    InterventieUitkomst.TAAKSTRAF: "Taakstraf",
    InterventieUitkomst.BOETE: "Boete",
    InterventieUitkomst.VRIJSPRAAK: "Vrijspraak",
    InterventieUitkomst.ANDERE_STRAF: "Andere straf",
}
SLUITREDEN: dict[LeerplichtSluitreden, str] = {
    LeerplichtSluitreden.VERZUIM_BEEINDIGD: "Verzuim beëindigd (weer naar school)",
    LeerplichtSluitreden.NAAR_ZORG: "Verder in zorg",
    LeerplichtSluitreden.HALT_POSITIEF: "Halt positief afgerond",
    LeerplichtSluitreden.PV_AFGEDAAN: "Proces-verbaal afgedaan",
    LeerplichtSluitreden.VRIJSTELLING: "Vrijstelling",
    LeerplichtSluitreden.LEERPLICHT_GEEINDIGD: "Leerplicht geëindigd (18 of startkwalificatie)",
    LeerplichtSluitreden.VERHUISD: "Verhuisd (overgedragen)",
    LeerplichtSluitreden.INGETROKKEN: "Meldingen ingetrokken",
    LeerplichtSluitreden.OVERLEDEN: "Overleden",
    LeerplichtSluitreden.OVERIG: "Overig (toelichting verplicht)",
}
