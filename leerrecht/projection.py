"""The batch projection runner: Kafka in, PostgreSQL out, every event applied exactly once.

Why it is built this way (see ../shared/notes/kafka-and-projections.md):

* The projection's position in each partition lives in the ``checkpoint`` table and is written in
  the *same* PostgreSQL transaction as the rows the batch produced. A crash before that commit
  loses nothing (the batch is read again); a crash after it duplicates nothing (we seek past it).
  Kafka's own group offsets are only an optimisation and are committed after the database.
* On start and on every partition assignment we seek to the stored offsets: whatever Kafka's group
  offset says, PostgreSQL is the truth.
* Inside the transaction we lock the checkpoint row and drop records below the stored offset. A
  zombie consumer that lost its partition in a rebalance but still holds an old batch therefore
  applies nothing: the new owner already advanced the row (reliability matrix F4).
* Event ids already applied are remembered (``applied_event``), so an event that was produced twice
  at different offsets (a retry after an unknown outcome) still counts once.
* A projection that declares the types it handles (``handles``) gets only those: the others are read
  just far enough to be skipped (:mod:`leerrecht.overslaan`), never enter ``applied_event`` (they change
  nothing, so a redelivery changes nothing either) and are only numbered in ``volgorde``.
* A projection may also name readers of its most frequent types' records (``snel``): such a record is
  read by one expression over its text instead of the pydantic envelope, and decoded fully only when
  something asks for its envelope (:class:`SnelGelezen`); what a reader cannot tell is decoded as before.
* Batches, not messages: one transaction per partition batch is 10–100x faster than per-event work.
* A record that cannot be decoded, or that makes the projection fail even on its own, goes to the
  dead-letter topic ``<topic>.dlq`` with its origin in the headers; transient failures are retried
  with backoff first. Nothing loops forever and nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import FrozenInstanceError, dataclass
from operator import attrgetter
from typing import Any, ClassVar, Protocol, TypeVar

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from pydantic import ValidationError

from contracts.catalogue import ContractError
from contracts.envelope import Envelope
from leerrecht import kafka_security, otel, trace
from leerrecht.db import IDLE_IN_TRANSACTION_MS, beeindig_stille_blokkeerders
from leerrecht.kafka import EventPublisher
from leerrecht.logging import get_logger
from leerrecht.metrics import (
    APPLY_SECONDS,
    BATCH_SIZE,
    CONSUMER_LAG,
    DB_SESSIES_BEEINDIGD,
    DEAD_LETTERS,
    QUARANTINED,
)
from leerrecht.overslaan import TYPE_SLEUTEL, VORMEN, Kop, Overgeslagen, SnelleLezer, overslaan
from leerrecht.trace import TraceContext
from leerrecht.volgorde import Gemeld, meld_afwijkingen, volgorde_bijwerken

log = get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Delivered:
    """An envelope with its position in the log (for as-of positions and dead letters)."""

    envelope: Envelope
    topic: str
    partition: int
    offset: int
    trace: TraceContext | None = None
    """The consumer's span, continued from the record's ``traceparent`` header (the HTTP request that
    published it); None for a record published outside any request."""
    kop: ClassVar[Kop | None] = None
    """The header of an event read without its envelope (:class:`SnelGelezen`); None on every other."""


class SnelGelezen(Delivered):
    """A handled event read without its pydantic envelope (``Projection.snel``): its header (``kop``),
    what the projection's reader made of its payload (``gelezen``), and the record; ``envelope`` is
    decoded from the record only when something asks for it (a dead letter, a log line of an isolated
    event, ``on_dead_lettered``), so it is the envelope the full decode gives.

    Why a subclass: every path that takes a :class:`Delivered` keeps working, and the hot ones (the
    dedupe's id, ``volgorde``, the projection's ``apply``) read ``kop`` and ``id_int`` instead."""

    kop: Kop  # type: ignore[misc]  # an instance field here, a class attribute (None) on Delivered
    gelezen: Any
    waarde: bytes
    _envelope: Envelope | None

    def __init__(self, kop: Kop, gelezen: Any, waarde: bytes, topic: str, partition: int, offset: int,
                 trace: TraceContext | None) -> None:
        # Frozen like a Delivered, so set through the instance's dict: one built per absence, and this is
        # a third of the cost of ``object.__setattr__`` per field (measured, 0.6 against 1.9 µs)
        d = self.__dict__
        d["kop"] = kop
        d["gelezen"] = gelezen
        d["waarde"] = waarde
        d["_envelope"] = None
        d["topic"] = topic
        d["partition"] = partition
        d["offset"] = offset
        d["trace"] = trace

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")  # frozen, as a Delivered

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    @property
    def id_int(self) -> int:
        """The event id as an integer (the dedupe's key, :func:`nieuwe_events`), computed when first asked:
        a projection that records no id of this type (``eigen_sleutel``, leerplicht's absences) never
        asks, and it cost 0.43 µs of the 1.25 µs this object took to build (issue 16)."""
        getal: int | None = self.__dict__.get("_id_int")
        if getal is None:
            getal = self.__dict__["_id_int"] = int(self.kop.id.replace("-", ""), 16)
        return getal

    @property
    def envelope(self) -> Envelope:
        env = self._envelope
        if env is None:
            env = Envelope.from_json(self.waarde)
            self.__dict__["_envelope"] = env
        return env


MAX_TRACE_IDS = 50  # per batch line: a replay of thousands of requests' events names the first ones


def _vervolg(headers: Sequence[tuple[str, bytes]] | None) -> TraceContext | None:
    """The consumer's span of a record that carries a ``traceparent`` (:func:`leerrecht.trace.from_headers`)."""
    if not headers:  # most records of a replay: no generator per record
        return None
    for k, _ in headers:
        if k == trace.HEADER:
            return trace.from_headers(headers)
    return None


class Projection(Protocol):
    """What a service implements. ``apply`` runs inside the runner's transaction: no commits, no I/O
    other than ``conn``; it receives only events not applied before.

    Optional: ``handles: frozenset[str] | None``, the event types ``apply`` acts on (None or absent:
    every type, as before). The runner then hands ``apply`` only those and skips the rest cheaply: no
    envelope decode, no ``applied_event`` row, only their number in ``volgorde`` (see
    :mod:`leerrecht.overslaan` and :mod:`leerrecht.volgorde`). Declare a type that ``apply`` reads, or a
    command path waits for (read-your-writes in ``applied_event``), or it will never arrive. Not a
    protocol member, so projections without it keep conforming (:data:`HANDLES`).

    Optional too: ``snel``, readers of handled types' records (:data:`SNEL`); ``apply`` then gets those
    events as :class:`SnelGelezen` (``kop`` not None) and must read them from ``gelezen``."""

    name: str

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None: ...


HANDLES = "handles"
"""The optional attribute of a :class:`Projection` that names the event types it handles."""

EIGEN_SLEUTEL = "eigen_sleutel"
"""The optional attribute of a :class:`Projection` that names handled types whose ``apply`` is idempotent
by a key the event carries (leerplicht's absence: a row keyed by its ``afwezigheid_id``, inserted with
``ON CONFLICT DO NOTHING`` when an id was seen before). The runner does not record their event ids in
``applied_event``: an event of such a type re-published at a new offset reaches ``apply`` again and
changes nothing, and its number, equal to the first one's, is not reported as a reordering (as for a
skipped type: :mod:`leerrecht.volgorde`); a gap still is. Why: recording the id was a fifth of
PostgreSQL's work per absence in leerplicht (issue 16), for a guarantee the row's own key gives."""

SNEL = "snel"
"""The optional attribute of a :class:`Projection` that maps handled event types to a reader of their
records (:data:`leerrecht.overslaan.SnelleLezer`): such a record, when its reader can tell, reaches
``apply`` as a :class:`SnelGelezen` (no pydantic envelope); anything the readers cannot tell is decoded
fully, as before, so what is not an envelope is still dead-lettered."""


def snelle_lezers(projection: object) -> dict[bytes, SnelleLezer]:
    """The payload readers a projection declares (:data:`SNEL`), by type as the record spells it."""
    snel = getattr(projection, SNEL, None)
    if not snel:
        return {}
    handles = behandelde_types(projection)
    if handles is not None and not set(snel) <= handles:
        raise TypeError(f"{SNEL} names types the projection does not handle")
    return {t.encode(): lezer for t, lezer in snel.items()}


def eigen_sleutel_types(projection: object) -> frozenset[str]:
    """The handled types a projection declares idempotent by their own key (:data:`EIGEN_SLEUTEL`)."""
    eigen = getattr(projection, EIGEN_SLEUTEL, None)
    if not eigen:
        return frozenset()
    handles = behandelde_types(projection)
    if not isinstance(eigen, frozenset) or (handles is not None and not eigen <= handles):
        raise TypeError(f"{EIGEN_SLEUTEL} must be a frozenset of types the projection handles")
    return eigen


def _type(e: Delivered) -> str:
    return e.kop.type if e.kop is not None else e.envelope.type


def behandelde_types(projection: object) -> frozenset[str] | None:
    """The types a projection declares it handles (None: all of them)."""
    handles = getattr(projection, HANDLES, None)
    if handles is None:
        return None
    if not isinstance(handles, frozenset) or not all(isinstance(t, str) for t in handles):
        raise TypeError(f"{HANDLES} must be a frozenset of event types or None")
    return handles


_OFFSET = attrgetter("offset")

SCAN_VANAF = 4
"""The runner scans records for their type (:meth:`ProjectionRunner._lees`) while at least one in this
many of the previous piece's records was of a type the projection does not handle. Why: measured on the
benchmark's regional log, the scan costs a handled record ~0.5 µs and saves a skipped one ~1.3 µs (its
cheap read against the full decode and the ``Delivered``), so it pays from about a quarter skipped; a
projection that handles nearly everything (leerplicht) then decodes as before. Either way, what is
skipped is the same: after a full decode an unhandled type is skipped too, and counted, so the scan
comes back when the mix changes."""


TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    # the server ended a transaction left idle too long (DB_IDLE_IN_TRANSACTION_MS): the process was
    # frozen, its partitions are likely another's now; read again from the stored checkpoint
    asyncpg.IdleInTransactionSessionTimeoutError,
)


class _Behind(Exception):
    """The stored checkpoint is behind the fetched batch: re-read from the checkpoint."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class PoisonEvent(Exception):
    """A projection raises this for an event that can never be applied (a validation error)."""


POISON: tuple[type[BaseException], ...] = (PoisonEvent, ContractError)
"""Failures that are a property of the record, not of the moment: an event the catalogue cannot read
(unknown version, invalid payload) fails the same way on every retry, so it goes to the dead letters at
once instead of after a round of backoffs that stalls the partition (F9, B3)."""


class DeadLetterHook(Protocol):
    """Optional on a :class:`Projection`: called after an event was dead-lettered, in the transaction
    that moves the checkpoint past it, so an aggregate that waits for the event (a pending claim) can be
    released and marked for beheer. ``reden`` is the error *type* only, never content."""

    async def on_dead_lettered(self, conn: asyncpg.Connection, event: Delivered, reden: str) -> None: ...


def _reden(exc: BaseException) -> str:
    """The error type, no message (messages can quote content); a PoisonEvent names its cause."""
    cause = exc.__cause__ if isinstance(exc, PoisonEvent) and exc.__cause__ is not None else exc
    return type(cause).__name__


@dataclass(frozen=True)
class _Voorbereid:
    """One partition's records of a fetch, decoded ahead of their transaction."""

    tp: TopicPartition
    ronde: int
    """The partition's seek round when the fetch returned (``ProjectionRunner._zoekronde``)."""
    records: list[ConsumerRecord[Any, Any]]
    decoded: list[Delivered]
    poison: list[tuple[ConsumerRecord[Any, Any], str]]
    genegeerd: list[Overgeslagen]
    """Records of types the projection does not handle, for ``volgorde`` only."""


@dataclass
class RunnerStats:
    batches: int = 0
    applied: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    ignored: int = 0
    """Records of a type the projection does not handle, passed (numbered in ``volgorde`` only)."""


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.runner._assigned.difference_update(revoked)
        self.runner._forget_lag(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.runner._seek_to_stored(assigned)


class _GcPauze:
    """The cyclic garbage collector off while a fetch is applied, back on between fetches and while a
    runner waits (backoff, an outage).

    Why: a fetch of 5,000 records makes some 50,000 container objects (records, envelopes, payload
    dicts, rows) that all live until the batch is committed. With the default thresholds the collector
    scans them dozens of times meanwhile, promotes them to the oldest generation, and those promotions
    trigger full collections of the whole process's heap: measured, the envelope decode alone cost 17 µs
    an event with the collector on and 6 µs with it off. Almost all of a batch is freed by reference
    counting when the batch ends, so it never needs the collector at all. Counted, so several runners in
    one process (leerplicht's and rmc's event and identity runners) pause it together; it is only
    switched back on when the last one ends, and only when a runner switched it off."""

    def __init__(self) -> None:
        self.diepte = 0
        self.uitgezet = False

    @contextlib.contextmanager
    def gepauzeerd(self) -> Iterator[None]:
        if self.diepte == 0 and gc.isenabled():
            gc.disable()
            self.uitgezet = True
        self.diepte += 1
        try:
            yield
        finally:
            self.diepte -= 1
            if self.diepte == 0 and self.uitgezet:
                self.uitgezet = False
                gc.enable()

    @contextlib.contextmanager
    def hervat(self) -> Iterator[None]:
        """On while waiting: a wait can last as long as an outage, and the process (its HTTP side too)
        must not pile up cyclic garbage meanwhile."""
        if self.uitgezet:
            gc.enable()
        try:
            yield
        finally:
            if self.uitgezet:
                gc.disable()


GC_PAUZE = _GcPauze()


def _uitkomst(taken: Iterable[asyncio.Task[bool]]) -> bool:
    """Of the tasks that ended: False when one must be read again; the first error raised."""
    goed = True
    for t in taken:
        if t.done() and not t.cancelled():
            if (fout := t.exception()) is not None:
                raise fout
            goed = goed and t.result()
    return goed


async def _allemaal(taken: Iterable[asyncio.Task[bool]]) -> None:
    """Wait until every task has ended, whatever its outcome."""
    lijst = list(taken)
    if lijst:
        await asyncio.wait(lijst)


def _einde_pauze(pauze: contextlib.AbstractContextManager[None], taken: int = 1,
                 ) -> Callable[[asyncio.Task[bool]], None]:
    """A done callback for the ``taken`` tasks of one fetch that ends the collector pause entered for it
    when the last of them ends (also when they were cancelled before they ran)."""
    over = taken

    def klaar(_: asyncio.Task[bool]) -> None:
        nonlocal over
        over -= 1
        if over == 0:
            pauze.__exit__(None, None, None)
    return klaar


class ProjectionRunner:
    """Runs one projection over one or more topics (or a topic pattern) in a consumer group."""

    def __init__(
        self,
        projection: Projection,
        pool: asyncpg.Pool,
        bootstrap: str,
        *,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        group_id: str | None = None,
        batch_size: int = 5000,
        dead_letters: EventPublisher | None = None,
        max_retries: int = 4,
        on_applied: Callable[[Sequence[Delivered]], Awaitable[None]] | None = None,
        dedupe_event_ids: bool = True,
        allow_gaps: bool = False,
        zij_aan_zij: int = 4,
        session_timeout_ms: int = 10_000,
    ) -> None:
        if bool(topics) == bool(pattern):
            raise ValueError("give either topics or a pattern")
        self.projection = projection
        self.handles = behandelde_types(projection)
        self._handles_bytes = frozenset(t.encode() for t in self.handles or ())
        self._snel = snelle_lezers(projection)
        self._eigen = eigen_sleutel_types(projection)
        self._scannen = True  # scan for the type while enough records are skipped (SCAN_VANAF)
        self.pool = pool
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.pattern = pattern
        self.group_id = group_id or f"leerrecht.{projection.name}"
        self.batch_size = batch_size
        self.dead_letters = dead_letters
        self.max_retries = max_retries
        self.on_applied = on_applied
        self.dedupe_event_ids = dedupe_event_ids
        self.allow_gaps = allow_gaps  # compacted topics have holes in their offsets
        self.zij_aan_zij = zij_aan_zij
        """Partition batches of one fetch applied side by side, each in its own transaction on its own
        connection (:meth:`_partitie`); at most a third of the pool's connections (3 of the services' 10),
        so that a second runner in the same process (registratie has two) and the requests still get
        theirs."""
        self.session_timeout_ms = session_timeout_ms
        """How long the group waits for a silent member before its partitions go to another: a crashed
        or frozen process holds them that long. The crash tests use the broker's minimum (6 s)."""
        self.afschermen_na_s = IDLE_IN_TRANSACTION_MS / 1000
        """How long a checkpoint claim waits on another session before :meth:`_wacht_op_checkpoint` ends
        that session: the pool's ``idle_in_transaction_session_timeout``, read when :meth:`run` starts."""
        self.stats = RunnerStats()
        self._assigned: set[TopicPartition] = set()
        self._next_offset: dict[TopicPartition, int] = {}  # next offset to apply, for the lag gauge
        self._zoekronde: dict[TopicPartition, int] = {}  # seeks per partition: a fetch read ahead of one is stale
        self._lag_measured_at = 0.0
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()

    # --------------------------------------------------------------------------- lifecycle

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def toegewezen(self) -> frozenset[TopicPartition]:
        """The partitions this runner holds now (its share of the consumer group's)."""
        return frozenset(self._assigned)

    def stop(self) -> None:
        """Graceful: the current batch is finished and committed, then the loop ends."""
        self._stopping.set()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=1_000,
            metadata_max_age_ms=5_000,
            **kafka_security.client_kwargs(),
        )
        self._consumer = consumer
        self.afschermen_na_s = await _idle_limiet_s(self.pool, self.afschermen_na_s)
        await consumer.start()
        listener = _SeekToStored(self)
        if self.pattern:
            consumer.subscribe(pattern=self.pattern, listener=listener)
        else:
            consumer.subscribe(self.topics, listener=listener)
        self._ready.set()
        log.info("projection_started", projection=self.projection.name, group=self.group_id)
        try:
            if self._vooruit_lezen():
                await self._lus_met_vooruitlezen(consumer)
            while not self._stopping.is_set():
                await self._measure_lag(consumer)
                batches = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                with GC_PAUZE.gepauzeerd():
                    await self._handle_fetch(consumer, batches)
        finally:
            self._forget_lag(list(self._next_offset))
            self._ready.clear()
            with contextlib.suppress(Exception):
                await consumer.stop()
            log.info("projection_stopped", projection=self.projection.name, **self.stats.__dict__)

    def _vooruit_lezen(self) -> bool:
        """Read one fetch ahead (:meth:`_lus_met_vooruitlezen`) unless a subclass replaces how a fetch is
        handled (telling's bundles, its rebuild's bounds) or how a partition batch is processed (identity
        records): those keep the plain loop, fetch and apply one after the other."""
        soort = type(self)
        return (soort._handle_fetch is ProjectionRunner._handle_fetch
                and soort._process is ProjectionRunner._process)

    async def _lus_met_vooruitlezen(self, consumer: AIOKafkaConsumer) -> None:
        """Fetch and decode the next fetch while the previous ones are applied in PostgreSQL, and start each
        partition's batch as soon as that partition's previous batch has committed.

        Why: measured (issue 16), the runner waited for PostgreSQL per batch while the CPU that fetches
        and decodes the next batch sat idle, and the other way round; applied in tasks, the two overlap.
        And with a fetch's partitions side by side (:meth:`_partitie`), a partition whose batch committed
        early no longer waits for the slowest partition of that fetch before its next batch starts.

        What stays as it was: a partition's batches are applied one after the other, each in its own
        transaction with its checkpoint, in log order (a batch's task first waits for the partition's
        previous one). At most two fetches are in flight beside the one being decoded (memory stays
        bounded). A batch that must be read again (the database was away, the checkpoint is behind)
        makes its task return False, and every later batch of that partition then returns False without
        applying; once the loop sees it, it waits for every task in flight, and only then, with no
        ``getmany`` running, are the positions reset to the stored checkpoints: the consumer reads those
        records again. A rebalance seeks on its own (``_SeekToStored``, in the coordinator's task):
        records of a partition fetched before its latest seek, or no longer assigned, are not applied
        (``_zoekronde``, taken when the fetch returned), as the plain loop never applies a fetch taken
        before a seek. Found by the crash test: applied after the seek, such a fetch passed over records
        never applied (``test_a_fetch_read_ahead_of_the_seek_on_assignment_is_not_applied``)."""
        laatste: dict[TopicPartition, asyncio.Task[bool]] = {}  # each partition's latest batch
        in_vlucht: deque[list[asyncio.Task[bool]]] = deque()  # the tasks of each fetch in flight, oldest first
        plaatsen = asyncio.Semaphore(max(1, min(self.zij_aan_zij, self.pool.get_max_size() // 3)))
        try:
            while not self._stopping.is_set():
                await self._measure_lag(consumer)
                batches = await self._haal(consumer)
                # Taken now, with no await since the fetch returned: the partitions assigned and the seek
                # round of each. A seek after this (an assignment's, with its database read still running
                # while the consumer already fetched from the group's position) makes these records stale.
                rondes = {tp: self._zoekronde.get(tp, 0) for tp in batches if tp in self._assigned}
                batches = {tp: recs for tp, recs in batches.items() if tp in rondes}
                if not batches and not in_vlucht:
                    continue
                # The collector stays paused from the decode until the last task that applies this fetch
                # ends: switched on in between, its first collection would scan and promote every object
                # of the decoded fetch (:class:`_GcPauze`).
                gepauzeerd = GC_PAUZE.gepauzeerd()
                gepauzeerd.__enter__()
                pauze: contextlib.AbstractContextManager[None] | None = gepauzeerd
                try:
                    voorbereid = await self._voorbereiden(batches, rondes)
                    del batches
                    if len(in_vlucht) >= 2:  # the fetch before the previous one has ended first
                        await asyncio.wait(in_vlucht[0])
                    if not _uitkomst(t for ronde in in_vlucht for t in ronde):  # raises a task's error
                        # a batch must be read again: the fetch just read predates the seek
                        del voorbereid
                        await _allemaal(t for ronde in in_vlucht for t in ronde)
                        _uitkomst(t for ronde in in_vlucht for t in ronde)
                        laatste.clear()
                        in_vlucht.clear()
                        await self._reseek_when_database_is_back()
                        continue
                    while in_vlucht and all(t.done() for t in in_vlucht[0]):
                        in_vlucht.popleft()  # ended well (checked above)
                    if voorbereid:
                        taken = []
                        for v in voorbereid:
                            taak = asyncio.create_task(self._partitie(consumer, v, laatste.get(v.tp), plaatsen))
                            laatste[v.tp] = taak
                            taken.append(taak)
                        in_vlucht.append(taken)
                        klaar = _einde_pauze(gepauzeerd, len(taken))
                        for taak in taken:
                            taak.add_done_callback(klaar)
                        pauze = None
                    del voorbereid  # the tasks hold it; freed when they end
                finally:
                    if pauze is not None:
                        pauze.__exit__(None, None, None)
            # stopped: the fetches in flight are finished and committed, as before
            await _allemaal(t for ronde in in_vlucht for t in ronde)
            _uitkomst(t for ronde in in_vlucht for t in ronde)
        finally:
            # an error or a cancellation: every task in flight is cancelled, its transaction rolled back
            alle = [t for ronde in in_vlucht for t in ronde]
            for taak in alle:
                taak.cancel()
            await asyncio.gather(*alle, return_exceptions=True)

    async def _partitie(self, consumer: AIOKafkaConsumer, v: _Voorbereid, voorganger: asyncio.Task[bool] | None,
                        plaatsen: asyncio.Semaphore) -> bool:
        """Apply one partition batch of a fetch, after the partition's previous batch (``voorganger``) and
        with at most :attr:`zij_aan_zij` transactions open at once. False: this partition must be read
        again from its stored checkpoint (this batch, or one before it, could not be applied)."""
        if voorganger is not None:
            try:
                if not await voorganger:
                    return False
            except (Exception, asyncio.CancelledError):
                return False  # the loop raises the predecessor's error; nothing more of this partition
        async with plaatsen:
            if v.tp not in self._assigned or self._zoekronde.get(v.tp, 0) != v.ronde:
                # revoked since the fetch (the new owner reads it), or sought since: the consumer reads
                # these records again from the stored checkpoint. Applied, they could pass over records
                # before them (a partition without a checkpoint row takes any first offset).
                return True
            started, started_ns = time.monotonic(), time.time_ns()
            if not await self._verwerk(v.tp, v.records, v.decoded, v.poison, v.genegeerd):
                return False
            self._observe(consumer, v.tp, v.records, started, started_ns)
            return True

    async def _haal(self, consumer: AIOKafkaConsumer) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
        """One fetch: what ``getmany`` brings, and what the consumer already holds of the other assigned
        partitions, up to a batch each, so that their batches are applied side by side (:meth:`_partitie`).

        Why: ``getmany(max_records=n)`` drains the partitions' buffers one after the other, and a buffer
        holds up to ``max_partition_fetch_bytes`` (thousands of records), so a fetch nearly always held one
        partition's records and there was nothing to apply beside it. Asking each other partition for what
        is already buffered (no wait) keeps the batches as large as before."""
        batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = await consumer.getmany(
            timeout_ms=300, max_records=self.batch_size)
        if self.zij_aan_zij > 1 and batches:
            for tp in sorted(self._assigned - batches.keys()):
                meer = await consumer.getmany(tp, timeout_ms=0, max_records=self.batch_size)
                if recs := meer.get(tp):
                    batches[tp] = recs
        return batches

    async def _voorbereiden(self, batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]],
                            rondes: dict[TopicPartition, int], stuk: int = 500) -> list[_Voorbereid]:
        """Decode a fetch, a few hundred records at a time: between the pieces the task that applies
        the previous fetch gets the event loop to send its next statement."""
        out: list[_Voorbereid] = []
        for tp, records in batches.items():
            if not records:
                continue
            decoded: list[Delivered] = []
            poison: list[tuple[ConsumerRecord[Any, Any], str]] = []
            genegeerd: list[Overgeslagen] = []
            for i in range(0, len(records), stuk):
                d, g, p = self._lees(records[i:i + stuk])
                decoded += d
                genegeerd += g
                poison += p
                await asyncio.sleep(0)
            out.append(_Voorbereid(tp, rondes[tp], records, decoded, poison, genegeerd))
        return out

    async def _handle_fetch(self, consumer: AIOKafkaConsumer,
                            batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """Apply what one ``getmany`` brought: a transaction per partition batch. A subclass may apply
        several partitions in one transaction (telling) and fall back to this."""
        for tp, records in batches.items():
            if tp not in self._assigned or not records:
                continue  # revoked while we were fetching; the new owner will read it
            started, started_ns = time.monotonic(), time.time_ns()
            if not await self._process(tp, records):
                return  # positions were reset to the database's checkpoints: fetch anew
            self._observe(consumer, tp, records, started, started_ns)

    def _observe(self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: Sequence[ConsumerRecord[Any, Any]],
                 started: float, started_ns: int) -> None:
        """Spans, metrics and the lag after a partition batch was applied."""
        if otel.enabled():
            self._export_spans(records, started_ns)
        BATCH_SIZE.labels(projection=self.projection.name).observe(len(records))
        APPLY_SECONDS.labels(projection=self.projection.name).observe(time.monotonic() - started)
        self._next_offset[tp] = records[-1].offset + 1
        self._lag_from_fetch(consumer, tp)

    # --------------------------------------------------------------------------- assignment

    async def _seek_to_stored(self, assigned: Sequence[TopicPartition]) -> None:
        consumer = self._consumer
        assert consumer is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT topic, partition, next_offset FROM checkpoint WHERE projection = $1",
                self.projection.name,
            )
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in assigned:
            # No checkpoint yet: from offset 0 (auto_offset_reset=earliest covers a log whose start
            # moved). Awaiting seek_to_beginning() inside the rebalance callback stalls the fetcher.
            consumer.seek(tp, stored.get((tp.topic, tp.partition), 0))
            self._zoekronde[tp] = self._zoekronde.get(tp, 0) + 1
            self._next_offset[tp] = stored.get((tp.topic, tp.partition), 0)
        self._assigned.update(assigned)
        log.info("partitions_assigned", projection=self.projection.name, count=len(assigned))

    async def _measure_lag(self, consumer: AIOKafkaConsumer, every_s: float = 2.0) -> None:
        """Set ``leerrecht_consumer_lag`` per assigned partition: end offset minus the next offset to
        apply. Why the end offset from the broker (every ``every_s``), not the fetch's high-water mark:
        a projection stuck on its database fetches nothing, and its lag must still grow."""
        if time.monotonic() - self._lag_measured_at < every_s or not self._assigned:
            return
        self._lag_measured_at = time.monotonic()
        partitions = sorted(self._assigned)
        try:
            ends = await consumer.end_offsets(partitions)
        except Exception as exc:  # the broker is away: keep the last values, the next round retries
            log.debug("lag_unknown", projection=self.projection.name, error=type(exc).__name__)
            return
        for tp in partitions:
            if tp in self._next_offset and tp in ends:
                CONSUMER_LAG.labels(projection=self.projection.name, topic=tp.topic,
                                    partition=str(tp.partition)).set(max(0, ends[tp] - self._next_offset[tp]))

    def _lag_from_fetch(self, consumer: AIOKafkaConsumer, tp: TopicPartition) -> None:
        """After a batch: the lag against the high-water mark of the fetch that brought it (no request),
        so a burst shows at once; :meth:`_measure_lag` covers a projection that fetches nothing."""
        if tp not in consumer.assignment():
            return  # revoked while the batch was applied (a rebalance): another process measures it now
        highwater = consumer.highwater(tp)
        if highwater is not None and tp in self._next_offset:
            CONSUMER_LAG.labels(projection=self.projection.name, topic=tp.topic,
                                partition=str(tp.partition)).set(max(0, highwater - self._next_offset[tp]))

    def _export_spans(self, records: Sequence[ConsumerRecord[Any, Any]], started_ns: int) -> None:
        """A consumer span per applied record that carries a ``traceparent`` (the publisher's span)."""
        for rec in records:
            headers = list(rec.headers or ())
            if any(k == trace.HEADER for k, _ in headers):
                otel.consumer_span(trace.from_headers(headers), rec.topic, self.projection.name, started_ns)

    def _forget_lag(self, partitions: Sequence[TopicPartition]) -> None:
        """A revoked partition is another process's now: drop its series here."""
        for tp in partitions:
            self._next_offset.pop(tp, None)
            with contextlib.suppress(KeyError):
                CONSUMER_LAG.remove(self.projection.name, tp.topic, str(tp.partition))

    # --------------------------------------------------------------------------- batches

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> bool:
        """Apply one partition batch. False: the fetched data is stale (a database outage or a gap),
        positions were reset to the stored checkpoints, and the caller must fetch again."""
        decoded, genegeerd, poison = self._lees(records)
        if await self._verwerk(tp, records, decoded, poison, genegeerd):
            return True
        await self._reseek_when_database_is_back()
        return False

    async def _verwerk(self, tp: TopicPartition, records: Sequence[ConsumerRecord[Any, Any]],
                       decoded: list[Delivered], poison: list[tuple[ConsumerRecord[Any, Any], str]],
                       genegeerd: Sequence[Overgeslagen] = ()) -> bool:
        """Apply one decoded partition batch (dead letters, retries, isolation). False: the batch must be
        read again from the stored checkpoints; the caller seeks (:meth:`_reseek_when_database_is_back`)."""
        first, last = records[0].offset, records[-1].offset

        await self._dead_letter(poison)  # before the checkpoint moves past them: never silently lost
        attempt = 0
        while True:
            try:
                applied = (
                    await self._apply_batch(tp, first, last, decoded, genegeerd)
                    if attempt <= self.max_retries
                    else await self._apply_one_by_one(tp, first, last, decoded, genegeerd)
                )
                break
            except TRANSIENT as exc:
                # The database or network is away, not the event at fault: never dead-letter. When
                # it is back, start again from what the database holds: after a crash or a failover
                # it may have lost its latest commits (rows and checkpoint together), and the batch
                # in memory would then skip over them.
                if self._stopping.is_set():
                    raise
                await self._backoff(min(attempt, self.max_retries) + 1, exc)
                return False
            except _Behind as behind:
                log.warning("checkpoint_behind_fetch", projection=self.projection.name, topic=tp.topic,
                            partition=tp.partition, stored=behind.offset, fetched_from=first)
                return False
            except POISON:
                attempt = self.max_retries + 1
            except Exception as exc:
                attempt += 1
                await self._backoff(attempt, exc)
        await self.after_db_commit(tp, last)
        if self._consumer is not None and tp in self._assigned:
            with contextlib.suppress(Exception):  # an optimisation only; the database is the truth
                await self._consumer.commit({tp: last + 1})
        self.stats.batches += 1
        if applied and self.on_applied is not None:
            await self.on_applied(applied)
        return True

    @staticmethod
    def _decode(records: Sequence[ConsumerRecord[Any, Any]],
                ) -> tuple[list[Delivered], list[tuple[ConsumerRecord[Any, Any], str]]]:
        """The envelopes of a batch, and the records that are none (they go to the dead letters)."""
        decoded: list[Delivered] = []
        poison: list[tuple[ConsumerRecord[Any, Any], str]] = []
        for rec in records:
            try:
                env = Envelope.from_json(rec.value)
            except (ValidationError, ValueError, TypeError) as exc:
                poison.append((rec, f"undecodable envelope: {type(exc).__name__}"))
                continue
            decoded.append(Delivered(env, rec.topic, rec.partition, rec.offset, _vervolg(rec.headers)))
        return decoded, poison

    def _lees(self, records: Sequence[ConsumerRecord[Any, Any]],
              ) -> tuple[list[Delivered], list[Overgeslagen], list[tuple[ConsumerRecord[Any, Any], str]]]:
        """Like :meth:`_decode`, and the records of types the projection does not handle apart.

        While enough records are skipped (:data:`SCAN_VANAF`) the type is scanned first: a handled one
        costs the scan on top of today's decode; one of another type is read by
        :func:`leerrecht.overslaan.overslaan` when it can tell, else decoded fully as before (so what is
        not an envelope still goes to the dead letters), and an envelope of a type not handled is skipped
        either way: the projection never sees it and its id is not recorded."""
        handles = self.handles
        snel = self._snel
        if handles is None and not snel:
            alle, onleesbaar = self._decode(records)
            return alle, [], onleesbaar
        decoded: list[Delivered] = []
        genegeerd: list[Overgeslagen] = []
        poison: list[tuple[ConsumerRecord[Any, Any], str]] = []
        als_bytes, sleutel, vormen = self._handles_bytes, TYPE_SLEUTEL, VORMEN
        scannen = self._scannen and handles is not None
        for rec in records:
            value = rec.value
            # the scan (leerrecht.overslaan.gescande_type) inline, compared as bytes: two finds and a slice;
            # always for a projection with payload readers, else while enough records are skipped
            if (snel or scannen) and type(value) is bytes and (i := value.find(sleutel)) >= 0:
                i += len(sleutel)
                soort = value[i:value.find(b'"', i)]
                if (lezer := snel.get(soort)) is not None:
                    if (gelezen := lezer(value)) is not None:
                        decoded.append(SnelGelezen(gelezen[0], gelezen[1], value, rec.topic, rec.partition,
                                                   rec.offset, _vervolg(rec.headers)))
                        continue
                elif scannen and soort not in als_bytes:
                    vorm = vormen.get(soort)  # a known shape: one expression (leerrecht.overslaan.VORMEN)
                    o = vorm(value, rec.offset) if vorm is not None else None
                    if o is None:
                        o = overslaan(value, rec.offset, handles)  # type: ignore[arg-type]  # scannen: not None
                    if o is not None:
                        genegeerd.append(o)
                        continue
            try:
                env = Envelope.from_json(value)
            except (ValidationError, ValueError, TypeError) as exc:
                poison.append((rec, f"undecodable envelope: {type(exc).__name__}"))
                continue
            if handles is not None and env.type not in handles:
                genegeerd.append(Overgeslagen(env.source, env.subject, env.subject_sequence, str(env.id), rec.offset))
                continue
            decoded.append(Delivered(env, rec.topic, rec.partition, rec.offset, _vervolg(rec.headers)))
        self._scannen = len(genegeerd) * SCAN_VANAF >= len(records)
        return decoded, genegeerd, poison

    async def _reseek_when_database_is_back(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                await self._seek_to_stored(sorted(self._assigned))
                return
            except TRANSIENT as exc:
                attempt += 1
                await self._backoff(min(attempt, self.max_retries) + 1, exc)

    async def _apply_batch(self, tp: TopicPartition, first: int, last: int,
                           events: Sequence[Delivered], genegeerd: Sequence[Overgeslagen] = ()) -> list[Delivered]:
        # The trace of the request that caused these events continues here (W3C traceparent from the
        # record headers): with one trace in the batch, every log line and record published while it is
        # applied carries it; the batch's own line names every trace it applied.
        # (a RawRecordRunner hands identity records here, which carry no trace)
        sporen = {t.trace_id: t for e in events if (t := getattr(e, "trace", None)) is not None}
        enkel = next(iter(sporen.values())) if len(sporen) == 1 else None
        token = trace.activate(enkel)
        try:
            with structlog.contextvars.bound_contextvars(
                    **({"trace_id": enkel.trace_id, "span_id": enkel.span_id} if enkel else {})):
                async with self.pool.acquire() as conn, conn.transaction():
                    fresh, stored = await self._claim_stand(conn, tp, first, last, events)
                    overgeslagen = [g for g in genegeerd if stored <= g.offset <= last] if genegeerd else []
                    volgorde = await volgorde_bijwerken(  # the skipped ones in log order among the fresh ones
                        conn, self.projection.name, tp.topic,
                        sorted([*fresh, *overgeslagen], key=_OFFSET) if overgeslagen else fresh, self._eigen)
                    if fresh:
                        await self.projection.apply(conn, fresh)
                    await self.before_db_commit(tp, last)
                toegepast = sorted({t.trace_id for e in fresh if (t := getattr(e, "trace", None)) is not None}
                                   ) if sporen else []  # no trace in the batch: none among the fresh ones
                if toegepast:
                    log.info("events_toegepast", projection=self.projection.name, topic=tp.topic,
                             partition=tp.partition, aantal=len(fresh), trace_ids=toegepast[:MAX_TRACE_IDS],
                             meer_traces=max(0, len(toegepast) - MAX_TRACE_IDS))
        finally:
            trace.reset(token)
        meld_afwijkingen(self.projection.name, tp.topic, volgorde)
        self.stats.applied += len(fresh)
        self.stats.skipped += len(events) - len(fresh)
        self.stats.ignored += len(overgeslagen)
        return fresh

    async def _claim(self, conn: asyncpg.Connection, tp: TopicPartition, first: int, last: int,
                     events: Sequence[Delivered]) -> list[Delivered]:
        """Lock the checkpoint, move it past ``last`` and return the events not applied before."""
        return (await self._claim_stand(conn, tp, first, last, events))[0]

    async def _claim_overgeslagen(self, conn: asyncpg.Connection, tp: TopicPartition, first: int, last: int,
                                  genegeerd: Sequence[Overgeslagen]) -> list[Gemeld]:
        """Move the checkpoint past ``last`` with no event to apply, numbering the skipped records that
        it passes (an isolated batch's end, or past a dead letter)."""
        _, stored = await self._claim_stand(conn, tp, first, last, [])
        overgeslagen = [g for g in genegeerd if stored <= g.offset <= last]
        self.stats.ignored += len(overgeslagen)
        return await volgorde_bijwerken(conn, self.projection.name, tp.topic, overgeslagen)

    async def _claim_stand(self, conn: asyncpg.Connection, tp: TopicPartition, first: int, last: int,
                           events: Sequence[Delivered]) -> tuple[list[Delivered], int]:
        """:meth:`_claim`, and the stored offset it found (records below it were passed before)."""
        name = self.projection.name
        # The row exists for every batch but a partition's first: lock and read it first (one round trip);
        # only a missing row takes the insert (``created``: this transaction made it) and the read again.
        created = None
        stored = await self._wacht_op_checkpoint(
            conn, tp, conn.fetchval(_CHECKPOINT_LEZEN, name, tp.topic, tp.partition))
        if stored is None:
            created = await self._wacht_op_checkpoint(conn, tp, conn.fetchval(
                "INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1, $2, $3, 0) "
                "ON CONFLICT DO NOTHING RETURNING true", name, tp.topic, tp.partition,
            ))
            stored = await conn.fetchval(_CHECKPOINT_LEZEN, name, tp.topic, tp.partition)
        if last < stored:
            return [], stored  # a zombie or a redelivery: the whole batch is already in
        if first > stored and not created and not self.allow_gaps:
            # Event topics have contiguous offsets: records between the checkpoint and this batch
            # were never applied (the database lost commits). Never skip them.
            raise _Behind(stored)
        await conn.execute(
            "UPDATE checkpoint SET next_offset=$4, updated_at=now() "
            "WHERE projection=$1 AND topic=$2 AND partition=$3",
            name, tp.topic, tp.partition, last + 1,
        )
        candidates = [e for e in events if e.offset >= stored]
        if not candidates or not self.dedupe_event_ids:
            return candidates, stored
        return await nieuwe_of_eigen(conn, name, candidates, self._eigen), stored

    async def _wacht_op_checkpoint(self, conn: asyncpg.Connection, tp: TopicPartition | str,
                                   claim: Awaitable[T]) -> T:
        """Await a statement that locks checkpoint rows, ending the sessions it waits on that are silent
        in their transaction once it has waited :attr:`afschermen_na_s` (:meth:`_scherm_af`).

        Why here too, beside the service's chore (:func:`~leerrecht.db.stille_blokkeerders_opruimen`):
        the group gave us these partitions, so a transaction on their checkpoint rows belongs to a process
        that lost them (a zombie frozen between asyncpg's prepare and execute, which no server timeout
        ends), and a runner also runs outside a service (a rebuild, the crash tests). Ending it is safe
        either way: if we are the zombie instead, the owner retries its batch from the checkpoint."""
        taak = asyncio.ensure_future(claim)
        try:
            while True:
                klaar, _ = await asyncio.wait((taak,), timeout=self.afschermen_na_s)
                if klaar:
                    return taak.result()
                await self._scherm_af(conn.get_server_pid(), tp)
        except BaseException:
            taak.cancel()
            raise

    async def _scherm_af(self, pid: int, tp: TopicPartition | str) -> None:
        """End the sessions that block session ``pid`` while silent in their transaction for the limit
        (:func:`~leerrecht.db.beeindig_stille_blokkeerders`, on a connection of its own from the pool)."""
        onderdeel = f"{tp.topic}/{tp.partition}" if isinstance(tp, TopicPartition) else tp
        try:
            async with self.pool.acquire(timeout=self.afschermen_na_s) as conn:
                beeindigd, overig = await beeindig_stille_blokkeerders(conn, self.afschermen_na_s, pid)
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.warning("zombie_niet_afgeschermd", projection=self.projection.name, partitie=onderdeel,
                        error=type(exc).__name__)
            return
        if beeindigd:
            DB_SESSIES_BEEINDIGD.labels(door="checkpoint_claim").inc(len(beeindigd))
            log.warning("zombie_afgeschermd", projection=self.projection.name, partitie=onderdeel,
                        sessies=beeindigd)
        if overig:
            log.warning("checkpoint_wacht", projection=self.projection.name, partitie=onderdeel,
                        sessies=overig, wacht_s=self.afschermen_na_s)

    async def _backoff(self, attempt: int, exc: BaseException) -> None:
        delay = min(10.0, 0.1 * 2**attempt) * (0.5 + random.random())
        log.warning("batch_retry", projection=self.projection.name, attempt=attempt,
                    error=type(exc).__name__, delay_s=round(delay, 2))
        with GC_PAUZE.hervat():
            await asyncio.sleep(delay)

    async def _apply_one_by_one(self, tp: TopicPartition, first: int, last: int, events: Sequence[Delivered],
                                genegeerd: Sequence[Overgeslagen] = ()) -> list[Delivered]:
        """Isolate the failing event(s): each in its own transaction with its own retries; what
        still fails on its own (or is declared a PoisonEvent) goes to the dead letters. The skipped
        records before an event are numbered with it (those numbered before are behind the checkpoint)."""
        applied: list[Delivered] = []
        volgende = 0  # the skipped records before ``volgende`` are behind the checkpoint by now
        for ev in events:
            tot = volgende
            while tot < len(genegeerd) and genegeerd[tot].offset < ev.offset:
                tot += 1
            voor, volgende = genegeerd[volgende:tot], tot
            attempt = 0
            while True:
                try:
                    applied += await self._apply_batch(tp, first, ev.offset, [ev], voor)
                    break
                except TRANSIENT:
                    raise
                except Exception as exc:
                    attempt += 1
                    if not isinstance(exc, POISON) and attempt <= self.max_retries:
                        await self._backoff(attempt, exc)
                        continue
                    log.error("event_dead_lettered", projection=self.projection.name, topic=tp.topic,
                              partition=tp.partition, offset=ev.offset,
                              event_type=ev.envelope.type, event_id=str(ev.envelope.id), error=type(exc).__name__,
                              trace_id=ev.trace.trace_id if ev.trace else None)
                    await self._dead_letter([(_as_record(ev), f"{type(exc).__name__}: {str(exc)[:200]}")])
                    await self._past_dead_letter(tp, first, ev, _reden(exc), voor)
                    break
        # move the checkpoint past records that were undecodable or skipped at the end of the batch
        async with self.pool.acquire() as conn, conn.transaction():
            gemeld = await self._claim_overgeslagen(conn, tp, first, last, genegeerd)
        meld_afwijkingen(self.projection.name, tp.topic, gemeld)
        return applied

    async def _past_dead_letter(self, tp: TopicPartition, first: int, ev: Delivered, reden: str,
                                genegeerd: Sequence[Overgeslagen] = ()) -> None:
        """Move the checkpoint past a dead-lettered event and, in the same transaction, let the projection
        release what waits for it (``on_dead_lettered``). A failing hook must not jam the partition: the
        checkpoint then moves without it (logged). Skipped records before it are numbered on the way."""
        hook = getattr(self.projection, "on_dead_lettered", None)
        if hook is not None:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    gemeld = await self._claim_overgeslagen(conn, tp, first, ev.offset, genegeerd)
                    await hook(conn, ev, reden)
                meld_afwijkingen(self.projection.name, tp.topic, gemeld)
                return
            except TRANSIENT:
                raise
            except Exception as exc:
                log.error("dead_letter_hook_failed", projection=self.projection.name, topic=tp.topic,
                          partition=tp.partition, offset=ev.offset, event_id=str(ev.envelope.id),
                          error=type(exc).__name__)
        async with self.pool.acquire() as conn, conn.transaction():
            gemeld = await self._claim_overgeslagen(conn, tp, first, ev.offset, genegeerd)
        meld_afwijkingen(self.projection.name, tp.topic, gemeld)

    async def _dead_letter(self, poison: list[tuple[ConsumerRecord[Any, Any], str]]) -> None:
        for rec, reason in poison:
            self.stats.dead_lettered += 1
            DEAD_LETTERS.labels(projection=self.projection.name).inc()
            if self.dead_letters is None:
                log.error("dead_letter_unconfigured", projection=self.projection.name, topic=rec.topic,
                          partition=rec.partition, offset=rec.offset, reason=reason)
                continue
            headers = [
                ("dlq.origin.topic", rec.topic.encode()),
                ("dlq.origin.partition", str(rec.partition).encode()),
                ("dlq.origin.offset", str(rec.offset).encode()),
                ("dlq.projection", self.projection.name.encode()),
                ("dlq.reason", reason.encode()[:500]),
            ]
            await self.dead_letters.publish_raw(f"{rec.topic}.dlq", rec.value, rec.key, headers)

    # --------------------------------------------------------------------------- test seams

    async def before_db_commit(self, tp: TopicPartition, last: int) -> None:
        """Called inside the transaction, just before it commits. Crash tests override it."""

    async def after_db_commit(self, tp: TopicPartition, last: int) -> None:
        """Called after the database commit, before the Kafka commit. Crash tests override it."""


@dataclass(frozen=True)
class _FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


def _as_record(ev: Delivered) -> Any:
    return _FakeRecord(ev.topic, ev.partition, ev.offset, ev.envelope.subject.encode(), ev.envelope.to_json())


async def _idle_limiet_s(pool: asyncpg.Pool, standaard: float) -> float:
    """The pool's ``idle_in_transaction_session_timeout`` in seconds (``standaard`` when it is off)."""
    async with pool.acquire() as conn:
        ms = await conn.fetchval("SELECT setting::int FROM pg_settings "
                                 "WHERE name = 'idle_in_transaction_session_timeout'")
    return ms / 1000 if ms else standaard


_CHECKPOINT_LEZEN = ("SELECT next_offset FROM checkpoint WHERE projection=$1 AND topic=$2 AND partition=$3 "
                     "FOR UPDATE")

_IDS = ("(SELECT encode(substring($2::bytea FROM g * 16 + 1 FOR 16), 'hex')::uuid AS e "
        "FROM generate_series(0, length($2::bytea) / 16 - 1) AS g) AS i")
"""The ids of :func:`nieuwe_events`, 16 bytes each in one ``bytea`` parameter ``$2``, as uuids in order."""

SNELLE_DEDUPE_VANAF = 50
"""From this many events on, :func:`nieuwe_events` first tries the plain insert (below it, the two extra
round trips of the savepoint cost more than the per-row difference saves)."""


async def nieuwe_of_eigen(conn: asyncpg.Connection, projection: str, candidates: Sequence[Delivered],
                          eigen: frozenset[str]) -> list[Delivered]:
    """:func:`nieuwe_events` for the candidates whose type is not idempotent by its own key (``eigen``,
    :data:`EIGEN_SLEUTEL`); those are returned as they are, in their place, and no id of theirs is
    recorded nor waited for."""
    if eigen:
        eigen_van = [_type(e) in eigen for e in candidates]
        te_dedupen = [e for e, z in zip(candidates, eigen_van, strict=True) if not z]
        if len(te_dedupen) < len(candidates):
            nieuw = {id(e) for e in await nieuwe_events(conn, projection, te_dedupen)} if te_dedupen else set()
            return [e for e, z in zip(candidates, eigen_van, strict=True) if z or id(e) in nieuw]
    return await nieuwe_events(conn, projection, candidates)


async def nieuwe_events(conn: asyncpg.Connection, projection: str, candidates: Sequence[Delivered]) -> list[Delivered]:
    """Record the candidates' event ids in ``applied_event`` and return those not applied before, each
    id once (the first in log order).

    Why two ways: ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` costs PostgreSQL about twice a plain
    insert per row (a speculative insertion per row), and a conflict is rare (an event re-published at a
    new offset; the checkpoint already drops redeliveries). So a large batch first tries the plain
    insert in a savepoint: no conflict, every candidate is new. A conflict (with a committed row, or with
    a concurrent transaction's row, after waiting for it to commit) raises, the savepoint is rolled back
    and the ``ON CONFLICT`` insert decides per id, as before. The ids are inserted sorted either way: two
    instances inserting overlapping ids (a move is on two regions' topics) would otherwise lock them in
    different orders and deadlock."""
    uniek: list[Delivered] = []
    gezien: set[int] = set()
    for e in candidates:  # the same event id twice within one batch: keep the first
        # an int hashes in C; UUID.__hash__ is Python. An event read without its envelope carries it.
        getal = e.envelope.id.int if e.kop is None else e.id_int  # type: ignore[attr-defined]
        if getal not in gezien:
            gezien.add(getal)
            uniek.append(e)
    # sorted by the integer (PostgreSQL's order of uuid, bytewise big-endian), sent as one bytea of 16
    # bytes an id: asyncpg's uuid[] encoding costs an isinstance check and a Python property per element
    ids = b"".join([i.to_bytes(16, "big") for i in sorted(gezien)])
    if len(gezien) >= SNELLE_DEDUPE_VANAF:
        try:
            async with conn.transaction():  # a savepoint: a conflict leaves the batch's transaction usable
                await conn.execute(
                    f"INSERT INTO applied_event (projection, event_id) SELECT $1, e FROM {_IDS}", projection, ids)
            return uniek
        except asyncpg.UniqueViolationError:
            pass  # some were applied before: decide per id
    nieuw = {r["event_id"].int for r in await conn.fetch(
        f"INSERT INTO applied_event (projection, event_id) SELECT $1, e FROM {_IDS} ORDER BY e "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        projection, ids,
    )}
    return [e for e in uniek if (e.envelope.id.int if e.kop is None else e.id_int) in nieuw]  # type: ignore[attr-defined]


def region_pattern(suffix: str = "events") -> str:
    """All regional topics of one kind, e.g. for telling, which consumes the whole country."""
    return rf"^leerrecht\.regio\.MC\d\d\.{re.escape(suffix)}$"


async def count_applied(conn: asyncpg.Connection, projection: str, event_ids: Sequence[Any]) -> int:
    """How many of these events the projection has applied: read-your-writes for a command path
    that publishes events and waits until its own projection has them."""
    n = await conn.fetchval(
        "SELECT count(*) FROM applied_event WHERE projection = $1 AND event_id = ANY($2::uuid[])",
        projection, list(event_ids),
    )
    return int(n)


@dataclass(frozen=True)
class RawRecord:
    """A record that is not an event envelope (the erasable identity records), with its position."""

    key: bytes | None
    value: bytes | None  # None: a tombstone
    topic: str
    partition: int
    offset: int


class RawProjection(Protocol):
    """Like :class:`Projection`, over raw records; it decodes them itself. For a record it cannot
    decode it raises :class:`PoisonEvent` (the runner then isolates the record); ``quarantine`` stores a
    record that fails on its own, in the transaction that moves the checkpoint past it. Such a record is
    never copied to a topic (a copy there could not be erased); the quarantine row is erased with the
    person's tombstone."""

    name: str

    async def apply(self, conn: asyncpg.Connection, records: Sequence[RawRecord]) -> None: ...

    async def quarantine(self, conn: asyncpg.Connection, record: RawRecord, reden: str, fout: str) -> None: ...


class RawRecordRunner(ProjectionRunner):
    """The runner's guarantees (checkpoint in the row transaction, seek on assignment, zombie-safe,
    retries and re-seek after a database outage) for a compacted topic of non-envelope records.

    Why not the envelope runner: it dead-letters what it cannot decode, and a copy of an identity
    record outside its compacted topic could never be erased (``contracts.topics``). Offsets of a
    compacted topic have gaps, so gaps are allowed; event-id dedupe does not apply.

    A batch that fails for another reason than a transient one is retried, then applied record by
    record (like :meth:`ProjectionRunner._apply_one_by_one`): a record that still fails on its own is
    handed to the projection's ``quarantine`` with the checkpoint move, counted (``QUARANTINED``) and
    logged by position and error type only; the consumer moves on. It never stops on a record.
    """

    def __init__(self, projection: RawProjection, pool: asyncpg.Pool, bootstrap: str, *,
                 topics: Sequence[str], group_id: str, batch_size: int = 1000) -> None:
        super().__init__(projection, pool, bootstrap, topics=topics, group_id=group_id,  # type: ignore[arg-type]
                         batch_size=batch_size, dedupe_event_ids=False, allow_gaps=True)
        self.raw: RawProjection = projection
        self.quarantined = 0

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> bool:
        items = [RawRecord(r.key, r.value, r.topic, r.partition, r.offset) for r in records]
        first, last = items[0].offset, items[-1].offset
        attempt = 0
        while True:
            try:
                if attempt <= self.max_retries:
                    await self._apply_batch(tp, first, last, items)  # type: ignore[arg-type]
                else:
                    await self._isolate(tp, first, last, items)
                break
            except TRANSIENT as exc:
                if self._stopping.is_set():
                    raise
                await self._backoff(min(attempt, self.max_retries) + 1, exc)
                await self._reseek_when_database_is_back()
                return False
            except _Behind:
                await self._reseek_when_database_is_back()
                return False
            except PoisonEvent:
                attempt = self.max_retries + 1  # undecodable: no use retrying the batch
            except Exception as exc:
                attempt += 1
                await self._backoff(attempt, exc)
        if self._consumer is not None and tp in self._assigned:
            with contextlib.suppress(Exception):  # an optimisation only; the database is the truth
                await self._consumer.commit({tp: last + 1})
        self.stats.batches += 1
        return True

    async def _isolate(self, tp: TopicPartition, first: int, last: int, items: Sequence[RawRecord]) -> None:
        """Each record in its own transaction, in log order (so the latest value per key still wins)."""
        for rec in items:
            attempt = 0
            while True:
                try:
                    await self._apply_batch(tp, first, rec.offset, [rec])  # type: ignore[list-item]
                    break
                except TRANSIENT:
                    raise
                except Exception as exc:
                    attempt += 1
                    if not isinstance(exc, PoisonEvent) and attempt <= self.max_retries:
                        await self._backoff(attempt, exc)
                        continue
                    reden = "onleesbaar" if isinstance(exc, PoisonEvent) else "niet_op_te_slaan"
                    async with self.pool.acquire() as conn, conn.transaction():
                        fresh = await self._claim(conn, tp, first, rec.offset, [rec])  # type: ignore[list-item]
                        if fresh:
                            await self.raw.quarantine(conn, rec, reden, _reden(exc))
                    if not fresh:
                        break  # a zombie: the new owner handles it
                    self.quarantined += 1
                    QUARANTINED.labels(projection=self.projection.name).inc()
                    # position and error type only: the content may be personal data
                    log.error("record_quarantined", projection=self.projection.name, topic=rec.topic,
                              partition=rec.partition, offset=rec.offset, reden=reden, error=_reden(exc))
                    break
