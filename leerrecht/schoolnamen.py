"""Names of school locations for the officers' and coaches' pages (issue 15: a school by its name, not its
BRIN code).

The names come from DUO's public lists of po, vo and (v)so locations (CC0), the seed that registratie's
register starts from (``services/registratie/data``). leerplicht and rmc read no register topic, so mbo
locations, which enter only through DUO's register feed, keep showing their code.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

_LIJSTEN = ("schoolvestigingen_po.csv", "schoolvestigingen_vo.csv", "schoolvestigingen_so_vso.csv")


@cache
def _namen() -> dict[str, str]:
    namen: dict[str, str] = {}
    try:
        data = resources.files("registratie") / "data"
        for lijst in _LIJSTEN:
            with (data / lijst).open(encoding="utf-8") as fh:
                namen.update({r["vestigingscode"]: r["vestigingsnaam"] for r in csv.DictReader(fh)})
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - an image without the seed
        pass
    return namen


def schoolnaam(code: str | None) -> str | None:
    """The location's name for a BRIN6 code, or ``None`` when the public lists do not have it."""
    return _namen().get(code) if code else None
