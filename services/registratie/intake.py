"""The intake's application service: idempotent, answers only after the broker acknowledged.

Flow for one submission (a school's or DUO's request with its ``Idempotency-Key``):

1. Lock the pupils it concerns (a session advisory lock per pseudonym, in sorted order, held until
   the events are published), so the evaluations and the publications of one pupil happen one at a
   time and in the same order on the log as in the database.
2. In one transaction: look the key up. Seen with other content → refused. Seen and published → the
   stored answer again, nothing new on the log. Seen but not published (a crash or a broker outage
   last time) → publish the *stored* envelopes again: same event ids, which every projection drops
   when it applied them already.
3. New: decide (pure), apply the events to registratie's own state, evaluate the legal rules for every
   pupil concerned (``registratie.regels``: the decided events join the submission's own), store all
   envelopes and the answer with status ``open``, commit. This is a transactional outbox: what is
   committed is published, by this request or, if it fails, by a retry or the sweeper.
4. Publish and wait for ``acks=all``; mark the row published. A failure answers 503 with Retry-After.

So the client sees 2xx only for events that are durable in Kafka, and a retry never creates a
second event.

Identity records (names, address) travel beside the envelopes (``RawRecord``). They are stored only
while they wait for the broker (``identiteit_wachtend``, in the transaction that stores the envelopes)
and deleted in the statement that marks the submission published, so a replay and the sweeper publish
the identity too, and no name stays here once it is out; "vergeet leerling" deletes a waiting one.

Every pupil event gets a sequence number per (pupil, topic) at decision time, under the pupil's lock
(``volgnummers_toekennen``, envelope ``subjectsequence``); a re-publish sends the stored envelopes, so
their numbers do not change. The sweeper takes the same per-pupil locks, in the same order, as a live
submission: it never publishes a pupil's older events in the middle of a newer submission.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg
import orjson

from contracts.catalogue import from_envelope, to_envelope
from contracts.envelope import Envelope, uuid7
from contracts.events.base import Event
from contracts.topics import REGISTER_TOPIC, SCHOOL_EVENTS_TOPIC, region_events_topic
from leerrecht import verwerkingslog
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger
from leerrecht.projection import TRANSIENT
from registratie.domain.intake import Besluit
from registratie.domain.protocols import Protocol
from registratie.klok import Klok
from registratie.regels import SOURCE, beoordeel_alle
from registratie.scholen import REGISTER_TYPES
from registratie.scholen import bewaar as register_bewaren
from registratie.schoolkalender import Kalenderbron

if TYPE_CHECKING:
    from registratie.groepscommit import Groepscommit

log = get_logger(__name__)


class SleutelHergebruikt(ValueError):
    """The same idempotency key was used for a different submission."""


class NietBeschikbaar(RuntimeError):
    """The database did not answer in time; nothing was confirmed to the client."""


class PublicatieMislukt(RuntimeError):
    """The broker did not acknowledge; nothing was confirmed to the client."""


@dataclass(frozen=True)
class Resultaat:
    status: int
    antwoord: dict[str, Any]
    herhaald: bool = False


@dataclass(frozen=True)
class RawRecord:
    """A record that is not an event envelope (an identity record or its tombstone)."""

    topic: str
    key: bytes
    value: bytes | None


@dataclass
class Uitkomst:
    """What a submission decided: events per pupil, the answer, and state that has no event."""

    besluiten: list[Besluit]
    antwoord: dict[str, Any]
    occurred_at: datetime
    beoordelen: set[str] = field(default_factory=set)
    """Pupils to evaluate besides those in ``besluiten`` (the daily run)."""
    extra_state: Callable[[asyncpg.Connection], Awaitable[None]] | None = None
    school_events: list[Any] = field(default_factory=list)
    """School facts (LesurenGepland), subject = BRIN6, on the school topic."""


Decide = Callable[[asyncpg.Connection], Awaitable[Uitkomst]]

SamenBeslissen = Callable[[asyncpg.Connection, Sequence[Any]], Awaitable[list["Uitkomst | Exception"]]]
"""Decides several submissions of one kind together (one query per kind for all of them, in arrival
order, each against the state the earlier ones left): an :class:`Uitkomst` per submission, or the
exception that refuses it alone (``Afgewezen``, a contract's ``ValidationError``)."""


@dataclass(frozen=True)
class Samen:
    """How a submission can be decided together with others of its kind in a group
    (:mod:`registratie.groepscommit`): the shared decider and this submission's own input."""

    beslis: SamenBeslissen
    gegeven: Any


@dataclass(frozen=True)
class Inzending:
    """One submission as the intake handles it: who, under which key, what it decides, for which pupils."""

    client: str
    sleutel: str
    digest: str
    decide: Decide
    pupils: list[str]
    raw: Callable[[], list[RawRecord]] | None
    bewaar_leeg: bool
    vandaag: date
    samen: Samen | None = None
    """Set when a group may decide this submission together with others (:meth:`IntakeService.behandel_samen`)."""
    verwerking: Any = None
    """The request's processing record (``leerrecht.verwerkingslog.Verwerking``), written in the group's
    transaction (:mod:`registratie.groepscommit`)."""


@dataclass(frozen=True)
class Stap:
    """What one submission's transaction left to do: its answer, and what to publish before giving it."""

    resultaat: Resultaat
    envelopes: list[Envelope] = field(default_factory=list)
    records: list[RawRecord] = field(default_factory=list)
    publiceren: bool = False


def envelopes_for(besluiten: Sequence[Besluit], correlation_id: UUID, occurred_at: datetime,
                  events: dict[UUID, Event] | None = None) -> list[Envelope]:
    """The decisions' envelopes in order; ``events`` (when given) gets each event object by its envelope's
    id, so the state can be applied from the objects instead of decoding the envelopes again."""
    out: list[Envelope] = []
    for b in besluiten:
        for ev in b.events:
            env = to_envelope(ev, subject=b.pseudoniem, source=SOURCE, occurred_at=b.tijd or occurred_at,
                              correlation_id=correlation_id, region=b.regio)
            out.append(env)
            if events is not None:
                events[env.id] = ev
            # a move: the same event (same id) on the other region's topic too (contracts: Verhuisd)
            out.extend(env.model_copy(update={"region": r}) for r in b.ook_naar)
    return out


def topic_of(env: Envelope) -> str:
    if env.region:
        return region_events_topic(env.region)
    return REGISTER_TOPIC if env.type in REGISTER_TYPES else SCHOOL_EVENTS_TOPIC


async def vergrendel(conn: asyncpg.Connection, leerlingen: Iterable[str]) -> None:
    """Take the pupils' session advisory locks, one statement for all: unnest yields the (sorted)
    array in order and the locks are taken row by row in that order, so two holders can never wait
    on each other crosswise. Used by a live submission, the sweeper and "vergeet leerling" alike."""
    sleutels = ["leerling/" + p for p in sorted(set(leerlingen))]
    if sleutels:
        await conn.execute(
            "SELECT count(pg_advisory_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k", sleutels)


@contextlib.asynccontextmanager
async def vergrendeld(conn: asyncpg.Connection, leerlingen: Iterable[str]) -> AsyncIterator[None]:
    """:func:`vergrendel`, released on the way out (also after a failure)."""
    await vergrendel(conn, leerlingen)
    try:
        yield
    finally:
        if not conn.is_closed():
            with contextlib.suppress(*TRANSIENT):
                await conn.execute("SELECT pg_advisory_unlock_all()")


async def volgnummers_toekennen(conn: asyncpg.Connection, envelopes: Sequence[Envelope],
                                leerlingen: Iterable[str]) -> list[Envelope]:
    """Number the events of the locked pupils per (pupil, topic), in publication order: one statement
    raises every counter and returns its new value. A move puts one event on two regions' topics, and
    each copy gets the next number of its own topic, so every topic's stream of a pupil is gapless.

    Only pupils whose lock is held are numbered: without the lock two submissions could take numbers
    in one order and reach the log in the other. School facts (subject = BRIN6) stay unnumbered."""
    gesloten = set(leerlingen)
    aantallen = Counter((e.subject, topic_of(e)) for e in envelopes if e.subject in gesloten)
    los = sum(1 for e in envelopes if e.region and e.subject not in gesloten)
    if los:
        log.warning("volgnummer_zonder_slot", events=los)
    if not aantallen:
        return list(envelopes)
    keys = sorted(aantallen)  # sorted: counter rows are locked in one order
    rows = await conn.fetch(
        "INSERT INTO volgnummer AS v (subject, topic, laatste) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) "
        "ON CONFLICT (subject, topic) DO UPDATE SET laatste = v.laatste + excluded.laatste "
        "RETURNING subject, topic, laatste",
        [k[0] for k in keys], [k[1] for k in keys], [aantallen[k] for k in keys],
    )
    laatste = {(r["subject"], r["topic"]): r["laatste"] - aantallen[(r["subject"], r["topic"])] for r in rows}
    out: list[Envelope] = []
    for e in envelopes:
        k = (e.subject, topic_of(e))
        if k in laatste:
            laatste[k] += 1
            e = e.model_copy(update={"subject_sequence": laatste[k]})
        out.append(e)
    return out


def _record(r: asyncpg.Record) -> RawRecord:
    value = r["record_value"]
    return RawRecord(r["topic"], bytes(r["record_key"]), None if value is None else bytes(value))


async def wachtende_records(conn: asyncpg.Connection, client: str, sleutel: str) -> list[RawRecord]:
    """The identity records of a submission that still wait for the broker, in their order."""
    return [_record(r) for r in await conn.fetch(
        "SELECT topic, record_key, record_value FROM identiteit_wachtend WHERE client = $1 AND sleutel = $2 "
        "ORDER BY volgnr", client, sleutel)]


class IntakeService:
    def __init__(self, pool: asyncpg.Pool, publisher: EventPublisher, klok: Klok, hash_key: bytes,
                 protocols: Sequence[Protocol] = (), timeout_s: float = 10.0,
                 kalender: Kalenderbron | None = None) -> None:
        self.pool = pool
        self.kalender = kalender or Kalenderbron()  # the school calendar the rules run on (A3.12)
        self.publisher = publisher
        self.klok = klok
        self._hash_key = hash_key
        self.protocols = tuple(protocols)
        self.timeout_s = timeout_s
        self._groepen: Groepscommit | None = None

    def inhoud_hash(self, payload: Any) -> str:
        """Keyed hash of the submission: the body holds a PGN and a birth date, so a plain hash could
        be reversed by trying every BSN; with the pseudonym key it cannot. Canonical JSON via the
        standard library: free-form rows (a batch) may hold any JSON value, e.g. integers beyond 64 bits."""
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
        return hmac.new(self._hash_key, canonical, hashlib.sha256).hexdigest()

    async def submit(
        self,
        client: str,
        sleutel: str,
        payload: Any,
        decide: Decide,
        leerlingen: Iterable[str] = (),
        raw: Callable[[], list[RawRecord]] | None = None,
        bewaar_leeg: bool = True,
        vandaag: date | None = None,
    ) -> Resultaat:
        digest = self.inhoud_hash(payload)
        vandaag = vandaag or self.klok.vandaag()
        # A paused or lost database must not hold a school's request for a minute: answer 503 within
        # the timeout (F13). What was stored but not confirmed is published later by the sweeper.
        try:
            conn = await asyncio.wait_for(self.pool.acquire(), timeout=self.timeout_s)
        except TimeoutError:
            raise NietBeschikbaar("database") from None
        timed_out = False
        ontgrendeld: list[bool] = []  # set when the success path released the locks itself
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._submit(conn, client, sleutel, digest, decide, leerlingen, raw, bewaar_leeg,
                                          vandaag, ontgrendeld)
        except TimeoutError:
            timed_out = True
            conn.terminate()  # the server then drops the session's advisory locks with it
            raise NietBeschikbaar("timeout") from None
        finally:
            if not timed_out and not ontgrendeld and not conn.is_closed():
                with contextlib.suppress(*TRANSIENT):
                    await conn.execute("SELECT pg_advisory_unlock_all()")
            await self.pool.release(conn)

    async def submit_gegroepeerd(self, client: str, sleutel: str, payload: Any, decide: Decide,
                                 leerlingen: Iterable[str] = (),
                                 raw: Callable[[], list[RawRecord]] | None = None,
                                 samen: Samen | None = None) -> Resultaat:
        """:meth:`submit`, combined with the submissions that arrive at the same time into one transaction
        and one produce (:mod:`registratie.groepscommit`); the same answers, guarantees and errors.
        With ``samen`` the group decides it together with the others of its kind (``decide`` remains
        the way to decide it alone, should deciding together fail)."""
        if self._groepen is None:
            from registratie.groepscommit import Groepscommit

            self._groepen = Groepscommit(self)
        return await self._groepen.indienen(Inzending(
            client, sleutel, self.inhoud_hash(payload), decide, sorted(set(leerlingen)), raw, True,
            self.klok.vandaag(), samen, verwerkingslog.huidige()))

    async def _submit(
        self, conn: asyncpg.Connection, client: str, sleutel: str, digest: str, decide: Decide,
        leerlingen: Iterable[str], raw: Callable[[], list[RawRecord]] | None, bewaar_leeg: bool, vandaag: date,
        ontgrendeld: list[bool],
    ) -> Resultaat:
        inz = Inzending(client, sleutel, digest, decide, sorted(set(leerlingen)), raw, bewaar_leeg, vandaag)
        await vergrendel(conn, inz.pupils)
        await self._eerst_openstaande(conn, inz.pupils, [(client, sleutel)])
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", client + "/" + sleutel)
            row = await conn.fetchrow(
                "SELECT inhoud_hash, status, envelopes, antwoord, leerlingen FROM intake_verzoek "
                # FOR UPDATE: an earlier attempt of this key may have released the pupils' locks in the
                # statement that marks it published, before that mark committed; the row lock waits for
                # the commit and reads it published, so the stored envelopes are not published again
                "WHERE client = $1 AND sleutel = $2 FOR UPDATE", client, sleutel,
            )
            stap = await self.behandel(conn, inz, row)
        if not stap.publiceren:
            return stap.resultaat
        await self.publish(stap.envelopes, stap.records)
        await self._gepubliceerd(conn, client, sleutel)
        ontgrendeld.append(True)
        return stap.resultaat

    async def behandel(self, conn: asyncpg.Connection, inz: Inzending, row: asyncpg.Record | None) -> Stap:
        """One submission inside the transaction that holds its key's lock, ``row`` its stored row if any:
        the stored answer again, the stored envelopes to publish again, or a new decision stored ``open``.
        Shared by a lone submission and a group (:mod:`registratie.groepscommit`), so both behave alike."""
        if row is not None:
            if row["inhoud_hash"] != inz.digest:
                raise SleutelHergebruikt(inz.sleutel)
            antwoord = json.loads(row["antwoord"])
            if row["status"] == "gepubliceerd":
                return Stap(Resultaat(200, antwoord, herhaald=True))
            envelopes = [Envelope.model_validate(e) for e in json.loads(row["envelopes"])]
            if row["leerlingen"] is not None:
                records = await wachtende_records(conn, inz.client, inz.sleutel)
            else:  # stored before the pending store existed: rebuilt from the request
                records = inz.raw() if inz.raw is not None else []
            return Stap(Resultaat(201, antwoord, herhaald=True), envelopes, records, publiceren=True)
        envelopes, antwoord = await self._decide_and_evaluate(conn, inz.decide, inz.vandaag, inz.pupils)
        records = inz.raw() if inz.raw is not None else []
        if not envelopes and not records and not inz.bewaar_leeg:
            return Stap(Resultaat(200, antwoord))
        await self._bewaar(conn, inz.client, inz.sleutel, inz.digest, inz.pupils, envelopes, antwoord, records)
        return Stap(Resultaat(201, antwoord), envelopes, records, publiceren=True)

    async def behandel_samen(self, conn: asyncpg.Connection,
                             inzendingen: Sequence[Inzending]) -> list[Stap | Exception]:
        """New submissions of one kind (the same :class:`Samen` decider, no stored row, no identity
        records, one ``vandaag``), decided together inside the group's transaction, as ``/batch`` decides
        its rows: one decision call for all, the state applied in one go, the rules evaluated once per
        pupil after all of the pupil's submissions, the numbers and the stored rows in one statement each.

        The rules' events of a pupil join the pupil's last submission of the group (its stored envelopes,
        its correlation id), so they follow the absences that led to them on the log. A submission the
        decider refuses gets its exception; any other failure raises, and the group decides them one by
        one instead (:mod:`registratie.groepscommit`)."""
        from registratie.state import apply_to_state

        eerste = inzendingen[0]
        assert eerste.samen is not None
        vandaag = eerste.vandaag
        uitkomsten = await eerste.samen.beslis(conn, [i.samen.gegeven for i in inzendingen if i.samen is not None])
        per: dict[int, list[Envelope]] = {}
        correlaties: dict[int, UUID] = {}
        laatste: dict[str, int] = {}
        alle: list[Envelope] = []
        objecten: dict[UUID, Event] = {}
        for n, u in enumerate(uitkomsten):
            if isinstance(u, Exception):
                continue
            assert u.extra_state is None and not u.school_events and not u.beoordelen, "a plain decision"
            correlaties[n] = uuid7()
            per[n] = envelopes_for(u.besluiten, correlaties[n], u.occurred_at, objecten)
            alle += per[n]
            for b in u.besluiten:
                laatste[b.pseudoniem] = n
        await apply_to_state(conn, alle, vandaag, objecten)
        regels = await beoordeel_alle(conn, laatste, vandaag, correlation_id=uuid7(), nu=self.klok.nu(),
                                      protocols=self.protocols, kalender=self.kalender.kalender) if laatste else []
        for e in regels:
            n = laatste[e.subject]
            per[n].append(e.model_copy(update={"correlation_id": correlaties[n]}))
        volgorde = sorted(per)
        genummerd = iter(await volgnummers_toekennen(
            conn, [e for n in volgorde for e in per[n]], {p for i in inzendingen for p in i.pupils}))
        for n in volgorde:
            per[n] = [next(genummerd) for _ in per[n]]
        stappen = [u if isinstance(u, Exception) else Stap(Resultaat(201, u.antwoord), per[n], [], publiceren=True)
                   for n, u in enumerate(uitkomsten)]
        await self._bewaar_alle(conn, [(inzendingen[n], s) for n, s in enumerate(stappen) if isinstance(s, Stap)])
        return stappen

    @staticmethod
    async def _bewaar_alle(conn: asyncpg.Connection, rijen: Sequence[tuple[Inzending, Stap]]) -> None:
        """Store several submissions ``open`` in one statement (none has identity records waiting)."""
        if not rijen:
            return
        await conn.execute(
            "INSERT INTO intake_verzoek (client, sleutel, inhoud_hash, status, envelopes, antwoord, leerlingen) "
            "SELECT c, s, h, 'open', e, a, ARRAY(SELECT jsonb_array_elements_text(l)) "
            "FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::jsonb[]) "
            "AS r(c, s, h, e, a, l)",
            [i.client for i, _ in rijen], [i.sleutel for i, _ in rijen], [i.digest for i, _ in rijen],
            [orjson.dumps([e.model_dump(mode="json", by_alias=True) for e in s.envelopes]).decode() for _, s in rijen],
            [orjson.dumps(s.resultaat.antwoord).decode() for _, s in rijen],
            [orjson.dumps(i.pupils).decode() for i, _ in rijen],
        )

    @staticmethod
    async def _bewaar(conn: asyncpg.Connection, client: str, sleutel: str, digest: str, pupils: list[str],
                      envelopes: Sequence[Envelope], antwoord: dict[str, Any], records: Sequence[RawRecord]) -> None:
        """Store the submission ``open`` with its identity records waiting beside it, in one statement."""
        await conn.execute(
            "WITH v AS (INSERT INTO intake_verzoek (client, sleutel, inhoud_hash, status, envelopes, antwoord, "
            "leerlingen) VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING client, sleutel) "
            "INSERT INTO identiteit_wachtend (client, sleutel, volgnr, topic, record_key, record_value) "
            "SELECT v.client, v.sleutel, r.n, r.topic, r.k, r.w FROM v, "
            "unnest($7::text[], $8::bytea[], $9::bytea[]) WITH ORDINALITY AS r(topic, k, w, n)",
            client, sleutel, digest,
            orjson.dumps([e.model_dump(mode="json", by_alias=True) for e in envelopes]).decode(),
            orjson.dumps(antwoord).decode(), pupils,
            [r.topic for r in records], [r.key for r in records], [r.value for r in records],
        )

    @staticmethod
    async def _gepubliceerd(conn: asyncpg.Connection, client: str, sleutel: str) -> None:
        await IntakeService._alle_gepubliceerd(conn, [(client, sleutel)])

    @staticmethod
    async def _alle_gepubliceerd(conn: asyncpg.Connection, sleutels: Sequence[tuple[str, str]]) -> None:
        """Mark the submissions published, erase their waiting identity records and release the pupils'
        locks, in one round trip (one submission, or a whole group of :mod:`registratie.groepscommit`).

        This commit need not wait for the disk (``synchronous_commit`` off for this statement only):
        the events are durable in Kafka already, and a mark lost in a database crash leaves the row
        ``open``, so the sweeper publishes the same envelopes (same event ids) once more, which every
        consumer drops. The submission itself (state and envelopes) was committed synchronously
        before anything was published. (A lost erasure of the identity records likewise only publishes
        the same identity once more; "vergeet leerling" commits synchronously, flushing this one too.)"""
        await conn.execute(
            "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(client, sleutel)), "
            "u AS (UPDATE intake_verzoek v SET status = 'gepubliceerd', gepubliceerd_op = now() FROM k "
            "WHERE v.client = k.client AND v.sleutel = k.sleutel RETURNING 1), "
            "w AS (DELETE FROM identiteit_wachtend i USING k WHERE i.client = k.client AND i.sleutel = k.sleutel "
            "RETURNING 1), "
            # The locks go only after the rows are updated (and row-locked until the commit), so a pupil's
            # next submission, or a retry of such a key, that reads the row FOR UPDATE waits for the commit
            # and sees it published. PostgreSQL runs a data-modifying CTE only when its result is first
            # read, and evaluates the target list left to right: a bare ``pg_advisory_unlock_all()``
            # before ``n.u`` released the locks *before* the UPDATE ran, and the next submission
            # published these again (issue 16: the doubled events). The CASE reads the counts first.
            "n AS (SELECT (SELECT count(*) FROM u) AS u, (SELECT count(*) FROM w) AS w) "
            "SELECT set_config('synchronous_commit', 'off', true), "
            "CASE WHEN n.u + n.w >= 0 THEN pg_advisory_unlock_all() END, n.u, n.w FROM n",
            [k[0] for k in sleutels], [k[1] for k in sleutels],
        )

    async def _decide_and_evaluate(
        self, conn: asyncpg.Connection, decide: Decide, vandaag: date, gesloten: Sequence[str]
    ) -> tuple[list[Envelope], dict[str, Any]]:
        from registratie.state import apply_to_state

        uitkomst = await decide(conn)
        correlation = uuid7()
        objecten: dict[UUID, Event] = {}
        envelopes = envelopes_for(uitkomst.besluiten, correlation, uitkomst.occurred_at, objecten)
        for ev in uitkomst.school_events:
            envelopes.append(to_envelope(ev, subject=ev.school.code, source=SOURCE,
                                         occurred_at=uitkomst.occurred_at, correlation_id=correlation))
        await apply_to_state(conn, envelopes, vandaag, objecten)
        # DUO's register facts: in the register at once (the projection of the topic adds nothing new)
        await register_bewaren(conn, [(e.id, from_envelope(e)) for e in envelopes if e.type in REGISTER_TYPES])
        if uitkomst.extra_state is not None:
            await uitkomst.extra_state(conn)
        pupils = {b.pseudoniem for b in uitkomst.besluiten} | uitkomst.beoordelen
        envelopes += await beoordeel_alle(conn, pupils, vandaag, correlation_id=correlation, nu=self.klok.nu(),
                                          protocols=self.protocols, kalender=self.kalender.kalender)
        return await volgnummers_toekennen(conn, envelopes, gesloten), uitkomst.antwoord

    async def publish(self, envelopes: Sequence[Envelope], raw: Sequence[RawRecord] = ()) -> None:
        try:
            for r in raw:
                # a tombstone has no value; leerrecht.kafka.publish_raw is annotated `bytes` but passes it on
                await self.publisher.publish_raw(r.topic, r.value, r.key)
            await self.publisher.publish([OutgoingEvent(topic_of(e), e) for e in envelopes])
        except Exception as exc:  # any failure means: not acknowledged
            log.error("publish_failed", error=type(exc).__name__, events=len(envelopes))
            raise PublicatieMislukt(str(type(exc).__name__)) from exc

    async def republish_open(self, older_than_s: float = 30.0) -> int:
        """Publish submissions left open by a crash or outage, so nothing accepted is stranded (the
        state was applied when they were stored: a transactional outbox). Complete, identity records
        included, and under the pupils' locks like a live submission; returns how many it published."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                # submissions stored before ``leerlingen`` existed: the pupils of their envelopes
                "SELECT client, sleutel, coalesce(leerlingen, ARRAY(SELECT DISTINCT e ->> 'subject' "
                "FROM jsonb_array_elements(envelopes) e WHERE e ->> 'region' IS NOT NULL)) AS leerlingen "
                "FROM intake_verzoek WHERE status = 'open' "
                "AND aangemaakt_op < now() - make_interval(secs => $1) ORDER BY aangemaakt_op LIMIT 500",
                older_than_s,
            )
            gepubliceerd = 0
            for row in rows:
                gepubliceerd += await self._herpubliceer(conn, row["client"], row["sleutel"], row["leerlingen"])
        return gepubliceerd

    async def _eerst_openstaande(self, conn: asyncpg.Connection, pupils: Sequence[str],
                                 eigen: Sequence[tuple[str, str]]) -> None:
        """Publish the pupils' older submissions still ``open`` (an earlier attempt got a 503) before
        deciding a new one, under the locks already held: so a pupil's events reach the log in the
        order they were decided, also when the older one is retried or swept later. A failure here
        fails this submission too (503): a newer fact never overtakes an older one."""
        if not pupils:
            return
        rows = await conn.fetch(
            "SELECT client, sleutel, envelopes FROM intake_verzoek WHERE status = 'open' "
            "AND leerlingen && $1::text[] AND (client, sleutel) NOT IN "
            "(SELECT * FROM unnest($2::text[], $3::text[])) ORDER BY aangemaakt_op "
            # FOR UPDATE: the submission that held these locks before us releases them in the statement
            # that marks it published, so its mark may not be committed yet; the row lock waits for that
            # commit and re-checks ``status``, and it is not published a second time
            "FOR UPDATE",
            list(pupils), [k[0] for k in eigen], [k[1] for k in eigen])
        for row in rows:
            envelopes = [Envelope.model_validate(e) for e in json.loads(row["envelopes"])]
            await self.publish(envelopes, await wachtende_records(conn, row["client"], row["sleutel"]))
            await conn.execute(
                "WITH u AS (UPDATE intake_verzoek SET status = 'gepubliceerd', gepubliceerd_op = now() "
                "WHERE client = $1 AND sleutel = $2 RETURNING 1) "
                "DELETE FROM identiteit_wachtend WHERE client = $1 AND sleutel = $2", row["client"], row["sleutel"])
            log.info("openstaande_inzending_eerst_gepubliceerd", events=len(envelopes))

    async def _herpubliceer(self, conn: asyncpg.Connection, client: str, sleutel: str,
                            leerlingen: Sequence[str]) -> bool:
        """One open submission, under its pupils' locks. Read again once the locks are held: a live
        replay of the same key may have published it while the sweeper waited."""
        async with vergrendeld(conn, leerlingen):
            envelopes_json = await conn.fetchval(
                "SELECT envelopes FROM intake_verzoek WHERE client = $1 AND sleutel = $2 AND status = 'open' "
                "FOR UPDATE",  # waits for a live attempt's uncommitted mark (see _eerst_openstaande)
                client, sleutel)
            if envelopes_json is None:
                return False
            envelopes = [Envelope.model_validate(e) for e in json.loads(envelopes_json)]
            await self.publish(envelopes, await wachtende_records(conn, client, sleutel))
            await self._gepubliceerd(conn, client, sleutel)
        return True

    async def dagtaak(self, vandaag: date | None = None) -> int:
        """The daily run (A3 time-dependent rules): re-evaluate every pupil whose decisions may have
        changed by the passing of time and publish what is new, e.g. ``MeldtermijnVerstreken`` when a
        report is overdue, a held-back duty whose ``ONBEKEND`` window passed, absoluut verzuim.

        One submission per pupil and day (client ``platform``, key ``dagtaak/<date>/<pseudonym>``), so
        running it again the same day, or crashing halfway, publishes nothing twice. Returns the number
        of pupils with new events. The pupils the calendar's end kept from evaluation are among them
        (A3.12), and a calendar about to end, or ended, is said loudly at every run."""
        dag = vandaag or self.klok.vandaag()
        async with self.pool.acquire() as conn:
            await self.kalender.laad(conn)  # another replica may have loaded a school year
            pupils = [r["pseudoniem"] for r in await conn.fetch(
                """
                SELECT l.pseudoniem FROM leerling l
                WHERE l.geboortedatum IS NOT NULL AND (
                    EXISTS (SELECT 1 FROM afwezigheid a WHERE a.pseudoniem = l.pseudoniem AND a.datum >= $1::date - 120)
                 OR EXISTS (SELECT 1 FROM beslissing b WHERE b.pseudoniem = l.pseudoniem AND b.actueel)
                 OR EXISTS (SELECT 1 FROM kalender_wachtend w WHERE w.pseudoniem = l.pseudoniem)
                 OR NOT EXISTS (SELECT 1 FROM inschrijving i WHERE i.pseudoniem = l.pseudoniem
                                 AND (i.einddatum IS NULL OR i.einddatum >= $1::date)))
                ORDER BY l.pseudoniem
                """,
                dag,
            )]
        gewijzigd = await self._beoordeel_elk(pupils, dag, "dagtaak")
        await self.kalender_melden(dag)
        return gewijzigd

    async def _beoordeel_elk(self, pupils: Sequence[str], dag: date, soort: str) -> int:
        gewijzigd = 0
        for p in pupils:
            async def decide(_conn: asyncpg.Connection, p: str = p) -> Uitkomst:
                return Uitkomst([], {soort: dag.isoformat()}, self.klok.nu(), beoordelen={p})

            res = await self.submit("platform", f"{soort}/{dag.isoformat()}/{p}", {"dag": dag.isoformat(), "p": p},
                                    decide, leerlingen=[p], bewaar_leeg=False, vandaag=dag)
            gewijzigd += res.status == 201
        return gewijzigd

    async def kalender_melden(self, dag: date) -> None:
        """The loud log line of A3.12 (error level, no personal data): from 12 months before the
        calendar's end, with the number of pupils waiting for a longer calendar."""
        stand = self.kalender.stand(dag)
        if stand.reden is None:
            return
        async with self.pool.acquire() as conn:
            wachtend = await conn.fetchval("SELECT count(*) FROM kalender_wachtend")
        log.error(stand.reden, kalender_einde=stand.einde.isoformat(), resterende_dagen=stand.resterende_dagen,
                  leerlingen_niet_beoordeeld=wachtend, melding=stand.melding)

    async def herbeoordeel_wachtend(self, vandaag: date | None = None) -> int:
        """After beheer loaded a school year: evaluate the pupils the calendar's end kept waiting
        (``kalender_wachtend``), each in its own idempotent submission (key ``kalender-v<version>/…``).
        Returns the number of pupils with new events; those still beyond the calendar stay waiting."""
        dag = vandaag or self.klok.vandaag()
        async with self.pool.acquire() as conn:
            pupils = [r["pseudoniem"] for r in await conn.fetch(
                "SELECT pseudoniem FROM kalender_wachtend ORDER BY pseudoniem")]
        n = await self._beoordeel_elk(pupils, dag, f"kalender-v{self.kalender.versie}")
        log.info("kalender_herbeoordeling_klaar", leerlingen=len(pupils), leerlingen_met_nieuwe_events=n)
        return n

