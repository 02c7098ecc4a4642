"""The region's identity records for the coach's contact (domain.md B; A6 "niet loslaten": a coach needs
a phone number or email address to reach the young person).

The identity topic ``leerrecht.regio.<MCxx>.identiteit`` holds plain records, not event envelopes
(:mod:`contracts.identity`): the shared :class:`~leerrecht.projection.ProjectionRunner` would
dead-letter them, and an identity record must never be copied to a dead-letter topic (a copy outside
the compacted topic could not be erased). So this is a small dedicated consumer with the runner's
guarantees (:class:`~leerrecht.projection.RawRecordRunner`), and without dead letters:

* The position per partition lives in the ``checkpoint`` table (projection ``rmc-identiteit``) and
  is written in the same transaction as the rows; on assignment we seek to the stored offsets.
  Inside the transaction the checkpoint row is locked and records below it are dropped (zombies).
* Per batch the latest record per pseudonym wins (compaction semantics): an
  :class:`~contracts.identity.IdentiteitVastgelegd` upserts the row, a tombstone deletes it (erasure).
  A replay from offset 0 into an empty database ends in the same rows.
* A record that cannot be decoded, or that the database refuses (e.g. a NUL in a name), never stops
  the consumer and is never copied to a topic: the runner isolates it and :meth:`quarantine` keeps it
  in the ``quarantaine`` table (:mod:`leerrecht.quarantaine`: raw bytes, position, reason type) in the
  transaction that moves the checkpoint; only its position and error type are logged; beheer sees it
  at ``GET /v1/beheer/quarantaine``; the person's tombstone erases it. The row of that pseudonym is
  deleted (**Decision**: the latest value per key is the identity; when it cannot be read or stored we
  do not know the identity, so we show nothing rather than stale contact data).

Only name, phone and email are kept (the coach's need); PGN, address and birth date are not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from pydantic import ValidationError

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, decode_identity_record, is_pseudoniem
from contracts.topics import identity_topic
from leerrecht import quarantaine
from leerrecht.logging import get_logger
from leerrecht.projection import PoisonEvent, RawRecord, RawRecordRunner

log = get_logger(__name__)

NAAM = "rmc-identiteit"


@dataclass(frozen=True)
class Samenvatting:
    """One batch reduced to its effect: the latest identity per pseudonym (``None`` = erase)."""

    laatste: dict[str, IdentiteitVastgelegd | None]
    onleesbaar: int


def samenvatten(records: Sequence[tuple[bytes | None, bytes | None]]) -> Samenvatting:
    """Reduce (key, value) records in log order: the last record per pseudonym wins (pure)."""
    laatste: dict[str, IdentiteitVastgelegd | None] = {}
    onleesbaar = 0
    for key, value in records:
        if key is None:
            onleesbaar += 1
            continue
        try:
            record = decode_identity_record(key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            onleesbaar += 1
            with contextlib.suppress(UnicodeDecodeError):
                p = key.decode()
                if is_pseudoniem(p):
                    laatste[p] = None  # unreadable latest value: show nothing rather than stale data
            continue
        laatste[record.pseudoniem] = None if isinstance(record, IdentiteitGewist) else record
    return Samenvatting(laatste, onleesbaar)


async def schrijven(conn: asyncpg.Connection, records: Sequence[RawRecord]) -> Samenvatting:
    """Apply one partition batch inside the runner's transaction (which also moves the checkpoint)."""
    s = samenvatten([(r.key, r.value) for r in records])
    bewaren = [r for r in s.laatste.values() if r is not None]
    wissen = sorted(p for p, r in s.laatste.items() if r is None)
    if bewaren:
        await conn.executemany(
            "INSERT INTO identiteit (pseudoniem, voornamen, tussenvoegsel, achternaam, telefoon, email, "
            "vastgelegd_op) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pseudoniem) DO UPDATE SET "
            "voornamen = EXCLUDED.voornamen, tussenvoegsel = EXCLUDED.tussenvoegsel, "
            "achternaam = EXCLUDED.achternaam, telefoon = EXCLUDED.telefoon, email = EXCLUDED.email, "
            "vastgelegd_op = EXCLUDED.vastgelegd_op",
            [(r.pseudoniem, r.voornamen, r.tussenvoegsel, r.achternaam, r.telefoon, r.email, r.vastgelegd_op)
             for r in bewaren],
        )
    if wissen:
        await conn.execute("DELETE FROM identiteit WHERE pseudoniem = ANY($1::text[])", wissen)
        await quarantaine.wis(conn, [p.encode() for p in wissen])
    return s


class IdentiteitProjection:
    name = NAAM

    async def apply(self, conn: asyncpg.Connection, records: Sequence[RawRecord]) -> None:
        if samenvatten([(r.key, r.value) for r in records]).onleesbaar:
            # the runner isolates the unreadable record(s) and hands them to quarantine()
            raise PoisonEvent("onleesbaar identiteitsrecord")
        await schrijven(conn, records)

    async def quarantine(self, conn: asyncpg.Connection, record: RawRecord, reden: str, fout: str) -> None:
        """Keep the record (erasable) for beheer, and show no stale contact data (module doc)."""
        await quarantaine.bewaar(conn, NAAM, record, reden, fout)
        with contextlib.suppress(UnicodeDecodeError):
            p = (record.key or b"").decode()
            if is_pseudoniem(p):
                await conn.execute("DELETE FROM identiteit WHERE pseudoniem = $1", p)


class IdentiteitConsumer(RawRecordRunner):
    """Consumes the region's identity topic into ``identiteit`` (see the module docstring)."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, region: str, batch_size: int = 500) -> None:
        super().__init__(IdentiteitProjection(), pool, bootstrap, topics=[identity_topic(region)],
                         group_id=f"leerrecht.rmc.{region}.identiteit", batch_size=batch_size)
