"""The walking skeleton end to end: a school's absence over HTTP → Kafka → leerplicht and telling.

Five real processes (registratie, leerplicht MC28 and MC29, rmc MC28, telling) on real Kafka and
PostgreSQL, each with its own database. The pupil is routed to the region of the woongemeente,
not of the school; a replayed submission changes nothing; credentials are checked.

The session's Kafka is shared with the other tests of the same pytest worker, and telling counts every
regional topic, their events included: other modules do write absences of regions MC28 and MC29 in
schooljaar 2025-2026 (in two workers, one of them ran before this module and its count was 2). So
the test reads the regions' figures once telling has applied everything on their topics so far, and
checks that its own absences move them by exactly their amounts; its two pupils' numbers are used by
no other test, so the persons' counts move by exactly one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from service_projections import end_offsets, passed
from wachten import eventually, wait_until

from contracts.topics import region_events_topic
from services import ServiceProcess, auth, launch, start_service, wait_ready

BSN_A = "522196962"  # lives in Zoetermeer (GM0637, MC28), school in Zoetermeer; in no other test
BSN_B = "173001397"  # lives in Nissewaard (GM1930, MC29), same school in Zoetermeer; in no other test


@pytest.fixture(scope="module")
def platform(infra) -> Iterator[dict[str, ServiceProcess]]:  # type: ignore[no-untyped-def]
    procs: dict[str, ServiceProcess] = {}
    try:
        procs["registratie"] = start_service("registratie", infra.bootstrap, infra.database_url("reg"),
                                             REGIONS="MC28,MC29")  # creates the topics first
        for region in ("MC28", "MC29"):
            procs[f"lp_{region}"] = launch("leerplicht", infra.bootstrap, infra.database_url("lp"), REGION=region)
        procs["rmc_MC28"] = launch("rmc", infra.bootstrap, infra.database_url("rmc"), REGION="MC28")
        procs["telling"] = launch("telling", infra.bootstrap, infra.database_url("tel"))
        for p in procs.values():
            wait_ready(p)
        yield procs
    finally:
        for p in procs.values():
            p.stop()



def enrol(reg: ServiceProcess, bsn: str, gemeente: str, key: str, expect: int = 201) -> str:
    r = httpx.post(f"{reg.url}/v1/inschrijvingen", headers={**auth("school"), "Idempotency-Key": key}, json={
        "pgn": bsn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": "00AP00",
        "ingangsdatum": "2025-08-25", "klas": "6B",
    })
    assert r.status_code == expect, r.text
    return str(r.json()["pseudoniem"])


def absence(reg: ServiceProcess, bsn: str, datum: str, uren: float, code: str, key: str,
            token: str = "school") -> httpx.Response:
    return httpx.post(f"{reg.url}/v1/afwezigheden", headers={**auth(token), "Idempotency-Key": key},
                      json={"pgn": bsn, "datum": datum, "uren": uren, "code": code})


def figures(tel: ServiceProcess, gebied: str = "NL", role: str = "beheer") -> dict[str, float]:
    """``beheer`` sees exact values; analysts see counts 1–9 suppressed (domain.md C)."""
    r = httpx.get(f"{tel.url}/v1/cijfers", params={"gebied": gebied}, headers=auth(role))
    assert r.status_code == 200, r.text
    return {f"{c['indicator']}|{c['periode']}": c["waarde"] for c in r.json()["cijfers"]}


REGISTRATIES = "afwezigheid.registraties|2025-2026"


def telling_bij(tel: ServiceProcess, regios: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """The regions' figures once telling has applied every record on their topics up to now. Why 120 s:
    telling reads every regional topic of the worker's broker from offset 0, the earlier tests' events
    included, on two cores shared with the other worker."""
    async def bij() -> None:
        conn = await asyncpg.connect(tel.env["DATABASE_URL"])
        try:
            for regio in regios:
                topic = region_events_topic(regio)
                ends = await end_offsets(tel.env["KAFKA_BOOTSTRAP_SERVERS"], topic)
                await wait_until(lambda t=topic, e=ends: passed(conn, "telling", t, e), 120, f"telling past {topic}")
        finally:
            await conn.close()

    asyncio.run(bij())
    return {regio: figures(tel, regio) for regio in regios}


def telling_geteld(tel: ServiceProcess, regio: str, registraties: float) -> dict[str, float]:
    """The region's figures once telling has counted ``registraties`` absences of 2025-2026 there; a wrong
    count still fails, and the last one seen is shown."""
    gezien: list[float | None] = []

    def geteld() -> dict[str, float] | None:
        f = figures(tel, regio)
        gezien.append(f.get(REGISTRATIES))
        return f if gezien[-1] == registraties else None

    try:
        return eventually(geteld, timeout=120)  # type: ignore[no-any-return]
    except AssertionError:
        raise AssertionError(f"{regio}: {REGISTRATIES} last seen {gezien[-1:]}, never {registraties}") from None


@pytest.mark.infra
def test_absence_flows_to_the_home_region_and_the_national_figures(platform: dict[str, ServiceProcess]) -> None:
    reg, tel = platform["registratie"], platform["telling"]
    pseudo_a = enrol(reg, BSN_A, "GM0637", "ins-a-0001")
    pseudo_b = enrol(reg, BSN_B, "GM1930", "ins-b-0001")
    assert BSN_A not in pseudo_a and pseudo_a != pseudo_b
    voor = telling_bij(tel, ("MC28", "MC29"))

    assert absence(reg, BSN_A, "2025-11-24", 4, "ONGEOORLOOFD", "afw-a-0001").status_code == 201
    assert absence(reg, BSN_B, "2025-11-25", 3, "ZIEK", "afw-b-0001").status_code == 201
    replay = absence(reg, BSN_A, "2025-11-24", 4, "ONGEOORLOOFD", "afw-a-0001")
    assert replay.status_code == 200, "a replayed submission answers the stored result"

    def rows(service: str, pseudo: str) -> list[dict[str, Any]]:
        token = service  # the officer token of that region
        r = httpx.get(f"{platform[service].url}/v1/leerlingen/{pseudo}/afwezigheid", headers=auth(token))
        assert r.status_code == 200, r.text
        return list(r.json()["afwezigheid"])

    a_in_28 = eventually(lambda: rows("lp_MC28", pseudo_a))
    assert [(x["datum"], x["uren"], x["code"]) for x in a_in_28] == [("2025-11-24", 4.0, "ONGEOORLOOFD")]
    b_in_29 = eventually(lambda: rows("lp_MC29", pseudo_b))
    assert [x["code"] for x in b_in_29] == ["ZIEK"]
    # each regional instance sees only its own region's pupils
    assert rows("lp_MC29", pseudo_a) == []
    assert rows("lp_MC28", pseudo_b) == []

    mc28 = telling_geteld(tel, "MC28", voor["MC28"].get(REGISTRATIES, 0) + 1)
    mc29 = telling_geteld(tel, "MC29", voor["MC29"].get(REGISTRATIES, 0) + 1)

    def erbij(regio: str, na: dict[str, float], cel: str) -> float:
        return na.get(f"{cel}|2025-2026", 0) - voor[regio].get(f"{cel}|2025-2026", 0)

    assert erbij("MC28", mc28, "afwezigheid.uren.ongeoorloofd") == 4.0
    assert erbij("MC28", mc28, "leerlingen.met_ongeoorloofde_afwezigheid") == 1
    assert erbij("MC28", mc28, "afwezigheid.uren.geoorloofd") == 0
    assert erbij("MC29", mc29, "afwezigheid.uren.geoorloofd") == 3.0
    assert erbij("MC29", mc29, "afwezigheid.uren.ongeoorloofd") == 0
    nl = figures(tel)
    assert nl[REGISTRATIES] >= mc28[REGISTRATIES] + mc29[REGISTRATIES]
    assert nl["afwezigheid.uren.ongeoorloofd|2025-2026"] >= 4.0
    published = figures(tel, "MC28", role="analist")
    cel = "leerlingen.met_ongeoorloofde_afwezigheid|2025-2026"
    if 1 <= mc28[cel] <= 9:
        assert published[cel] is None, f"a count of {mc28[cel]} is suppressed"


@pytest.mark.infra
def test_intake_refuses_bad_input_naming_field_and_rule(platform: dict[str, ServiceProcess]) -> None:
    reg = platform["registratie"]
    enrol(reg, BSN_A, "GM0637", "ins-a-0001", expect=200)  # a replay: the stored answer
    bad_bsn = absence(reg, "111222334", "2025-11-24", 2, "ZIEK", "afw-bad-bsn")
    assert bad_bsn.status_code == 422
    assert bad_bsn.json()["fouten"][0]["veld"] == "pgn"
    assert "111222334" not in bad_bsn.text, "the rejected number is never echoed"
    future = absence(reg, BSN_A, "2099-01-05", 2, "ZIEK", "afw-future")
    assert future.status_code == 422 and future.json()["fouten"][0]["veld"] == "datum"
    other_school = absence(reg, BSN_A, "2025-11-24", 2, "ZIEK", "afw-other", token="school2")
    assert other_school.status_code == 422
    assert other_school.json()["fouten"][0]["regel"] == "ingeschreven_op_school"
    unknown_code = absence(reg, BSN_A, "2025-11-24", 2, "SPIJBELEN", "afw-code")
    assert unknown_code.status_code == 422
    assert unknown_code.json()["fouten"][0]["veld"] == "code"
    reused = absence(reg, BSN_A, "2025-11-21", 1, "ZIEK", "afw-a-0001")
    assert reused.status_code == 422, "a key reused for other content is refused"


@pytest.mark.infra
def test_every_api_requires_the_right_credentials(platform: dict[str, ServiceProcess]) -> None:
    reg, tel, lp = platform["registratie"], platform["telling"], platform["lp_MC28"]
    assert httpx.post(f"{reg.url}/v1/afwezigheden", json={}).status_code == 401
    assert httpx.get(f"{tel.url}/v1/cijfers", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(f"{lp.url}/v1/overzicht", headers=auth("analist")).status_code == 403
    assert httpx.get(f"{lp.url}/v1/overzicht", headers=auth("lp_MC29")).status_code == 403
    for svc in platform.values():
        assert httpx.get(f"{svc.url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{svc.url}/openapi.json").status_code == 200


@pytest.mark.infra
def test_logs_hold_no_personal_data(platform: dict[str, ServiceProcess]) -> None:
    for svc in platform.values():
        text = svc.logs()
        assert BSN_A not in text and BSN_B not in text and "111222334" not in text


@pytest.mark.infra
def test_no_pgn_or_unkeyed_hash_of_it_on_any_topic(platform: dict[str, ServiceProcess], infra) -> None:  # type: ignore[no-untyped-def]
    """P3: the log holds pseudonyms only: not the BSN, nor its unkeyed MD5/SHA-1/SHA-256."""
    import hashlib

    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    async def all_values() -> list[bytes]:
        admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
        await admin.start()
        # identity topics are the one place a PGN belongs (erasable, region of residence only)
        topics = [t for t in await admin.list_topics()
                  if t.startswith("leerrecht.") and not t.endswith(".identiteit")]
        await admin.close()
        consumer = AIOKafkaConsumer(*topics, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest",
                                    group_id=None, enable_auto_commit=False)
        await consumer.start()
        values: list[bytes] = []
        try:
            for _ in range(6):
                batch = await consumer.getmany(timeout_ms=500)
                values += [(r.key or b"") + (r.value or b"") for rs in batch.values() for r in rs]
        finally:
            await consumer.stop()
        return values

    values = asyncio.run(all_values())
    assert len(values) >= 4, "the scan must actually see the events of this module"
    blob = b"\n".join(values)
    for bsn in (BSN_A, BSN_B):
        forbidden = [bsn.encode()] + [
            getattr(hashlib, alg)(bsn.encode()).hexdigest().encode() for alg in ("md5", "sha1", "sha256")
        ]
        for needle in forbidden:
            assert needle not in blob


BSN_EVE = "222333443"  # lives in Zoetermeer (MC28); only the NUL test below enrols her


async def _identity_values(bootstrap: str, topic: str) -> list[bytes]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    values: list[bytes] = []
    try:
        for _ in range(6):
            batch = await consumer.getmany(timeout_ms=500)
            values += [r.value or b"" for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return values


@pytest.mark.infra
def test_a_nul_in_a_first_name_is_refused_at_the_edge_and_the_region_keeps_running(
    platform: dict[str, ServiceProcess], infra  # type: ignore[no-untyped-def]
) -> None:
    """Issue 11: ``"Eve\\u0000"`` was answered 201, went onto the compacted identity topic and took
    leerplicht and rmc of the region down after every restart. Now: 422 naming the field and the
    rule, nothing on the identity topic, and the region's consumers keep going."""

    import asyncpg

    reg, lp = platform["registratie"], platform["lp_MC28"]

    def inschrijving(voornamen: str, key: str) -> httpx.Response:
        return httpx.post(f"{reg.url}/v1/inschrijvingen", headers={**auth("school"), "Idempotency-Key": key}, json={
            "pgn": BSN_EVE, "geboortedatum": "2014-02-01", "woongemeente": "GM0637", "school": "00AP00",
            "ingangsdatum": "2025-08-25", "klas": "7A",
            "identiteit": {"voornamen": voornamen, "achternaam": "Çelik-D'Souza"},
        })

    r = inschrijving("Eve\u0000", "ins-eve-nul-0001")
    assert r.status_code == 422, r.text
    fouten = r.json()["fouten"]
    assert {"veld": "identiteit.voornamen", "regel": "tekst_tekens"} in [
        {"veld": f["veld"], "regel": f["regel"]} for f in fouten]
    assert all(f["melding"] and "Eve" not in f["melding"] for f in fouten), "Dutch message, never the value"
    assert BSN_EVE not in r.text
    bidi = inschrijving("Eve\u202e", "ins-eve-bidi-0001")
    assert bidi.status_code == 422 and bidi.json()["fouten"][0]["regel"] == "tekst_tekens"

    values = asyncio.run(_identity_values(infra.bootstrap, "leerrecht.regio.MC28.identiteit"))
    assert not [v for v in values if BSN_EVE.encode() in v], "nothing of the refused enrolment was published"

    # the same pupil with a clean name goes through, and the region's identity consumer stores it
    ok = inschrijving("  Zoë Anne-Lotte ", "ins-eve-ok-0001")
    assert ok.status_code == 201, ok.text
    pseudo = ok.json()["pseudoniem"]

    async def opgeslagen() -> Any:
        conn = await asyncpg.connect(lp.env["DATABASE_URL"])
        try:
            return await conn.fetchrow("SELECT voornamen, achternaam FROM identiteit WHERE pseudoniem = $1", pseudo)
        finally:
            await conn.close()

    row = eventually(lambda: asyncio.run(opgeslagen()))
    assert (row["voornamen"], row["achternaam"]) == ("Zoë Anne-Lotte", "Çelik-D'Souza"), "NFC, trimmed"
    for name in ("lp_MC28", "rmc_MC28"):
        assert platform[name].proc.poll() is None, f"{name} must keep running"
        assert httpx.get(f"{platform[name].url}/ready").status_code == 200
