"""Moving between regions and identity for contact, on real Kafka and PostgreSQL with two rmc processes
(MC07 → MC08; domain.md A5/A6 moving house, B identity).

* A young person with an open case in MC07 moves to MC08 (registratie's ``Verhuisd`` on both topics,
  one event id): MC07 transfers the case with its history and closes it with ``VERHUISD``; MC08
  continues it (status, contact history, traject) and its coach can place the young person.
* Redelivery of the move and a replay of MC07 from offset 0 into an empty database change nothing in
  MC08 and decide nothing new.
* Moving back (MC08 → MC07) reopens the case in MC07 with both periods' history.
* MC08's identity projection: name/phone/email appear on the coach's file page only; a tombstone
  erases the row; an unreadable record is never dead-lettered.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie
from contracts.events.base import School
from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, launch, start_service, wait_ready

OUD, NIEUW = "MC07", "MC08"
RUN = uuid.uuid4().hex[:10]
P = f"rmc-verhuis-{RUN}-0001"  # open case in MC07, moves to MC08
Q = f"rmc-ident-{RUN}-0002"  # identity only (a resident without a case)
TOKENS = {OUD: dev_token("t-rmc-mc07"), NIEUW: dev_token("t-rmc-mc08")}
TOKENS_ENV = ",".join([API_TOKENS, f"{TOKENS[OUD]}=coach-07:rmc:{OUD}", f"{TOKENS[NIEUW]}=coach-08:rmc:{NIEUW}"])
INTAKE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def auth(regio: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[regio]}"}



def publish(bootstrap: str, items: list[tuple[str, Envelope]]) -> None:
    async def go() -> None:
        pub = EventPublisher(bootstrap, client_id="rmc-overdracht-test")
        await pub.start()
        try:
            await pub.publish([OutgoingEvent(topic, env) for topic, env in items])
        finally:
            await pub.stop()

    asyncio.run(go())


def publish_raw(bootstrap: str, topic: str, records: list[tuple[bytes, bytes | None]]) -> None:
    async def go() -> None:
        pub = EventPublisher(bootstrap, client_id="rmc-identiteit-test")
        await pub.start()
        try:
            for key, value in records:
                await pub.publish_raw(topic, value, key)
        finally:
            await pub.stop()

    asyncio.run(go())


def registratie_env(subject: str, ev: Any, at: datetime, regio: str, event_id: uuid.UUID | None = None) -> Envelope:
    env = to_envelope(ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=at,
                      correlation_id=uuid7(), region=regio)
    return env.model_copy(update={"id": event_id}) if event_id else env


def log_of(bootstrap: str, topic: str) -> list[Envelope]:
    async def go() -> list[Envelope]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            parts = [TopicPartition(topic, p) for p in range(3)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            end = await consumer.end_offsets(parts)
            out: list[Envelope] = []
            while any([await consumer.position(tp) < end[tp] for tp in parts]):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    out += [Envelope.from_json(r.value) for r in records]
            return out
        finally:
            await consumer.stop()

    return asyncio.run(go())


def topics(bootstrap: str) -> set[str]:
    async def go() -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def twee(infra) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    env = {"API_TOKENS": TOKENS_ENV, "RMC_UITGAAND_WACHT_S": "0.2"}
    urls = {OUD: infra.database_url("rmc07"), NIEUW: infra.database_url("rmc08")}
    svcs = {r: launch("rmc", infra.bootstrap, urls[r], REGION=r, **env) for r in (OUD, NIEUW)}
    state: dict[str, Any] = {"svc": svcs, "infra": infra, "env": env, "urls": urls, "extra": []}
    try:
        for svc in svcs.values():
            wait_ready(svc)
        yield state
    finally:
        for svc in [*svcs.values(), *state["extra"]]:
            svc.stop()


def get(svc: ServiceProcess, regio: str, pseudo: str) -> httpx.Response:
    return httpx.get(f"{svc.url}/v1/jongeren/{pseudo}", headers=auth(regio), timeout=10)


def post(svc: ServiceProcess, regio: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{svc.url}/v1/{path}", json=body, headers=auth(regio), timeout=30)


def verhuizing() -> registratie.Verhuisd:
    return registratie.Verhuisd(verhuisdatum=date(2025, 4, 1), oude_gemeente="GM0344", nieuwe_gemeente="GM0363",
                                oude_regio=OUD, nieuwe_regio=NIEUW)


@pytest.mark.infra
def test_a_move_transfers_the_open_case_with_its_history_to_the_new_region(twee: dict[str, Any]) -> None:
    oud, nieuw = twee["svc"][OUD], twee["svc"][NIEUW]
    bootstrap = twee["infra"].bootstrap
    signaal = registratie.PotentieelVsvGesignaleerd(
        lijst_maand="2025-02", uitschrijfdatum=date(2025, 2, 14), laatste_school=School(brin="34CD", vestiging="01"),
        school_type=SchoolType.MBO, woongemeente="GM0344", geboortejaar_maand="2006-05",
    )
    publish(bootstrap, [(region_events_topic(OUD), registratie_env(P, signaal, INTAKE, OUD))])
    d = eventually(lambda: (r := get(oud, OUD, P)).status_code == 200 and r.json())
    assert (d["status"], d["aangemeld_op"]) == ("NIEUW", "2025-03-03")

    r = post(oud, OUD, f"jongeren/{P}/contactpogingen",
             {"expected_version": 1, "datum": "2025-03-04", "kanaal": "SMS", "geslaagd": True})
    assert r.status_code == 201, r.text
    r = post(oud, OUD, f"jongeren/{P}/traject",
             {"expected_version": 3, "route": "WERK", "datum": "2025-03-10"})
    assert r.status_code == 201 and r.json()["versie"] == 4, r.text
    voor = get(oud, OUD, P).json()

    # registratie publishes the move on the old and the new region's topic with one event id
    verhuis_id = uuid7()
    publish(bootstrap, [
        (region_events_topic(OUD), registratie_env(P, verhuizing(), INTAKE, OUD, verhuis_id)),
        (region_events_topic(NIEUW), registratie_env(P, verhuizing(), INTAKE, NIEUW, verhuis_id)),
    ])

    gesloten = eventually(lambda: (r := get(oud, OUD, P).json())["status"] == "AFGESLOTEN" and r)
    assert (gesloten["sluitreden"], gesloten["gesloten_op"], gesloten["overgedragen_naar"]) == (
        "VERHUISD", "2025-04-01", NIEUW
    )
    verder = eventually(lambda: (r := get(nieuw, NIEUW, P)).status_code == 200
                        and r.json()["overgenomen_van"] == OUD and r.json())
    assert verder["dossier_id"] == voor["dossier_id"], "the same case continues"
    assert (verder["status"], verder["aangemeld_op"], verder["in_beeld_sinds"], verder["woongemeente"]) == (
        "IN_TRAJECT", "2025-03-03", "2025-03-04", "GM0363"
    )
    assert verder["traject"]["route"] == "WERK" and verder["traject"]["datum"] == "2025-03-10"
    assert [(c["datum"], c["kanaal"], c["geslaagd"], c["coach"]) for c in verder["contactpogingen"]] == [
        ("2025-03-04", "SMS", True, "coach-07")
    ], "the history keeps who made the attempt"
    assert verder["coach"] is None, "not yet on a coach's caseload in the new region"
    lijst = httpx.get(f"{nieuw.url}/v1/werklijst", headers=auth(NIEUW)).json()
    assert {"coach": None, "open_dossiers": 1} in lijst["caseload"]

    # the transfer is one event on both topics; the history went to the new topic with the same ids
    def transfers(topic: str) -> list[Envelope]:
        return [e for e in log_of(bootstrap, topic) if e.subject == P and e.type.endswith("dossier_overgedragen")]

    [op_oud] = transfers(region_events_topic(OUD))
    [op_nieuw] = eventually(lambda: transfers(region_events_topic(NIEUW)))
    assert op_oud.id == op_nieuw.id and (op_oud.region, op_nieuw.region) == (OUD, NIEUW)
    oud_log = {e.id: e for e in log_of(bootstrap, region_events_topic(OUD)) if e.subject == P}
    nieuw_rmc = [e for e in log_of(bootstrap, region_events_topic(NIEUW))
                 if e.subject == P and e.type.startswith("nl.leerrecht.rmc.")]
    assert [e.type.rsplit(".", 1)[1] for e in nieuw_rmc] == [
        "jongere_aangemeld", "contactpoging_gedaan", "in_beeld", "traject_gestart", "dossier_overgedragen",
    ]
    assert all(e.id in oud_log and e.data == oud_log[e.id].data for e in nieuw_rmc)
    assert not any(e.type.endswith("dossier_gesloten") for e in nieuw_rmc), "closing stays in the old region"

    # the new region's coach continues the case
    r = post(nieuw, NIEUW, f"jongeren/{P}/plaatsing",
             {"expected_version": verder["versie"], "bestemming": "WERK", "startdatum": "2025-04-15"})
    assert r.status_code == 201, r.text
    na = get(nieuw, NIEUW, P).json()
    assert (na["status"], na["coach"]) == ("GEPLAATST", "coach-08")
    # the old region cannot change the transferred case any more
    r = post(oud, OUD, f"jongeren/{P}/contactpogingen",
             {"expected_version": gesloten["versie"], "datum": "2025-04-02", "kanaal": "SMS", "geslaagd": False})
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "dossier_gesloten"
    twee["na_plaatsing"] = na
    twee["verhuis_id"] = verhuis_id


@pytest.mark.infra
def test_redelivery_and_a_replay_of_the_old_region_change_nothing(twee: dict[str, Any]) -> None:
    oud, nieuw = twee["svc"][OUD], twee["svc"][NIEUW]
    infra = twee["infra"]
    na = twee["na_plaatsing"]
    oud_voor = get(oud, OUD, P).json()
    # the move delivered again (same id): nothing new is decided
    publish(infra.bootstrap, [
        (region_events_topic(OUD), registratie_env(P, verhuizing(), INTAKE, OUD, twee["verhuis_id"])),
    ])
    time.sleep(1.5)
    assert get(oud, OUD, P).json() == oud_voor
    assert len([e for e in log_of(infra.bootstrap, region_events_topic(NIEUW))
                if e.subject == P and e.type.endswith("dossier_overgedragen")]) == 1

    # a replay of the old region from offset 0 into an empty database
    oud.stop()
    replay = start_service("rmc", infra.bootstrap, infra.database_url("rmc07replay"), REGION=OUD, **twee["env"])
    twee["extra"].append(replay)
    twee["svc"][OUD] = replay
    eventually(lambda: (r := get(replay, OUD, P)).status_code == 200 and r.json()["versie"] == oud_voor["versie"])
    assert get(replay, OUD, P).json() == oud_voor
    time.sleep(2.0)  # longer than the outbox wait: the re-decided transfer was published again (same ids)
    assert get(nieuw, NIEUW, P).json() == na, "copies with the same ids are dropped as duplicates"


@pytest.mark.infra
def test_moving_back_reopens_the_case_in_the_first_region_with_its_whole_history(twee: dict[str, Any]) -> None:
    oud, nieuw = twee["svc"][OUD], twee["svc"][NIEUW]
    bootstrap = twee["infra"].bootstrap
    gesloten_voor = get(oud, OUD, P).json()
    terug = registratie.Verhuisd(verhuisdatum=date(2025, 5, 1), oude_gemeente="GM0363", nieuwe_gemeente="GM0344",
                                 oude_regio=NIEUW, nieuwe_regio=OUD)
    verhuis_id = uuid7()
    publish(bootstrap, [
        (region_events_topic(NIEUW), registratie_env(P, terug, INTAKE, NIEUW, verhuis_id)),
        (region_events_topic(OUD), registratie_env(P, terug, INTAKE, OUD, verhuis_id)),
    ])
    weg = eventually(lambda: (r := get(nieuw, NIEUW, P).json())["status"] == "AFGESLOTEN" and r)
    assert (weg["sluitreden"], weg["overgedragen_naar"]) == ("VERHUISD", OUD)
    weer = eventually(lambda: (r := get(oud, OUD, P).json())["status"] != "AFGESLOTEN" and r)
    assert (weer["status"], weer["overgenomen_van"], weer["sluitreden"], weer["woongemeente"]) == (
        "GEPLAATST", NIEUW, None, "GM0344"
    )
    assert weer["dossier_id"] == gesloten_voor["dossier_id"] and weer["versie"] > gesloten_voor["versie"]
    assert weer["plaatsing"]["bestemming"] == "WERK" and weer["plaatsing"]["startdatum"] == "2025-04-15"
    assert [(c["kanaal"], c["coach"]) for c in weer["contactpogingen"]] == [("SMS", "coach-07")]
    assert weer["coach"] is None


def _identiteit(pseudo: str, telefoon: str | None, email: str | None) -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(
        pseudoniem=pseudo, pgn="736120026", pgn_soort="BSN", voornamen="Samira", tussenvoegsel="van",
        achternaam="Dijk", geboortedatum=date(2006, 5, 12), woongemeente="GM0363", telefoon=telefoon,
        email=email, vastgelegd_op=datetime(2025, 4, 2, 10, 0, tzinfo=UTC),
    )


def _login(svc: ServiceProcess, regio: str) -> httpx.Client:
    client = httpx.Client(base_url=svc.url, timeout=30)
    r = client.post("/inloggen", data={"token": TOKENS[regio]})
    assert r.status_code == 303 and r.headers["location"] == "/werklijst"
    return client


async def _rows(url: str) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return {r["pseudoniem"]: dict(r) for r in await conn.fetch("SELECT * FROM identiteit")}
    finally:
        await conn.close()


@pytest.mark.infra
def test_identity_shows_on_the_coachs_file_page_only_and_a_tombstone_erases_it(twee: dict[str, Any]) -> None:
    nieuw = twee["svc"][NIEUW]
    bootstrap, url = twee["infra"].bootstrap, twee["urls"][NIEUW]
    topic = identity_topic(NIEUW)
    oud_record = _identiteit(P, "06 1111 1111", None)
    publish_raw(bootstrap, topic, [
        encode_identity_record(oud_record),
        encode_identity_record(_identiteit(P, "06 1234 5678", "samira@example.nl")),  # the latest wins
        encode_identity_record(_identiteit(Q, None, None)),
        (Q.encode(), b'{"kapot": true}'),  # unreadable: never dead-lettered; Q shows nothing
    ])
    # Q's valid record is followed by an unreadable one: its row goes (show nothing rather than stale data)
    rows = eventually(lambda: (r := asyncio.run(_rows(url))).get(P, {}).get("email") and Q not in r and r)
    assert (rows[P]["telefoon"], rows[P]["achternaam"]) == ("06 1234 5678", "Dijk")
    assert "pgn" not in rows[P] and "adres" not in rows[P], "only what a coach needs to reach them"

    web = _login(nieuw, NIEUW)
    page = web.get(f"/jongeren/{P}")
    assert page.status_code == 200
    assert "Samira van Dijk" in page.text and "06 1234 5678" in page.text and "samira@example.nl" in page.text
    assert "736120026" not in page.text
    werklijst = web.get("/werklijst")
    assert werklijst.status_code == 200 and "Samira" not in werklijst.text, "no names on the worklist"
    api = get(nieuw, NIEUW, P)
    assert "Samira" not in api.text and "06 1234" not in api.text, "the API stays pseudonymous"

    publish_raw(bootstrap, topic, [encode_identity_record(IdentiteitGewist(pseudoniem=P))])
    eventually(lambda: P not in asyncio.run(_rows(url)))
    page = web.get(f"/jongeren/{P}")
    assert "Samira" not in page.text and "06 1234 5678" not in page.text
    assert "Geen contactgegevens bekend" in page.text
    assert not any(t.startswith(topic) and t != topic for t in topics(bootstrap)), "no dead-letter copy"
    text = nieuw.logs()
    assert "record_quarantined" in text, "the unreadable record raised the quarantine alert"
    for secret in ("Samira", "Dijk", "06 1234", "samira@", "736120026"):
        assert secret not in text, "identity data never reaches the logs"


async def _checkpoints(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'rmc-identiteit'"))
    finally:
        await conn.close()


@pytest.mark.infra
def test_a_replay_of_the_identity_topic_into_an_empty_database_keeps_the_erasure(twee: dict[str, Any]) -> None:
    infra = twee["infra"]
    url = infra.database_url("rmc08replay")
    twee["svc"][NIEUW].stop()  # one consumer group per region: the replay must own every partition
    replay = start_service("rmc", infra.bootstrap, url, REGION=NIEUW, **twee["env"])
    twee["extra"].append(replay)
    stored = asyncio.run(_checkpoints(twee["urls"][NIEUW]))
    assert stored >= 5, "the checkpoint moved with the rows"
    eventually(lambda: asyncio.run(_checkpoints(url)) == stored)
    assert asyncio.run(_rows(url)) == {}, "erased and unreadable identities do not come back"


@pytest.mark.infra
def test_logs_show_no_errors(twee: dict[str, Any]) -> None:
    for svc in [*twee["svc"].values(), *twee["extra"]]:
        # the quarantine alert for the deliberately unreadable identity record is the one expected error
        text = "\n".join(line for line in svc.logs().splitlines() if '"record_quarantined"' not in line)
        for bad in ('"level": "error"', "event_dead_lettered", "uitgaand_retry", "identiteit_retry", "Traceback"):
            assert bad not in text, (svc.name, bad)
