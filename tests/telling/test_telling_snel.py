"""telling's absences read from the record without the pydantic envelope (issue 16, the nineteenth
session): ``TellingProjection.snel`` hands ``apply`` a :class:`~leerrecht.projection.SnelGelezen` whose
header gives the region and recording time and whose ``gelezen`` is what ``_afwezigheid`` reads from
the full decode.

Why this matters: what the reader accepts never reaches pydantic, and the national figures must be the
same to the digit (their hash is compared between a rebuild and the live service). So: the reader never
accepts what the full decode refuses (it is leerplicht's reader, whose own proofs are in
``tests/leerrecht/test_snel_record.py``), and for what it accepts it gives the region, the
registratiedag and (schooljaar, soort, uren, datum) the full decode gives, the Decimal's exponent
included; and with real PostgreSQL, the same log applied both ways, in batches as the runner cuts them,
leaves every table the same.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabellen import inhoud
from telling.bundel import GebundeldeRunner
from telling.projection import AMSTERDAM, TellingProjection, _afwezigheid, _vastgelegd_op
from volledig import volledig

from contracts import snel
from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie as reg
from contracts.events.base import School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import SnelGelezen, nieuwe_of_eigen

ROOT = Path(__file__).resolve().parents[2]
LEZER = TellingProjection.snel[snel.AFWEZIG]


def _benchmark_logs() -> tuple[list[bytes], list[bytes]]:
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # appended: the repository's ``services`` must not shadow the test helper
    from benchmarks.__main__ import make_events, make_regio_events

    return [v for _, v in make_regio_events(3000)], make_events(500)


def _afwezig(uren: Decimal = Decimal("2.5"), datum: date = date(2026, 10, 5),
             code: AfwezigheidCode = AfwezigheidCode.ZIEK) -> dict[str, Any]:
    ev = reg.AfwezigheidGeregistreerd(afwezigheid_id=uuid7(), school=School(brin="12AB", vestiging="01"),
                                      datum=datum, uren=uren, eenheid=UrenEenheid.LESUUR, code=code)
    env = to_envelope(ev, subject="k1:tellingsnel0000000000", source="urn:nl:leerrecht:registratie",
                      occurred_at=utcnow(), correlation_id=uuid7(), region="MC28")
    d: dict[str, Any] = orjson.loads(env.to_json())
    return d


def _als_de_volledige(value: bytes) -> Any:
    """The reader's answer, checked against the full decode when it gives one."""
    gelezen = LEZER(value)
    if gelezen is not None:
        env = volledig(value)
        assert env is not None, value
        kop, afwezigheid = gelezen
        assert (kop.id, kop.type, kop.subject, kop.region) == (str(env.id), env.type, env.subject, env.region)
        assert _vastgelegd_op(kop.recordedtime) == env.recorded_at.astimezone(AMSTERDAM).date(), value
        volgens_envelope = _afwezigheid(env)
        assert afwezigheid == volgens_envelope, value
        assert str(afwezigheid[2]) == str(volgens_envelope[2])  # the same numeric scale in PostgreSQL
    return gelezen


def test_every_absence_of_the_benchmarks_logs_is_read_alike_and_nothing_else() -> None:
    regio, afwezig = _benchmark_logs()
    for value in regio + afwezig:
        env = volledig(value)
        assert env is not None
        assert (_als_de_volledige(value) is not None) == (env.type == snel.AFWEZIG), value[:200]


@pytest.mark.parametrize("uren", ["5.0", "2.5", "0.25", "0.01", "1", "24", "24.0", "7.33", "3.1", "0.5", "2.50", "1e1"])
def test_the_hours_codes_and_days_are_read_as_the_full_decode_reads_them(uren: str) -> None:
    for code in AfwezigheidCode:
        for datum in (date(2025, 7, 31), date(2025, 8, 1), date(2024, 2, 29)):
            d = _afwezig(datum=datum, code=code)
            value = orjson.dumps(d).replace(b'"uren":2.5', b'"uren":' + uren.encode())
            assert _als_de_volledige(value) is not None, value


@pytest.mark.parametrize("recordedtime", [
    "2026-10-05T21:59:59Z", "2026-10-05T22:00:00Z",  # Amsterdam's midnight in summer time
    "2026-12-05T22:59:59.999999Z", "2026-12-05T23:00:00.1Z",  # and in winter time
    "2026-03-29T00:30:00+00:00", "2026-03-29T01:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z",
    "2026-12-05T23:30:00-01:00", "2026-12-06T00:30:00+02:00", "2026-12-05T12:00:00.12345+05:30",
])
def test_the_registratiedag_is_the_full_decodes_around_midnight_and_daylight_saving(recordedtime: str) -> None:
    value = orjson.dumps({**_afwezig(), "recordedtime": recordedtime})
    assert _als_de_volledige(value) is not None


def test_an_absence_without_a_region_is_read_with_none_and_another_spelling_is_left_alone() -> None:
    zonder = {k: v for k, v in _afwezig().items() if k != "region"}  # the envelope allows it; telling skips it
    gelezen = _als_de_volledige(orjson.dumps(zonder))
    assert gelezen is not None and gelezen[0].region is None
    for anders in ({"region": None}, {"region": 28}, {"region": "MC\u00e928"},
                   {"recordedtime": "2026-10-05 22:00:00Z"}):
        assert _als_de_volledige(orjson.dumps({**_afwezig(), **anders})) is None, anders


@settings(max_examples=400, deadline=None)
@given(plaats=st.integers(0, 2000), lengte=st.integers(0, 3),
       invoeg=st.sampled_from([b"", b" ", b"\\", b'"', b"0", b"9", b"e", b".", b"-", b"+", b"Z", b"T",
                               b"\xc3\xa9", b"{", b"}", b",", b":", b"a", b"null"]))
def test_a_record_changed_anywhere_is_read_alike_or_left_to_the_full_decode(plaats: int, lengte: int,
                                                                            invoeg: bytes) -> None:
    value = orjson.dumps(_afwezig())
    plaats %= len(value)
    _als_de_volledige(value[:plaats] + invoeg + value[plaats + lengte:])


class _VolledigGelezen(TellingProjection):
    """telling as before this round: every absence through the full decode."""

    snel: Any = types.MappingProxyType({})


async def _als_de_runner(conn: asyncpg.Connection, projection: TellingProjection, values: Sequence[bytes],
                         stuk: int) -> tuple[dict[str, list[str]], int]:
    """The log read and applied as telling's runner does it (``_lees``, the dedupe, ``apply``), a batch of
    ``stuk`` records at a time; returns the tables and how many events were read without their envelope."""
    runner = GebundeldeRunner(projection, None, "niet-gebruikt", topics=["t"])  # type: ignore[arg-type]
    snelle = 0
    records = [types.SimpleNamespace(value=v, topic="t", partition=0, offset=i, headers=())
               for i, v in enumerate(values)]
    for i in range(0, len(records), stuk):
        decoded, genegeerd, poison = runner._lees(records[i:i + stuk])
        assert not poison and not genegeerd
        snelle += sum(type(d) is SnelGelezen for d in decoded)
        fresh = await nieuwe_of_eigen(conn, projection.name, decoded, runner._eigen)
        if fresh:
            await projection.apply(conn, fresh)
    return await inhoud(conn), snelle


@pytest.mark.infra
async def test_the_log_applied_as_the_runner_does_leaves_the_same_tables(infra) -> None:  # type: ignore[no-untyped-def]
    """The benchmark's regional log and absences, with an absence published twice (the dedupe), applied
    in one transaction with the fast read and, after a rollback to a savepoint, without it."""
    regio, afwezig = _benchmark_logs()
    dubbel = orjson.dumps(_afwezig())
    values = [*regio, *afwezig, dubbel, dubbel]
    pool = await create_pool(await infra.adatabase_url("telling_snel"))
    try:
        await migrate(pool, "telling")
        async with pool.acquire() as conn, conn.transaction():
            for stuk in (500, 37):
                sp = conn.transaction()
                await sp.start()
                zonder, geen = await _als_de_runner(conn, _VolledigGelezen(), values, stuk)
                await sp.rollback()
                sp = conn.transaction()
                await sp.start()
                met, snelle = await _als_de_runner(conn, TellingProjection(), values, stuk)
                await sp.rollback()
                assert met == zonder
                assert geen == 0 and snelle == sum(snel.AFWEZIG.encode() in v for v in values)
                assert met["public.cijfer"] and met["public.som_lid"]
    finally:
        await pool.close()
