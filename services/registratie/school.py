"""The school's own view: its open signals, the reports it must still file, and attendance per class.

Why here: domain.md D — schools that act early have their own protocols, and one college publishes
weekly attendance per class; attendance, not only absence, is worth showing to schools. The view
reads registratie's own state; it shows pupils by what the school itself supplied at enrolment (its
own leerlingnummer and the name it gave, ``school_leerling``, domain.md B), else by pseudonym (known
from the enrolment answer), with the class; never a PGN, never another school's name for the pupil.

Attendance % of a class in an ISO week (catalogue, ``LesurenGepland``): 1 − absent hours / scheduled
hours, where scheduled = the class's scheduled hours per pupil × the pupils enrolled in that class
that week, and absent = all registered absence of those pupils that week (authorised or not: the
pupil was not in class), with recodings applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from contracts.codes import MeldingStatus


def _week_range(week: str) -> tuple[date, date]:
    monday = date.fromisoformat(week + "-1")
    return monday, monday + timedelta(days=6)


Naam = tuple[str, str | None, str]
"""(voornamen, tussenvoegsel, achternaam) as the school gave them."""


EigenGegevens = tuple[str, str | None, Naam | None]
"""What a school supplied at enrolment for its own view: (pseudonym, leerlingnummer, name)."""


async def leerling_vastleggen(conn: asyncpg.Connection, school: str, pseudoniem: str,
                              leerlingnummer: str | None, naam: Naam | None) -> None:
    """Keep what ``school`` supplied at enrolment for its own view. A later enrolment that leaves a part
    out keeps what was given before (a re-enrolment without the identity block does not erase the name)."""
    await leerlingen_vastleggen(conn, school, [(pseudoniem, leerlingnummer, naam)])


def _samengevoegd(rijen: Iterable[EigenGegevens]) -> dict[str, tuple[str | None, Naam | None]]:
    """Rows of one pupil merged as the upsert would leave them one after the other (one statement
    cannot touch a row twice): a later part replaces an earlier, a missing part keeps it."""
    out: dict[str, tuple[str | None, Naam | None]] = {}
    for pseudoniem, nummer, naam in rijen:
        eerder_nummer, eerder_naam = out.get(pseudoniem, (None, None))
        out[pseudoniem] = (nummer or eerder_nummer, naam or eerder_naam)
    return out


async def leerlingen_vastleggen(conn: asyncpg.Connection, school: str, rijen: Iterable[EigenGegevens]) -> None:
    """:func:`leerling_vastleggen` for a batch of one school's enrolments, in one statement."""
    gegevens = {p: (n, naam) for p, (n, naam) in _samengevoegd(rijen).items() if n is not None or naam is not None}
    if not gegevens:
        return
    namen = [naam or (None, None, None) for _, naam in gegevens.values()]
    await conn.execute(
        "INSERT INTO school_leerling (school, pseudoniem, leerlingnummer, voornamen, tussenvoegsel, achternaam) "
        "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) "
        "ON CONFLICT (school, pseudoniem) DO UPDATE SET "
        "leerlingnummer = COALESCE(EXCLUDED.leerlingnummer, school_leerling.leerlingnummer), "
        "voornamen = CASE WHEN EXCLUDED.achternaam IS NULL THEN school_leerling.voornamen ELSE EXCLUDED.voornamen END, "
        "tussenvoegsel = CASE WHEN EXCLUDED.achternaam IS NULL THEN school_leerling.tussenvoegsel "
        "ELSE EXCLUDED.tussenvoegsel END, "
        "achternaam = COALESCE(EXCLUDED.achternaam, school_leerling.achternaam), bijgewerkt_op = now()",
        school, list(gegevens), [n for n, _ in gegevens.values()],
        [n[0] for n in namen], [n[1] for n in namen], [n[2] for n in namen],
    )


async def leerling_vergeten(conn: asyncpg.Connection, pseudoniem: str) -> None:
    """"Vergeet leerling": every school's name and number for the pupil go, and its flags."""
    await conn.execute("DELETE FROM school_leerling WHERE pseudoniem = $1", pseudoniem)
    for tabel in _AFWIJKING.values():
        await conn.execute(f"DELETE FROM {tabel} WHERE pseudoniem = $1", pseudoniem)


async def afwijking_markeren(conn: asyncpg.Connection, pseudoniem: str, school: str) -> None:
    """A school stated another woongemeente than registratie knows: flagged for DUO/beheer (domain.md B)."""
    await afwijkingen_markeren(conn, school, [pseudoniem])


_AFWIJKING = {"woongemeente": "woongemeente_afwijking", "geboortedatum": "geboortedatum_afwijking"}
"""What a school stated otherwise than registratie (DUO) holds, each kind's table (domain.md B)."""


async def afwijkingen_markeren(conn: asyncpg.Connection, school: str, pseudoniemen: Iterable[str],
                               soort: str = "woongemeente") -> None:
    """:func:`afwijking_markeren` for a batch of one school's enrolments, in one statement; ``soort``: what
    differed (the woongemeente, or the birth month from DUO's, ``geldende_geboortedatum``)."""
    eens = list(dict.fromkeys(pseudoniemen))
    if eens:
        await conn.execute(f"INSERT INTO {_AFWIJKING[soort]} (pseudoniem, school) SELECT p, $1 FROM "
                           "unnest($2::text[]) AS p ON CONFLICT (pseudoniem, school) DO UPDATE SET gemeld_op = now()",
                           school, eens)


async def afwijkingen(conn: asyncpg.Connection, soort: str = "woongemeente", *, school: str | None = None,
                      pagina: int = 1, per_pagina: int = 100) -> dict[str, Any]:
    """One page of one kind of flag, newest first, for one school or all, with the total: a national
    year holds many more than a page (migration 011 indexes both orders)."""
    tabel = _AFWIJKING[soort]
    waar = "WHERE school = $1" if school else "WHERE $1::text IS NULL"
    totaal = int(await conn.fetchval(f"SELECT count(*) FROM {tabel} {waar}", school))
    rijen = await conn.fetch(f"SELECT pseudoniem, school, gemeld_op FROM {tabel} {waar} "
                             "ORDER BY gemeld_op DESC, pseudoniem LIMIT $2 OFFSET $3",
                             school, per_pagina, (pagina - 1) * per_pagina)
    return {"afwijkingen": [{"pseudoniem": r["pseudoniem"], "school": r["school"],
                             "gemeld_op": r["gemeld_op"].isoformat()} for r in rijen],
            "totaal": totaal, "pagina": pagina, "per_pagina": per_pagina,
            "paginas": max(1, -(-totaal // per_pagina))}


async def _eigen_namen(conn: asyncpg.Connection, school: str, pseudoniemen: set[str]) -> dict[str, dict[str, Any]]:
    """Per pupil what this school (and only this school) supplied: ``naam`` and ``leerlingnummer``."""
    out: dict[str, dict[str, Any]] = {}
    for r in await conn.fetch(
        "SELECT pseudoniem, leerlingnummer, voornamen, tussenvoegsel, achternaam FROM school_leerling "
        "WHERE school = $1 AND pseudoniem = ANY($2::text[])", school, sorted(pseudoniemen),
    ):
        delen = (r["voornamen"], r["tussenvoegsel"], r["achternaam"])
        naam = " ".join(d for d in delen if d) if r["achternaam"] else None
        out[r["pseudoniem"]] = {"naam": naam, "leerlingnummer": r["leerlingnummer"]}
    return out


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
    meldingrijen = await conn.fetch(
        "SELECT melding_id, pseudoniem, soort, startdatum, einddatum, status FROM melding WHERE school = $1 "
        "ORDER BY geregistreerd_op DESC, melding_id DESC LIMIT 500", school,
    )
    namen = await _eigen_namen(conn, school, {r["pseudoniem"] for r in (*rows, *meldingrijen)})
    leeg = {"naam": None, "leerlingnummer": None}
    te_melden, signalen_, herbeoordelen = [], [], []
    for r in rows:
        g = _json(r["gegevens"])
        basis = {"pseudoniem": r["pseudoniem"], **namen.get(r["pseudoniem"], leeg), "klas": r["klas"]}
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
        {"melding_id": str(m["melding_id"]), "pseudoniem": m["pseudoniem"], **namen.get(m["pseudoniem"], leeg),
         "soort": m["soort"],
         "startdatum": m["startdatum"].isoformat(),
         "einddatum": m["einddatum"].isoformat() if m["einddatum"] else None,
         "status": m["status"], "status_label": MeldingStatus(m["status"]).duo_label}
        for m in meldingrijen
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


_STATUS_VOLGORDE = {"te_laat": 0, "te_doen": 1, "voorlopig": 2}


def per_plicht(te_melden: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per pupil and duty (meldingsoort), overdue first, then by deadline.

    Why: a pupil whose absence reached the same duty in several windows has one report to file, not
    four; the school must see what is late at the top (issue 15). The row keeps the earliest start,
    the latest day the threshold was reached, the most hours and the nearest deadline, so the report
    prefilled from it covers the whole period; ``perioden`` says how many windows it joins."""
    groepen: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in te_melden:
        groepen.setdefault((r["pseudoniem"], r["meldingsoort"]), []).append(r)
    out = []
    for rijen in groepen.values():
        eerste = rijen[0]
        status = min((r["status"] for r in rijen), key=lambda s: _STATUS_VOLGORDE.get(s, 9))
        out.append({**eerste, "status": status, "perioden": len(rijen),
                    "vanaf": min(r["vanaf"] for r in rijen),
                    "bereikt_op": max(r["bereikt_op"] for r in rijen),
                    "uiterlijk_melden_op": min(r["uiterlijk_melden_op"] for r in rijen),
                    "uren": max(r["uren"] for r in rijen)})
    out.sort(key=lambda r: (_STATUS_VOLGORDE.get(r["status"], 9), r["uiterlijk_melden_op"],
                            r["naam"] or "", r["leerlingnummer"] or "", r["pseudoniem"]))
    return out


async def aanwezigheid_per_leerling(conn: asyncpg.Connection, school: str, weken: list[str]) -> list[dict[str, Any]]:
    """Attendance per pupil over ``weken`` (ISO weeks with scheduled hours): the pupil's class's
    scheduled hours in the weeks the pupil was enrolled there, minus the pupil's absence (recodings
    applied), the same definition as per class (module docstring), so the two views add up."""
    per: dict[str, dict[str, Any]] = {}
    for w in sorted(weken):
        van, tot = _week_range(w)
        for les in await conn.fetch("SELECT klas, uren FROM lesuren WHERE school = $1 AND week = $2", school, w):
            leerlingen = [r["pseudoniem"] for r in await conn.fetch(
                "SELECT DISTINCT pseudoniem FROM inschrijving WHERE school = $1 AND klas = $2 "
                "AND ingangsdatum <= $4 AND (einddatum IS NULL OR einddatum >= $3)", school, les["klas"], van, tot)]
            for p in leerlingen:
                rij = per.setdefault(p, {"pseudoniem": p, "klas": les["klas"], "gepland": Decimal(0),
                                         "afwezig": Decimal(0)})
                rij["gepland"] += les["uren"]
                rij["afwezig"] += await _afwezige_uren(conn, school, [p], van, tot)
    namen = await _eigen_namen(conn, school, set(per))
    out = []
    for p, r in per.items():
        gemist = None if r["gepland"] == 0 else float(min(Decimal(100), r["afwezig"] / r["gepland"] * 100)
                                                      .quantize(Decimal("0.1")))
        out.append({**r, **namen.get(p, {"naam": None, "leerlingnummer": None}),
                    "gepland": float(r["gepland"]), "afwezig": float(r["afwezig"]), "gemist_pct": gemist})
    out.sort(key=lambda r: (-(r["gemist_pct"] or 0), r["naam"] or "", r["pseudoniem"]))
    return out
