"""The coach's web pages of the region's Doorstroompunt (domain.md A6, B, D), in Dutch.

* ``/werklijst``: who needs attention today — new young people, "niet loslaten" (no contact for 4
  weeks), placements to check after 3 months, the age limit, SK obtained — and the caseload per coach,
  by pseudonym; above them every open file, placed ones included, with name, search, a status filter
  and paging (:mod:`rmc.dossiers`, issue 15): the coach finds a young person by name there.
* ``/jongeren/{pseudoniem}``: the file with its timeline (contact attempts, traject, weekly progress
  from partners, placement, closing, transfer) and the forms to record a contact attempt, start a
  traject, record a placement and close the case. Only here, and only for a coach of the region, are
  name, phone and email shown (domain.md B: identifying data reaches only the region of residence,
  and the coach needs it to reach the young person).

Every form carries the file's version as a hidden field (``expected_version``): when a colleague
changed the file meanwhile the answer is 409 with a Dutch message and the current file. Rule
violations come back as 422 with the field and the Dutch message of :mod:`rmc.domain.decide`.
Login goes through :func:`leerrecht.http.add_login_routes` (HttpOnly, SameSite=Strict cookie; the
SameSite cookie also keeps other sites from posting these forms). Templates autoescape; responses
forbid framing, scripts and caching.
"""
# No `from __future__ import annotations`: FastAPI resolves the routes' annotations.

from datetime import date
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.catalogue import ContractError, from_envelope
from contracts.codes import ContactKanaal, Opleidingsniveau, RmcAanmeldBron, RmcRoute, RmcSluitreden, Voortgang
from contracts.envelope import Envelope, uuid7
from contracts.events import rmc
from contracts.events.base import School
from contracts.tekst import zonder_verboden_tekens
from leerrecht import aandacht, pagina, signalen
from leerrecht.beheer import Render
from leerrecht.http import Principal
from leerrecht.schoolnamen import schoolnaam
from leerrecht.verwerkingslog import pseudoniemen_in
from rmc import dossiers, scholen
from rmc.api import (
    PSEUDONIEM,
    AfsluitenIn,
    ContactpogingIn,
    Inzien,
    PlaatsingIn,
    TrajectIn,
    WerklijstInzien,
    Wijzigen,
    signalen_werklijst,
)
from rmc.commando import CommandoFout, uitvoeren, vandaag
from rmc.domain import (
    Afsluiten,
    ContactpogingRegistreren,
    Jongere,
    Plaatsen,
    Regels,
    Status,
    TrajectStarten,
    werklijst,
)
from rmc.domain.datums import maandag_van_week
from rmc.projection import actor_uit_bron, bron_coach

_env = pagina.omgeving(resources.files("rmc") / "templates")
_env.trim_blocks = True
_env.lstrip_blocks = True
SECTIE_MAX = 50
"""Rows a worklist section shows: the longest-waiting first. In a large region a section holds thousands
(issue 16.5: every row rendered and entered in the processing log made the page grow with the region);
the rest is one search or page away in "Alle open dossiers"."""

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'",
}

STATUS = {
    Status.NIEUW: "Nieuw",
    Status.IN_BEELD: "In beeld",
    Status.NIET_BEREIKBAAR: "Niet bereikbaar",
    Status.IN_TRAJECT: "In traject",
    Status.GEPLAATST: "Geplaatst",
    Status.AFGESLOTEN: "Afgesloten",
}
KANAAL = {
    ContactKanaal.SMS: "Sms / chatbericht",
    ContactKanaal.TELEFOON: "Telefoon",
    ContactKanaal.EMAIL: "E-mail",
    ContactKanaal.BRIEF: "Brief",
    ContactKanaal.HUISBEZOEK: "Huisbezoek",
    ContactKanaal.GESPREK: "Gesprek",
}
ROUTE = {
    RmcRoute.ONDERWIJS: "Onderwijs",
    RmcRoute.WERK: "Werk",
    RmcRoute.COMBINATIE: "Combinatie werken en leren (bbl)",
    RmcRoute.ZORG_DAGBESTEDING: "Zorg / dagbesteding",
    RmcRoute.TRAJECT: "Traject (programma bij een partner)",
}
NIVEAU = {
    Opleidingsniveau.PRAKTIJKONDERWIJS: "Praktijkonderwijs",
    Opleidingsniveau.VMBO: "Vmbo",
    Opleidingsniveau.HAVO: "Havo",
    Opleidingsniveau.VWO: "Vwo",
    Opleidingsniveau.MBO_1: "Mbo 1 (entree)",
    Opleidingsniveau.MBO_2: "Mbo 2",
    Opleidingsniveau.MBO_3: "Mbo 3",
    Opleidingsniveau.MBO_4: "Mbo 4",
    Opleidingsniveau.HBO: "Hbo",
    Opleidingsniveau.WO: "Wo",
}
SLUITREDEN = {
    RmcSluitreden.SK_BEHAALD: "Startkwalificatie behaald",
    RmcSluitreden.GEPLAATST_DUURZAAM: "Duurzaam geplaatst (na 3 maanden nog geplaatst)",
    RmcSluitreden.LEEFTIJDSGRENS: "Leeftijdsgrens bereikt",
    RmcSluitreden.VERHUISD: "Verhuisd naar een andere regio",
    RmcSluitreden.GEEN_HULP_GEWENST: "Geen hulp gewenst",
    RmcSluitreden.OVERLEDEN: "Overleden",
}
BRON = {
    RmcAanmeldBron.POTENTIEEL_VSV: "Potentiële voortijdig schoolverlater (uitschrijving zonder startkwalificatie)",
    RmcAanmeldBron.ACHTTIEN_PLUS_MELDING: "Verzuimmelding 18+",
    RmcAanmeldBron.OVERDRACHT: "Overdracht uit een andere regio",
    RmcAanmeldBron.EIGEN_MELDING: "Eigen melding / verwijzing",
}
VOORTGANG = {
    Voortgang.GOED: "goed",
    Voortgang.VOLDOENDE: "voldoende",
    Voortgang.ZORGELIJK: "zorgelijk",
    Voortgang.UITGEVALLEN: "uitgevallen",
}
STAP = {
    "jongere_aangemeld": "de aanmelding",
    "contactpoging_gedaan": "een contactpoging",
    "in_beeld": "in beeld brengen",
    "niet_bereikbaar": "niet bereikbaar melden",
    "traject_gestart": "de start van een traject",
    "traject_voortgang": "de voortgang van een traject",
    "jongere_geplaatst": "de plaatsing",
    "dossier_overgedragen": "de overdracht",
    "dossier_gesloten": "het sluiten van het dossier",
}
"""The coach's words for a step that could not be processed (the event's type is a code)."""

VELD = {
    "datum": "Datum",
    "kanaal": "Kanaal",
    "geslaagd": "Bereikt",
    "route": "Route",
    "partner": "Partner",
    "bestemming": "Bestemming",
    "startdatum": "Startdatum",
    "niveau": "Opleidingsniveau",
    "school": "School (BRIN + vestiging)",
    "reden": "Reden",
    "expected_version": "Versie",
    "status": "Status",
    "pseudoniem": "Jongere",
}
_INVOERFOUT = {
    "datum": "Vul een geldige datum in (dag-maand-jaar).",
    "startdatum": "Vul een geldige startdatum in (dag-maand-jaar).",
    "kanaal": "Kies een kanaal.",
    "geslaagd": "Geef aan of de jongere bereikt is.",
    "route": "Kies een route.",
    "partner": "Vul de code van de partner in: kleine letters, cijfers, punt, streepje (2–64 tekens).",
    "bestemming": "Kies een bestemming.",
    "niveau": "Kies een opleidingsniveau.",
    "school": "Vul bij School een BRIN-code met vestiging in, bijvoorbeeld 34CD01, of kies een school uit de lijst.",
    "reden": "Kies een reden.",
    "expected_version": "De versie van het formulier ontbreekt; laad de pagina opnieuw.",
}
ONBEKENDE_SCHOOL = ("Deze school staat op de startdatum niet in het register van DUO (onbekend, gesloten of "
                    "samengevoegd). Zoek bij School zoeken op naam of plaats en kies een school uit de lijst.")
_MELDING = {
    "contactpoging": "De contactpoging is vastgelegd.",
    "traject": "Het traject is gestart.",
    "plaatsing": "De plaatsing is vastgelegd.",
    "afsluiten": "Het dossier is afgesloten.",
}


def _pagina(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _kort(pseudoniem: str) -> str:
    return pseudoniem if len(pseudoniem) <= 14 else pseudoniem[:12] + "…"


def _naam(r: asyncpg.Record | None) -> str | None:
    if r is None:
        return None
    return " ".join(p for p in (r["voornamen"], r["tussenvoegsel"], r["achternaam"]) if p)


def _regel(datum: date, volgnummer: int, tekst: str, soort: str, door: str | None = None) -> dict[str, Any]:
    return {"datum": datum, "volgnummer": volgnummer, "tekst": tekst, "soort": soort, "door": door}


def tijdlijn(rows: list[asyncpg.Record], dossier_id: UUID, regio: str) -> list[dict[str, Any]]:
    """The file's timeline from the kept envelopes of the case, newest first."""
    out: list[dict[str, Any]] = []
    for r in rows:
        env = Envelope.from_json(r["envelope"])
        try:
            ev = from_envelope(env)
        except ContractError:
            continue
        if getattr(ev, "dossier_id", None) != dossier_id:
            continue
        door = actor_uit_bron(env.source)
        n = r["volgnummer"]
        match ev:
            case rmc.JongereAangemeld():
                out.append(_regel(ev.datum, n, f"Aangemeld: {BRON[ev.bron]}", "aanmelding"))
            case rmc.ContactpogingGedaan():
                uitkomst = "bereikt" if ev.geslaagd else "niet bereikt"
                out.append(_regel(ev.datum, n, f"Contactpoging via {KANAAL[ev.kanaal].lower()}: {uitkomst}",
                                  "contact", door))
            case rmc.InBeeld():
                out.append(_regel(ev.datum, n, "Status: in beeld (contact gemaakt)", "status"))
            case rmc.NietBereikbaar():
                out.append(_regel(ev.datum, n, f"Status: niet bereikbaar na {ev.aantal_pogingen} pogingen "
                                  f"sinds {ev.eerste_poging.strftime('%d-%m-%Y')}", "status"))
            case rmc.TrajectGestart():
                partner = f" bij partner {ev.partner}" if ev.partner else ""
                out.append(_regel(ev.datum, n, f"Traject gestart: route {ROUTE[ev.route].lower()}{partner}",
                                  "traject", door))
            case rmc.TrajectVoortgang():
                try:
                    maandag = maandag_van_week(ev.week)
                except ValueError:
                    continue
                out.append(_regel(maandag, n, f"Voortgang week {ev.week} van {ev.partner}: aanwezig "
                                  f"{ev.aanwezigheid_pct}%, voortgang {VOORTGANG[ev.voortgang]}", "voortgang"))
            case rmc.JongereGeplaatst():
                delen = [ROUTE[ev.bestemming].lower()]
                if ev.niveau:
                    delen.append(NIVEAU[ev.niveau].lower())
                if ev.school:
                    delen.append(f"school {ev.school.code}")
                wijze = " (automatisch, na herinschrijving)" if ev.automatisch else ""
                out.append(_regel(ev.startdatum, n, f"Geplaatst: {', '.join(delen)}{wijze}", "plaatsing", door))
            case rmc.DossierOvergedragen():
                if ev.naar_regio == regio:
                    tekst = f"Overgenomen van regio {ev.van_regio} (verhuizing)"
                else:
                    tekst = f"Overgedragen aan regio {ev.naar_regio} (verhuizing)"
                out.append(_regel(ev.datum, n, tekst, "overdracht"))
            case rmc.DossierGesloten():
                out.append(_regel(ev.datum, n, f"Afgesloten: {SLUITREDEN[ev.reden].lower()}", "afsluiting", door))
    out.sort(key=lambda x: (x["datum"], x["volgnummer"]), reverse=True)
    return out


def build_web_router(web_coach: Any, region: str, regels: Regels) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    Pseudo = Annotated[str, Path(pattern=PSEUDONIEM)]

    def common(principal: Principal) -> dict[str, Any]:
        return {"regio": region, "coach": principal.client_id, "kort": _kort, "status_label": STATUS}

    @router.get("/")
    async def home() -> Response:
        return RedirectResponse("/werklijst", status_code=303, headers=HEADERS)

    @router.get("/werklijst", response_class=HTMLResponse)
    async def werklijst_pagina(
        v: WerklijstInzien,
        request: Request, principal: Annotated[Principal, Depends(web_coach)], alleen_mijn: bool = False,
    ) -> Response:
        pool: asyncpg.Pool = request.app.state.runtime.pool
        q = request.query_params
        zoek = zonder_verboden_tekens(q.get("zoek", ""))[:100]
        status = q.get("status", "")
        status = status if status in {s.value for s in Status} - {Status.AFGESLOTEN.value} else ""
        nummer = q.get("pagina", "")
        jongeren = await dossiers.open_jongeren(pool)
        async with pool.acquire() as conn:
            gemarkeerd = [m for m in await aandacht.alle_open(conn) if m["onderwerp"]]
            gesignaleerd = await signalen_werklijst(conn)
            alle = await dossiers.alle_open(
                conn, zoek=zoek, status=status or None, coach=principal.client_id if alleen_mijn else None,
                pagina=int(nummer) if nummer.isdigit() and len(nummer) < 7 else 1)
        params = {k: v for k, v in {"zoek": zoek, "status": status,
                                    "alleen_mijn": "true" if alleen_mijn else ""}.items() if v}
        dag = vandaag()
        lijst = werklijst(
            jongeren,
            dag,
            regels,
            coach=principal.client_id if alleen_mijn else None,
        )
        secties = [
            (id_, titel, uitleg, kop, len(items), items[:SECTIE_MAX])
            for id_, titel, uitleg, kop, items in (
                ("nieuw", "Nieuwe jongeren", "Aangemeld en nog niet bereikt.", "Aangemeld op", lijst.nieuw),
                ("niet-loslaten", "Niet loslaten",
                 "Al 4 weken of langer geen contact (een sms telt als contact).", "Laatste contact",
                 lijst.niet_loslaten),
                ("plaatsing-controleren", "Plaatsing controleren",
                 "Drie maanden na de start van de plaatsing: is de plaatsing duurzaam?", "Geplaatst per",
                 lijst.plaatsing_controleren),
                ("leeftijdsgrens", "Leeftijdsgrens bereikt", "Afsluiten met reden leeftijdsgrens.", "Peildatum",
                 lijst.leeftijdsgrens),
                ("sk-behaald", "Startkwalificatie behaald", "Afsluiten met reden startkwalificatie behaald.",
                 "Behaald op", lijst.sk_behaald),
            )
        ]
        caseload = sorted(lijst.caseload.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        v.betreft(*pseudoniemen_in([[s[-1] for s in secties], alle, gesignaleerd]),
                  *pseudoniemen_in([{"pseudoniem": m["onderwerp"]} for m in gemarkeerd]))
        return _pagina("werklijst.html", secties=secties, caseload=caseload, peildatum=dag,
                       alleen_mijn=alleen_mijn, gemarkeerd=gemarkeerd, signalen=gesignaleerd,
                       alle=alle, zoek=zoek, status_filter=status, schoolnaam=schoolnaam,
                       status_opties=[(k.value, v) for k, v in STATUS.items() if k is not Status.AFGESLOTEN],
                       pagina_url=lambda p: "/werklijst?" + urlencode({**params, "pagina": p}),
                       **common(principal))

    async def dossier_pagina(
        request: Request, principal: Principal, pseudoniem: str, *, status: int = 200,
        fouten: list[dict[str, str]] | None = None, formulier: str | None = None,
        invoer: dict[str, str] | None = None, melding: str | None = None, school_zoek: str = "",
    ) -> Response:
        pool: asyncpg.Pool = request.app.state.runtime.pool
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT toestand FROM jongere WHERE pseudoniem = $1", pseudoniem)
            if row is None:
                return _pagina("niet_gevonden.html", status=404, **common(principal))
            j = Jongere.model_validate_json(row["toestand"])
            ident = await conn.fetchrow(
                "SELECT voornamen, tussenvoegsel, achternaam, telefoon, email FROM identiteit "
                "WHERE pseudoniem = $1", pseudoniem,
            )
            envelopen = await conn.fetch(
                "SELECT volgnummer, envelope FROM dossier_envelop WHERE dossier_id = $1 ORDER BY volgnummer",
                j.dossier.dossier_id,
            )
            markering = (await aandacht.open_voor(conn, [pseudoniem])).get(pseudoniem)
            bekende_partners = await dossiers.partners(conn)
            register = await scholen.register(conn, vandaag())
            gezien = [code for code, _ in await dossiers.scholen(conn)]
            eigen_signalen = await signalen.lijst(conn, [pseudoniem])
        # the school field offers the region's vo, (v)so and mbo and the schools seen; a search its hits
        treffers = scholen.zoek(register, school_zoek) if school_zoek else []
        keuzes = treffers or scholen.keuzelijst(register, region, gezien)
        d = j.dossier
        return _pagina(
            "jongere.html",
            status=status,
            j=j,
            d=d,
            pseudoniem=pseudoniem,
            naam=_naam(ident),
            telefoon=ident["telefoon"] if ident else None,
            email=ident["email"] if ident else None,
            tijdlijn=tijdlijn(list(envelopen), d.dossier_id, region),
            bron_label=BRON[d.bron],
            kanalen=KANAAL,
            routes=ROUTE,
            niveaus=NIVEAU,
            sluitredenen=SLUITREDEN,
            bestemmingen={k: v for k, v in ROUTE.items() if k is not RmcRoute.TRAJECT},
            kan_traject=d.status in (Status.IN_BEELD, Status.IN_TRAJECT, Status.GEPLAATST),
            kan_plaatsen=d.status is Status.IN_TRAJECT,
            vandaag=vandaag(),
            fouten=fouten or [],
            formulier=formulier,
            invoer=invoer or {},
            melding=melding,
            aandacht_nodig=markering,
            aandacht_stap=STAP.get(str(markering["type"]).rsplit(".", 1)[-1], "een stap") if markering else None,
            signalen=eigen_signalen,
            veld=VELD,
            partners=bekende_partners,
            scholen=keuzes,
            school_zoek=school_zoek,
            schooltreffers=treffers,
            schoolnaam=lambda code: register[code].naam if code in register else schoolnaam(code),
            **common(principal),
        )

    @router.get("/jongeren/{pseudoniem}", response_class=HTMLResponse)
    async def jongere_pagina(
        _v: Inzien, request: Request, pseudoniem: Pseudo, principal: Annotated[Principal, Depends(web_coach)],
        gedaan: str | None = None, school_zoek: str = "",
    ) -> Response:
        return await dossier_pagina(request, principal, pseudoniem, melding=_MELDING.get(gedaan or ""),
                                    school_zoek=zonder_verboden_tekens(school_zoek)[:100].strip())

    async def formulier(
        request: Request, principal: Principal, pseudoniem: str, naam: str, model: Any,
        maak: Any,
    ) -> Response:
        raw = await request.form()
        invoer = {k: v for k, v in raw.items() if isinstance(v, str)}
        velden = {k: v for k, v in invoer.items() if v != ""}
        if naam == "contactpoging":
            velden["geslaagd"] = invoer.get("geslaagd", "")
        if naam == "plaatsing" and "school" in velden:  # 34cd01 typed is 34CD01
            velden["school"] = velden["school"].strip().upper()
        try:
            body = model.model_validate(velden)
        except ValidationError as exc:
            fouten = []
            for err in exc.errors():
                veld = str(err["loc"][0]) if err.get("loc") else "formulier"
                fouten.append({"veld": veld, "label": VELD.get(veld, veld),
                               "melding": _INVOERFOUT.get(veld, "Deze waarde is niet geldig.")})
            return await dossier_pagina(request, principal, pseudoniem, status=422, fouten=fouten,
                                        formulier=naam, invoer=invoer)
        rt = request.app.state.runtime
        if isinstance(body, PlaatsingIn) and body.school:  # a typed code must be a location of the register
            async with rt.pool.acquire() as conn:
                bekend = await scholen.op(conn, body.school, body.startdatum)
            if bekend is None:
                return await dossier_pagina(
                    request, principal, pseudoniem, status=422, formulier=naam, invoer=invoer,
                    fouten=[{"veld": "school", "label": VELD["school"], "melding": ONBEKENDE_SCHOOL}])
        try:
            await uitvoeren(
                rt.pool, rt.publisher, region=region, pseudoniem=pseudoniem, maak=lambda _j: maak(body),
                expected_version=body.expected_version,
                bron=bron_coach(region, principal.client_id) or f"urn:nl:leerrecht:rmc:{region}",
                correlation_id=UUID(request.state.correlation_id), regels=regels,
            )
        except CommandoFout as fout:
            if fout.status == 409:
                fouten = [{"veld": "expected_version", "label": "Dossier gewijzigd",
                           "melding": "Het dossier is intussen gewijzigd, door u in een ander venster of door "
                           "een collega. Hieronder staat de actuele stand; controleer die en vul het "
                           "formulier opnieuw in."}]
            elif fout.status == 422:
                fouten = [{"veld": f.get("veld", ""), "label": VELD.get(f.get("veld", ""), f.get("veld", "")),
                           "melding": f.get("melding", "")} for f in fout.body.get("fouten", [])]
            else:
                fouten = [{"veld": "", "label": fout.body.get("title", "Fout"),
                           "melding": fout.body.get("melding", "Er ging iets mis; probeer het opnieuw.")}]
            return await dossier_pagina(request, principal, pseudoniem, status=fout.status, fouten=fouten,
                                        formulier=naam, invoer=invoer if fout.status != 409 else {})
        return RedirectResponse(f"/jongeren/{pseudoniem}?gedaan={naam}", status_code=303, headers=HEADERS)

    @router.post("/jongeren/{pseudoniem}/contactpoging")
    async def contactpoging(
        v: Wijzigen, request: Request, pseudoniem: Pseudo, principal: Annotated[Principal, Depends(web_coach)]
    ) -> Response:
        return v.antwoord(await formulier(
            request, principal, pseudoniem, "contactpoging", ContactpogingIn,
            lambda b: ContactpogingRegistreren(datum=b.datum, kanaal=b.kanaal, geslaagd=b.geslaagd,
                                               vandaag=vandaag()),
        ))

    @router.post("/jongeren/{pseudoniem}/traject")
    async def traject(
        v: Wijzigen, request: Request, pseudoniem: Pseudo, principal: Annotated[Principal, Depends(web_coach)]
    ) -> Response:
        return v.antwoord(await formulier(
            request, principal, pseudoniem, "traject", TrajectIn,
            lambda b: TrajectStarten(traject_id=uuid7(), route=b.route, datum=b.datum, partner=b.partner,
                                     vandaag=vandaag()),
        ))

    @router.post("/jongeren/{pseudoniem}/plaatsing")
    async def plaatsing(
        v: Wijzigen, request: Request, pseudoniem: Pseudo, principal: Annotated[Principal, Depends(web_coach)]
    ) -> Response:
        return v.antwoord(await formulier(
            request, principal, pseudoniem, "plaatsing", PlaatsingIn,
            lambda b: Plaatsen(
                bestemming=b.bestemming, startdatum=b.startdatum, niveau=b.niveau,
                school=School(brin=b.school[:4], vestiging=b.school[4:]) if b.school else None,
                vandaag=vandaag(),
            ),
        ))

    @router.post("/jongeren/{pseudoniem}/afsluiten")
    async def afsluiten(
        v: Wijzigen, request: Request, pseudoniem: Pseudo, principal: Annotated[Principal, Depends(web_coach)]
    ) -> Response:
        return v.antwoord(await formulier(
            request, principal, pseudoniem, "afsluiten", AfsluitenIn,
            lambda b: Afsluiten(reden=b.reden, datum=b.datum, vandaag=vandaag()),
        ))

    return router


def beheer_render(region: str) -> Render:
    """The beheer page (:mod:`leerrecht.beheer`) in this service's look."""

    def render(principal: Principal, status: int, context: dict[str, Any]) -> Response:
        return _pagina("beheer.html", status=status, regio=region, coach=principal.client_id, beheer=True, **context)

    return render


def verwerkingen_render(region: str) -> Render:
    """The art. 15 page of the processing log (:mod:`leerrecht.inzage`) in this service's look."""

    def render(principal: Principal, status: int, context: dict[str, Any]) -> Response:
        return _pagina("verwerkingen.html", status=status, regio=region, coach=principal.client_id, beheer=True,
                       **context)

    return render
