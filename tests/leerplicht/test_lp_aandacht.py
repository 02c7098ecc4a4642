"""No poison record takes a leerplicht instance down or jams a dossier (issue 11, part 2), on real Kafka and
PostgreSQL through a real leerplicht process. The poison goes straight onto the region's topics:

* a ``DossierGesloten`` whose toelichting holds NUL (the database refuses it), with the claim a command
  left for it: the event is dead-lettered, the claim is released, the dossier is marked as needing
  attention (API, worklist, beheer), and the next command answers normally (before: 409/503 forever);
* beheer resolves the mark, or re-applies a dead-lettered event after the cause was fixed;
* an identity record with NUL in a name: the process keeps running and beheer sees it in quarantine.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from leerplicht.projection import AMSTERDAM

from contracts.catalogue import to_envelope
from contracts.codes import LeerplichtSluitreden
from contracts.envelope import Envelope, uuid7
from contracts.events import leerplicht as lpe
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.golden import golden_event
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, auth, dev_token, start_service

REGION = "MC18"  # no other suite publishes here
_T = {t: dev_token(t) for t in ("t-lp-mc33",)}  # static dev tokens
OFFICER = {"Authorization": f"Bearer {_T['t-lp-mc33']}"}
BEHEER = auth("beheer")
TOKENS_ENV = API_TOKENS + f",{_T['t-lp-mc33']}=officer-33:leerplicht:MC18"
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def lp(infra) -> Iterator[tuple[ServiceProcess, str]]:  # type: ignore[no-untyped-def]
    url = infra.database_url("lpaandacht")
    svc = start_service("leerplicht", infra.bootstrap, url, REGION=REGION, API_TOKENS=TOKENS_ENV)
    try:
        yield svc, url
    finally:
        svc.stop()


def envelope(subject: str, ev: Event, source: str = "urn:nl:leerrecht:leerplicht") -> Envelope:
    return to_envelope(ev, subject=subject, source=source, occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=REGION)


async def publish(bootstrap: str, *envs: Envelope) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-poison")
    await publisher.start()
    try:
        await publisher.publish([OutgoingEvent(region_events_topic(REGION), e) for e in envs])
    finally:
        await publisher.stop()


async def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if last := await check():
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


def gesloten(dossier_id: uuid.UUID, **extra: Any) -> lpe.DossierGesloten:
    return lpe.DossierGesloten(dossier_id=dossier_id, datum=datetime.now(AMSTERDAM).date(), **extra)


async def test_a_dead_lettered_command_event_releases_its_claim_and_marks_the_dossier(
    lp: tuple[ServiceProcess, str], infra: Any
) -> None:
    svc, db_url = lp
    pseudo = uuid.uuid4().hex + uuid.uuid4().hex
    melding = golden_event(reg.MeldingGeregistreerd).model_copy(update={
        "melding_id": uuid.uuid4(), "school": School(brin="00AP", vestiging="00"),
        "startdatum": datetime.now(AMSTERDAM).date() - timedelta(days=30),
        "einddatum": datetime.now(AMSTERDAM).date() - timedelta(days=10),
    })
    dossier_id = nieuw_dossier_id(melding.melding_id)
    await publish(infra.bootstrap, envelope(pseudo, melding, "urn:nl:leerrecht:registratie"))
    conn = await asyncpg.connect(db_url)
    try:
        async with httpx.AsyncClient(base_url=svc.url, headers=OFFICER, timeout=30) as http:

            async def dossier() -> dict[str, Any]:
                r = await http.get(f"/v1/dossiers/{dossier_id}")
                return dict(r.json()) if r.status_code == 200 else {}

            assert (await wait_for(dossier))["version"] == 1

            # an officer's close with NUL in the toelichting: on the log, with the command's claim
            valid = envelope(pseudo, gesloten(dossier_id, reden=LeerplichtSluitreden.OVERIG, toelichting="Eve"))
            poison = valid.model_copy(update={"data": {**valid.data, "toelichting": "Eve\u0000"}})
            await conn.execute("INSERT INTO dossier_pending (event_id, dossier_id) VALUES ($1, $2)",
                               poison.id, dossier_id)
            await publish(infra.bootstrap, poison)

            async def released() -> bool:
                n = await conn.fetchval("SELECT count(*) FROM dossier_pending WHERE dossier_id = $1", dossier_id)
                return bool(n == 0)

            await wait_for(released)
            d = await dossier()
            assert d["version"] == 1 and d["fase"] == "OPEN"
            mark = d["aandacht_nodig"]
            assert mark is not None and mark["event_id"] == str(poison.id) and mark["reden"]
            assert mark["type"] == lpe.DossierGesloten.event_type
            w = (await http.get("/v1/werklijst")).json()
            assert [a["dossier_id"] for a in w["aandacht_nodig"]] == [str(dossier_id)]
            sessie = {"Cookie": f"leerrecht_sessie={_T['t-lp-mc33']}"}
            pagina = (await http.get(f"/dossiers/{dossier_id}", headers=sessie)).text
            assert "Dit dossier heeft aandacht nodig" in pagina and "Eve" not in pagina
            metrics = httpx.get(f"{svc.metrics_url}/metrics").text
            assert 'leerrecht_dead_letters_total{projection="leerplicht"} 1.0' in metrics

            # the next command answers normally, not 503 (and not a 409 on a phantom version)
            r = await http.post(f"/v1/dossiers/{dossier_id}/meldingen/{melding.melding_id}/in-behandeling",
                                json={"expected_version": 1, "datum": datetime.now(AMSTERDAM).date().isoformat()})
            assert r.status_code == 200, r.text
            assert r.json()["version"] == 2

            # beheer: only role beheer; the list, a failing re-apply (the mark stays), then resolve
            assert (await http.get("/v1/beheer/aandacht")).status_code == 403
            lijst = (await http.get("/v1/beheer/aandacht", headers=BEHEER)).json()
            assert [(a["event_id"], a["status"]) for a in lijst["aandacht"]] == [(str(poison.id), "OPEN")]
            r = await http.post(f"/v1/beheer/aandacht/{poison.id}/opnieuw", headers=BEHEER)
            assert r.status_code == 409, r.text
            assert r.json()["fouten"][0]["regel"] == "opnieuw_toepassen_mislukt"
            assert not re.search(r"\bEve\b", r.text)  # the name, not the "Eve" of an error type's "Event"
            assert (await dossier())["aandacht_nodig"] is not None
            r = await http.post(f"/v1/beheer/aandacht/{poison.id}/opgelost", headers=BEHEER)
            assert r.status_code == 200, r.text
            assert (await dossier())["aandacht_nodig"] is None
            assert (await http.get("/v1/werklijst")).json()["aandacht_nodig"] == []

            # a close that fails for a cause beheer then fixes (here: a refusing trigger, dropped
            # afterwards) is re-applied: the dossier is closed, the mark is gone
            await conn.execute(
                "CREATE FUNCTION weiger() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'storing'; END$$;"
                "CREATE TRIGGER weiger BEFORE INSERT ON dossier_event FOR EACH ROW "
                "WHEN (NEW.type = 'nl.leerrecht.leerplicht.dossier_gesloten') EXECUTE FUNCTION weiger()"
            )
            sluit = envelope(pseudo, gesloten(dossier_id, reden=LeerplichtSluitreden.VERZUIM_BEEINDIGD))
            await conn.execute("INSERT INTO dossier_pending (event_id, dossier_id) VALUES ($1, $2)",
                               sluit.id, dossier_id)
            await publish(infra.bootstrap, sluit)
            await wait_for(released)
            assert (await dossier())["aandacht_nodig"]["event_id"] == str(sluit.id)
            await conn.execute("DROP TRIGGER weiger ON dossier_event; DROP FUNCTION weiger()")
            r = await http.post(f"/v1/beheer/aandacht/{sluit.id}/opnieuw", headers=BEHEER)
            assert r.status_code == 200, r.text
            d = await dossier()
            assert d["fase"] == "GESLOTEN" and d["version"] == 3 and d["aandacht_nodig"] is None
            statussen = {a["event_id"]: a["status"] for a in
                         (await http.get("/v1/beheer/aandacht", headers=BEHEER)).json()["aandacht"]}
            assert statussen == {str(poison.id): "OPGELOST", str(sluit.id): "OPNIEUW_TOEGEPAST"}
    finally:
        await conn.close()


async def test_an_identity_record_with_nul_is_quarantined_and_the_process_keeps_running(
    lp: tuple[ServiceProcess, str], infra: Any
) -> None:
    svc, db_url = lp
    eve, sanne = (secrets.token_hex(24) for _ in range(2))

    def persoon(p: str, naam: str) -> IdentiteitVastgelegd:
        return IdentiteitVastgelegd(pseudoniem=p, pgn="999993653", pgn_soort="BSN", voornamen=naam,
                                    achternaam="Jansen", geboortedatum=datetime(2012, 1, 1).date(),
                                    woongemeente="GM0518", vastgelegd_op=datetime.now(UTC))

    key, value = encode_identity_record(persoon(eve, "Eve"))
    publisher = EventPublisher(infra.bootstrap, client_id="test-brp")
    await publisher.start()
    try:
        await publisher.publish_raw(identity_topic(REGION), value.replace(b'"Eve"', b'"Eve\\u0000"'), key)
        await publisher.publish_raw(identity_topic(REGION), *reversed(encode_identity_record(persoon(sanne, "Sanne"))))
    finally:
        await publisher.stop()
    conn = await asyncpg.connect(db_url)
    try:
        async def applied() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = $1", sanne))

        await wait_for(applied)
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=svc.url, timeout=30) as http:
        assert (await http.get("/ready")).status_code == 200
        assert (await http.get("/v1/beheer/quarantaine", headers=OFFICER)).status_code == 403
        q = (await http.get("/v1/beheer/quarantaine", headers=BEHEER)).json()
        assert q["aantal"] == 1 and q["records"][0]["topic"] == identity_topic(REGION)
        assert not re.search(r"\bEve\b", str(q)) and eve not in str(q)  # positions and counts, no content
        assert svc.proc.poll() is None
