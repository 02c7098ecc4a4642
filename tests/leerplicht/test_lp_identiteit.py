"""The identity loop (leerplicht/identiteit.py) on real Kafka and PostgreSQL: latest value per pupil,
a tombstone erases the row, nothing is dead-lettered, the checkpoint makes restarts and replays exact.

Runs the loop in-process on region MC38's identity topic (no other suite uses it; identity topics
are not counted by telling)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from leerplicht import zaken
from leerplicht.config import ONTWIKKELSLEUTEL
from leerplicht.identiteit import (
    PROJECTION,
    IdentiteitConsumer,
    laatste_per_leerling,
    pgn_hash,
    vingerafdruk,
    zoeksleutel_instellen,
)

from contracts.identity import Adres, IdentiteitGewist, IdentiteitVastgelegd, encode_identity_record
from contracts.topics import all_topic_specs, identity_topic
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, ensure_topics

REGION = "MC38"
TOPIC = identity_topic(REGION)


def persoon(pseudo: str, straat: str = "Lange Voorhout", achternaam: str = "Jansen") -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(
        pseudoniem=pseudo, pgn="999993653", pgn_soort="BSN", voornamen="Sanne", tussenvoegsel="de",
        achternaam=achternaam, geboortedatum=date(2012, 3, 14),
        adres=Adres(straat=straat, huisnummer=9, postcode="2514 ED", woonplaats="Den Haag"),
        woongemeente="GM0518", vastgelegd_op=datetime.now(UTC),
    )


def test_the_last_record_per_pupil_wins_and_a_tombstone_erases() -> None:
    a, b = secrets.token_hex(20), secrets.token_hex(20)
    records = [
        encode_identity_record(persoon(a)),
        encode_identity_record(persoon(b)),
        encode_identity_record(persoon(a, straat="Kneuterdijk")),
        encode_identity_record(IdentiteitGewist(pseudoniem=b)),
        (b"999993653", orjson.dumps({"pgn": "999993653"})),  # not a pseudonym, not a record: skipped
        (a.encode(), b"{not json"),
    ]
    laatste, onleesbaar = laatste_per_leerling(records)
    assert onleesbaar == 2
    assert laatste[b] is None
    ra = laatste[a]
    assert ra is not None and ra.adres is not None and ra.adres.straat == "Kneuterdijk"
    # a key that differs from the pseudonym in the value is refused (contracts.identity)
    _, mismatched = laatste_per_leerling([(b.encode(), encode_identity_record(persoon(a))[1])])
    assert mismatched == 1


async def _eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


async def _run(pool: asyncpg.Pool, bootstrap: str,
               sleutel: bytes = ONTWIKKELSLEUTEL) -> tuple[IdentiteitConsumer, asyncio.Task[None]]:
    consumer = IdentiteitConsumer(pool, bootstrap, REGION, sleutel)
    return consumer, asyncio.create_task(consumer.run())


async def _end_offsets(bootstrap: str) -> int:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    c = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await c.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(3)]
        return int(sum((await c.end_offsets(tps)).values()))
    finally:
        await c.stop()


async def _gelezen(pool: asyncpg.Pool, bootstrap: str, sleutel: bytes) -> None:
    """The identity consumer, with ``sleutel``, run until it has passed the topic's end, then stopped."""
    consumer, task = await _run(pool, bootstrap, sleutel)
    end = await _end_offsets(bootstrap)
    await _eventually(lambda: _gelijk(_checkpointed(pool), end))
    consumer.stop()
    await asyncio.wait_for(task, 15)


async def _checkpointed(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval(
        "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = $1", PROJECTION
    ))


@pytest.mark.infra
async def test_identity_projection_erasure_restart_and_replay(infra: Any) -> None:
    await ensure_topics(infra.bootstrap, [s for s in all_topic_specs([REGION]) if s.name == TOPIC])
    a, b, c = (secrets.token_hex(24) for _ in range(3))
    publisher = EventPublisher(infra.bootstrap, client_id="test-brp")
    await publisher.start()
    pool = await create_pool(await infra.adatabase_url("lpid"))
    await migrate(pool, "leerplicht")
    try:
        for rec in [persoon(a), persoon(b), persoon(c, achternaam="Bakker"), persoon(a, straat="Kneuterdijk"),
                    IdentiteitGewist(pseudoniem=b)]:
            key, value = encode_identity_record(rec)
            await publisher.publish_raw(TOPIC, value, key)
        await publisher.publish_raw(TOPIC, b"{kapot", a.encode())  # undecodable: skipped, never copied
        consumer, task = await _run(pool, infra.bootstrap)
        end = await _end_offsets(infra.bootstrap)
        await _eventually(lambda: _gelijk(_checkpointed(pool), end))
        rows = {r["pseudoniem"]: r for r in await pool.fetch(
            "SELECT * FROM identiteit WHERE pseudoniem = ANY($1::text[])", [a, b, c])}
        assert set(rows) == {a, c}  # b was erased by its tombstone
        assert rows[a]["straat"] == "Kneuterdijk" and rows[a]["achternaam"] == "Jansen"
        assert rows[a]["postcode"] == "2514 ED" and rows[a]["geboortedatum"] == date(2012, 3, 14)
        assert rows[c]["achternaam"] == "Bakker"
        assert "pgn" not in rows[a]  # the PGN is not kept here
        assert consumer.projection.stats.onleesbaar >= 1

        # erasure of a pupil whose row exists
        key, value = encode_identity_record(IdentiteitGewist(pseudoniem=a))
        await publisher.publish_raw(TOPIC, value, key)
        await _eventually(lambda: _gelijk(pool.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = $1", a), 0))
        consumer.stop()
        await asyncio.wait_for(task, 15)

        # a restart on the same database continues at the stored offsets: nothing is applied twice
        again, task2 = await _run(pool, infra.bootstrap)
        key, value = encode_identity_record(persoon(c, achternaam="Visser"))
        await publisher.publish_raw(TOPIC, value, key)
        await _eventually(lambda: _gelijk(
            pool.fetchval("SELECT achternaam FROM identiteit WHERE pseudoniem = $1", c), "Visser"))
        assert again.projection.stats.vastgelegd == 1 and again.projection.stats.gewist == 0
        again.stop()
        await asyncio.wait_for(task2, 15)

        # no dead-letter topic for identity records exists, whatever happened
        admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
        await admin.start()
        try:
            assert not [t for t in await admin.list_topics() if t.startswith(TOPIC + ".")]
        finally:
            await admin.close()
    finally:
        await publisher.stop()
        await pool.close()

    # replay from offset 0 into an empty database: the same rows, the erased ones stay erased
    fresh = await create_pool(await infra.adatabase_url("lpidreplay"))
    await migrate(fresh, "leerplicht")
    try:
        consumer, task = await _run(fresh, infra.bootstrap)
        end = await _end_offsets(infra.bootstrap)
        await _eventually(lambda: _gelijk(_checkpointed(fresh), end))
        rows = await fresh.fetch("SELECT pseudoniem, achternaam FROM identiteit WHERE pseudoniem = ANY($1::text[])",
                                 [a, b, c])
        assert [(r["pseudoniem"], r["achternaam"]) for r in rows] == [(c, "Visser")]
        consumer.stop()
        await asyncio.wait_for(task, 15)
    finally:
        await fresh.close()


async def _gelijk(waarde: Any, verwacht: Any) -> bool:
    return bool(await waarde == verwacht)


def test_the_bsn_search_hash_needs_the_instances_key() -> None:
    """A plain hash of a BSN is reversed by trying the ~10^8 numbers that pass the 11-proof; the HMAC is
    not without the key, and two instances' keys give two hashes."""
    k1, k2 = secrets.token_bytes(32), secrets.token_bytes(32)
    assert pgn_hash("999993653", k1) == hmac.new(k1, b"999993653", hashlib.sha256).hexdigest()
    assert pgn_hash("999993653", k1) != pgn_hash("999993653", k2)
    assert pgn_hash("999993653", k1) != hashlib.sha256(b"leerrecht-leerplicht-pgn:999993653").hexdigest()
    assert vingerafdruk(k1) != vingerafdruk(k2) and k1.hex()[:16] not in vingerafdruk(k1)


@pytest.mark.infra
async def test_a_new_key_or_old_plain_hashes_reread_the_identity_topic_and_hash_again(infra: Any) -> None:
    """At start, rows hashed with another key (a rotated key; older code's plain sha256) are cleared and
    the topic is read from offset 0 again with this key; erased pupils stay erased; a start with the same
    key changes nothing."""
    await ensure_topics(infra.bootstrap, [s for s in all_topic_specs([REGION]) if s.name == TOPIC])
    a, b = secrets.token_hex(24), secrets.token_hex(24)
    k1, k2 = secrets.token_bytes(32), secrets.token_bytes(32)
    publisher = EventPublisher(infra.bootstrap, client_id="test-brp-sleutel")
    await publisher.start()
    pool = await create_pool(await infra.adatabase_url("lpsl"))
    await migrate(pool, "leerplicht")

    async def hashes() -> dict[str, tuple[str | None, str | None]]:
        return {r["pseudoniem"]: (r["pgn_hash"], r["pgn_sleutel"]) for r in await pool.fetch(
            "SELECT pseudoniem, pgn_hash, pgn_sleutel FROM identiteit WHERE pseudoniem = ANY($1::text[])", [a, b])}

    try:
        for rec in (persoon(a), persoon(b)):
            key, value = encode_identity_record(rec)
            await publisher.publish_raw(TOPIC, value, key)
        assert await zoeksleutel_instellen(pool, k1) == 0  # an empty table: nothing to clear
        await _gelezen(pool, infra.bootstrap, k1)
        met_k1 = (pgn_hash("999993653", k1), vingerafdruk(k1))
        assert await hashes() == {a: met_k1, b: met_k1}

        # the same key again: nothing cleared, the checkpoint stays
        assert await zoeksleutel_instellen(pool, k1) == 0
        assert await _checkpointed(pool) == await _end_offsets(infra.bootstrap)

        # a rotated key, with b erased meanwhile: cleared, read again from offset 0, hashed with k2
        key, value = encode_identity_record(IdentiteitGewist(pseudoniem=b))
        await publisher.publish_raw(TOPIC, value, key)
        assert await zoeksleutel_instellen(pool, k2) >= 2
        assert await _checkpointed(pool) == 0
        assert (await hashes())[a] == (None, None)
        await _gelezen(pool, infra.bootstrap, k2)
        assert await hashes() == {a: (pgn_hash("999993653", k2), vingerafdruk(k2))}

        # a row as an older pod still running during the upgrade writes it (its plain hash, no pgn_sleutel
        # in its statement): the row loses its fingerprint, and the next start hashes it again
        await pool.execute("UPDATE identiteit SET pgn_hash = $2 WHERE pseudoniem = $1",
                           a, hashlib.sha256(b"leerrecht-leerplicht-pgn:999993653").hexdigest())
        assert (await hashes())[a][1] is None
        assert await zoeksleutel_instellen(pool, k2) >= 1
        await _gelezen(pool, infra.bootstrap, k2)
        assert await hashes() == {a: (pgn_hash("999993653", k2), vingerafdruk(k2))}
    finally:
        await publisher.stop()
        await pool.close()


@pytest.mark.infra
async def test_during_a_rotation_the_bsn_search_finds_a_pupil_by_the_old_key_until_it_is_hashed_again(
        infra: Any) -> None:
    """With the replaced key given (``PGN_ZOEKSLEUTEL_VORIG``) its hashes stay until the re-read reaches
    their rows, and the search hashes with both keys: an officer finds the pupil by BSN all the while.
    A third key's hashes are still cleared; a restart with the same pair once the read is done changes
    nothing."""
    await ensure_topics(infra.bootstrap, [s for s in all_topic_specs([REGION]) if s.name == TOPIC])
    a, c = secrets.token_hex(24), secrets.token_hex(24)
    k0, k1, k2 = secrets.token_bytes(32), secrets.token_bytes(32), secrets.token_bytes(32)
    publisher = EventPublisher(infra.bootstrap, client_id="test-brp-rotatie")
    await publisher.start()
    pool = await create_pool(await infra.adatabase_url("lprot"))
    await migrate(pool, "leerplicht")
    vraag = zaken.Zoekvraag(zoek="999993653")

    async def gevonden(*sleutels: bytes) -> list[str]:
        async with pool.acquire() as conn:
            return [z.pseudoniem for z in (await zaken.zoek(conn, vraag, "officier", date(2026, 3, 1), sleutels)).zaken]

    async def hash_van(p: str) -> tuple[str | None, str | None]:
        r = await pool.fetchrow("SELECT pgn_hash, pgn_sleutel FROM identiteit WHERE pseudoniem = $1", p)
        return (r["pgn_hash"], r["pgn_sleutel"])

    try:
        key, value = encode_identity_record(persoon(a))
        await publisher.publish_raw(TOPIC, value, key)
        await pool.execute(
            "INSERT INTO dossier (dossier_id, pseudoniem, fase, version, geopend_op, stand, volgende_termijn, "
            "te_laat_vanaf, melding_soorten, werklijst_bijgewerkt) VALUES (gen_random_uuid(), $1, 'OPEN', 1, "
            "date '2026-01-05', '{}'::jsonb, date '2026-03-10', date '2026-03-17', ARRAY['ZESTIEN_UUR'], true)", a)
        await zoeksleutel_instellen(pool, k1)
        await _gelezen(pool, infra.bootstrap, k1)
        assert await gevonden(k1) == [a]
        # a row left from an even older key (not on the topic: this test's own): it cannot stay
        await pool.execute(
            "INSERT INTO identiteit (pseudoniem, voornamen, achternaam, geboortedatum, woongemeente, vastgelegd_op, "
            "pgn_hash, pgn_sleutel) VALUES ($1, 'Daan', 'Visser', date '2012-04-01', 'GM0363', now(), $2, $3)",
            c, pgn_hash("999993653", k0), vingerafdruk(k0))

        # the rotation to k2, k1 given as the replaced key: a's k1 hash stays, k0's goes, the topic is read again
        assert await zoeksleutel_instellen(pool, k2, k1) == 1
        assert await _checkpointed(pool) == 0
        assert await hash_van(a) == (pgn_hash("999993653", k1), vingerafdruk(k1))
        assert await hash_van(c) == (None, None)
        assert await gevonden(k2) == [], "the new key alone does not find it yet"
        assert await gevonden(k2, k1) == [a], "the search with the replaced key does"

        await _gelezen(pool, infra.bootstrap, k2)
        assert await hash_van(a) == (pgn_hash("999993653", k2), vingerafdruk(k2))
        assert await gevonden(k2) == [a] and await gevonden(k2, k1) == [a]
        stand = await _checkpointed(pool)
        # c is still without a hash (not on the topic), so a restart reads again; once c is gone, it does not
        await pool.execute("DELETE FROM identiteit WHERE pseudoniem = $1", c)
        assert await zoeksleutel_instellen(pool, k2, k1) == 0
        assert await _checkpointed(pool) == stand
    finally:
        await publisher.stop()
        await pool.close()
