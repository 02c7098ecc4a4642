"""The officer's web pages (Dutch, server-rendered): worklist, dossier, and the MAS steps as forms.

Why server-rendered HTML with plain forms: it works without JavaScript, with the keyboard and with a
screen reader, and every step goes through exactly the same command path as the JSON API
(:func:`leerplicht.handling.voer_uit`: ``decide`` on the dossier, publish, wait for the projection).
Each form carries the dossier version the officer saw (hidden ``expected_version``); a stale one is
answered with "Het dossier is intussen gewijzigd, ververs de pagina" (409), a step that breaks the
MAS order with ``decide``'s Dutch message (422).

Names and addresses (domain.md B: identifying data only in the region of residence) come from the
``identiteit`` table (:mod:`leerplicht.identiteit`) and appear only on these pages, which need the
role ``leerplicht:<REGION>`` via the session cookie set by ``/inloggen``. The JSON API keeps to
pseudonyms. Cross-site form posts are stopped by the cookie's ``SameSite=Strict``.
"""
# No `from __future__ import annotations`: FastAPI must see the closure dependency `officer` as an object.

import json
import re
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from contracts.codes import (
    AfwezigheidCode,
    InterventieSoort,
    InterventieUitkomst,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
)
from contracts.envelope import uuid7
from contracts.tekst import TOELICHTING, TekstFout, controleer_tekst, zonder_verboden_tekens
from leerplicht import aandacht, handling, snapshot, zaken
from leerplicht.api import (
    DossierWijzigen,
    Inzien,
    MeldingBehandelen,
    WerklijstInzien,
    dossier_view,
    signalen_werklijst,
    vandaag,
)
from leerplicht.domain import (
    Command,
    DomeinFout,
    Dossier,
    KiesRoute,
    NeemInBehandeling,
    NeemTerKennisgeving,
    SluitDossier,
    SluitMeldingAf,
    StartOnderzoek,
    VoerInterventieUit,
    decide,
)
from leerplicht.domain.teksten import INTERVENTIE, MELDING_SOORT, ROUTE, SLUITREDEN, UITKOMST
from leerrecht import pagina, signalen
from leerrecht.beheer import Render, tijd
from leerrecht.http import Principal
from leerrecht.verwerkingslog import pseudoniemen_in

HIER = Path(__file__).parent
_env = pagina.omgeving(HIER / "templates")



def _getal(waarde: str | None, standaard: int) -> int:
    """A number from the query string; anything else is the default (a link, not a form: no error)."""
    return int(waarde) if waarde and waarde.isdigit() and len(waarde) < 7 else standaard

def nl_datum(waarde: Any) -> str:
    """``2025-06-02`` (or a date) → ``02-06-2025``, the Dutch way of writing a date."""
    if waarde is None or waarde == "":
        return ""
    d = waarde if isinstance(waarde, date) else date.fromisoformat(str(waarde))
    return d.strftime("%d-%m-%Y")


_env.filters["nl"] = nl_datum
_env.filters["tijd"] = tijd

AFWEZIGHEID = {
    AfwezigheidCode.ZIEK: "Ziek",
    AfwezigheidCode.VERLOF_VAKANTIE: "Vakantieverlof",
    AfwezigheidCode.VERLOF_GEWICHTIG: "Verlof gewichtige omstandigheden",
    AfwezigheidCode.RELIGIEUS: "Religieuze plichten",
    AfwezigheidCode.SCHORSING: "Schorsing",
    AfwezigheidCode.SCHOOL_GESLOTEN: "School gesloten",
    AfwezigheidCode.ONGEOORLOOFD: "Ongeoorloofd",
    AfwezigheidCode.TE_LAAT: "Te laat",
    AfwezigheidCode.LUXE: "Luxeverzuim",
    AfwezigheidCode.ONBEKEND: "Onbekend (voorlopig)",
}
LAATSTE_ACTIE = {
    "melding_geregistreerd": "Melding ontvangen",
    "melding_ingetrokken": "Melding ingetrokken",
    "melding_einddatum_vastgesteld": "Einddatum vastgesteld",
    "melding_in_behandeling": "In behandeling genomen",
    "onderzoek_gestart": "Onderzoek gestart",
    "route_gekozen": "Route gekozen",
    "halt_advies_overschreven": "Halt-advies overschreven",
    "interventie_uitgevoerd": "Interventie vastgelegd",
    "melding_afgesloten": "Melding afgesloten",
    "melding_ter_kennisgeving_aangenomen": "Ter kennisgeving aangenomen",
    "dossier_overgedragen": "Overgedragen",
    "dossier_toegewezen": "Toegewezen",
    "dossier_gesloten": "Gesloten",
}
SORTEER = {"termijn": "Volgende termijn", "naam": "Naam", "leeftijd": "Leeftijd", "school": "School",
           "laatste_actie": "Laatste actie", "geopend": "Geopend"}
FASE = {"OPEN": "Open", "GESLOTEN": "Gesloten", "OVERGEDRAGEN": "Overgedragen"}
WERKSOORT = {
    "OPPAKKEN": "Melding oppakken",
    "EERSTE_CONTACT": "Eerste contact",
    "GEEN_ACTIE": "Zes weken geen actie",
}
GELUKT = {
    "in-behandeling": "De melding is in behandeling genomen.",
    "ter-kennisgeving": "De melding is ter kennisgeving aangenomen.",
    "melding-afgesloten": "De melding is afgesloten.",
    "onderzoek": "Het onderzoek is vastgelegd.",
    "route": "De route is vastgelegd.",
    "interventie": "De interventie is vastgelegd.",
    "afgesloten": "Het dossier is gesloten.",
    "later": "De stap is opgeslagen; de verwerking duurt langer dan gewoonlijk. Ververs de pagina zo.",
}
CONFLICT = "Het dossier is intussen gewijzigd, ververs de pagina."


def _label(tabel: dict[Any, str], waarde: Any) -> str:
    return tabel.get(waarde, str(waarde).replace("_", " ").capitalize()) if waarde is not None else ""


def tijdlijn_tekst(regel: dict[str, Any]) -> str:
    """One timeline entry in Dutch: what happened, with the detail that matters."""
    soort: str = str(regel["type"]).rsplit(".", 1)[1]
    data = regel["data"]
    if soort == "melding_geregistreerd":
        return f"Melding geregistreerd: {_label(MELDING_SOORT, data.get('soort'))}"
    if soort == "melding_ingetrokken":
        return "Melding ingetrokken door de school"
    if soort == "melding_einddatum_vastgesteld":
        return f"Einddatum van de melding vastgesteld op {data.get('einddatum')}"
    if soort == "melding_in_behandeling":
        return "Melding in behandeling genomen"
    if soort == "onderzoek_gestart":
        return "Onderzoek gestart" + (" met de leerling" if data.get("met_leerling") else " met de ouders")
    if soort == "route_gekozen":
        return "Route gekozen: " + ", ".join(_label(ROUTE, r) for r in data.get("routes", []))
    if soort == "halt_advies_overschreven":
        return "Halt-advies overschreven: " + str(data.get("toelichting", ""))
    if soort == "interventie_uitgevoerd":
        tekst = "Interventie: " + _label(INTERVENTIE, data.get("soort"))
        return tekst + (f" – uitkomst {_label(UITKOMST, data['uitkomst'])}" if data.get("uitkomst") else "")
    if soort == "melding_afgesloten":
        return "Melding afgesloten"
    if soort == "melding_ter_kennisgeving_aangenomen":
        return "Melding ter kennisgeving aangenomen"
    if soort == "dossier_overgedragen":
        van, naar = data.get("van_regio"), data.get("naar_regio")
        return f"Dossier overgedragen van regio {van} naar regio {naar} (verhuizing)"
    if soort == "dossier_gesloten":
        tekst = "Dossier gesloten: " + _label(SLUITREDEN, data.get("reden"))
        return tekst + (f" – {data['toelichting']}" if data.get("toelichting") else "")
    return soort.replace("_", " ").capitalize()


def zoekvraag(params: Mapping[str, str]) -> zaken.Zoekvraag:
    """The worklist's query string as a question; anything unknown falls back to the default (a page
    answers, it never shows a validation error for a link)."""
    def getal(naam: str, standaard: int) -> int:
        return _getal(params.get(naam), standaard)

    soort = params.get("soort", "")
    sorteer = params.get("sorteer", "")
    return zaken.Zoekvraag(
        zoek=zonder_verboden_tekens(params.get("zoek", ""))[:100],
        behandelaar=b if (b := params.get("behandelaar", "")) in ("mij", "niemand") else "",
        te_laat=params.get("te_laat") == "ja",
        soort=MeldingSoort(soort) if soort in {m.value for m in MeldingSoort} else None,
        sorteer=sorteer if re.fullmatch(zaken.SORTEER_PATROON, sorteer) else "termijn",
        pagina=getal("pagina", 1),
        per_pagina=getal("per_pagina", zaken.PER_PAGINA),
    )


def _pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


async def _namen(conn: asyncpg.Connection, pseudoniemen: list[str]) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT pseudoniem, voornamen, tussenvoegsel, achternaam FROM identiteit WHERE pseudoniem = ANY($1::text[])",
        pseudoniemen,
    )
    return {r["pseudoniem"]: volledige_naam(r) for r in rows}


def volledige_naam(r: Any) -> str:
    return " ".join(filter(None, [r["voornamen"], r["tussenvoegsel"], r["achternaam"]]))


def _render(naam: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(naam).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


class FormFout(ValueError):
    def __init__(self, veld: str, melding: str) -> None:
        super().__init__(melding)
        self.veld = veld
        self.melding = melding


def _datum(form: FormData) -> date:
    raw = str(form.get("datum") or "")
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        raise FormFout("datum", "Vul een geldige datum in.") from None
    if d > vandaag():
        raise FormFout("datum", "De datum ligt in de toekomst.")
    return d


def _versie(form: FormData) -> int:
    try:
        return int(str(form.get("expected_version", "")))
    except ValueError:
        raise FormFout("expected_version", "De versie van het dossier ontbreekt; ververs de pagina.") from None


def _enum(form: FormData, veld: str, cls: Any, leeg: bool = False) -> Any:
    raw = str(form.get(veld) or "")
    if not raw and leeg:
        return None
    try:
        return cls(raw)
    except ValueError:
        raise FormFout(veld, "Maak een keuze uit de lijst.") from None


def _tekst(form: FormData, veld: str) -> str | None:
    """A toelichting under the platform's text rules (:mod:`contracts.tekst`); empty is none."""
    raw = str(form.get(veld) or "")
    if not raw.strip():
        return None
    try:
        return controleer_tekst(raw, TOELICHTING)
    except TekstFout as exc:
        raise FormFout(veld, f"Toelichting: {exc.melding}") from None


def _invoer(form: FormData) -> dict[str, str]:
    """What was typed, to fill a refused form in again: text fields only, and without the characters
    the rules refuse (a NUL or a bidi control is not shown back either)."""
    return {k: zonder_verboden_tekens(v, meerregelig=True) for k, v in form.items() if isinstance(v, str)}


def _uuid(raw: str, veld: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise FormFout(veld, "Onbekend nummer.") from None


def mount(app: FastAPI, officer: Any, region: str, sleutel: bytes | tuple[bytes, ...]) -> None:
    """Add the officer's pages to ``app`` (role ``leerplicht:<region>`` through the session cookie;
    ``sleutel``: the BSN search key)."""
    basis: dict[str, Any] = {"regio": region, "labels": {
        "melding_soort": MELDING_SOORT, "route": ROUTE, "interventie": INTERVENTIE, "uitkomst": UITKOMST,
        "sluitreden": SLUITREDEN, "afwezigheid": AFWEZIGHEID, "fase": FASE, "werksoort": WERKSOORT,
        "laatste_actie": LAATSTE_ACTIE, "sorteer": SORTEER,
    }}

    @app.get("/", include_in_schema=False)
    async def start() -> Response:
        return RedirectResponse("/werklijst", status_code=303)

    @app.get("/werklijst", response_class=HTMLResponse, include_in_schema=False)
    async def werklijst_pagina(
        v: WerklijstInzien,
        request: Request,
        principal: Annotated[Principal, Depends(officer)], db: Annotated[asyncpg.Pool, Depends(_pool)],
    ) -> HTMLResponse:
        peildatum = vandaag()
        vraag = zoekvraag(request.query_params)
        async with db.acquire() as conn:
            resultaat = await zaken.zoek(conn, vraag, principal.client_id, peildatum, sleutel)
            per_behandelaar = await conn.fetch(
                "SELECT b.behandelaar, count(*) AS aantal FROM dossier d "
                "LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id WHERE d.fase = 'OPEN' "
                "GROUP BY b.behandelaar ORDER BY b.behandelaar NULLS FIRST"
            )
            overnames = await conn.fetch(
                "SELECT dossier_id, pseudoniem, van_regio, pogingen, laatste_fout FROM overname "
                "WHERE status = 'WACHT' ORDER BY ontvangen_op"
            )
            gemarkeerd = [m for m in await aandacht.werklijst(conn) if m["dossier_id"]]
            signalen_totaal = await signalen.aantal(conn)
            signalen_paginas = max(1, -(-signalen_totaal // signalen.PER_PAGINA))
            signalen_pagina = min(max(1, _getal(request.query_params.get("signalen_pagina"), 1)), signalen_paginas)
            gesignaleerd = await signalen_werklijst(conn, limiet=signalen.PER_PAGINA,
                                                    vanaf=(signalen_pagina - 1) * signalen.PER_PAGINA)
            namen = await _namen(conn, [o["pseudoniem"] for o in overnames] + [s["pseudoniem"] for s in gesignaleerd])
        v.betreft(*pseudoniemen_in([resultaat, [dict(o) for o in overnames], gesignaleerd]))
        # A BSN is not carried on into the sort and page links (it would end up in history and logs).
        params = {k: v for k, v in request.query_params.items()
                  if k not in ("pagina", "signalen_pagina") and v
                  and not (k == "zoek" and re.fullmatch(r"\s*[0-9]{9}\s*", v))}

        def pagina_url(p: int) -> str:
            return "/werklijst?" + urlencode({**params, "pagina": p})

        def signalen_url(p: int) -> str:
            return "/werklijst?" + urlencode({**params, "signalen_pagina": p}) + "#signalen"

        return _render(
            "werklijst.html", **basis, principal=principal, resultaat=resultaat, vraag=vraag, namen=namen,
            per_behandelaar=per_behandelaar, overnames=overnames, peildatum=peildatum, gemarkeerd=gemarkeerd,
            signalen=gesignaleerd, signalen_totaal=signalen_totaal, signalen_pagina=signalen_pagina,
            signalen_paginas=signalen_paginas, signalen_url=signalen_url,
            pagina_url=pagina_url, sorteer_url=lambda k: "/werklijst?" + urlencode(
                {**{k2: v for k2, v in params.items() if k2 != "sorteer"},
                 "sorteer": ("-" + k) if vraag.sorteer == k else k}),
        )

    async def _dossier_pagina(
        db: asyncpg.Pool, principal: Principal, dossier_id: uuid.UUID, *, status: int = 200,
        fout: str | None = None, fout_veld: str | None = None, gelukt: str | None = None,
        formulier: str | None = None, invoer: dict[str, str] | None = None, invoer_routes: list[str] | None = None,
    ) -> HTMLResponse:
        async with db.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT d.stand, b.behandelaar FROM dossier d "
                "LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id WHERE d.dossier_id = $1",
                dossier_id,
            )
            if row is None:
                return _render("fout.html", 404, **basis, principal=principal, titel="Dossier niet gevonden",
                               melding="Dit dossier bestaat niet in deze regio.")
            state = snapshot.from_json(json.loads(row["stand"]))
            d = await dossier_view(conn, state, row["behandelaar"])
            identiteit = await conn.fetchrow("SELECT * FROM identiteit WHERE pseudoniem = $1", state.pseudoniem)
        for t in d["tijdlijn"]:
            t["tekst"] = tijdlijn_tekst(t)
        open_uitkomst = [i for i in state.interventies if i.soort.mogelijke_uitkomsten and i.uitkomst is None]
        soorten = [s for s in InterventieSoort if state.onderzoeken and (
            s.route is MasRoute.BASISROUTE or s.route in state.huidige_routes)]
        mogelijk = {*soorten, *(i.soort for i in open_uitkomst)}
        return _render(
            "dossier.html", status, **basis, principal=principal, d=d, state=state, identiteit=identiteit,
            fout=fout, fout_veld=fout_veld, gelukt=GELUKT.get(gelukt or ""), vandaag=vandaag(),
            formulier=formulier, invoer=invoer or {}, invoer_routes=invoer_routes or [],
            schoolnaam=zaken.schoolnaam,
            routes=list(MasRoute), soorten=soorten,
            uitkomsten=[u for u in InterventieUitkomst if any(u in s.mogelijke_uitkomsten for s in mogelijk)],
            redenen=sluitredenen(state, vandaag()),
            onderzoek_meldingen=[
                m for m in state.meldingen
                if m.status.value == "IN_BEHANDELING" and state.onderzoek_voor(m.melding_id) is None
            ],
            open_uitkomst=open_uitkomst,
        )

    @app.get("/dossiers/{dossier_id}", response_class=HTMLResponse, include_in_schema=False)
    async def dossier_pagina(
        _v: Inzien,
        dossier_id: uuid.UUID,
        principal: Annotated[Principal, Depends(officer)],
        db: Annotated[asyncpg.Pool, Depends(_pool)],
        gelukt: str | None = None,
    ) -> HTMLResponse:
        return await _dossier_pagina(db, principal, dossier_id, gelukt=gelukt)

    async def stap(
        request: Request, principal: Principal, dossier_id: uuid.UUID, gelukt: str,
        bouw: Any,
    ) -> Response:
        """Parse the form, run the command through the API's command path, answer with a page."""
        db = _pool(request)
        form = await request.form()
        invoer = _invoer(form)
        routes = [str(r) for r in form.getlist("routes")]
        try:
            versie = _versie(form)
            build = await bouw(form)
        except FormFout as exc:
            return await _dossier_pagina(db, principal, dossier_id, status=422, fout=exc.melding, fout_veld=exc.veld,
                                         formulier=gelukt, invoer=invoer, invoer_routes=routes)
        runtime = request.app.state.runtime
        try:
            uitkomst = await handling.voer_uit(
                runtime.pool, runtime.publisher, region, dossier_id, versie, build,
                behandelaar=principal.client_id, correlation_id=uuid.UUID(request.state.correlation_id),
            )
        except DomeinFout as exc:
            return await _dossier_pagina(db, principal, dossier_id, status=422, fout=_zin(exc.melding),
                                         fout_veld=exc.veld, formulier=gelukt, invoer=invoer, invoer_routes=routes)
        except handling.VersieConflict:
            return await _dossier_pagina(db, principal, dossier_id, status=409, fout=CONFLICT)
        except handling.DossierOnbekend:
            return await _dossier_pagina(db, principal, dossier_id, status=404)
        except (handling.PublicatieMislukt, handling.NogInVerwerking):
            return await _dossier_pagina(db, principal, dossier_id, status=503,
                                         fout="Opslaan lukt nu niet. Probeer het over een ogenblik opnieuw.")
        klaar = gelukt if uitkomst.dossier is not None else "later"
        return RedirectResponse(f"/dossiers/{dossier_id}?gelukt={klaar}#melding", status_code=303)

    def vast(cmd: Command) -> handling.BuildCommand:
        async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
            return cmd

        return build

    def melding_stap(pad: str, cls: Any, gelukt: str) -> None:
        @app.post(f"/dossiers/{{dossier_id}}/meldingen/{{melding_id}}/{pad}", include_in_schema=False)
        async def post(
            v: MeldingBehandelen, request: Request, dossier_id: uuid.UUID, melding_id: uuid.UUID,
            principal: Annotated[Principal, Depends(officer)],
        ) -> Response:
            async def bouw(form: FormData) -> handling.BuildCommand:
                return vast(cls(melding_id, _datum(form)))

            return v.antwoord(await stap(request, principal, dossier_id, gelukt, bouw))

    melding_stap("in-behandeling", NeemInBehandeling, "in-behandeling")
    melding_stap("ter-kennisgeving", NeemTerKennisgeving, "ter-kennisgeving")
    melding_stap("afsluiten", SluitMeldingAf, "melding-afgesloten")

    @app.post("/dossiers/{dossier_id}/onderzoek", include_in_schema=False)
    async def onderzoek(
        v: DossierWijzigen, request: Request, dossier_id: uuid.UUID,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Response:
        async def bouw(form: FormData) -> handling.BuildCommand:
            melding_id = _uuid(str(form.get("melding_id") or ""), "melding_id")
            return vast(StartOnderzoek(melding_id, _datum(form), form.get("met_leerling") == "ja"))

        return v.antwoord(await stap(request, principal, dossier_id, "onderzoek", bouw))

    @app.post("/dossiers/{dossier_id}/route", include_in_schema=False)
    async def route(
        v: DossierWijzigen, request: Request, dossier_id: uuid.UUID,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Response:
        async def bouw(form: FormData) -> handling.BuildCommand:
            try:
                routes = tuple(MasRoute(str(r)) for r in form.getlist("routes"))
            except ValueError:
                raise FormFout("routes", "Kies een route uit de lijst.") from None
            if not routes:
                raise FormFout("routes", "Kies de basisroute of ten minste één vervolgroute.")
            datum, toelichting = _datum(form), _tekst(form, "halt_toelichting")

            async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
                leerling = await handling.leerling_gegevens(conn, state) if MasRoute.HALT in routes else None
                return KiesRoute(routes, datum, leerling, toelichting)

            return build

        return v.antwoord(await stap(request, principal, dossier_id, "route", bouw))

    @app.post("/dossiers/{dossier_id}/interventies", include_in_schema=False)
    async def interventie(
        v: DossierWijzigen, request: Request, dossier_id: uuid.UUID,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Response:
        async def bouw(form: FormData) -> handling.BuildCommand:
            soort: InterventieSoort = _enum(form, "soort", InterventieSoort)
            uitkomst: InterventieUitkomst | None = _enum(form, "uitkomst", InterventieUitkomst, leeg=True)
            raw_id = str(form.get("interventie_id") or "")
            interventie_id = _uuid(raw_id, "interventie_id") if raw_id else uuid7()
            datum, toelichting = _datum(form), _tekst(form, "halt_toelichting")

            async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
                leerling = (
                    await handling.leerling_gegevens(conn, state)
                    if soort is InterventieSoort.HALT_VERWIJZING else None
                )
                return VoerInterventieUit(interventie_id, soort, datum, uitkomst, leerling, toelichting)

            return build

        return v.antwoord(await stap(request, principal, dossier_id, "interventie", bouw))

    @app.post("/dossiers/{dossier_id}/afsluiten", include_in_schema=False)
    async def afsluiten(
        v: DossierWijzigen, request: Request, dossier_id: uuid.UUID,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Response:
        async def bouw(form: FormData) -> handling.BuildCommand:
            reden: LeerplichtSluitreden = _enum(form, "reden", LeerplichtSluitreden)
            return vast(SluitDossier(reden, _datum(form), _tekst(form, "toelichting")))

        return v.antwoord(await stap(request, principal, dossier_id, "afgesloten", bouw))


# Before an onderzoek a dossier closes only when every report was withdrawn (nothing left to investigate);
# every other reason waits for the onderzoek (issue 15: no route, intervention or closing before it).
_ZONDER_ONDERZOEK = {LeerplichtSluitreden.INGETROKKEN}


def sluitredenen(state: Dossier, op: date) -> list[LeerplichtSluitreden]:
    """The close reasons the dossier's stage allows now, as ``decide`` judges them (date order aside)."""
    if not state.open:
        return []
    mogelijk = []
    for reden in LeerplichtSluitreden:
        if not state.onderzoeken and reden not in _ZONDER_ONDERZOEK:
            continue
        toelichting = "toelichting" if reden is LeerplichtSluitreden.OVERIG else None
        try:
            decide(SluitDossier(reden, op, toelichting), state)
        except DomeinFout as exc:
            if exc.regel != "datum_volgorde":
                continue
        mogelijk.append(reden)
    return mogelijk


def beheer_render(region: str) -> Render:
    """The beheer page (:mod:`leerrecht.beheer`) in this service's look."""

    def render(principal: Principal, status: int, context: dict[str, Any]) -> Response:
        return _render("beheer.html", status, regio=region, principal=principal, actief="beheer", **context)

    return render


def verwerkingen_render(region: str) -> Render:
    """The art. 15 page of the processing log (:mod:`leerrecht.inzage`) in this service's look."""

    def render(principal: Principal, status: int, context: dict[str, Any]) -> Response:
        return _render("verwerkingen.html", status, regio=region, principal=principal, actief="beheer", **context)

    return render


def _zin(melding: str) -> str:
    """decide's message as a sentence for the page (the API gives it as is)."""
    melding = melding.strip()
    return (melding[:1].upper() + melding[1:]).rstrip(".") + "."
