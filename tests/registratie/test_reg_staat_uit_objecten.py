"""registratie's state applied from the event objects the intake already holds (issue 16, the intake's
seventh round): ``apply_to_state(..., events=...)`` must write exactly what decoding the envelopes again
writes. Real PostgreSQL (the app's database), every write rolled back.

Every registratie event type of the golden examples (``contracts.golden``), plus absences and corrections
whose hours have another scale than the decoded ones (``Decimal('2')`` as a school sends it, against
``2.0`` from the envelope's JSON), applied once as before (decoded) and once from the objects: every table
the state writes holds the same rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from reg_helpers import Reg

from contracts.catalogue import from_envelope, to_envelope
from contracts.envelope import Envelope
from contracts.events import registratie as ev
from contracts.events.base import Event
from contracts.golden import CORRELATIE, GOLDEN, golden_envelope

pytestmark = pytest.mark.infra
TABELLEN = ("leerling", "inschrijving", "afwezigheid", "hercodering", "melding", "vrijstelling", "verlof",
            "lesuren", "beslissing", "vsv_feit")


class _Terug(Exception):
    """Rolls the applied state back after it was read."""


async def _toestand(conn: asyncpg.Connection, envelopes: list[Envelope], events: dict[Any, Event] | None
                    ) -> dict[str, list[tuple[Any, ...]]]:
    from registratie.state import apply_to_state

    uit: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with conn.transaction():
            await apply_to_state(conn, envelopes, date(2026, 11, 27), events)
            for t in TABELLEN:
                # every column but the database's own clock (bijgewerkt_op = now() is the transaction's time)
                rows = await conn.fetch(f"SELECT to_jsonb(x) - 'bijgewerkt_op' - 'aangemaakt_op' AS j FROM {t} x")
                uit[t] = sorted(tuple(sorted(r["j"].items())) if isinstance(r["j"], dict) else (r["j"],)
                                for r in rows)
            raise _Terug
    except _Terug:
        pass
    return uit


async def test_state_applied_from_the_objects_equals_the_state_applied_from_the_decoded_envelopes(
        reg: Reg) -> None:
    gevallen: list[tuple[Envelope, Event]] = []
    for g in GOLDEN:
        if type(g.event).domein != "registratie":
            continue
        env = golden_envelope(type(g.event).event_type)
        gevallen.append((env, g.event))
    afw = next(e for _, e in gevallen if isinstance(e, ev.AfwezigheidGeregistreerd))
    cor = next(e for _, e in gevallen if isinstance(e, ev.AfwezigheidGecorrigeerd))
    for n, (soort, uren) in enumerate(((afw, Decimal("2")), (afw, Decimal("0.50")), (cor, Decimal("3")))):
        veld = "uren" if soort is afw else "nieuwe_uren"
        obj = soort.model_copy(update={veld: uren, "afwezigheid_id": UUID(int=n + 1)})
        src = GOLDEN[[g.event for g in GOLDEN].index(soort)]
        gevallen.append((to_envelope(obj, subject=src.subject, source=src.source, occurred_at=src.occurred_at,
                                     correlation_id=CORRELATIE, region=src.region),
                         obj))
    assert len(gevallen) > 15
    for env, obj in gevallen:
        assert from_envelope(env) == obj, env.type  # what the objects path relies on
    envelopes = [e for e, _ in gevallen]
    conn = await asyncpg.connect(reg.app.state.runtime.settings.database_url)
    try:
        gedecodeerd = await _toestand(conn, envelopes, None)
        uit_objecten = await _toestand(conn, envelopes, {e.id: o for e, o in gevallen})
    finally:
        await conn.close()
    assert sum(len(v) for v in gedecodeerd.values()) > 10
    assert uit_objecten == gedecodeerd
