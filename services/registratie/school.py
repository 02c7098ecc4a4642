"""The school's own view: its open signals, the reports it must still file, and attendance per class.

Why here: domain.md D — schools that act early have their own protocols, and one college publishes
weekly attendance per class; attendance, not only absence, is worth showing to schools. The view
reads registratie's own state; it shows pupils by pseudonym and class (the school knows the
pseudonym from the enrolment answer), never a PGN.

Attendance % of a class in an ISO week (catalogue, ``LesurenGepland``): 1 − absent hours / scheduled
hours, where scheduled = the class's scheduled hours per pupil × the pupils enrolled in that class
that week, and absent = all registered absence of those pupils that week (authorised or not: the
pupil was not in class), with recodings applied.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from contracts.codes import MeldingStatus


def _week_range(week: str) -> tuple[date, date]:
    monday = date.fromisoformat(week + "-1")
    return monday, monday + timedelta(days=6)


async def signalen(conn: asyncpg.Connection, school: str, vandaag: date) -> dict[str, Any]:
    rows = await conn.fetch(
        """
        SELECT b.pseudoniem, b.sleutel, b.soort, b.gegevens, b.gemeld, b.termijn_verstreken, b.event_id,
               (SELECT i.klas FROM inschrijving i WHERE i.pseudoniem = b.pseudoniem AND i.school = b.school
                ORDER BY i.ingangsdatum DESC LIMIT 1) AS klas
        FROM beslissing b WHERE b.school = $1 AND b.actueel ORDER BY b.pseudoniem, b.sleutel
        """,
        school,
    )
    te_melden, signalen_, herbeoordelen = [], [], []
    for r in rows:
        g = _json(r["gegevens"])
        basis = {"pseudoniem": r["pseudoniem"], "klas": r["klas"]}
        if r["soort"] == "MELDPLICHT" and not r["gemeld"]:
            uiterlijk = date.fromisoformat(g["uiterlijk_melden_op"])
            status = ("voorlopig" if r["event_id"] is None else
                      "te_laat" if uiterlijk < vandaag else "te_doen")
            te_melden.append({**basis, "meldingsoort": g["meldingsoort"], "vanaf": g["vanaf"],
                              "bereikt_op": g["bereikt_op"], "uiterlijk_melden_op": g["uiterlijk_melden_op"],
                              "uren": float(g["uren"]), "eenheid": g["eenheid"], "status": status})
        elif r["soort"] == "SIGNAAL":
            signalen_.append({**basis, "signaal": g["signaal"], "regel_id": g["regel_id"],
                              "omschrijving": g["omschrijving"], "datum": g["datum"]})
        elif r["soort"] == "HERBEOORDELING":
            herbeoordelen.append({**basis, "melding_id": g["melding_id"], "soort": g["soort"],
                                  "uren_nu": float(g["uren_nu"]), "reden": g["reden"]})
    meldingen = [
        {"melding_id": str(m["melding_id"]), "pseudoniem": m["pseudoniem"], "soort": m["soort"],
         "startdatum": m["startdatum"].isoformat(),
         "einddatum": m["einddatum"].isoformat() if m["einddatum"] else None,
         "status": m["status"], "status_label": MeldingStatus(m["status"]).duo_label}
        for m in await conn.fetch(
            "SELECT melding_id, pseudoniem, soort, startdatum, einddatum, status FROM melding WHERE school = $1 "
            "ORDER BY geregistreerd_op DESC, melding_id DESC LIMIT 500", school,
        )
    ]
    return {"peildatum": vandaag.isoformat(), "te_melden": te_melden, "signalen": signalen_,
            "herbeoordelen": herbeoordelen, "meldingen": meldingen}


async def aanwezigheid(conn: asyncpg.Connection, school: str, week: str | None) -> dict[str, Any]:
    if week is None:
        weken = [r["week"] for r in await conn.fetch(
            "SELECT DISTINCT week FROM lesuren WHERE school = $1 ORDER BY week DESC LIMIT 4", school)]
    else:
        weken = [week]
    out = []
    for w in sorted(weken):
        van, tot = _week_range(w)
        for les in await conn.fetch("SELECT klas, uren, eenheid FROM lesuren WHERE school = $1 AND week = $2 "
                                    "ORDER BY klas", school, w):
            leerlingen = [r["pseudoniem"] for r in await conn.fetch(
                "SELECT DISTINCT pseudoniem FROM inschrijving WHERE school = $1 AND klas = $2 "
                "AND ingangsdatum <= $4 AND (einddatum IS NULL OR einddatum >= $3)", school, les["klas"], van, tot)]
            afwezig = await _afwezige_uren(conn, school, leerlingen, van, tot)
            gepland = les["uren"] * len(leerlingen)
            pct = None if gepland == 0 else float(
                max(Decimal(0), (1 - afwezig / gepland) * 100).quantize(Decimal("0.1")))
            out.append({"week": w, "klas": les["klas"], "leerlingen": len(leerlingen),
                        "geplande_uren": float(gepland), "afwezige_uren": float(afwezig),
                        "eenheid": les["eenheid"], "aanwezigheid_pct": pct})
    return {"school": school, "weken": out}


async def _afwezige_uren(conn: asyncpg.Connection, school: str, leerlingen: list[str], van: date,
                         tot: date) -> Decimal:
    if not leerlingen:
        return Decimal(0)
    rows = await conn.fetch(
        """
        SELECT a.uren AS oorspronkelijk,
               (SELECT h.nieuwe_uren FROM hercodering h WHERE h.afwezigheid_id = a.afwezigheid_id
                  AND h.nieuwe_uren IS NOT NULL ORDER BY h.event_id DESC LIMIT 1) AS gecorrigeerd
        FROM afwezigheid a
        WHERE a.school = $1 AND a.pseudoniem = ANY($2) AND a.datum BETWEEN $3 AND $4
        """,
        school, leerlingen, van, tot,
    )
    return sum((r["gecorrigeerd"] if r["gecorrigeerd"] is not None else r["oorspronkelijk"] for r in rows),
               Decimal(0))


def _json(value: Any) -> dict[str, Any]:
    import json

    return value if isinstance(value, dict) else dict(json.loads(value))
