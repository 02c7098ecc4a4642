"""Group commit for the intake (issue 16): concurrent submissions share one transaction and one produce.

A school's single absence, or a school system's small ``/batch``, costs a PostgreSQL commit (a disk flush)
and a Kafka produce with ``acks=all`` (a round trip to every in-sync replica) before its 2xx; done one
request at a time, those two waits, not the work, bound the throughput. Here whoever arrives while a group
is in flight joins the next one (at most ``MAX_GROEPEN`` groups at once, ``MAX_GROEP`` submissions and
``MAX_GROEP_LEERLINGEN`` pupils each), and a group is handled exactly as one submission is
(``IntakeService._submit``), only for all of them together:

1. the session locks of all the group's pupils, in one sorted statement (as ``vergrendel`` always does);
   their older submissions still ``open`` are published first;
2. one transaction: the locks of all the group's keys, their stored rows in one query. The new
   submissions that can be decided together (single absences: ``Inzending.samen``) are decided in one
   savepoint as ``/batch`` decides its rows (``IntakeService.behandel_samen``: the pupils, days and facts
   read once, the rules once per pupil); a refused one gets its own error. Every other submission (a
   replay, another kind, or all of them should the shared decision fail for another reason) is decided
   on its own inside a savepoint (``IntakeService.behandel``): a refusal rolls back only its own part.
   Submissions of one pupil are decided in arrival order, each against the state the previous one left,
   and number their events under the locks held. The stored submissions' processing records are written
   in the same transaction (``leerrecht.verwerkingslog.alle_in_transactie``);
3. commit (synchronously: the outbox), one publish of every envelope in order (so a pupil's events reach
   its partition in decision order) with ``acks=all``, one statement that marks all published and
   releases the locks; only then does any request of the group get its answer.

A key appears at most once in a group (a concurrent retry waits for the next group), so it is never
published twice by one commit. If the database or the broker fails, every submission of the group that
was stored gets the 503 it would have got alone; what was stored is published by a retry or the sweeper.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncpg

from leerrecht import verwerkingslog
from leerrecht.logging import get_logger
from leerrecht.projection import TRANSIENT
from registratie.intake import (
    Inzending,
    NietBeschikbaar,
    RawRecord,
    Resultaat,
    Stap,
    vergrendel,
)

if TYPE_CHECKING:
    from contracts.envelope import Envelope
    from registratie.intake import IntakeService

log = get_logger(__name__)

MAX_GROEPEN = 2
"""Groups in flight at once: one deciding in PostgreSQL while the other waits for the broker."""

MAX_GROEP = 100
"""Submissions in one group: bounds the time a group holds its pupils' locks and its connection."""

MAX_GROEP_LEERLINGEN = 2_000
"""Pupils in one group, counted per submission (a ``/batch`` of 500 rows counts up to 500): so concurrent
large batches (a morning's CSV uploads) do not make one group that outlasts the intake's timeout, fail
all of its submissions with 503 and form the same group again on their retries. A submission larger than
this on its own still forms a group of one."""


@dataclass(eq=False)  # by identity: a group maps its submissions to their outcomes
class _Wachtend:
    inzending: Inzending
    toekomst: asyncio.Future[Resultaat]


@dataclass
class Groepscommit:
    """The queue of one intake service; ``indienen`` answers when the submission's group is published."""

    service: IntakeService
    max_groepen: int = MAX_GROEPEN
    max_groep: int = MAX_GROEP
    max_leerlingen: int = MAX_GROEP_LEERLINGEN
    _wachtrij: list[_Wachtend] = field(default_factory=list)
    _actief: int = 0
    _taken: set[asyncio.Task[None]] = field(default_factory=set)

    async def indienen(self, inzending: Inzending) -> Resultaat:
        wachtend = _Wachtend(inzending, asyncio.get_running_loop().create_future())
        self._wachtrij.append(wachtend)
        if self._actief < self.max_groepen:
            self._actief += 1
            taak = asyncio.create_task(self._verwerk())
            self._taken.add(taak)
            taak.add_done_callback(self._taken.discard)
        # shielded: a client that goes away does not cancel the group it is part of
        return await asyncio.shield(wachtend.toekomst)

    def _volgende_groep(self) -> list[_Wachtend]:
        """The waiting submissions in arrival order, up to the group's bounds. Once a bound is reached every
        later one waits too: a small submission must not overtake a large one of the same pupil."""
        groep: list[_Wachtend] = []
        blijft: list[_Wachtend] = []
        sleutels: set[tuple[str, str]] = set()
        leerlingen = 0
        vol = False
        for w in self._wachtrij:
            k = (w.inzending.client, w.inzending.sleutel)
            gewicht = max(1, len(w.inzending.pupils))
            vol = vol or len(groep) >= self.max_groep or (bool(groep) and leerlingen + gewicht > self.max_leerlingen)
            if vol or k in sleutels:  # a retry of a key in this group: the next group answers it
                blijft.append(w)
            else:
                sleutels.add(k)
                groep.append(w)
                leerlingen += gewicht
        self._wachtrij = blijft
        return groep

    async def _verwerk(self) -> None:
        try:
            while self._wachtrij:
                groep = self._volgende_groep()
                try:
                    await self._groep(groep)
                finally:
                    for w in groep:  # never leave a request waiting (e.g. cancelled at shutdown)
                        if not w.toekomst.done():
                            w.toekomst.set_exception(NietBeschikbaar("groep"))
        finally:
            self._actief -= 1

    async def _groep(self, groep: list[_Wachtend]) -> None:
        service = self.service
        try:
            conn = await asyncio.wait_for(service.pool.acquire(), timeout=service.timeout_s)
        except TimeoutError:
            _faal(groep, NietBeschikbaar("database"))
            return
        timed_out = False
        ontgrendeld = False
        try:
            async with asyncio.timeout(service.timeout_s):
                await self._groep_op(conn, groep)
                ontgrendeld = True
        except TimeoutError:
            timed_out = True
            conn.terminate()  # the server then drops the session's advisory locks with it
            log.warning("groep_mislukt", error="timeout", inzendingen=len(groep))
            _faal(groep, NietBeschikbaar("timeout"))
        except Exception as exc:  # the database or the broker: none of the group was confirmed
            log.warning("groep_mislukt", error=type(exc).__name__, inzendingen=len(groep))
            _faal(groep, exc)
        finally:
            if not timed_out and not ontgrendeld and not conn.is_closed():
                with contextlib.suppress(*TRANSIENT):
                    await conn.execute("SELECT pg_advisory_unlock_all()")
            await service.pool.release(conn)

    async def _groep_op(self, conn: asyncpg.Connection, groep: list[_Wachtend]) -> None:
        service = self.service
        pupils = sorted({p for w in groep for p in w.inzending.pupils})
        eigen = [(w.inzending.client, w.inzending.sleutel) for w in groep]
        await vergrendel(conn, pupils)
        await service._eerst_openstaande(conn, pupils, eigen)
        stappen: list[tuple[_Wachtend, Stap]] = []
        async with conn.transaction():
            await conn.execute(
                "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 1))) FROM unnest($1::text[]) AS k",
                sorted(f"{c}/{s}" for c, s in eigen))
            rows = {(r["client"], r["sleutel"]): r for r in await conn.fetch(
                "SELECT client, sleutel, inhoud_hash, status, envelopes, antwoord, leerlingen FROM intake_verzoek "
                "WHERE (client, sleutel) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
                # FOR UPDATE: a key's earlier attempt may have released the pupils' locks before its mark
                # committed; the row lock waits for the commit and reads it published (no second publish)
                "FOR UPDATE",
                [c for c, _ in eigen], [s for _, s in eigen])}
            samen = await self._samen(conn, groep, [(w, k) for w, k in zip(groep, eigen, strict=True) if k not in rows])
            for w, k in zip(groep, eigen, strict=True):
                if w in samen:
                    uitkomst = samen[w]
                    if isinstance(uitkomst, Exception):
                        w.toekomst.set_exception(uitkomst)
                    else:
                        stappen.append((w, uitkomst))
                    continue
                try:
                    async with conn.transaction():  # a savepoint: a refusal undoes only its own part
                        stap = await service.behandel(conn, w.inzending, rows.get(k))
                except Exception as exc:  # this submission's own refusal or error, not the group's
                    if isinstance(exc, asyncpg.PostgresConnectionError | OSError):
                        raise
                    w.toekomst.set_exception(exc)
                    continue
                stappen.append((w, stap))
            # the processing records of the requests the group stored, committed with them
            await verwerkingslog.alle_in_transactie(conn, [w.inzending.verwerking for w, s in stappen if s.publiceren])
        for w, s in stappen:
            if s.publiceren and w.inzending.verwerking is not None:
                w.inzending.verwerking.vastgelegd = w.inzending.verwerking.in_transactie
        envelopes: list[Envelope] = [e for _, s in stappen if s.publiceren for e in s.envelopes]
        records: list[RawRecord] = [r for _, s in stappen if s.publiceren for r in s.records]
        if envelopes or records:
            await service.publish(envelopes, records)
        await service._alle_gepubliceerd(
            conn, [(w.inzending.client, w.inzending.sleutel) for w, s in stappen if s.publiceren])
        for w, stap in stappen:
            if not w.toekomst.done():
                w.toekomst.set_result(stap.resultaat)


    async def _samen(self, conn: asyncpg.Connection, groep: list[_Wachtend],
                     nieuw: list[tuple[_Wachtend, tuple[str, str]]]) -> dict[_Wachtend, Stap | Exception]:
        """The group's new submissions that can be decided together (the first one's kind, one day, no
        identity records), decided in one savepoint (``IntakeService.behandel_samen``). Should that fail
        for another reason than the connection, it is rolled back and they are decided one by one, so a
        submission's own error still fails only itself."""
        eerste = next((w.inzending for w, _ in nieuw if w.inzending.samen is not None), None)
        if eerste is None or eerste.samen is None:
            return {}
        mee = [w for w, _ in nieuw if w.inzending.samen is not None and w.inzending.samen.beslis is eerste.samen.beslis
               and w.inzending.raw is None and w.inzending.vandaag == eerste.vandaag]
        # A pupil whose group also holds a submission decided on its own stays out altogether: decided
        # together first, its submissions would be decided and numbered before that one's even when they
        # arrived after it, and reach the log out of their number order.
        while True:
            apart = {p for w in groep if w not in mee for p in w.inzending.pupils}
            blijft = [w for w in mee if apart.isdisjoint(w.inzending.pupils)]
            if len(blijft) == len(mee):
                break
            mee = blijft
        if len(mee) < 2:
            return {}
        try:
            async with conn.transaction():
                uitkomsten = await self.service.behandel_samen(conn, [w.inzending for w in mee])
        except Exception as exc:
            if isinstance(exc, asyncpg.PostgresConnectionError | OSError):
                raise
            log.warning("groep_samen_mislukt", error=type(exc).__name__, inzendingen=len(mee))
            return {}
        return dict(zip(mee, uitkomsten, strict=True))


def _faal(groep: list[_Wachtend], exc: BaseException) -> None:
    for w in groep:
        if not w.toekomst.done():
            w.toekomst.set_exception(exc)
