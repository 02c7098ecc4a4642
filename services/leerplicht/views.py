"""JSON views for the officer's API (Dutch field names; pseudonyms only, never PGN or names)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from leerplicht.domain import Dossier, HaltBeoordeling, WerkItem, Werklijst


def _d(v: Any) -> Any:
    return v.isoformat() if v is not None else None


def werkitem(i: WerkItem) -> dict[str, Any]:
    return {
        "soort": i.soort.value,
        "dossier_id": str(i.dossier_id),
        "pseudoniem": i.pseudoniem,
        "melding_id": str(i.melding_id) if i.melding_id else None,
        "melding_soort": i.melding_soort.value if i.melding_soort else None,
        "sinds": _d(i.sinds),
        "uiterlijk": _d(i.uiterlijk),
        "te_laat": i.te_laat,
        "werkdagen_te_laat": i.werkdagen_te_laat,
        "behandelaar": i.behandelaar,
    }


def werklijst(regio: str, w: Werklijst) -> dict[str, Any]:
    # an overdue report is in both lists as one item: its view is built once (the deprecated unpaged list
    # shows thousands, issue 16)
    gezien: dict[int, dict[str, Any]] = {}

    def view(i: WerkItem) -> dict[str, Any]:
        v = gezien.get(id(i))
        if v is None:
            v = gezien[id(i)] = werkitem(i)
        return v

    return {
        "regio": regio,
        "peildatum": _d(w.peildatum),
        "nieuwe_meldingen": [view(i) for i in w.oppakken],
        "te_laat": [view(i) for i in w.te_laat],
        "open_dossiers_per_behandelaar": [
            {"behandelaar": b or None, "aantal": n} for b, n in w.open_per_behandelaar.items()
        ],
    }


def halt(b: HaltBeoordeling) -> dict[str, Any]:
    return {
        "advies": b.advies.value,
        "redenen": list(b.redenen),
        "uren_verzuim": float(b.uren_verzuim),
        "keer_te_laat": b.keer_te_laat,
        "eerste_verwijzing": b.eerste_verwijzing,
    }


def dossier(
    d: Dossier,
    *,
    behandelaar: str | None,
    tijdlijn: Sequence[asyncpg.Record],
    afwezigheid: Sequence[asyncpg.Record],
    halt_advies: HaltBeoordeling | None,
    termijnen: Iterable[WerkItem],
) -> dict[str, Any]:
    per_code: dict[str, Decimal] = defaultdict(Decimal)
    for r in afwezigheid:
        per_code[r["code"]] += r["uren"]
    return {
        "dossier_id": str(d.dossier_id),
        "pseudoniem": d.pseudoniem,
        "fase": d.fase.value,
        "version": d.version,
        "geopend_op": _d(d.geopend_op),
        "behandelaar": behandelaar,
        "laatste_actie_op": _d(d.laatste_actie_op),
        "eerste_contact_op": _d(d.eerste_contact_op),
        "overgenomen_van": d.overgenomen_van,
        "overgenomen_op": _d(d.overgenomen_op),
        "meldingen": [
            {
                "melding_id": str(m.melding_id),
                "soort": m.soort.value,
                "status": m.status.value,
                "status_duo": m.status.duo_label,
                "geregistreerd_op": _d(m.geregistreerd_op),
                "startdatum": _d(m.startdatum),
                "einddatum": _d(m.einddatum),
                "in_behandeling_op": _d(m.in_behandeling_op),
                "afgehandeld_op": _d(m.afgehandeld_op),
                "intrekkingsreden": m.intrekkingsreden.value if m.intrekkingsreden else None,
                "onderzoek_gestart_op": _d(o.datum) if (o := d.onderzoek_voor(m.melding_id)) else None,
            }
            for m in d.meldingen
        ],
        "routes": [r.value for r in d.huidige_routes],
        "routekeuzes": [{"routes": [r.value for r in k.routes], "datum": _d(k.datum)} for k in d.routekeuzes],
        "interventies": [
            {
                "interventie_id": str(i.interventie_id),
                "soort": i.soort.value,
                "route": i.soort.route.value,
                "datum": _d(i.datum),
                "uitkomst": i.uitkomst.value if i.uitkomst else None,
                "uitkomst_op": _d(i.uitkomst_op),
            }
            for i in d.interventies
        ],
        "halt_advies_overschreven": [
            {"datum": _d(h.datum), "toelichting": h.toelichting} for h in d.halt_overschrijvingen
        ],
        "sluiting": None
        if d.sluiting is None
        else {
            "reden": d.sluiting.reden.value,
            "datum": _d(d.sluiting.datum),
            "toelichting": d.sluiting.toelichting,
            "naar_regio": d.sluiting.naar_regio,
        },
        "halt_advies": halt(halt_advies) if halt_advies else None,
        "termijnen": [werkitem(i) for i in termijnen],
        "tijdlijn": [
            {
                "versie": r["seq"],
                "event_id": str(r["event_id"]),
                "type": r["type"],
                "op": _d(r["op"]),
                "data": json.loads(r["envelope"])["data"],
            }
            for r in tijdlijn
        ],
        "afwezigheid": [
            {
                "datum": _d(r["datum"]),
                "uren": float(r["uren"]),
                "eenheid": r["eenheid"],
                "code": r["code"],
                "oorspronkelijke_code": r["oorspronkelijke_code"],
                "school": r["school"],
            }
            for r in afwezigheid
        ],
        "afwezigheid_uren_per_code": {k: float(v) for k, v in sorted(per_code.items())},
    }
