"""The region's identity records → the ``identiteit`` table, for the officer's dossier page only.

Why :class:`leerrecht.projection.RawRecordRunner` and not the envelope runner: that one decodes every
record as an event envelope and dead-letters what it cannot decode. Identity records are not
envelopes (:mod:`contracts.identity`), and a dead-letter copy of one could never be erased
(``contracts.topics``: identity topics have no DLQ). So this consumer

* reads ``leerrecht.regio.<MCxx>.identiteit`` (co-partitioned with the events topic, compacted);
* keeps its position per partition in the shared ``checkpoint`` table (projection name
  ``leerplicht-identiteit``), written in the **same transaction** as the rows, and seeks to it on every
  assignment — the runner's exactly-once pattern (see ``leerrecht/projection.py``);
* upserts a value and **deletes the row on a tombstone** (erasure, domain.md B): the latest record per
  pseudonym in log order wins, so a replay from offset 0 into an empty database ends in the same rows;
* never stops on a record: one it cannot decode (:class:`~leerrecht.projection.PoisonEvent`) or the
  database refuses (e.g. a NUL in a name) is isolated by the runner and put in the ``quarantaine``
  table (:mod:`leerrecht.quarantaine`: raw bytes, position, reason type) in the transaction that moves
  the checkpoint; logged by position and error type only, counted, listed for beheer
  (``GET /v1/beheer/quarantaine``). Never a copy on a topic; the person's tombstone erases it.

Only name, birth date, address and woongemeente are kept (what the officer needs on the dossier page,
domain.md B: identifying data reaches only the region of residence). PGN, phone and e-mail are not.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from pydantic import ValidationError

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, decode_identity_record
from contracts.topics import identity_topic
from leerrecht import quarantaine
from leerrecht.logging import get_logger
from leerrecht.projection import PoisonEvent, RawRecord, RawRecordRunner

log = get_logger(__name__)

PROJECTION = "leerplicht-identiteit"


@dataclass
class IdentiteitStats:
    batches: int = 0
    vastgelegd: int = 0
    gewist: int = 0
    onleesbaar: int = 0
    quarantaine: int = 0


def _rij(r: IdentiteitVastgelegd, sleutel: bytes, vingerafdruk: str) -> tuple[Any, ...]:
    a = r.adres
    return (
        r.pseudoniem, r.voornamen, r.tussenvoegsel, r.achternaam, r.geboortedatum,
        a.straat if a else None, a.huisnummer if a else None, a.huisnummer_toevoeging if a else None,
        a.postcode if a else None, a.woonplaats if a else None, r.woongemeente, r.vastgelegd_op,
        pgn_hash(r.pgn, sleutel), vingerafdruk,
    )


def pgn_hash(pgn: str, sleutel: bytes) -> str:
    """What the worklist searches a BSN by: the officer may look a pupil up by BSN, but the number
    itself is not kept here (domain.md B); the hash is erased with the row. An HMAC with the instance's
    own key (``PGN_ZOEKSLEUTEL``), not a plain hash: about 10^8 numbers pass the 11-proof, so a plain
    hash of a BSN is reversed by trying them all in minutes; without the key a copy of this database
    (a backup, a dump) does not give the numbers back."""
    return hmac.new(sleutel, pgn.encode(), hashlib.sha256).hexdigest()


def vingerafdruk(sleutel: bytes) -> str:
    """Which key hashed a row (``identiteit.pgn_sleutel``), so that a new key is noticed at start;
    derived from the key by HMAC, so it gives the key away no more than the hashes do."""
    return hmac.new(sleutel, b"leerrecht-leerplicht-pgn-zoeksleutel", hashlib.sha256).hexdigest()[:16]


_SLEUTEL_LOCK = 7_201_843_119  # beside db._MIGRATION_LOCK: two replicas starting together check once


async def zoeksleutel_instellen(pool: asyncpg.Pool, sleutel: bytes, vorig: bytes | None = None) -> int:
    """Before the identity consumer starts: rows hashed with another key (a rotated key, or older
    code's plain hash) can no longer be found by BSN, and the BSN cannot be computed again from the
    row. So the consumer's checkpoint is removed: it reads the region's compacted identity topic from
    offset 0 again (each pupil's latest record; an erased pupil's tombstone erases again) and hashes with
    this key. Rows hashed with ``vorig``, the key this one replaces (``PGN_ZOEKSLEUTEL_VORIG``), keep their
    hash until the read reaches them, so the search (which also hashes with ``vorig``) finds them all the
    while; any other key's hashes are cleared, in the same transaction. Returns the number cleared."""
    afdruk = vingerafdruk(sleutel)
    houden = [afdruk] if vorig is None else [afdruk, vingerafdruk(vorig)]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SLEUTEL_LOCK)
        gewist = await conn.execute(
            "UPDATE identiteit SET pgn_hash = NULL, pgn_sleutel = NULL WHERE (pgn_sleutel IS NULL OR "
            "pgn_sleutel <> ALL($1::text[])) AND (pgn_hash IS NOT NULL OR pgn_sleutel IS NOT NULL)", houden)
        n = int(gewist.split()[-1])
        leeg = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM identiteit WHERE pgn_sleutel IS DISTINCT FROM $1)", afdruk)
        if n or leeg:
            await conn.execute("DELETE FROM checkpoint WHERE projection = $1", PROJECTION)
            log.info("pgn_zoeksleutel_nieuw", rijen=n)
        return n


def laatste_per_leerling(
    records: Sequence[tuple[bytes, bytes | None]],
) -> tuple[dict[str, IdentiteitVastgelegd | None], int]:
    """Decode a batch in log order: the last record per pseudonym wins (``None`` = erased). Returns the
    result and the number of undecodable records (skipped, see module doc)."""
    laatste: dict[str, IdentiteitVastgelegd | None] = {}
    onleesbaar = 0
    for key, value in records:
        try:
            record = decode_identity_record(key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            onleesbaar += 1
            continue
        laatste[record.pseudoniem] = None if isinstance(record, IdentiteitGewist) else record
    return laatste, onleesbaar


async def schrijf(conn: asyncpg.Connection, laatste: dict[str, IdentiteitVastgelegd | None], sleutel: bytes) -> None:
    """Apply one batch's outcome: erase, then upsert (one statement each)."""
    gewist = [p for p, r in laatste.items() if r is None]
    if gewist:
        await conn.execute("DELETE FROM identiteit WHERE pseudoniem = ANY($1::text[])", gewist)
        await quarantaine.wis(conn, [p.encode() for p in gewist])
    afdruk = vingerafdruk(sleutel)
    rijen = [_rij(r, sleutel, afdruk) for r in laatste.values() if r is not None]
    if rijen:
        await conn.executemany(
            "INSERT INTO identiteit (pseudoniem, voornamen, tussenvoegsel, achternaam, geboortedatum, straat, "
            "huisnummer, huisnummer_toevoeging, postcode, woonplaats, woongemeente, vastgelegd_op, pgn_hash, "
            "pgn_sleutel) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
            "ON CONFLICT (pseudoniem) DO UPDATE SET voornamen = EXCLUDED.voornamen, "
            "tussenvoegsel = EXCLUDED.tussenvoegsel, achternaam = EXCLUDED.achternaam, "
            "geboortedatum = EXCLUDED.geboortedatum, straat = EXCLUDED.straat, huisnummer = EXCLUDED.huisnummer, "
            "huisnummer_toevoeging = EXCLUDED.huisnummer_toevoeging, postcode = EXCLUDED.postcode, "
            "woonplaats = EXCLUDED.woonplaats, woongemeente = EXCLUDED.woongemeente, "
            "vastgelegd_op = EXCLUDED.vastgelegd_op, pgn_hash = EXCLUDED.pgn_hash, pgn_sleutel = EXCLUDED.pgn_sleutel",
            rijen,
        )


class IdentiteitProjection:
    """Writes a batch's outcome; the runner keeps the checkpoint in the same transaction."""

    name = PROJECTION

    def __init__(self, sleutel: bytes) -> None:
        self.stats = IdentiteitStats()
        self.sleutel = sleutel

    async def apply(self, conn: asyncpg.Connection, records: Sequence[RawRecord]) -> None:
        laatste, onleesbaar = laatste_per_leerling([(r.key or b"", r.value) for r in records])
        if onleesbaar:
            # the runner isolates the record and hands it to quarantine(); nothing of this batch is written
            self.stats.onleesbaar += onleesbaar
            raise PoisonEvent(f"{onleesbaar} onleesbare identiteitsrecords")
        await schrijf(conn, laatste, self.sleutel)
        self.stats.batches += 1
        self.stats.gewist += sum(1 for r in laatste.values() if r is None)
        self.stats.vastgelegd += sum(1 for r in laatste.values() if r is not None)

    async def quarantine(self, conn: asyncpg.Connection, record: RawRecord, reden: str, fout: str) -> None:
        """A record that failed on its own: keep it (erasable) for beheer; the consumer moves on."""
        await quarantaine.bewaar(conn, PROJECTION, record, reden, fout)
        self.stats.quarantaine += 1


class IdentiteitConsumer(RawRecordRunner):
    """The region's identity topic into ``identiteit``, with the runtime's exactly-once guarantees."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, region: str, sleutel: bytes, batch_size: int = 1000) -> None:
        super().__init__(IdentiteitProjection(sleutel), pool, bootstrap, topics=[identity_topic(region)],
                         group_id=f"leerrecht.leerplicht.{region}.identiteit", batch_size=batch_size)
