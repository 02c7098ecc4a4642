"""School years after the shipped calendar, for tests only (domain.md A3.12).

These dates are *made up* in the pattern of the published ones (Saturday to Sunday, 9/16/44 days,
rotating summers): they exercise the loading of further school years, they are not reference data.
"""

from __future__ import annotations

from typing import Any

_JAREN: dict[str, list[tuple[str, str, str, str]]] = {
    "2028-2029": [
        ("Herfstvakantie", "noord", "2028-10-14", "2028-10-22"),
        ("Herfstvakantie", "midden", "2028-10-21", "2028-10-29"),
        ("Herfstvakantie", "zuid", "2028-10-21", "2028-10-29"),
        ("Kerstvakantie", "noord", "2028-12-23", "2029-01-07"),
        ("Kerstvakantie", "midden", "2028-12-23", "2029-01-07"),
        ("Kerstvakantie", "zuid", "2028-12-23", "2029-01-07"),
        ("Voorjaarsvakantie", "noord", "2029-02-17", "2029-02-25"),
        ("Voorjaarsvakantie", "midden", "2029-02-17", "2029-02-25"),
        ("Voorjaarsvakantie", "zuid", "2029-02-10", "2029-02-18"),
        ("Meivakantie", "noord", "2029-04-28", "2029-05-06"),
        ("Meivakantie", "midden", "2029-04-28", "2029-05-06"),
        ("Meivakantie", "zuid", "2029-04-28", "2029-05-06"),
        ("Zomervakantie", "noord", "2029-07-21", "2029-09-02"),
        ("Zomervakantie", "midden", "2029-07-14", "2029-08-26"),
        ("Zomervakantie", "zuid", "2029-07-07", "2029-08-19"),
    ],
    "2029-2030": [
        ("Herfstvakantie", "noord", "2029-10-13", "2029-10-21"),
        ("Herfstvakantie", "midden", "2029-10-20", "2029-10-28"),
        ("Herfstvakantie", "zuid", "2029-10-13", "2029-10-21"),
        ("Kerstvakantie", "noord", "2029-12-22", "2030-01-06"),
        ("Kerstvakantie", "midden", "2029-12-22", "2030-01-06"),
        ("Kerstvakantie", "zuid", "2029-12-22", "2030-01-06"),
        ("Voorjaarsvakantie", "noord", "2030-02-16", "2030-02-24"),
        ("Voorjaarsvakantie", "midden", "2030-02-16", "2030-02-24"),
        ("Voorjaarsvakantie", "zuid", "2030-02-16", "2030-02-24"),
        ("Meivakantie", "noord", "2030-04-27", "2030-05-05"),
        ("Meivakantie", "midden", "2030-04-27", "2030-05-05"),
        ("Meivakantie", "zuid", "2030-04-27", "2030-05-05"),
        ("Zomervakantie", "noord", "2030-07-13", "2030-08-25"),
        ("Zomervakantie", "midden", "2030-07-20", "2030-09-01"),
        ("Zomervakantie", "zuid", "2030-07-06", "2030-08-18"),
    ],
}


def _jaar(schooljaar: str) -> list[tuple[str, str, str, str]]:
    if schooljaar in _JAREN:
        return _JAREN[schooljaar]
    from leerrecht.kalender import load_schoolvakanties  # a shipped year, as shipped

    return [(v.naam, v.regio.value, v.begin.isoformat(), v.eind.isoformat())
            for v in load_schoolvakanties() if v.schooljaar == schooljaar]


def rijen(*schooljaren: str) -> list[dict[str, Any]]:
    """Rows in the columns of ``leerrecht/data/schoolvakanties.csv`` (made-up or shipped years)."""
    return [
        {"schooljaar": jaar, "vakantie": v, "regio": r, "begin": b, "eind": e}
        for jaar in schooljaren for v, r, b, e in _jaar(jaar)
    ]
