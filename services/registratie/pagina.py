"""The school's page, ``/school`` (domain.md D; issue 15 point 2): what the school must report, its
signals, its reports, the absence upload and attendance per class and per pupil.

Why on the page and not only in the API: a small school has no administration system that talks to
the API, and the API needs a BSN the page never shows. So the page files a report from the due row it
shows (the pupil's pseudonym stays on the server side of the form) through the very same command path
as ``POST /v1/meldingen`` (:class:`registratie.api.SchoolOpdrachten`), and takes the same absence CSV
as ``POST /v1/afwezigheden/csv``, with the school's session principal. Pupils are shown by the name and
leerlingnummer the school itself supplied (:mod:`registratie.school`), never a pseudonym where a name
exists.

Safety: school staff log in like every other person (``/inloggen``); only the ``school`` role gets in.
Templates autoescape; the response forbids framing and inline scripts; cross-site form posts are
stopped by the session cookie's ``SameSite=Strict``. Every form post carries an idempotency key drawn
when the form was shown, so a double click files one report. An error never echoes a rejected value
except into the school's own form field.
"""
# No `from __future__ import annotations`: FastAPI resolves the route's annotations.

import json
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from contracts.codes import MeldingSoort
from leerrecht import pagina
from leerrecht.http import Principal
from leerrecht.verwerkingslog import Verwerking, pseudoniemen_in, verwerking
from registratie import school as schoolview
from registratie.api import MeldingGegevens, SchoolInzien, SchoolOpdrachten, csv_sjabloon
from registratie.intake import IntakeService
from registratie.scholen import vestiging_op

_env = pagina.omgeving(Path(__file__).parent / "templates")
SOORTEN = {"ZESTIEN_UUR": "16 uur ongeoorloofd verzuim in 4 weken", "LRV": "Langdurig relatief verzuim",
           "LUXE": "Luxeverzuim", "ACHTTIEN_PLUS": "Verzuim 18+ (naar het Doorstroompunt)",
           "OVERIG": "Overig verzuim", "ABSOLUUT": "Absoluut verzuim"}
STATUSSEN = {"te_doen": ("Te doen", "let-op"), "te_laat": ("Termijn verstreken", "te-laat"),
             "voorlopig": ("Voorlopig", "neutraal")}
EENHEDEN = {"KLOKUUR": "klokuren", "LESUUR": "lesuren"}
DREMPEL_PCT = 10
"""Missed more than this share of the scheduled hours: highlighted (issue 15: e.g. 10 % missed)."""
SCHOOL_CSV_PAD = "/school/afwezigheid"
VELDEN = ("soort", "startdatum", "einddatum", "uren")
HEADERS = {
    "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
MeldingDoen = Annotated[Verwerking, Depends(verwerking("verzuimmelding-doen"), scope="function")]
VerzuimRegistreren = Annotated[Verwerking, Depends(verwerking("verzuim-registreren"), scope="function")]


class FormFout(ValueError):
    def __init__(self, veld: str, melding: str) -> None:
        super().__init__(melding)
        self.veld, self.melding = veld, melding


def leerling_label(r: dict[str, Any]) -> str:
    """The school's own name and number for a pupil; the pseudonym only when the school gave neither."""
    if r.get("naam") and r.get("leerlingnummer"):
        return f"{r['naam']} ({r['leerlingnummer']})"
    return str(r.get("naam") or (f"Leerlingnummer {r['leerlingnummer']}" if r.get("leerlingnummer") else None)
               or f"Leerling zonder naam ({r['pseudoniem'][:12]}…)")


def _datum(form: dict[str, str], veld: str, verplicht: bool) -> date | None:
    raw = form.get(veld, "").strip()
    if not raw:
        if verplicht:
            raise FormFout(veld, "Vul een datum in.")
        return None
    for fmt in ("iso", "nl"):
        try:
            if fmt == "iso":
                return date.fromisoformat(raw)
            d, m, j = raw.replace("/", "-").split("-")
            return date(int(j), int(m), int(d))
        except ValueError:
            continue
    raise FormFout(veld, "Vul een geldige datum in, bijvoorbeeld 23-11-2026.")


def lees_melding(form: dict[str, str]) -> MeldingGegevens:
    """The report form → the command's input, with a Dutch message per field (a decimal comma is fine)."""
    fouten: list[FormFout] = []
    soort = form.get("soort", "")
    if soort not in SOORTEN or soort == MeldingSoort.ABSOLUUT:
        fouten.append(FormFout("soort", "Kies de soort melding uit de lijst."))
    waarden: dict[str, Any] = {}
    for veld, verplicht in (("startdatum", True), ("einddatum", False)):
        try:
            waarden[veld] = _datum(form, veld, verplicht)
        except FormFout as exc:
            fouten.append(exc)
    uren_raw = form.get("uren", "").strip().replace(",", ".")
    uren: Decimal | None = None
    if uren_raw:
        try:
            uren = Decimal(uren_raw)
            if not (0 <= uren <= 10000) or uren != round(uren, 2):
                raise InvalidOperation
        except InvalidOperation:
            fouten.append(FormFout("uren", "Vul het aantal uren in als getal, bijvoorbeeld 16,5 (hooguit twee "
                                           "cijfers achter de komma)."))
    if fouten:
        raise _Fouten(fouten)
    return MeldingGegevens(soort=MeldingSoort(soort), uren=uren, **waarden)


class _Fouten(Exception):
    def __init__(self, fouten: list[FormFout]) -> None:
        super().__init__("formulier")
        self.fouten = [{"veld": f.veld, "melding": f.melding} for f in fouten]


def _api_fouten(detail: Any) -> list[dict[str, str]]:
    """The API's refusal (``{title, status, fouten}``) as form errors: a field the form has keeps its
    name (the error shows at the field), anything else is shown above the form."""
    if not isinstance(detail, dict):
        return [{"veld": "", "melding": "De melding kon niet worden verwerkt."}]
    if "fouten" not in detail:
        return [{"veld": "", "melding": str(detail.get("melding") or detail.get("title") or "")}]
    return [{"veld": f.get("veld") if f.get("veld") in VELDEN else "", "melding": f.get("melding") or ""}
            for f in detail["fouten"]]


def _html(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(**ctx), status_code=status, headers=HEADERS)


def _grafiek(labels: list[str], waarden: list[float | None]) -> str:
    """The chart's data for the kit's ``grafiek.js`` (a JSON block, not a script: the CSP allows no
    inline script)."""
    return pagina.json_blok({"labels": labels, "waarden": waarden, "drempel": DREMPEL_PCT,
                             "label": "Gemist (% van de geplande uren)", "drempel_label": f"Drempel {DREMPEL_PCT}%"})


def build_page_router(school: Callable[..., Principal], opdrachten: SchoolOpdrachten) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    School = Annotated[Principal, Depends(school)]

    def intake(request: Request) -> IntakeService:
        service: IntakeService = request.app.state.intake
        return service

    async def overzicht(request: Request, principal: Principal, *, status: int = 200,
                        csv_rapport: dict[str, Any] | None = None, csv_fout: str | None = None,
                        gelukt: str | None = None, inzien: Verwerking | None = None) -> HTMLResponse:
        """The school's overview; ``inzien`` records every pupil it shows (a read of their files)."""
        service = intake(request)
        vandaag = service.klok.vandaag()
        async with service.pool.acquire() as conn:
            vestiging = await vestiging_op(conn, principal.client_id, vandaag)
            signalen = await schoolview.signalen(conn, principal.client_id, vandaag)
            klassen = await schoolview.aanwezigheid(conn, principal.client_id, None)
            weken = sorted({w["week"] for w in klassen["weken"]})
            leerlingen = await schoolview.aanwezigheid_per_leerling(conn, principal.client_id, weken)
        if inzien is not None:
            inzien.betreft(*pseudoniemen_in([signalen, leerlingen]))
        per_klas: dict[str, dict[str, float]] = {}
        for w in klassen["weken"]:
            k = per_klas.setdefault(w["klas"], {"gepland": 0.0, "afwezig": 0.0, "leerlingen": 0})
            k["gepland"] += w["geplande_uren"]
            k["afwezig"] += w["afwezige_uren"]
            k["leerlingen"] = max(k["leerlingen"], w["leerlingen"])
        klasrijen = [{"klas": k, **v, "gemist_pct": (round(min(100.0, v["afwezig"] / v["gepland"] * 100), 1)
                                                      if v["gepland"] else None)}
                     for k, v in sorted(per_klas.items())]
        for r in leerlingen:
            r["label"] = leerling_label(r)
        return _html(
            "school.html", status, principal=principal, code=principal.client_id,
            naam=vestiging.naam if vestiging else None, vandaag=vandaag, signalen=signalen,
            te_melden=schoolview.per_plicht(signalen["te_melden"]), leerling=leerling_label,
            soorten=SOORTEN, statussen=STATUSSEN, eenheden=EENHEDEN, weken=weken, klassen=klasrijen,
            leerlingen=leerlingen, drempel=DREMPEL_PCT,
            grafiek_klassen=_grafiek([k["klas"] for k in klasrijen], [k["gemist_pct"] for k in klasrijen]),
            grafiek_leerlingen=_grafiek([r["label"] for r in leerlingen], [r["gemist_pct"] for r in leerlingen]),
            csv_rapport=csv_rapport, csv_fout=csv_fout, csv_sleutel=str(uuid.uuid4()), gelukt=gelukt,
        )

    @router.get("/school", response_class=HTMLResponse)
    async def school_page(v: SchoolInzien, request: Request, principal: School, gemeld: str | None = None) -> Response:
        return await overzicht(request, principal, gelukt="De melding is gedaan." if gemeld else None, inzien=v)

    async def due_rij(request: Request, principal: Principal, leerling: str, soort: str) -> dict[str, Any] | None:
        service = intake(request)
        async with service.pool.acquire() as conn:
            signalen = await schoolview.signalen(conn, principal.client_id, service.klok.vandaag())
        return next((r for r in schoolview.per_plicht(signalen["te_melden"])
                     if r["pseudoniem"] == leerling and r["meldingsoort"] == soort), None)

    def formulier(principal: Principal, rij: dict[str, Any], invoer: dict[str, str], *, status: int = 200,
                  fouten: list[dict[str, str]] | None = None, sleutel: str | None = None) -> HTMLResponse:
        per_veld = {f["veld"]: f["melding"] for f in fouten or [] if f["veld"]}
        return _html("melding.html", status, principal=principal, rij=rij, leerling=leerling_label(rij),
                     invoer=invoer, fouten=fouten or [], per_veld=per_veld, sleutel=sleutel or str(uuid.uuid4()),
                     soorten=[(k, v) for k, v in SOORTEN.items() if k != MeldingSoort.ABSOLUUT])

    def prefill(rij: dict[str, Any]) -> dict[str, str]:
        uren = Decimal(str(rij["uren"])).normalize()
        return {"soort": rij["meldingsoort"], "startdatum": rij["vanaf"], "einddatum": rij["bereikt_op"],
                "uren": format(uren, "f").replace(".", ",")}

    @router.get("/school/melding", response_class=HTMLResponse)
    async def melding_formulier(request: Request, principal: School, leerling: str = "", soort: str = "") -> Response:
        rij = await due_rij(request, principal, leerling, soort)
        if rij is None:
            return _html("school_fout.html", 404, principal=principal, titel="Melding niet gevonden",
                         melding="Voor deze leerling staat deze melding niet (meer) open. Ga terug naar het overzicht.")
        return formulier(principal, rij, prefill(rij))

    @router.post("/school/melding", response_class=HTMLResponse)
    async def melding_doen(v: MeldingDoen, request: Request, principal: School) -> Response:
        # the processing log records the status of the page returned (a refusal is a 4xx page, not raised)
        return v.antwoord(await _melding_doen(request, principal))

    async def _melding_doen(request: Request, principal: Principal) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        leerling, oorspronkelijk = form.get("leerling", ""), form.get("rij_soort", "")
        rij = await due_rij(request, principal, leerling, oorspronkelijk)
        if rij is None:
            return _html("school_fout.html", 404, principal=principal, titel="Melding niet gevonden",
                         melding="Voor deze leerling staat deze melding niet (meer) open. Ga terug naar het overzicht.")
        invoer = {k: form.get(k, "") for k in VELDEN}
        try:
            gegevens = lees_melding(form)
        except _Fouten as exc:
            return formulier(principal, rij, invoer, status=422, fouten=exc.fouten, sleutel=form.get("sleutel"))
        try:
            await opdrachten.melding(intake(request), principal, form.get("sleutel") or str(uuid.uuid4()),
                                     leerling, gegevens)
        except HTTPException as exc:
            # a refusal is stored under its key: the corrected form gets a new one; a 503 keeps it (retry)
            sleutel = form.get("sleutel") if exc.status_code == 503 else None
            return formulier(principal, rij, invoer, status=exc.status_code, fouten=_api_fouten(exc.detail),
                             sleutel=sleutel)
        return RedirectResponse("/school?gemeld=1#uw-meldingen", status_code=303)

    @router.get("/school/afwezigheid-sjabloon")
    async def sjabloon(principal: School) -> Response:
        return csv_sjabloon()

    @router.post(SCHOOL_CSV_PAD, response_class=HTMLResponse)
    async def afwezigheid_uploaden(v: VerzuimRegistreren, request: Request, principal: School) -> Response:
        return v.antwoord(await _afwezigheid_uploaden(request, principal))

    async def _afwezigheid_uploaden(request: Request, principal: Principal) -> Response:
        form = await request.form()
        bestand, sleutel = form.get("bestand"), str(form.get("sleutel") or uuid.uuid4())
        if not isinstance(bestand, UploadFile) or not bestand.filename:
            return await overzicht(request, principal, status=422, csv_fout="Kies een CSV-bestand om te uploaden.")
        try:
            antwoord = await opdrachten.csv(intake(request), principal, sleutel, bestand)
        except HTTPException as exc:
            fouten = _api_fouten(exc.detail)
            return await overzicht(request, principal, status=exc.status_code,
                                   csv_fout=" ".join(f["melding"] for f in fouten))
        rapport = json.loads(bytes(antwoord.body))
        return await overzicht(request, principal, csv_rapport=rapport)

    return router
