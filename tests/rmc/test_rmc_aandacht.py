"""No poison event jams a Doorstroompunt file (issue 11, part 2), on real Kafka and PostgreSQL through a
real rmc process. A coach's command waits until the projection applied the previous command's events
(``commando_slot.wacht_op``); here the previous event is put straight on the topic and cannot be applied
(its payload breaks the contract), so it is dead-lettered. Before: every later command on the file
answered 503 forever. Now the file is marked as needing attention, the next command answers normally,
and beheer sees, resolves or re-applies the mark; an identity record with NUL in a name is quarantined
while the process keeps running."""

import asyncio
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from rmc.commando import vandaag

from contracts.catalogue import to_envelope
from contracts.codes import ContactKanaal, SchoolType
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie
from contracts.events import rmc as rmce
from contracts.events.base import Event, School
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, auth, dev_token, start_service

REGIO = "MC20"  # no other suite publishes here
COACH_TOKEN = dev_token("t-rmc-mc34")
COACH = {"Authorization": f"Bearer {COACH_TOKEN}"}
BEHEER = auth("beheer")
TOKENS_ENV = API_TOKENS + f",{COACH_TOKEN}=coach-34:rmc:MC20"
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def rmc(infra) -> Iterator[tuple[ServiceProcess, str]]:  # type: ignore[no-untyped-def]
    url = infra.database_url("rmcaandacht")
    svc = start_service("rmc", infra.bootstrap, url, REGION=REGIO, API_TOKENS=TOKENS_ENV,
                        RMC_UITGAAND_WACHT_S="0.2")
    try:
        yield svc, url
    finally:
        svc.stop()


def envelope(subject: str, ev: Event, source: str) -> Envelope:
    return to_envelope(ev, subject=subject, source=source, occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=REGIO)


async def publish(bootstrap: str, *envs: Envelope) -> None:
    pub = EventPublisher(bootstrap, client_id="test-poison")
    await pub.start()
    try:
        await pub.publish([OutgoingEvent(region_events_topic(REGIO), e) for e in envs])
    finally:
        await pub.stop()


async def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if last := await check():
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


async def test_a_dead_lettered_event_does_not_jam_the_file(rmc: tuple[ServiceProcess, str], infra: Any) -> None:
    svc, db_url = rmc
    pseudo = secrets.token_hex(24)
    intake = datetime.now(UTC) - timedelta(days=60)
    signaal = registratie.PotentieelVsvGesignaleerd(
        lijst_maand=f"{intake.year:04d}-{intake.month:02d}", uitschrijfdatum=intake.date() - timedelta(days=20),
        laatste_school=School(brin="34CD", vestiging="01"), school_type=SchoolType.MBO,
        woongemeente="GM0637", geboortejaar_maand="2006-03",
    )
    await publish(infra.bootstrap, envelope(pseudo, signaal, "urn:nl:leerrecht:registratie"))
    conn = await asyncpg.connect(db_url)
    try:
        async with httpx.AsyncClient(base_url=svc.url, headers=COACH, timeout=30) as http:

            async def jongere() -> dict[str, Any]:
                r = await http.get(f"/v1/jongeren/{pseudo}")
                return dict(r.json()) if r.status_code == 200 else {}

            file = await wait_for(jongere)
            assert file["versie"] == 1
            # a coach's contact attempt whose payload breaks the contract, as the previous command's event
            valid = envelope(pseudo, rmce.ContactpogingGedaan(
                dossier_id=UUID(file["dossier_id"]), datum=vandaag(), kanaal=ContactKanaal.SMS,
                geslaagd=False), f"urn:nl:leerrecht:rmc:{REGIO}:coach:coach-34")
            poison = valid.model_copy(update={"data": {**valid.data, "kanaal": "SMS\u0000"}})
            await conn.execute(
                "INSERT INTO commando_slot (pseudoniem, wacht_op) VALUES ($1, $2) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET wacht_op = EXCLUDED.wacht_op", pseudo, [poison.id])
            await publish(infra.bootstrap, poison)

            async def dead_lettered() -> bool:
                m = httpx.get(f"{svc.metrics_url}/metrics").text
                return 'leerrecht_dead_letters_total{projection="rmc"} 1.0' in m

            await wait_for(dead_lettered)
            r = await http.post(f"/v1/jongeren/{pseudo}/contactpogingen", json={
                "expected_version": 1, "datum": vandaag().isoformat(), "kanaal": "TELEFOON",
                "geslaagd": False})
            assert r.status_code == 201, r.text
            assert r.json()["versie"] == 2 and r.json()["verwerkt"] is True
            file = await jongere()
            mark = file["aandacht_nodig"]
            assert mark is not None and mark["event_id"] == str(poison.id) and mark["reden"]
            w = (await http.get("/v1/werklijst")).json()
            assert [a["pseudoniem"] for a in w["aandacht_nodig"]] == [pseudo]

            assert (await http.get("/v1/beheer/aandacht")).status_code == 403
            r = await http.post(f"/v1/beheer/aandacht/{poison.id}/opnieuw", headers=BEHEER)
            assert r.status_code == 409 and r.json()["fouten"][0]["regel"] == "opnieuw_toepassen_mislukt"
            r = await http.post(f"/v1/beheer/aandacht/{poison.id}/opgelost", headers=BEHEER)
            assert r.status_code == 200, r.text
            assert (await jongere())["aandacht_nodig"] is None
            lijst = (await http.get("/v1/beheer/aandacht", headers=BEHEER)).json()
            assert [(a["event_id"], a["status"]) for a in lijst["aandacht"]] == [(str(poison.id), "OPGELOST")]
    finally:
        await conn.close()


async def test_an_identity_record_with_nul_is_quarantined_and_the_process_keeps_running(
    rmc: tuple[ServiceProcess, str], infra: Any
) -> None:
    svc, db_url = rmc
    eve, noor = (secrets.token_hex(24) for _ in range(2))

    def persoon(p: str, naam: str) -> IdentiteitVastgelegd:
        return IdentiteitVastgelegd(pseudoniem=p, pgn="736120038", pgn_soort="BSN", voornamen=naam,
                                    achternaam="Bakker", geboortedatum=datetime(2006, 1, 2).date(),
                                    woongemeente="GM0363", vastgelegd_op=datetime.now(UTC))

    key, value = encode_identity_record(persoon(eve, "Eve"))
    goed_key, goed_value = encode_identity_record(persoon(noor, "Noor"))
    pub = EventPublisher(infra.bootstrap, client_id="test-brp")
    await pub.start()
    try:
        await pub.publish_raw(identity_topic(REGIO), value.replace(b'"Eve"', b'"Eve\\u0000"'), key)
        await pub.publish_raw(identity_topic(REGIO), goed_value, goed_key)
    finally:
        await pub.stop()
    conn = await asyncpg.connect(db_url)
    try:
        async def applied() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = $1", noor))

        await wait_for(applied)
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=svc.url, timeout=30) as http:
        assert (await http.get("/ready")).status_code == 200
        assert (await http.get("/v1/beheer/quarantaine", headers=COACH)).status_code == 403
        q = (await http.get("/v1/beheer/quarantaine", headers=BEHEER)).json()
        assert q["aantal"] == 1 and q["records"][0]["topic"] == identity_topic(REGIO)
        assert not re.search(r"\bEve\b", str(q)) and eve not in str(q)
        assert svc.proc.poll() is None
