"""The outbox sweeper and the per-pupil sequence numbers (issue 11, part 6), on real Kafka and PostgreSQL.

A submission whose publication is interrupted (the publisher raises, before or after the broker got
the records) is left ``open`` with its envelopes stored. The sweeper must then publish it complete,
identity record included, under the same per-pupil lock a live submission takes, and every event keeps
the per-pupil sequence number it was given when it was decided.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from reg_helpers import Reg, auth, bsn, sleutel
from registratie.intake import IntakeService

from contracts.envelope import Envelope
from contracts.events import registratie as ev
from contracts.identity import decode_identity_record
from leerrecht.kafka import EventPublisher, OutgoingEvent

pytestmark = pytest.mark.infra
MC28, MC29 = "leerrecht.regio.MC28.events", "leerrecht.regio.MC29.events"
ID_MC29 = "leerrecht.regio.MC29.identiteit"
SOURCE = "urn:nl:leerrecht:registratie"
NAAM = {"voornamen": "Ilse", "achternaam": "Verbruggen"}


class Onderbroken:
    """A publisher whose broker connection breaks: before anything is sent (``na_versturen=False``:
    nothing reaches the log) or after the envelopes were acknowledged (the answer was lost)."""

    def __init__(self, echt: EventPublisher, na_versturen: bool) -> None:
        self.echt = echt
        self.na_versturen = na_versturen

    async def publish_raw(self, topic: str, value: bytes | None, key: bytes | None,
                          headers: Sequence[tuple[str, bytes]] = ()) -> None:
        if not self.na_versturen:
            raise ConnectionResetError("broker weg")
        await self.echt.publish_raw(topic, value, key, headers)

    async def publish(self, events: Iterable[OutgoingEvent], timeout: float = 30.0) -> list[tuple[int, int]]:
        if self.na_versturen:
            await self.echt.publish(events, timeout)
        raise ConnectionResetError("broker weg")


@contextlib.contextmanager
def onderbroken(service: IntakeService, na_versturen: bool = False) -> Iterator[None]:
    echt = service.publisher
    service.publisher = Onderbroken(echt, na_versturen)  # type: ignore[assignment]
    try:
        yield
    finally:
        service.publisher = echt


def inschrijving(pgn: str, gemeente: str = "GM1930", **extra: Any) -> dict[str, Any]:
    return {"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": "00AP00",
            "ingangsdatum": "2026-08-24", "klas": "8A", **extra}


async def wachtend(reg: Reg, pseudoniem: str) -> int:
    async with reg.app.state.intake.pool.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT count(*) FROM identiteit_wachtend WHERE record_key = $1", pseudoniem.encode()))


async def status(reg: Reg, key: str) -> str:
    async with reg.app.state.intake.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT status FROM intake_verzoek WHERE sleutel = $1", key))


async def mislukte_inschrijving(reg: Reg, pgn: str, key: str, **extra: Any) -> None:
    with onderbroken(reg.app.state.intake):
        r = await reg.client.post("/v1/inschrijvingen", json=inschrijving(pgn, **extra), headers=auth("school", key))
    assert r.status_code == 503, r.text
    assert await status(reg, key) == "open"


async def subject_van(reg: Reg, key: str) -> str:
    """The pupil of a stored submission (its first envelope's subject)."""
    async with reg.app.state.intake.pool.acquire() as conn:
        return str(await conn.fetchval(
            "SELECT envelopes -> 0 ->> 'subject' FROM intake_verzoek WHERE sleutel = $1", key))


async def test_the_sweeper_publishes_an_interrupted_enrolment_with_its_identity(reg: Reg) -> None:
    pgn, key = bsn(), sleutel()
    await mislukte_inschrijving(reg, pgn, key, identiteit=NAAM)
    p = await subject_van(reg, key)
    assert await wachtend(reg, p) == 1, "held in the pending store until published"
    assert await reg.app.state.intake.republish_open(older_than_s=0) >= 1
    assert await status(reg, key) == "gepubliceerd"

    assert [e.type for e in await reg.events(MC29, p)][:1] == [ev.LeerlingIngeschreven.event_type]
    [value] = await reg.records(ID_MC29, p.encode())
    rec = decode_identity_record(p.encode(), value)
    assert rec.pgn == pgn and rec.achternaam == "Verbruggen", "the name reached the region of residence"
    assert await wachtend(reg, p) == 0, "published, so erased from the pending store"


async def test_a_replay_publishes_the_identity_and_forgetting_erases_a_pending_one(reg: Reg) -> None:
    pgn, key = bsn(), sleutel()
    await mislukte_inschrijving(reg, pgn, key, identiteit=NAAM)
    r = await reg.client.post("/v1/inschrijvingen", json=inschrijving(pgn, identiteit=NAAM),
                              headers=auth("school", key))
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    [value] = await reg.records(ID_MC29, p.encode())
    assert decode_identity_record(p.encode(), value).achternaam == "Verbruggen"
    assert await wachtend(reg, p) == 0

    # interrupted again for another pupil, then forgotten before the sweeper came: no name afterwards
    pgn2, key2 = bsn(), sleutel()
    await mislukte_inschrijving(reg, pgn2, key2, identiteit=NAAM)
    r = await reg.post("/v1/identiteit/vergeten", {"pgn": pgn2}, who="duo")
    assert r.status_code == 200, r.text
    async with reg.app.state.intake.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM identiteit_wachtend WHERE sleutel = $1", key2) == 0
    await reg.app.state.intake.republish_open(older_than_s=0)
    assert await status(reg, key2) == "gepubliceerd"
    p2 = await subject_van(reg, key2)
    assert [e.type for e in await reg.events(MC29, p2)][:1] == [ev.LeerlingIngeschreven.event_type]
    assert await reg.records(ID_MC29, p2.encode()) == [None], "only the tombstone"


async def test_the_sweeper_waits_for_the_pupils_lock(reg: Reg) -> None:
    pgn, key = bsn(), sleutel()
    await mislukte_inschrijving(reg, pgn, key, identiteit=NAAM)
    service: IntakeService = reg.app.state.intake
    p = await subject_van(reg, key)
    async with service.pool.acquire() as houder:
        # the lock a live submission of this pupil holds from its decision until its publication
        await houder.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", "leerling/" + p)
        veger = asyncio.create_task(service.republish_open(older_than_s=0))
        await asyncio.sleep(3)
        assert not veger.done(), "the sweeper waits for the pupil's lock"
        assert await status(reg, key) == "open"
        assert not [e for e in await reg.events(MC29, p)], "nothing published while the lock is held"
        assert await reg.records(ID_MC29, p.encode()) == []
        await houder.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", "leerling/" + p)
    assert await asyncio.wait_for(veger, 60) >= 1
    assert await status(reg, key) == "gepubliceerd"
    assert [e.type for e in await reg.events(MC29, p)][:1] == [ev.LeerlingIngeschreven.event_type]
    assert len(await reg.records(ID_MC29, p.encode())) == 1


def volgnummers(envs: list[Envelope]) -> list[int | None]:
    """Sequence numbers in log order, the re-published duplicates (same id) left out after
    checking they carry the number of their first publication."""
    eerst: dict[Any, int | None] = {}
    out: list[int | None] = []
    for e in envs:
        if e.source != SOURCE:
            continue
        if e.id in eerst:
            assert eerst[e.id] == e.subject_sequence, "a re-publish keeps the stored number"
            continue
        eerst[e.id] = e.subject_sequence
        out.append(e.subject_sequence)
    return out


async def test_sequence_numbers_are_contiguous_per_pupil_and_topic_across_a_move_and_a_republish(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 27))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", inschrijving(pgn, gemeente="GM0637"))  # Zoetermeer, MC28
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    key = sleutel()
    body = {"pgn": pgn, "datum": "2026-11-12", "uren": 5, "code": "LUXE"}
    with onderbroken(reg.app.state.intake, na_versturen=True):  # on the log, but the ack was lost
        r = await reg.client.post("/v1/afwezigheden", json=body, headers=auth("school", key))
    assert r.status_code == 503, r.text
    assert await reg.app.state.intake.republish_open(older_than_s=0) >= 1
    r = await reg.post("/v1/duo/verhuizingen", {"pgn": pgn, "verhuisdatum": "2026-11-16",
                                                "nieuwe_gemeente": "GM1930"}, who="duo")  # Nissewaard, MC29
    assert r.status_code == 201, r.text
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-23", "uren": 5, "code": "LUXE"})
    assert r.status_code == 201, r.text

    oud, nieuw = await reg.events(MC28, p), await reg.events(MC29, p)
    assert len({e.id for e in oud}) < len(oud), "the re-publish put the absence on the log twice"
    assert ev.Verhuisd.event_type in {e.type for e in oud} & {e.type for e in nieuw}
    n_oud, n_nieuw = volgnummers(oud), volgnummers(nieuw)
    assert n_oud == list(range(1, len(n_oud) + 1)) and len(n_oud) >= 3
    assert n_nieuw == list(range(1, len(n_nieuw) + 1)) and len(n_nieuw) >= 2


async def test_a_newer_submission_publishes_the_pupils_older_open_one_first(reg: Reg) -> None:
    """Decision order is log order: a school's retry of a 503 that comes after a newer submission
    would otherwise put the older fact on the log after the newer one (consumers then see a reordering)."""
    reg.zet_vandaag(date(2026, 11, 27))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", inschrijving(pgn, gemeente="GM0637"))
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    oud_key = sleutel()
    with onderbroken(reg.app.state.intake):
        r = await reg.client.post("/v1/afwezigheden", json={"pgn": pgn, "datum": "2026-11-12", "uren": 2,
                                                             "code": "LUXE"}, headers=auth("school", oud_key))
    assert r.status_code == 503, r.text
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-13", "uren": 3, "code": "LUXE"})
    assert r.status_code == 201, r.text
    assert await status(reg, oud_key) == "gepubliceerd", "published first, by the newer submission"

    n = volgnummers(await reg.events(MC28, p))
    assert n == sorted(n) == list(range(1, len(n) + 1)), "log order equals decision order"
    r = await reg.client.post("/v1/afwezigheden", json={"pgn": pgn, "datum": "2026-11-12", "uren": 2,
                                                         "code": "LUXE"}, headers=auth("school", oud_key))
    assert r.status_code == 200 and r.headers.get("Idempotent-Replay") == "true", r.text
