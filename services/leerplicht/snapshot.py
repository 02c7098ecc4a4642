"""JSON snapshot of a :class:`~leerplicht.domain.dossier.Dossier` for the ``dossier.stand`` column.

Why a snapshot next to the timeline: the projection and the command path need the current state of
a dossier without re-decoding its whole timeline, and the worklist needs the state of every open
dossier at once. The snapshot is derived data (the fold of the timeline rows, which are the events
themselves), written only by the projection in the same transaction as the timeline.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from contracts.codes import (
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
    MeldingStatus,
)
from leerplicht.domain.dossier import (
    Dossier,
    DossierFase,
    HaltOverschrijving,
    Interventie,
    Melding,
    Onderzoek,
    RouteKeuze,
    Sluiting,
)


def _d(v: date | None) -> str | None:
    return v.isoformat() if v is not None else None


def _pd(v: Any) -> date | None:
    return date.fromisoformat(v) if v is not None else None


def _rd(v: Any) -> date:
    return date.fromisoformat(v)


def to_json(d: Dossier) -> dict[str, Any]:
    return {
        "dossier_id": str(d.dossier_id),
        "pseudoniem": d.pseudoniem,
        "geopend_op": _d(d.geopend_op),
        "eerste_melding_id": str(d.eerste_melding_id),
        "version": d.version,
        "fase": d.fase.value,
        "laatste_actie_op": _d(d.laatste_actie_op),
        "overgenomen_van": d.overgenomen_van,
        "overgenomen_op": _d(d.overgenomen_op),
        "meldingen": [
            {
                "melding_id": str(m.melding_id),
                "soort": m.soort.value,
                "status": m.status.value,
                "geregistreerd_op": _d(m.geregistreerd_op),
                "startdatum": _d(m.startdatum),
                "einddatum": _d(m.einddatum),
                "in_behandeling_op": _d(m.in_behandeling_op),
                "afgehandeld_op": _d(m.afgehandeld_op),
                "intrekkingsreden": m.intrekkingsreden.value if m.intrekkingsreden else None,
            }
            for m in d.meldingen
        ],
        "onderzoeken": [
            {"melding_id": str(o.melding_id), "datum": _d(o.datum), "met_leerling": o.met_leerling}
            for o in d.onderzoeken
        ],
        "routekeuzes": [{"routes": [r.value for r in k.routes], "datum": _d(k.datum)} for k in d.routekeuzes],
        "interventies": [
            {
                "interventie_id": str(i.interventie_id),
                "soort": i.soort.value,
                "datum": _d(i.datum),
                "uitkomst": i.uitkomst.value if i.uitkomst else None,
                "uitkomst_op": _d(i.uitkomst_op),
            }
            for i in d.interventies
        ],
        "halt_overschrijvingen": [
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
    }


def from_json(j: dict[str, Any]) -> Dossier:
    s = j["sluiting"]
    return Dossier(
        dossier_id=UUID(j["dossier_id"]),
        pseudoniem=j["pseudoniem"],
        geopend_op=_rd(j["geopend_op"]),
        eerste_melding_id=UUID(j["eerste_melding_id"]),
        version=int(j["version"]),
        fase=DossierFase(j["fase"]),
        laatste_actie_op=_pd(j["laatste_actie_op"]),
        overgenomen_van=j.get("overgenomen_van"),
        overgenomen_op=_pd(j.get("overgenomen_op")),
        meldingen=tuple(
            Melding(
                melding_id=UUID(m["melding_id"]),
                soort=MeldingSoort(m["soort"]),
                status=MeldingStatus(m["status"]),
                geregistreerd_op=_rd(m["geregistreerd_op"]),
                startdatum=_rd(m["startdatum"]),
                einddatum=_pd(m["einddatum"]),
                in_behandeling_op=_pd(m["in_behandeling_op"]),
                afgehandeld_op=_pd(m["afgehandeld_op"]),
                intrekkingsreden=IntrekkingsReden(m["intrekkingsreden"]) if m["intrekkingsreden"] else None,
            )
            for m in j["meldingen"]
        ),
        onderzoeken=tuple(
            Onderzoek(UUID(o["melding_id"]), _rd(o["datum"]), bool(o["met_leerling"])) for o in j["onderzoeken"]
        ),
        routekeuzes=tuple(
            RouteKeuze(tuple(MasRoute(r) for r in k["routes"]), _rd(k["datum"])) for k in j["routekeuzes"]
        ),
        interventies=tuple(
            Interventie(
                interventie_id=UUID(i["interventie_id"]),
                soort=InterventieSoort(i["soort"]),
                datum=_rd(i["datum"]),
                uitkomst=InterventieUitkomst(i["uitkomst"]) if i["uitkomst"] else None,
                uitkomst_op=_pd(i["uitkomst_op"]),
            )
            for i in j["interventies"]
        ),
        halt_overschrijvingen=tuple(
            HaltOverschrijving(_rd(h["datum"]), h["toelichting"]) for h in j["halt_overschrijvingen"]
        ),
        sluiting=None
        if s is None
        else Sluiting(LeerplichtSluitreden(s["reden"]), _rd(s["datum"]), s["toelichting"], s["naar_regio"]),
    )
