"""The command path: load the dossier, ``decide``, publish, claim — single writer per dossier.

See :mod:`leerplicht.projection` for the protocol between this path and the projection. In short:

1. Read version and pending claims without a lock: ``expected_version`` ≠ version + pending →
   :class:`VersieConflict` at once (HTTP 409). Otherwise wait until the projection has applied the
   pending claims, so the state we decide on is the state the claimed version describes.
2. ``SELECT … FOR UPDATE`` the dossier row; then, in a fresh statement (READ COMMITTED: it sees what
   a command that held the lock before us committed), read version and pending claims again and
   check as in 1 (a concurrent command that won the lock makes this one a 409).
3. ``decide`` on the snapshot; publish the events to the region topic and wait for acks=all; record
   the event ids as pending claims; commit. The officer's first step on a dossier nobody holds yet
   publishes ``DossierToegewezen`` first, in the same batch (not a claim: it moves no version); the
   projection records it, so the assignment is on the log and a replay keeps it.
4. Wait (bounded) until the projection applied the claims, so the answer carries the new state.

Two concurrent commands with the same expected version therefore give exactly one success: the second
one gets the lock after the first committed its claim and sees the claimed version moved on.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode
from contracts.envelope import Envelope
from contracts.events import leerplicht as lp
from contracts.events.base import Event
from contracts.topics import region_events_topic
from leerplicht import snapshot
from leerplicht.domain import Afwezigheid, Command, Dossier, LeerlingGegevens, decide
from leerrecht import verwerkingslog
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger

log = get_logger(__name__)

SOURCE = "urn:nl:leerrecht:leerplicht"
WACHTTIJD_S = 10.0
_NL = ZoneInfo("Europe/Amsterdam")
_MEDEWERKER = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class DossierOnbekend(LookupError):
    pass


class VersieConflict(Exception):
    def __init__(self, verwacht: int, huidig: int) -> None:
        super().__init__(f"verwacht versie {verwacht}, huidige versie {huidig}")
        self.verwacht = verwacht
        self.huidig = huidig


class PublicatieMislukt(Exception):
    """The broker did not acknowledge (acks=all) the events: nothing is claimed, the command may be
    retried with the same expected version (if the events did land, the retry gets a 409)."""


class NogInVerwerking(Exception):
    """Earlier claims were not applied within the waiting time (the projection is behind)."""


@dataclass(frozen=True)
class Uitkomst:
    dossier: Dossier | None
    """The state after the projection applied the events; ``None`` when it did not within the wait."""
    geclaimde_versie: int
    events: list[Event]


async def _stand(conn: asyncpg.Connection, dossier_id: UUID) -> tuple[int, int] | None:
    row = await conn.fetchrow(
        "SELECT d.version, "
        "(SELECT count(*) FROM dossier_pending p WHERE p.dossier_id = d.dossier_id) AS pending "
        "FROM dossier d WHERE d.dossier_id = $1",
        dossier_id,
    )
    return None if row is None else (int(row["version"]), int(row["pending"]))


async def wacht_op_projectie(pool: asyncpg.Pool, dossier_id: UUID, timeout: float = WACHTTIJD_S) -> int:
    """Wait until no claims are pending on the dossier; returns its version."""
    deadline = time.monotonic() + timeout
    while True:
        async with pool.acquire() as conn:
            stand = await _stand(conn, dossier_id)
        if stand is None:
            raise DossierOnbekend(str(dossier_id))
        version, pending = stand
        if pending == 0:
            return version
        if time.monotonic() > deadline:
            raise NogInVerwerking(str(dossier_id))
        await asyncio.sleep(0.05)


async def leerling_gegevens(conn: asyncpg.Connection, dossier: Dossier) -> LeerlingGegevens:
    """What the Halt advice needs (A5): birth month, absences, earlier Halt referrals elsewhere."""
    gjm = await conn.fetchval("SELECT geboortejaar_maand FROM leerling WHERE pseudoniem = $1", dossier.pseudoniem)
    rows = await conn.fetch(
        "SELECT datum, uren, code FROM afwezigheid WHERE pseudoniem = $1 ORDER BY datum", dossier.pseudoniem
    )
    eerdere = await conn.fetchval(
        "SELECT count(DISTINCT e.envelope->'data'->>'interventie_id') FROM dossier_event e "
        "JOIN dossier d ON d.dossier_id = e.dossier_id "
        "WHERE d.pseudoniem = $1 AND d.dossier_id <> $2 AND e.type = $3 "
        "AND e.envelope->'data'->>'soort' = 'HALT_VERWIJZING'",
        dossier.pseudoniem,
        dossier.dossier_id,
        "nl.leerrecht.leerplicht.interventie_uitgevoerd",
    )
    return LeerlingGegevens(
        geboortejaar_maand=gjm,
        afwezigheden=tuple(Afwezigheid(r["datum"], r["uren"], AfwezigheidCode(r["code"])) for r in rows),
        eerdere_halt_verwijzingen=int(eerdere or 0),
    )


BuildCommand = Callable[[asyncpg.Connection, Dossier], Awaitable[Command]]


async def voer_uit(
    pool: asyncpg.Pool,
    publisher: EventPublisher,
    region: str,
    dossier_id: UUID,
    expected_version: int,
    build: BuildCommand,
    *,
    behandelaar: str,
    correlation_id: UUID,
) -> Uitkomst:
    """Run one command on one dossier (module doc). Raises ``DomeinFout`` (422), ``VersieConflict``
    (409), ``DossierOnbekend`` (404), ``NogInVerwerking`` or ``PublicatieMislukt`` (503)."""
    deadline = time.monotonic() + WACHTTIJD_S
    while True:
        async with pool.acquire() as conn:
            stand = await _stand(conn, dossier_id)
        if stand is None:
            raise DossierOnbekend(str(dossier_id))
        if expected_version != sum(stand):
            raise VersieConflict(expected_version, sum(stand))  # stale: answer at once, no waiting
        if stand[1]:  # the claimed version is right, but its events are not applied yet: wait
            if time.monotonic() > deadline:
                raise NogInVerwerking(str(dossier_id))
            await asyncio.sleep(0.05)
            continue
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT 1 FROM dossier WHERE dossier_id = $1 FOR UPDATE", dossier_id)
            row = await conn.fetchrow(  # a fresh statement after the lock: sees the previous holder's claim
                "SELECT d.version, d.stand, "
                "(SELECT count(*) FROM dossier_pending p WHERE p.dossier_id = d.dossier_id) AS pending "
                "FROM dossier d WHERE d.dossier_id = $1",
                dossier_id,
            )
            if row is None:
                raise DossierOnbekend(str(dossier_id))
            version, pending = int(row["version"]), int(row["pending"])
            if expected_version != version + pending:
                raise VersieConflict(expected_version, version + pending)
            if pending:
                continue  # a claim slipped in between (the same client, fast): wait for it, then decide
            state = snapshot.from_json(json.loads(row["stand"]))
            command = await build(conn, state)
            events = decide(command, state)  # DomeinFout propagates: nothing published, nothing claimed
            await verwerkingslog.in_transactie(conn, state.pseudoniem)  # with the claim, before publishing
            now = datetime.now(UTC)
            envelopes = [
                to_envelope(
                    ev,
                    subject=state.pseudoniem,
                    source=SOURCE,
                    occurred_at=now,
                    correlation_id=correlation_id,
                    region=region,
                )
                for ev in events
            ]
            topic = region_events_topic(region)
            toewijzing = await _toewijzing(conn, state, behandelaar, now, correlation_id, region)
            try:
                await publisher.publish([OutgoingEvent(topic, env) for env in [*toewijzing, *envelopes]])
            except Exception as exc:  # any failure to get acks: roll back, claim nothing
                log.warning("dossier_publish_failed", dossier_id=str(dossier_id), error=type(exc).__name__)
                raise PublicatieMislukt(str(dossier_id)) from exc
            await conn.executemany(
                "INSERT INTO dossier_pending (event_id, dossier_id) VALUES ($1, $2)",
                [(env.id, dossier_id) for env in envelopes],
            )
        log.info("dossier_command", dossier_id=str(dossier_id), events=[e.event_type for e in events])
        geclaimd = version + len(events)
        try:
            await wacht_op_projectie(pool, dossier_id)
        except NogInVerwerking:
            return Uitkomst(None, geclaimd, events)
        async with pool.acquire() as conn:
            raw = await conn.fetchval("SELECT stand FROM dossier WHERE dossier_id = $1", dossier_id)
        return Uitkomst(snapshot.from_json(json.loads(raw)), geclaimd, events)


async def _toewijzing(
    conn: asyncpg.Connection,
    state: Dossier,
    behandelaar: str,
    now: datetime,
    correlation_id: UUID,
    region: str,
) -> list[Envelope]:
    """``DossierToegewezen`` for the officer's first step on a dossier nobody holds yet (A5), else none.
    An account id that is not a plain id (the contract forbids anything name-like) is not put on the log."""
    if await conn.fetchval("SELECT 1 FROM dossier_behandelaar WHERE dossier_id = $1", state.dossier_id):
        return []
    if not _MEDEWERKER.fullmatch(behandelaar):
        log.warning("behandelaar_niet_op_log", dossier_id=str(state.dossier_id))
        return []
    event = lp.DossierToegewezen(
        dossier_id=state.dossier_id, behandelaar=behandelaar, datum=now.astimezone(_NL).date()
    )
    return [
        to_envelope(
            event, subject=state.pseudoniem, source=SOURCE, occurred_at=now, correlation_id=correlation_id,
            region=region,
        )
    ]

