"""Names of school locations for the officers' and coaches' pages (issue 15: a school by its name, not its
BRIN code).

The names come from DUO's public lists of po, vo and (v)so locations (CC0), the seed that registratie's
register starts from (``services/registratie/data``). leerplicht reads no register topic, so mbo
locations, which enter only through DUO's register feed, keep showing their code there; rmc projects
the register topic and adds those (:mod:`rmc.scholen`), starting from :func:`openbare_lijsten`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

_LIJSTEN = ("schoolvestigingen_po.csv", "schoolvestigingen_vo.csv", "schoolvestigingen_so_vso.csv")


_SOORT = {"schoolvestigingen_po.csv": "po", "schoolvestigingen_vo.csv": "vo", "schoolvestigingen_so_vso.csv": "(v)so"}


_KLEIN = frozenset({"aan", "den", "op", "de", "het", "van", "in", "bij", "en", "der", "te", "a/d", "gem"})


@dataclass(frozen=True, slots=True)
class LijstVestiging:
    """A location of DUO's public lists, as a lookup shows it."""

    code: str
    naam: str
    plaats: str
    gemeentecode: str
    rmc_regio: str
    soort: str  # po, vo or (v)so


def plaatsnaam(tekst: str) -> str:
    """DUO spells places in capitals (``'S-GRAVENHAGE``); a page shows ``'s-Gravenhage``."""
    woorden = [w.lower() if i and w.lower() in _KLEIN else "-".join(d.capitalize() for d in w.split("-"))
               for i, w in enumerate(tekst.split(" "))]
    return " ".join(woorden).replace("'S-", "'s-")


@cache
def openbare_lijsten() -> dict[str, LijstVestiging]:
    """Every location of the public lists by BRIN6 (empty in an image without registratie's data)."""
    uit: dict[str, LijstVestiging] = {}
    try:
        data = resources.files("registratie") / "data"
        for lijst in _LIJSTEN:
            with (data / lijst).open(encoding="utf-8") as fh:
                uit.update({r["vestigingscode"]: LijstVestiging(
                    r["vestigingscode"], r["vestigingsnaam"], plaatsnaam(r["plaatsnaam"]), r["gemeentecode"],
                    r["rmc_regiocode"], _SOORT[lijst]) for r in csv.DictReader(fh)})
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - an image without the seed
        pass
    return uit


@cache
def _namen() -> dict[str, str]:
    return {code: v.naam for code, v in openbare_lijsten().items()}


def schoolnaam(code: str | None) -> str | None:
    """The location's name for a BRIN6 code, or ``None`` when the public lists do not have it."""
    return _namen().get(code) if code else None
