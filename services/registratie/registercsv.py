"""DUO's register feed as CSV (issue 13.2): the fields of ``POST /v1/duo/schoolvestigingen``, one
register fact per row.

Why a CSV: DUO's RIO exports (and the people who correct them by hand) work in spreadsheets; the
file goes through the same streamed reader and limits as the absence CSV
(:mod:`registratie.csvlezen`), and every row is checked on its own, like the JSON body, so one
refused row does not hold back the others.

Cells: empty = not given. List fields (``school_types``, ``vo_structuur``) are separated by ``/``
(DUO's own spelling, e.g. ``VBO/MAVO``) or ``|``. Yes/no fields take ``ja``/``nee`` as well as
``true``/``false``/``1``/``0``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

KOLOMMEN = ("actie", "school", "naam", "gemeente", "school_types", "vo_structuur", "praktijkonderwijs", "isk",
            "vakantieregio", "bevoegd_gezag", "geldig_vanaf", "geldig_tot", "opgegaan_in")
VERPLICHT = frozenset({"actie", "school"})
_LIJST = frozenset({"school_types", "vo_structuur"})
_JA_NEE = frozenset({"praktijkonderwijs", "isk"})
_BOOL = {"ja": "true", "nee": "false", "j": "true", "n": "false"}


class Kopregelfout(ValueError):
    """The header misses a required column (``actie``, ``school``)."""


def sjabloon() -> str:
    """The template DUO (or beheer) fills in: the header and two example lines as comments."""
    return (";".join(KOLOMMEN) + "\n"
            "# voorbeeld (verwijder deze regels): vastleggen;99ZZ01;Voorbeeld mbo;GM0202;mbo;;nee;nee;ZUID;;"
            "2025-08-01;;\n"
            "# sluiten;99ZZ01;;;;;;;;;;2026-08-01;\n")


def rijen(regels: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The data rows as request bodies (``regels`` from :func:`registratie.csvlezen.lees_regels`,
    header first). Raises :class:`Kopregelfout` or :class:`csv.Error`."""
    delim = ";" if ";" in regels[0][1] else ","
    rows = list(csv.reader([line for _, line in regels], delimiter=delim))
    header = [h.strip().lower() for h in rows[0]]
    if not set(header) >= VERPLICHT:
        raise Kopregelfout("De kopregel moet ten minste de kolommen actie en school hebben.")
    out: list[dict[str, Any]] = []
    for r in rows[1:]:
        rij: dict[str, Any] = {}
        for k, v in zip(header, r, strict=False):
            waarde = (v or "").strip()
            if k not in KOLOMMEN or not waarde:
                continue
            if k in _LIJST:
                rij[k] = [d.strip() for d in waarde.replace("|", "/").split("/") if d.strip()]
            elif k in _JA_NEE:
                rij[k] = _BOOL.get(waarde.lower(), waarde)
            else:
                rij[k] = waarde
        out.append(rij)
    return out
