"""A dead-lettered event never jams its dossier (issue 11): release its claim, mark the dossier.

The command path claims versions (``dossier_pending``, see :mod:`leerplicht.projection`) and waits
until the projection applied them. An event the projection can never apply (dead-lettered by the
runner, e.g. a toelichting the database refuses) would keep its claim forever: every later command on
the dossier would answer 503 (or 409 on a version that never comes). So the runner's dead-letter hook
(:meth:`leerplicht.projection.LeerplichtProjection.on_dead_lettered`, in the transaction that moves the
checkpoint past the event) calls :func:`markeer`, which

* locks the dossier rows (like the projection: waits for a command that is publishing) and deletes
  the event's pending claim, so the version is again what was applied;
* records the event in ``aandacht`` (:mod:`leerrecht.aandacht`): the dossier is marked as needing
  attention — in the dossier, the worklist and for beheer (``/v1/beheer/aandacht``) — until beheer
  re-applies the event after a fix or resolves the mark.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from contracts.catalogue import from_envelope
from contracts.envelope import Envelope
from leerplicht.domain.dossier import dossier_id_van
from leerrecht import aandacht
from leerrecht.projection import Delivered


def _genoemd_dossier(env: Envelope) -> UUID | None:
    """The dossier an event names, also when its payload does not decode."""
    try:
        return dossier_id_van(from_envelope(env))
    except Exception:
        raw = env.data.get("dossier_id")
        try:
            return UUID(str(raw)) if raw is not None else None
        except ValueError:
            return None


async def markeer(conn: asyncpg.Connection, ev: Delivered, reden: str) -> None:
    """Release the claims of a dead-lettered event and mark its dossier (module doc)."""
    env = ev.envelope
    geclaimd = [r["dossier_id"] for r in await conn.fetch(
        "SELECT dossier_id FROM dossier_pending WHERE event_id = $1", env.id)]
    genoemd = _genoemd_dossier(env)
    kandidaten = sorted(set(geclaimd) | ({genoemd} if genoemd else set()))
    bestaand = [r["dossier_id"] for r in await conn.fetch(
        "SELECT dossier_id FROM dossier WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id FOR UPDATE",
        kandidaten)]
    await conn.execute("DELETE FROM dossier_pending WHERE event_id = $1", env.id)
    dossier_id = (geclaimd or bestaand or [None])[0]
    await aandacht.bewaar(conn, ev, reden, str(dossier_id) if dossier_id else None)


async def voor_dossier(conn: asyncpg.Connection, dossier_id: UUID) -> dict[str, Any] | None:
    return (await aandacht.open_voor(conn, [str(dossier_id)])).get(str(dossier_id))


async def werklijst(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [{**m, "dossier_id": m["onderwerp"]} for m in await aandacht.alle_open(conn)]
