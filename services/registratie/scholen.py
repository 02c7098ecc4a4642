"""The school register: which school locations exist, where they are, their holiday region.

Primary schools come from DUO's open data (``data/schoolvestigingen_po.csv``, see
``leerrecht/data/SOURCES.md``). Other school types are added by DUO's register feed. An absence from
an unknown school is refused: the holiday region decides which weeks are lesweken (A3.1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from contracts.codes import SchoolType, Vakantieregio
from leerrecht.kalender import Vakantieregio as KalenderRegio
from registratie.domain.codes import contractregio


@dataclass(frozen=True)
class Schoolvestiging:
    code: str            # BRIN6: instellingscode + vestigingscode suffix
    naam: str
    gemeentecode: str
    rmc_regio: str
    vakantieregio: Vakantieregio  # the open data spells it noord/midden/zuid: converted on loading
    school_type: SchoolType


@cache
def po_vestigingen() -> dict[str, Schoolvestiging]:
    path = resources.files("registratie") / "data" / "schoolvestigingen_po.csv"
    out: dict[str, Schoolvestiging] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["vestigingscode"]
            out[code] = Schoolvestiging(
                code=code, naam=row["vestigingsnaam"], gemeentecode=row["gemeentecode"],
                rmc_regio=row["rmc_regiocode"],
                vakantieregio=contractregio(KalenderRegio(row["vakantieregio"])), school_type=SchoolType.PO,
            )
    return out
