"""A synthetic, realistic regional event log for load tests, rebuild checks and demos (no real data).

Why it lives with the service: the rebuild check (live hash == rebuild hash) and the scale-out check
(two instances give the figures of one) are only convincing on a log that exercises every path of
the fold: many pupils in all regions, absences in volume, reports that are withdrawn or get an end date
later, moves between regions (the same event on both topics), vrijstellingen, Halt and proces-verbaal,
vsv and re-enrolment, Doorstroompunt files, and events recorded late (a ``recordedtime`` days after the
``time``), so the as-of history is exercised too.

Fast: each kind of event is built once as a real envelope with sentinel values (validated by the
contract), serialised, and turned into a format string; a million envelopes are then string formatting.
Pseudonyms are random 64-hex strings, not keyed hashes of anything.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson

from contracts.catalogue import to_envelope
from contracts.codes import (
    AfwezigheidCode,
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    MasRoute,
    Melder,
    MeldingSoort,
    Plicht,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    SchoolType,
    SignaalBron,
    SignaalOntvanger,
    SignaalSoort,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    UrenEenheid,
    Vakantieregio,
    Vrijstellingsartikel,
)
from contracts.events import leerplicht, registratie, rmc
from contracts.events.base import Event, School
from leerrecht.kalender import load_region_table

_SUBJ = "SENTINELSUBJECTXXXXXXXXXX"
_EID = uuid.UUID("00000000-0000-7000-8000-00000000e0e0")
_CORR = uuid.UUID("0199aaaa-0000-7000-8000-000000000001")
_IDS = [uuid.UUID(f"00000000-0000-7000-8000-00000000a{i:03d}") for i in range(3)]
_DATES = [date(1990, 1 + 2 * i, 1) for i in range(3)]  # far apart: some events need a gap
_TIME = datetime(1991, 1, 1, 10, tzinfo=UTC)
_RECORDED = datetime(1991, 2, 2, 11, tzinfo=UTC)
_REGIONS = ["MC97", "MC98"]
_GEMEENTEN = ["GM9997", "GM9998"]
_MAAND = "1990-01"
_SCHOOL = School(brin="99ZZ", vestiging="00")


def _format_string(event: Event, extra: dict[str, str]) -> str:
    """The envelope of ``event`` as a ``str.format`` template: sentinel values become ``{fields}``;
    ``extra`` maps further JSON fragments (an enum value, an amount) to fragments with fields."""
    env = to_envelope(event, subject=_SUBJ, source="urn:nl:leerrecht:proeflog", occurred_at=_TIME,
                      correlation_id=_CORR, region=_REGIONS[0], event_id=_EID, recorded_at=_RECORDED)
    raw = env.to_json().decode()
    parsed = orjson.loads(raw)
    s = raw.replace("{", "{{").replace("}", "}}")
    subs = {
        **extra,
        f'"{_SUBJ}"': '"{subj}"', f'"{_EID}"': '"{eid}"',
        f'"{parsed["time"]}"': '"{time}"', f'"{parsed["recordedtime"]}"': '"{rec}"',
        f'"region":"{_REGIONS[0]}"': '"region":"{region}"',
        f'"{_REGIONS[0]}"': '"{r0}"', f'"{_REGIONS[1]}"': '"{r1}"',
        f'"{_GEMEENTEN[0]}"': '"{g0}"', f'"{_GEMEENTEN[1]}"': '"{g1}"', f'"{_MAAND}"': '"{maand}"',
        **{f'"{u}"': f'"{{id{i}}}"' for i, u in enumerate(_IDS)},
        **{f'"{d.isoformat()}"': f'"{{d{i}}}"' for i, d in enumerate(_DATES)},
    }
    for k, v in subs.items():
        if k not in s:
            continue
        s = s.replace(k, v)
    return s


def _templates() -> dict[str, str]:
    d0, d1, _ = _DATES
    i0, i1, _ = _IDS
    g0, g1 = _GEMEENTEN
    r0, r1 = _REGIONS
    school = _SCHOOL
    t: dict[str, tuple[Event, dict[str, str]]] = {
        "ingeschreven": (registratie.LeerlingIngeschreven(
            school=school, school_type=SchoolType.VO, ingangsdatum=d0, vakantieregio=Vakantieregio.NOORD,
            woongemeente=g0, geboortejaar_maand="2011-03"),
            {'"school_type":"vo"': '"school_type":"{st}"',
             '"geboortejaar_maand":"2011-03"': '"geboortejaar_maand":"{geb}"'}),
        "uitgeschreven": (registratie.LeerlingUitgeschreven(
            school=school, uitschrijfdatum=d0, reden=UitschrijvingsReden.VOORTIJDIG_VERLATEN,
            met_startkwalificatie=False), {}),
        "sk": (registratie.StartkwalificatieBehaald(datum=d0, niveau=StartkwalificatieNiveau.MBO_2), {}),
        "behandeling": (leerplicht.MeldingInBehandeling(melding_id=i0, dossier_id=i1, datum=d0, nieuw_dossier=True),
                        {}),
        "zestien": (registratie.MeldingGeregistreerd(
            melding_id=i0, soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=school, startdatum=d0,
            einddatum=d1, uren=Decimal("16.5"), eenheid=UrenEenheid.LESUUR), {}),
        "lrv": (registratie.MeldingGeregistreerd(
            melding_id=i0, soort=MeldingSoort.LRV, melder=Melder.SCHOOL, school=school, startdatum=d0), {}),
        "luxe": (registratie.MeldingGeregistreerd(
            melding_id=i0, soort=MeldingSoort.LUXE, melder=Melder.SCHOOL, school=school, startdatum=d0,
            einddatum=d1), {}),
        "einddatum": (registratie.MeldingEinddatumVastgesteld(melding_id=i0, einddatum=d0), {}),
        "ingetrokken": (registratie.MeldingIngetrokken(
            melding_id=i0, reden=IntrekkingsReden.ONTERECHT_GEMELD), {}),
        "absoluut": (registratie.AbsoluutVerzuimGesignaleerd(
            bron=SignaalBron.DUO, plicht=Plicht.LEERPLICHT, sinds=d0, woongemeente=g0,
            geboortejaar_maand="2012-06"), {}),
        "vrijstelling": (registratie.VrijstellingGeregistreerd(
            vrijstelling_id=i0, artikel=Vrijstellingsartikel.ARTIKEL_5A, van=d0, tot_en_met=d1, woongemeente=g0),
            {'"artikel":"5a"': '"artikel":"{artikel}"'}),
        "signaal": (registratie.SignaalGegeven(
            signaal_id=i0, soort=SignaalSoort.LANGDURIG_GEOORLOOFD, regel_id="langdurig-geoorloofd",
            regel_geldig_vanaf=date(2024, 8, 1), omschrijving="4 weken aaneengesloten geoorloofd afwezig",
            school=school, peildatum=d0, ontvangers=[SignaalOntvanger.LEERPLICHT]),
            {'"soort":"LANGDURIG_GEOORLOOFD"': '"soort":"{soort}"'}),
        "verhuisd": (registratie.Verhuisd(verhuisdatum=d0, oude_gemeente=g0, nieuwe_gemeente=g1,
                                          oude_regio=r0, nieuwe_regio=r1), {}),
        "vsv": (registratie.PotentieelVsvGesignaleerd(
            lijst_maand=_MAAND, uitschrijfdatum=d0, woongemeente=g0, geboortejaar_maand="2008-02"), {}),
        "herinschrijving": (registratie.Herinschrijving(
            lijst_maand=_MAAND, school=school, school_type=SchoolType.MBO, ingangsdatum=d0), {}),
        "route": (leerplicht.RouteGekozen(dossier_id=i0, routes=[MasRoute.BASISROUTE], datum=d0),
                  {'"BASISROUTE"': '"{route}"'}),
        "interventie": (leerplicht.InterventieUitgevoerd(
            dossier_id=i0, interventie_id=i1, soort=InterventieSoort.PROCES_VERBAAL, datum=d0),
            {'"PROCES_VERBAAL"': '"{soort}"'}),
        "halt": (leerplicht.InterventieUitgevoerd(
            dossier_id=i0, interventie_id=i1, soort=InterventieSoort.HALT_VERWIJZING, datum=d0,
            uitkomst=InterventieUitkomst.HALT_POSITIEF), {'"HALT_POSITIEF"': '"{uitkomst}"'}),
        "rmc_aangemeld": (rmc.JongereAangemeld(
            dossier_id=i0, bron=RmcAanmeldBron.POTENTIEEL_VSV, datum=d0, woongemeente=g0,
            geboortejaar_maand="2007-05"), {}),
        "rmc_geplaatst": (rmc.JongereGeplaatst(dossier_id=i0, bestemming=RmcRoute.ONDERWIJS, startdatum=d0),
                          {'"ONDERWIJS"': '"{bestemming}"'}),
        "rmc_niet_bereikbaar": (rmc.NietBereikbaar(dossier_id=i0, datum=d1, aantal_pogingen=3,
                                                   eerste_poging=d0), {}),
        "rmc_duurzaam": (rmc.DossierGesloten(dossier_id=i0, datum=d0, reden=RmcSluitreden.GEPLAATST_DUURZAAM),
                         {}),
        "afwezig": (registratie.AfwezigheidGeregistreerd(
            afwezigheid_id=i0, school=school, datum=d0, uren=Decimal("2.5"), eenheid=UrenEenheid.LESUUR,
            code=AfwezigheidCode.ZIEK), {'"ZIEK"': '"{code}"', '"uren":2.5': '"uren":{uren}'}),
    }
    return {k: _format_string(ev, extra) for k, (ev, extra) in t.items()}


@dataclass
class Regel:
    """One record for the log: which region's topic, the partition key (the pseudonym), the bytes, and
    the recorded time (the log is sorted on it)."""

    regio: str
    sleutel: bytes
    waarde: bytes
    geregistreerd: datetime


@dataclass
class Proeflog:
    regels: list[Regel] = field(default_factory=list)
    per_soort: dict[str, int] = field(default_factory=dict)
    personen: int = 0


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


_LEEG = {f: "" for f in ("id0", "id1", "id2", "d0", "d1", "d2", "g0", "g1", "r0", "r1", "artikel", "soort",
                         "route", "uitkomst", "bestemming", "code", "uren", "st", "geb")}


class _Maker:
    def __init__(self, n: int, regios: Sequence[str] | None, seed: int, jaren: Sequence[int]) -> None:
        self.n = n
        self.rnd = random.Random(seed)
        self.tpl = _templates()
        self.jaren = list(jaren)
        self.gemeenten: dict[str, list[str]] = {}
        for g in load_region_table().version_on().gemeenten.values():
            self.gemeenten.setdefault(g.rmc_regiocode, []).append(g.gemeentecode)
        for lijst in self.gemeenten.values():
            lijst.sort()
        self.alle = sorted(self.gemeenten)
        self.kies_uit = [r for r in (regios or self.alle) if r in self.gemeenten]
        if not self.kies_uit:
            raise ValueError("geen bekende regio's opgegeven")
        self.log = Proeflog()

    def nieuw_id(self) -> str:
        bits = self.rnd.getrandbits(128)
        bits = (bits & ~(0xF << 76) & ~(0x3 << 62)) | (0x7 << 76) | (0x2 << 62)  # version 7, RFC variant
        return str(uuid.UUID(int=bits))

    def emit(self, sjabloon: str, subj: str, regio: str, wanneer: date, **velden: str) -> None:
        """Append the event (a move: on the old and the new region's topic, with one event id)."""
        rnd = self.rnd
        tijd = datetime(wanneer.year, wanneer.month, wanneer.day, 7 + rnd.randrange(9), rnd.randrange(60),
                        tzinfo=UTC)
        laat = rnd.random() < 0.02  # recorded weeks later: a late delivery
        rec = tijd + (timedelta(days=rnd.randrange(20, 60)) if laat else timedelta(hours=rnd.randrange(0, 50)))
        eid = self.nieuw_id()
        doelen = [velden["r0"], velden["r1"]] if sjabloon == "verhuisd" else [regio]
        for doel in doelen:
            if len(self.log.regels) >= self.n:
                return
            waarde = self.tpl[sjabloon].format(**{**_LEEG, "maand": _MAAND, **velden}, subj=subj, eid=eid,
                                            time=_iso(tijd), rec=_iso(rec), region=doel)
            self.log.regels.append(Regel(doel, subj.encode(), waarde.encode(), rec))
            self.log.per_soort[sjabloon] = self.log.per_soort.get(sjabloon, 0) + 1

    def persoon(self) -> None:
        rnd = self.rnd
        self.log.personen += 1
        subj = f"{rnd.getrandbits(256):064x}"
        regio = rnd.choice(self.kies_uit)
        gem = rnd.choice(self.gemeenten[regio])
        jaar = rnd.choice(self.jaren)

        def dag(van: int, tot: int) -> date:
            return date(jaar, 8, 1) + timedelta(days=rnd.randrange(van, tot))

        verhuis: date | None = None
        nieuw = (regio, gem)
        if rnd.random() < 0.05:
            verhuis = dag(60, 300)
            r2 = rnd.choice([r for r in self.alle if r != regio])
            nieuw = (r2, rnd.choice(self.gemeenten[r2]))

        def waar(d: date) -> tuple[str, str]:
            return nieuw if verhuis is not None and d >= verhuis else (regio, gem)

        plan: list[tuple[date, str, dict[str, str]]] = []

        def later(d: date, sjabloon: str, **velden: str) -> None:
            plan.append((d, sjabloon, velden))

        start = dag(15, 40)
        # school type and age as in the population: the breakdowns (C) and the vsv startset need them
        st, (jong, oud) = rnd.choices(_SCHOOLTYPES, weights=[45, 35, 15, 5])[0]
        geboren = f"{jaar - rnd.randint(jong, oud)}-{rnd.randint(1, 12):02d}"
        later(start, "ingeschreven", d0=start.isoformat(), g0=gem, st=st, geb=geboren)
        if st in ("vo", "mbo", "vso") and rnd.random() < 0.12:
            weg = dag(120, 340)
            later(weg, "uitgeschreven", d0=weg.isoformat())  # leaves without SK: a vsv'er a year on
        elif st in ("vo", "mbo") and rnd.random() < 0.1:
            diploma = dag(300, 360)
            later(diploma, "sk", d0=diploma.isoformat())
        melding: str | None = None
        if verhuis is not None:
            later(verhuis, "verhuisd", d0=verhuis.isoformat(), g0=gem, g1=nieuw[1], r0=regio, r1=nieuw[0])
        for _ in range(rnd.randrange(0, 40)):
            d = dag(30, 350)
            later(d, "afwezig", id0=self.nieuw_id(), d0=d.isoformat(), code=rnd.choice(_CODES),
                  uren=f"{rnd.randrange(1, 7)}.0")
        r = rnd.random()
        if r < 0.25:
            for _ in range(1 + (rnd.random() < 0.3)):
                s = dag(40, 320)
                e = s + timedelta(days=18)
                mid = self.nieuw_id()
                melding = melding or mid
                later(e + timedelta(days=2), "zestien", id0=mid, d0=s.isoformat(), d1=e.isoformat())
                if rnd.random() < 0.1:
                    later(e + timedelta(days=9), "ingetrokken", id0=mid)
        elif r < 0.30:
            s = dag(20, 250)
            mid = melding = self.nieuw_id()
            later(s + timedelta(days=28), "lrv", id0=mid, d0=s.isoformat())
            if rnd.random() < 0.6:
                e = s + timedelta(days=rnd.randrange(40, 200))
                later(e, "einddatum", id0=mid, d0=e.isoformat())
        elif r < 0.34:
            s = dag(30, 330)
            later(s + timedelta(days=5), "luxe", id0=self.nieuw_id(), d0=s.isoformat(),
                  d1=(s + timedelta(days=4)).isoformat())
        elif r < 0.38:
            sinds = dag(30, 200)
            for k in range(1 + (rnd.random() < 0.5)):
                p = sinds + timedelta(days=30 + 100 * k)
                later(p, "absoluut", d0=sinds.isoformat(), g0=waar(p)[1])
        elif r < 0.41:
            van = dag(0, 200)
            later(van, "vrijstelling", id0=self.nieuw_id(), d0=van.isoformat(),
                  d1=date(jaar + 1, 7, 31).isoformat(), artikel=rnd.choice(_ARTIKELEN), g0=waar(van)[1])
        elif r < 0.46:
            p = dag(40, 330)
            later(p, "signaal", id0=self.nieuw_id(), d0=p.isoformat(), soort=rnd.choice(_SIGNALEN))
        if r < 0.30 and rnd.random() < 0.5:
            dossier = self.nieuw_id()
            d = dag(100, 300)
            if melding is not None:
                opgepakt = d - timedelta(days=rnd.randrange(1, 100))
                later(opgepakt, "behandeling", id0=melding, id1=dossier, d0=opgepakt.isoformat())
            later(d, "route", id0=dossier, d0=d.isoformat(), route=rnd.choice(_ROUTES))
            if rnd.random() < 0.5:
                d2 = d + timedelta(days=20)
                if rnd.random() < 0.5:
                    later(d2, "halt", id0=dossier, id1=self.nieuw_id(), d0=d2.isoformat(),
                          uitkomst=rnd.choice(_HALT))
                else:
                    later(d2, "interventie", id0=dossier, id1=self.nieuw_id(), d0=d2.isoformat(),
                          soort=rnd.choice(["PROCES_VERBAAL", "GESPREK"]))
        if rnd.random() < 0.04:
            u = dag(60, 330)
            later(u, "vsv", d0=u.isoformat(), g0=waar(u)[1], maand=f"{u.year}-{u.month:02d}")
            if rnd.random() < 0.4:
                h = u + timedelta(days=40)
                later(h, "herinschrijving", d0=h.isoformat(), maand=f"{h.year}-{h.month:02d}")
        if rnd.random() < 0.03:
            a = dag(60, 300)
            dossier = self.nieuw_id()
            later(a, "rmc_aangemeld", id0=dossier, d0=a.isoformat(), g0=waar(a)[1])
            b = a + timedelta(days=30)
            uit = rnd.random()
            if uit < 0.5:
                later(b, "rmc_geplaatst", id0=dossier, d0=b.isoformat(), bestemming=rnd.choice(_BESTEMMINGEN))
                if rnd.random() < 0.5:
                    c = b + timedelta(days=95)
                    later(c, "rmc_duurzaam", id0=dossier, d0=c.isoformat())
            elif uit < 0.7:
                later(b, "rmc_niet_bereikbaar", id0=dossier, d1=b.isoformat(),
                      d0=(b - timedelta(days=30)).isoformat())
        for d, sjabloon, velden in sorted(plan, key=lambda x: x[0]):
            self.emit(sjabloon, subj, waar(d)[0], d, **velden)


_CODES = [c.value for c in AfwezigheidCode]
_SCHOOLTYPES = [("po", (5, 11)), ("vo", (12, 17)), ("mbo", (16, 22)), ("vso", (12, 19))]
_ARTIKELEN = [a.value for a in Vrijstellingsartikel]
_ROUTES = [r.value for r in MasRoute]
_BESTEMMINGEN = [b.value for b in RmcRoute]
_SIGNALEN = [SignaalSoort.LANGDURIG_GEOORLOOFD.value, SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM.value,
             SignaalSoort.LOKAAL_PROTOCOL.value]
_HALT = [InterventieUitkomst.HALT_POSITIEF.value, InterventieUitkomst.HALT_NEGATIEF.value]


def maak(n: int, *, regios: Sequence[str] | None = None, seed: int = 7,
         jaren: Sequence[int] = (2024, 2025)) -> Proeflog:
    """Exactly ``n`` envelopes for pupils in ``regios`` (default: all Doorstroompunt regions) over the
    schooljaren starting in ``jaren``, sorted by recorded time as the log would hold them."""
    m = _Maker(n, regios, seed, jaren)
    while len(m.log.regels) < n:
        m.persoon()
    m.log.regels.sort(key=lambda r: r.geregistreerd)
    return m.log


async def publiceer(bootstrap: str, log: Proeflog, topic: Callable[[str], str], *, partities: int = 3,
                    voortgang: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the log to Kafka as the regional services would: per region's topic, keyed by pseudonym
    (one partition per person per topic, so a person's events keep their order), idempotent, acks=all.
    Creates missing topics with ``partities`` partitions. Returns the number of records per topic."""
    from aiokafka import AIOKafkaProducer

    from leerrecht.kafka import TopicSpec, ensure_topics

    namen = sorted({topic(r.regio) for r in log.regels})
    await ensure_topics(bootstrap, [TopicSpec(t, partities, {"retention.ms": "-1"}) for t in namen])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                linger_ms=20, max_batch_size=512 * 1024, max_request_size=8 * 1024 * 1024)
    await producer.start()
    per_topic: dict[str, int] = {}
    try:
        futures = []
        for i, r in enumerate(log.regels):
            t = topic(r.regio)
            futures.append(await producer.send(t, r.waarde, key=r.sleutel))
            per_topic[t] = per_topic.get(t, 0) + 1
            if len(futures) >= 20_000:
                await asyncio.gather(*futures)
                futures.clear()
                if voortgang is not None:
                    voortgang(i + 1)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return per_topic
