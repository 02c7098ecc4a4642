"""The single-writer protocol of leerplicht/handling.py and leerplicht/projection.py on real PostgreSQL.

Kafka is replaced here by an in-test publisher so that the dangerous interleavings can be forced: the
projection applying a command's event *while the command still holds the row lock and has not yet
recorded its claim*, and a publish that fails. (The real Kafka path is covered by
test_lp_dossier_flow.py.)
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from leerplicht import handling
from leerplicht.domain import DomeinFout, Dossier, NeemInBehandeling, StartOnderzoek, nieuw_dossier_id
from leerplicht.domain.commands import Command
from leerplicht.projection import LeerplichtProjection
from lp_helpers import melding

from contracts.catalogue import to_envelope
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie as reg
from contracts.topics import region_events_topic
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import OutgoingEvent
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra
REGION = "MC28"
TOPIC = region_events_topic(REGION)


@pytest.fixture
async def pool(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(await infra.adatabase_url("lphandling"))
    await migrate(p, "leerplicht")
    try:
        yield p
    finally:
        await p.close()


_offset = iter(range(10**6))


async def project(pool: asyncpg.Pool, envelopes: Iterable[Envelope]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await LeerplichtProjection(REGION).apply(conn, [Delivered(e, TOPIC, 0, next(_offset)) for e in envelopes])


async def dossier_met_melding(pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    m = melding()
    env = to_envelope(
        m,
        subject=secrets.token_hex(32),
        source="urn:nl:leerrecht:registratie",
        occurred_at=datetime(2026, 3, 23, 9, tzinfo=UTC),
        correlation_id=uuid7(),
        region=REGION,
    )
    await project(pool, [env])
    return nieuw_dossier_id(m.melding_id), m.melding_id


class ProjectingPublisher:
    """Acks, and lets the projection apply the events *concurrently*: it starts applying before the
    command has recorded its claim, so it must wait for the command's row lock."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.published: list[Envelope] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def publish(self, events: Iterable[OutgoingEvent]) -> list[tuple[int, int]]:
        envs = [e.envelope for e in events]
        self.published += envs
        self.tasks.append(asyncio.create_task(project(self.pool, envs)))
        await asyncio.sleep(0.3)  # the projection is now blocked on the dossier row lock
        assert not self.tasks[-1].done(), "the projection must wait for the command's lock"
        return [(0, i) for i in range(len(envs))]


class FailingPublisher:
    def __init__(self) -> None:
        self.calls = 0

    async def publish(self, events: Iterable[OutgoingEvent]) -> list[tuple[int, int]]:
        self.calls += 1
        raise TimeoutError("no acks")


def command(cmd: Command) -> handling.BuildCommand:
    async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
        return cmd

    return build


async def pending(pool: asyncpg.Pool, dossier_id: uuid.UUID) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM dossier_pending WHERE dossier_id = $1", dossier_id))


async def test_projection_racing_the_claim_leaves_no_claim_behind(pool: asyncpg.Pool) -> None:
    dossier_id, melding_id = await dossier_met_melding(pool)
    publisher = ProjectingPublisher(pool)
    result = await handling.voer_uit(
        pool,
        publisher,
        REGION,
        dossier_id,
        1,
        command(NeemInBehandeling(melding_id, date(2026, 3, 24))),  # type: ignore[arg-type]
        behandelaar="officer-28",
        correlation_id=uuid7(),
    )
    await asyncio.gather(*publisher.tasks)
    assert result.dossier is not None and result.dossier.version == 2
    # the officer's first step assigns the dossier on the log (not a claim: the version is the step's)
    assert [e.type for e in publisher.published] == [
        "nl.leerrecht.leerplicht.dossier_toegewezen",
        "nl.leerrecht.leerplicht.melding_in_behandeling",
    ]
    assert await pending(pool, dossier_id) == 0
    assert await pool.fetchval("SELECT version FROM dossier WHERE dossier_id = $1", dossier_id) == 2
    assert (
        await pool.fetchval("SELECT behandelaar FROM dossier_behandelaar WHERE dossier_id = $1", dossier_id)
        == "officer-28"
    )


async def test_a_failed_publish_claims_nothing(pool: asyncpg.Pool) -> None:
    dossier_id, melding_id = await dossier_met_melding(pool)
    failing = FailingPublisher()
    with pytest.raises(handling.PublicatieMislukt):
        await handling.voer_uit(
            pool,
            failing,
            REGION,
            dossier_id,
            1,
            command(NeemInBehandeling(melding_id, date(2026, 3, 24))),  # type: ignore[arg-type]
            behandelaar="officer-28",
            correlation_id=uuid7(),
        )
    assert failing.calls == 1
    assert await pending(pool, dossier_id) == 0
    assert await pool.fetchval("SELECT count(*) FROM dossier_behandelaar") == 0
    # the same expected version still works afterwards
    ok = await handling.voer_uit(
        pool,
        ProjectingPublisher(pool),
        REGION,
        dossier_id,
        1,  # type: ignore[arg-type]
        command(NeemInBehandeling(melding_id, date(2026, 3, 24))),
        behandelaar="officer-28",
        correlation_id=uuid7(),
    )
    assert ok.dossier is not None and ok.dossier.version == 2


async def test_a_refused_command_publishes_and_claims_nothing(pool: asyncpg.Pool) -> None:
    dossier_id, melding_id = await dossier_met_melding(pool)
    publisher = ProjectingPublisher(pool)
    with pytest.raises(DomeinFout) as err:
        await handling.voer_uit(
            pool,
            publisher,
            REGION,
            dossier_id,
            1,
            command(StartOnderzoek(melding_id, date(2026, 3, 24), True)),  # type: ignore[arg-type]
            behandelaar="officer-28",
            correlation_id=uuid7(),
        )
    assert err.value.regel == "status_in_behandeling"
    assert publisher.published == [] and await pending(pool, dossier_id) == 0


async def test_stale_and_unknown_versions_and_dossiers(pool: asyncpg.Pool) -> None:
    dossier_id, melding_id = await dossier_met_melding(pool)
    with pytest.raises(handling.VersieConflict) as conflict:
        await handling.voer_uit(
            pool,
            ProjectingPublisher(pool),
            REGION,
            dossier_id,
            2,  # type: ignore[arg-type]
            command(NeemInBehandeling(melding_id, date(2026, 3, 24))),
            behandelaar="x",
            correlation_id=uuid7(),
        )
    assert (conflict.value.verwacht, conflict.value.huidig) == (2, 1)
    with pytest.raises(handling.DossierOnbekend):
        await handling.voer_uit(
            pool,
            ProjectingPublisher(pool),
            REGION,
            uuid.uuid4(),
            1,  # type: ignore[arg-type]
            command(NeemInBehandeling(melding_id, date(2026, 3, 24))),
            behandelaar="x",
            correlation_id=uuid7(),
        )


async def test_an_unapplied_claim_counts_in_the_version(pool: asyncpg.Pool) -> None:
    """A claim recorded but not yet applied: the claimed version is version + 1, so the old expected
    version gets a 409 and the new one waits for the projection."""
    dossier_id, melding_id = await dossier_met_melding(pool)
    claimed = uuid.uuid4()
    await pool.execute("INSERT INTO dossier_pending (event_id, dossier_id) VALUES ($1, $2)", claimed, dossier_id)
    with pytest.raises(handling.VersieConflict) as conflict:
        await handling.voer_uit(
            pool,
            ProjectingPublisher(pool),
            REGION,
            dossier_id,
            1,  # type: ignore[arg-type]
            command(NeemInBehandeling(melding_id, date(2026, 3, 24))),
            behandelaar="x",
            correlation_id=uuid7(),
        )
    assert conflict.value.huidig == 2

    async def projection_catches_up() -> None:
        await asyncio.sleep(0.5)
        async with pool.acquire() as conn, conn.transaction():  # as the projection does: one commit
            await conn.execute("DELETE FROM dossier_pending WHERE event_id = $1", claimed)
            await conn.execute(
                "UPDATE dossier SET version = 2, stand = jsonb_set(stand, '{version}', '2') WHERE dossier_id = $1",
                dossier_id,
            )

    catch_up = asyncio.create_task(projection_catches_up())
    result = await handling.voer_uit(
        pool,
        ProjectingPublisher(pool),
        REGION,
        dossier_id,
        2,  # type: ignore[arg-type]
        command(NeemInBehandeling(melding_id, date(2026, 3, 24))),
        behandelaar="x",
        correlation_id=uuid7(),
    )
    await catch_up
    assert result.dossier is not None and result.dossier.version == 3


async def test_replayed_and_duplicate_reports_change_nothing(pool: asyncpg.Pool) -> None:
    """Idempotent SQL: the same report under another event id joins nothing and bumps no version."""
    m = melding()
    subject = secrets.token_hex(32)

    def env(ev: reg.MeldingGeregistreerd) -> Envelope:
        return to_envelope(
            ev,
            subject=subject,
            source="urn:nl:leerrecht:registratie",
            occurred_at=datetime(2026, 3, 23, 9, tzinfo=UTC),
            correlation_id=uuid7(),
            region=REGION,
        )

    await project(pool, [env(m)])
    await project(pool, [env(m), env(m)])
    row = await pool.fetchrow("SELECT version, fase FROM dossier WHERE dossier_id = $1", nieuw_dossier_id(m.melding_id))
    assert (row["version"], row["fase"]) == (1, "OPEN")
    assert await pool.fetchval("SELECT count(*) FROM dossier_event") == 1
