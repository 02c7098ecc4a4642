"""Blue/green switch-over on real Kafka and PostgreSQL (issue 7, :mod:`telling.blauwgroen`).

A live ``python -m telling`` process folds a prefixed log. ``python -m telling rebuild --switch``
rebuilds from offset 0 while events keep arriving, catches up with the live figures and switches
atomically. The *same* live process then counts the later events in the new schema. Nothing is lost
or doubled: the count of absences equals the number produced, the positions equal the events on the
log, and a fresh rebuild gives the same hash. Then ``--rollback`` switches back: the old schema reads
the events since the switch from its own checkpoints and ends at the same figures.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from telling.rebuild import rebuild
from telling.tabellen import inhoud_hash
from tl_omgeving import geisoleerde_telling
from tl_omgeving import wacht as _wacht
from tl_scenario import SCENARIO

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.events import registratie
from contracts.events.base import School
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import auth, launch, wait_ready

JAAR = "2025-2026"
CEL = ("afwezigheid.registraties", "NL", JAAR)


def _afwezigheden(run: str, start: int, n: int, topics: dict[str, str]) -> list[OutgoingEvent]:
    """``n`` absences of distinct pupils, alternating between the two regions; each counts once in
    ``afwezigheid.registraties`` (NL), so that cell is the number of absences folded."""
    out = []
    for i in range(start, start + n):
        regio = "MC21" if i % 2 else "MC29"
        ev = registratie.AfwezigheidGeregistreerd(
            afwezigheid_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{run}/{i}"), school=School(brin="12AB", vestiging="00"),
            datum=date(2025, 10, 6), uren=Decimal("1"), eenheid=UrenEenheid.LESUUR, code=AfwezigheidCode.ZIEK,
        )
        env = to_envelope(ev, subject=f"{i:04d}" + "e1" * 30, source="urn:nl:leerrecht:registratie",
                          occurred_at=datetime(2025, 10, 6, 10, tzinfo=UTC), correlation_id=uuid.uuid4(),
                          region=regio, recorded_at=datetime(2025, 10, 6, 11, tzinfo=UTC))
        out.append(OutgoingEvent(topics[regio], env))
    return out




async def _stand(conn: asyncpg.Connection, schema: str = "public") -> tuple[int, int]:
    """(sum of checkpoints, absences counted) in ``schema``."""
    gelezen = await conn.fetchval(
        f"SELECT coalesce(sum(next_offset), 0) FROM \"{schema}\".checkpoint WHERE projection = 'telling'")
    telling = await conn.fetchval(
        f'SELECT coalesce(sum(waarde), 0) FROM "{schema}".cijfer WHERE indicator = $1 AND gebied = $2 '
        "AND periode = $3", *CEL)
    return int(gelezen), int(telling)


async def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "telling", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    text = out.decode()
    assert proc.returncode == 0, text
    return text


@pytest.mark.infra
async def test_rebuild_switches_the_running_service_without_losing_or_doubling(infra) -> None:  # type: ignore[no-untyped-def]
    g = await geisoleerde_telling(infra, "bg", "tbg", ("MC21", "MC29"), batch=100)
    run, topics, env, settings = g.run, g.topics, g.env, g.settings
    pub = EventPublisher(infra.bootstrap, client_id="telling-blauwgroen-test")
    await pub.start()
    # the scenario gives published tables (the count stream), the absences a countable figure
    await pub.publish([OutgoingEvent(topics[s.region], s.envelope()) for s in SCENARIO])
    afw = 0
    await pub.publish(_afwezigheden(run, afw, 2000, topics))
    afw += 2000
    svc = launch("telling", infra.bootstrap, env["DATABASE_URL"],
                 **{k: v for k, v in env.items() if k.startswith(("TELLING_", "PROJECTION_"))})
    db = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await asyncio.to_thread(wait_ready, svc)
        await _wacht(lambda: _eq(_stand(db), (len(SCENARIO) + afw, afw)))

        # the rebuild runs while the log moves on
        herbouw = asyncio.create_task(_cli(env, "rebuild", "--switch", "--timeout", "90", "--switch-timeout", "60"))
        tijdens = 0
        while not herbouw.done() and tijdens < 3000:
            await pub.publish(_afwezigheden(run, afw, 50, topics))
            afw += 50
            tijdens += 50
            await asyncio.sleep(0.05)
        text = await herbouw
        assert tijdens >= 100, "er kwamen te weinig events binnen tijdens de herbouw"
        nieuw = re.search(r"herbouwd bij de wissel: (\d+) cellen, inhoudshash (\w+)", text)
        live = re.search(r"live bij de wissel: (\d+) cellen, inhoudshash (\w+)", text)
        assert nieuw and live and nieuw.groups() == live.groups(), text
        assert re.search(r"voortgang \d+/\d+ \(\d+\.\d%\) \[[#.]{30}\] \d+ events/s", text), text
        oud_m = re.search(r"terugdraaien: python -m telling rebuild --rollback (telling_oud_\d+)", text)
        assert oud_m, text
        oud = oud_m.group(1)

        # after the switch: more events, counted by the same process in the new schema
        await pub.publish(_afwezigheden(run, afw, 300, topics))
        afw += 300
        totaal = len(SCENARIO) + afw
        await _wacht(lambda: _eq(_stand(db), (totaal, afw)))
        assert svc.proc.poll() is None, "the live service must keep running"
        assert svc.logs().count("blauwgroen_gewisseld") == 1, svc.logs()[-3000:]
        r = httpx.get(f"{svc.url}/v1/cijfers", params={"gebied": "NL", "indicator": CEL[0]},
                      headers=auth("beheer"))
        assert r.status_code == 200, r.text
        assert [c["waarde"] for c in r.json()["cijfers"] if c["periode"] == JAAR] == [afw]
        # the old schema is frozen at the switch and consistent in itself; the new public has moved on
        gelezen_oud, telling_oud = await _stand(db, oud)
        assert len(SCENARIO) + 2000 <= gelezen_oud < totaal
        assert telling_oud == gelezen_oud - len(SCENARIO)
        # the count stream carried over what the topic holds and drains the outbox of the new schema
        assert await db.fetchval("SELECT count(*) FROM public.gepubliceerd") >= \
            await db.fetchval(f'SELECT count(*) FROM "{oud}".gepubliceerd') > 0
        await _wacht(lambda: _eq(db.fetchval("SELECT count(*) FROM public.cijfer_gewijzigd"), 0))
        status = await db.fetch("SELECT status, oud_schema FROM telling_blauwgroen.wissel ORDER BY id")
        assert [(s["status"], s["oud_schema"]) for s in status] == [("gewisseld", oud)]

        # rollback: the old schema becomes public again and reads the events since the switch
        text = await _cli(env, "rebuild", "--rollback", oud, "--switch-timeout", "60")
        assert f"teruggedraaid: {oud} is weer public" in text, text
        await pub.publish(_afwezigheden(run, afw, 200, topics))
        afw += 200
        totaal = len(SCENARIO) + afw
        await _wacht(lambda: _eq(_stand(db), (totaal, afw)))
        assert svc.proc.poll() is None and svc.logs().count("blauwgroen_gewisseld") == 2
        assert await db.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{oud}".checkpoint') is False

        # a fresh rebuild from offset 0 agrees with the live figures at the same (final) position
        live_hash, n = await inhoud_hash(db)
        _, vers, m = await rebuild(settings, f"rb_{uuid.uuid4().hex[:8]}", timeout=60, meld=lambda _: None)
        assert (vers, m) == (live_hash, n)
    finally:
        await db.close()
        await pub.stop()
        code = svc.stop()
    logs = svc.logs()
    assert code in (0, -15), logs[-3000:]


async def _eq(waarde: Any, verwacht: Any) -> bool:
    return bool(await waarde == verwacht)
