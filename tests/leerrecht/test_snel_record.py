"""leerplicht's absences read from the record without the pydantic envelope (issue 16, the runners' sixth
round): the runner hands ``apply`` a :class:`~leerrecht.projection.SnelGelezen` with the absence's row
(``LeerplichtProjection.snel``), read by one expression over the record
(:func:`leerrecht.overslaan.snelle_lezer` with :data:`contracts.snel.AFWEZIGHEID_DATA`).

Why this matters: what the reader accepts never reaches pydantic. If the full decode would have refused
it, the record would no longer be dead-lettered; if it read another row, the absence pattern would differ.
So: the reader never accepts what the full decode refuses, and what it accepts gives the header and the
row the full decode gives (:func:`contracts.snel.afwezigheid_rij` of the envelope); on the benchmark's
logs it reads every absence; and with real PostgreSQL, the same log applied as the runner applies it
(dedupe, ``volgorde``, ``apply``) leaves every table and every reported anomaly the same as the full
decode does. The same for the absences a runner skips (rmc, the report statuses), read by their shape
(:data:`leerrecht.overslaan.VORMEN`): never what the full decode refuses, the same numbers as it and as
:func:`~leerrecht.overslaan.overslaan`.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from dataclasses import FrozenInstanceError
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leerplicht.projection import LeerplichtProjection
from tabellen import inhoud
from volledig import volledig

from contracts import snel
from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope, utcnow, uuid7
from contracts.events import registratie as reg
from contracts.events.base import School
from leerrecht.db import create_pool, migrate
from leerrecht.overslaan import VORMEN, Kop, Overgeslagen, overslaan
from leerrecht.projection import Delivered, ProjectionRunner, SnelGelezen, nieuwe_events
from leerrecht.volgorde import Gemeld, volgorde_bijwerken

ROOT = Path(__file__).resolve().parents[2]
LEZER = LeerplichtProjection.snel[snel.AFWEZIG]
TOPIC = "leerrecht.regio.MC28.events"


def _benchmark_logs() -> tuple[list[bytes], list[bytes]]:
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # appended: the repository's ``services`` must not shadow the test helper
    from benchmarks.__main__ import make_events, make_regio_events

    return [v for _, v in make_regio_events(3000)], make_events(500)


def geldig() -> dict[str, Any]:
    """An absence as registratie writes it, as a JSON object in its field order."""
    ev = reg.AfwezigheidGeregistreerd(afwezigheid_id=uuid7(), school=School(brin="12AB", vestiging="01"),
                                      datum=date(2026, 10, 5), uren=Decimal("2.5"), eenheid=UrenEenheid.LESUUR,
                                      code=AfwezigheidCode.ZIEK)
    env = to_envelope(ev, subject="k1:snelrecord000000000000", source="urn:nl:leerrecht:registratie",
                      occurred_at=utcnow(), correlation_id=uuid7(), region="MC28")
    d: dict[str, Any] = orjson.loads(env.model_copy(update={"subject_sequence": 4}).to_json())
    return d


def _als_de_volledige(value: bytes) -> tuple[Kop, snel.Rij] | None:
    """The reader's answer, checked against the full decode when it gives one."""
    gelezen = LEZER(value)
    if gelezen is not None:
        env = volledig(value)
        assert env is not None, value
        kop, rij = gelezen
        assert kop == Kop(str(env.id), env.type, env.source, env.subject, env.subject_sequence, env.region,
                          kop.recordedtime)
        assert datetime.fromisoformat(kop.recordedtime) == env.recorded_at
        assert snel.afwezigheid_rij(env) == rij, value
    return gelezen


def test_a_plain_absence_is_read_as_the_full_decode_reads_it() -> None:
    assert _als_de_volledige(orjson.dumps(geldig())) is not None


def test_every_absence_of_the_benchmarks_logs_is_read_alike_and_nothing_else() -> None:
    regio, afwezig = _benchmark_logs()
    for value in regio + afwezig:
        env = Envelope.from_json(value)
        gelezen = _als_de_volledige(value)
        assert (gelezen is not None) == (env.type == snel.AFWEZIG), value[:200]


@pytest.mark.parametrize("wijziging", [
    {"id": "{" + str(uuid7()) + "}"},
    {"schemaversion": 2},
    {"dataschema": "https://leerrecht.nl/schemas/nl.leerrecht.registratie.afwezigheid_geregistreerd/v2.json"},
    {"time": "2026-12-02T07:00:00+00:60"},  # fromisoformat takes it, pydantic does not
    {"recordedtime": "2026-02-30T07:00:00Z"},
    {"subjectsequence": 0},
    {"subject": "k1:é"},
])
def test_another_header_is_left_to_the_full_decode(wijziging: dict[str, Any]) -> None:
    value = orjson.dumps({**geldig(), **wijziging})
    assert LEZER(value) is None
    assert VORMEN[snel.AFWEZIG.encode()](value, 0) is None  # and a runner that skips absences reads it in full


@pytest.mark.parametrize("data", [
    {"uren": 0}, {"uren": 24.5}, {"uren": 2.555}, {"uren": True}, {"uren": "2.5"},
    {"datum": "2026-02-30"}, {"code": "GEEN_CODE"}, {"eenheid": "MINUUT"},
    {"afwezigheid_id": str(uuid7()).upper()}, {"school": {"brin": "12ab", "vestiging": "01"}},
    {"school": {"vestiging": "01", "brin": "12AB"}}, {"extra": 1},
])
def test_another_payload_is_left_to_the_full_decode(data: dict[str, Any]) -> None:
    d = geldig()
    d["data"] = {**d["data"], **data}
    assert LEZER(orjson.dumps(d)) is None


def test_other_spellings_are_left_to_the_full_decode() -> None:
    value = orjson.dumps(geldig())
    for anders in (value.replace(b'"data":{', b'"data": {'), value.replace(b'"ZIEK"', b'"\\u005aIEK"'),
                   value + b" ", value[:-1] + b',"x":1}', value.replace(b'"uren":2.5', b'"uren":2.50e0'),
                   b"\xff" + value, value.replace(b'{"afwezigheid_id"', b'{"afwezigheid_id":"x","afwezigheid_id"')):
        gelezen = _als_de_volledige(anders)
        if anders == value.replace(b'"uren":2.5', b'"uren":2.50e0'):
            assert gelezen is not None and gelezen[1][3] == "2.5"  # a number's other spelling reads the same
        else:
            assert gelezen is None, anders


def test_the_hours_as_json_numbers_are_read_as_the_full_decode_reads_them() -> None:
    for tekst in (b"1", b"24", b"1.0", b"0.25", b"2.50", b"1e1", b"2E0", b"0.1", b"23.99", b"-1", b"0", b"25",
                  b"1e-1", b"0.001"):
        d = geldig()
        value = orjson.dumps(d).replace(b'"uren":2.5', b'"uren":' + tekst)
        gelezen = _als_de_volledige(value)
        env = volledig(value)
        assert (gelezen is not None) == (env is not None and snel.afwezigheid_rij(env) is not None), tekst


WAARDEN = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 30), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.integers(-9, 9), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(-9, 9), max_size=2),
    st.sampled_from(["ZIEK", "LESUUR", "KLOKUUR", "2026-02-29", "2028-02-29", "2026-13-01", "12AB", "01", "1A",
                     "2026-12-02T07:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T07:00:00.1234567Z",
                     "2026-12-02T07:00:00+14:00", "urn:x", "", " ", "a\\b", 'a"b', "\x00", "é", str(uuid7())]),
)
KOPVELDEN = ["specversion", "id", "type", "source", "time", "subject", "datacontenttype", "dataschema",
             "schemaversion", "recordedtime", "correlationid", "causationid", "region", "subjectsequence"]
DATAVELDEN = ["afwezigheid_id", "school", "datum", "uren", "eenheid", "code"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kop=st.dictionaries(st.sampled_from(KOPVELDEN), WAARDEN, max_size=2),
       data=st.dictionaries(st.sampled_from([*DATAVELDEN, "brin", "vestiging"]), WAARDEN, max_size=2),
       weg=st.sets(st.sampled_from([*KOPVELDEN, *DATAVELDEN]), max_size=1))
def test_never_accepts_what_the_full_decode_refuses_nor_reads_another_row(
        kop: dict[str, Any], data: dict[str, Any], weg: set[str]) -> None:
    d = geldig()
    d.update(kop)
    if isinstance(d.get("data"), dict):
        payload = dict(d["data"])
        school = dict(payload["school"]) if isinstance(payload.get("school"), dict) else None
        for k, v in data.items():
            if k in ("brin", "vestiging") and school is not None:
                school[k] = v
            elif k not in ("brin", "vestiging"):
                payload[k] = v
        if school is not None and "school" not in data:
            payload["school"] = school
        d["data"] = {k: v for k, v in payload.items() if k not in weg}
    d = {k: v for k, v in d.items() if k not in weg}
    _als_de_volledige(orjson.dumps(d))


@settings(max_examples=600, deadline=None)
@given(plaats=st.integers(0, 2000), lengte=st.integers(0, 3),
       invoeg=st.sampled_from([b"", b" ", b"\\", b'"', b"\\u0041", b"0", b"9", b"e", b".", b"-", b"\x7f",
                               b"\xc3\xa9", b"\x00", b"{", b"}", b",", b":", b"a", b"A", b"null"]))
def test_a_record_changed_anywhere_is_read_alike_or_left_to_the_full_decode(plaats: int, lengte: int,
                                                                            invoeg: bytes) -> None:
    value = orjson.dumps(geldig())
    plaats %= len(value)
    _als_de_volledige(value[:plaats] + invoeg + value[plaats + lengte:])


def test_the_envelope_of_an_event_read_fast_is_the_full_decodes() -> None:
    value = orjson.dumps(geldig())
    kop, rij = LEZER(value) or pytest.fail("not read")
    d = SnelGelezen(kop, rij, value, TOPIC, 0, 3, None)
    env = Envelope.from_json(value)
    assert d.envelope == env and d.id_int == env.id.int and d.kop is kop
    assert Delivered.kop is None  # an event decoded fully carries no header of its own
    for veld in ("kop", "gelezen", "offset", "envelope"):
        with pytest.raises(FrozenInstanceError):
            setattr(d, veld, None)  # frozen, as a Delivered


class _VolledigGelezen(LeerplichtProjection):
    """leerplicht as before this round: every absence through the full decode."""

    snel: Any = types.MappingProxyType({})


def _records(values: Sequence[bytes]) -> list[Any]:
    return [types.SimpleNamespace(value=v, topic=TOPIC, partition=0, offset=i, headers=())
            for i, v in enumerate(values)]


async def _als_de_runner(conn: asyncpg.Connection, projection: LeerplichtProjection, values: Sequence[bytes],
                         stuk: int) -> tuple[dict[str, list[str]], list[Gemeld], list[int]]:
    """The log read and applied as the runner does it (``_lees``, the dedupe, ``volgorde``, ``apply``), a
    batch of ``stuk`` records at a time."""
    runner = ProjectionRunner(projection, None, "niet-gebruikt", topics=[TOPIC])  # type: ignore[arg-type]
    gemeld: list[Gemeld] = []
    snelle: list[int] = []
    records = _records(values)
    for i in range(0, len(records), stuk):
        decoded, genegeerd, poison = runner._lees(records[i:i + stuk])
        assert not poison
        snelle += [d.offset for d in decoded if type(d) is SnelGelezen]
        fresh = await nieuwe_events(conn, projection.name, decoded)
        gemeld += await volgorde_bijwerken(conn, projection.name, TOPIC,
                                           sorted([*fresh, *genegeerd], key=lambda e: e.offset))
        if fresh:
            await projection.apply(conn, fresh)
    return await inhoud(conn), gemeld, snelle


@pytest.mark.infra
async def test_the_log_applied_as_the_runner_does_leaves_the_same_tables(infra) -> None:  # type: ignore[no-untyped-def]
    """The benchmark's regional log and absences, with an absence re-published at a new offset (the
    dedupe), one published twice in a batch, and a pupil's number skipped (a gap ``volgorde`` reports),
    applied in one transaction with the fast read and, after a rollback to a savepoint, without it."""
    regio, afwezig = _benchmark_logs()
    d = geldig()
    later = {**d, "subjectsequence": 6}  # 5 is missing: a gap
    values = [*regio, *afwezig, orjson.dumps(d), orjson.dumps(d), regio[5], orjson.dumps(later)]
    pool = await create_pool(await infra.adatabase_url("snel_record"))
    try:
        await migrate(pool, "leerplicht")
        async with pool.acquire() as conn, conn.transaction():
            for stuk in (500, 37):
                sp = conn.transaction()
                await sp.start()
                snel_uit = await _als_de_runner(conn, _VolledigGelezen("MC28"), values, stuk)
                await sp.rollback()
                sp = conn.transaction()
                await sp.start()
                snel_aan = await _als_de_runner(conn, LeerplichtProjection("MC28"), values, stuk)
                await sp.rollback()
                assert snel_aan[0] == snel_uit[0]
                assert [(g.afwijking, g.source, g.event_id) for g in snel_aan[1]] == [
                    (g.afwijking, g.source, g.event_id) for g in snel_uit[1]]
                assert any(g.afwijking.kind == "gat" for g in snel_aan[1])
                assert not snel_uit[2]
                assert len(snel_aan[2]) == sum(snel.AFWEZIG.encode() in v for v in values)
                assert snel_aan[0]["public.afwezigheid"]
    finally:
        await pool.close()


# ---------------------------------------------------------------- skipped absences read by their shape

VORM = VORMEN[snel.AFWEZIG.encode()]


def _overgeslagen_als_de_volledige(value: bytes) -> Overgeslagen | None:
    """The shape reader's answer, checked against the full decode when it gives one."""
    o = VORM(value, 9)
    if o is not None:
        env = volledig(value)
        assert env is not None, value
        assert o == Overgeslagen(env.source, env.subject, env.subject_sequence, str(env.id), 9)
        assert o == overslaan(value, 9, frozenset())  # as the general reader reads it
    return o


def test_every_skipped_absence_of_the_benchmarks_regional_log_is_read_by_its_shape() -> None:
    regio, _ = _benchmark_logs()
    for value in regio:
        o = _overgeslagen_als_de_volledige(value)
        assert (o is not None) == (Envelope.from_json(value).type == snel.AFWEZIG)


def test_an_absence_of_any_values_is_skipped_by_its_shape_and_another_shape_is_not() -> None:
    d = geldig()
    d["data"] = {**d["data"], "code": "GEEN_CODE", "datum": "morgen", "uren": -1}  # the envelope asks no more
    assert _overgeslagen_als_de_volledige(orjson.dumps(d)) is not None
    for data in ({**d["data"], "extra": 1}, {**d["data"], "uren": "2"}, {**d["data"], "school": [1]}):
        assert VORM(orjson.dumps({**d, "data": data}), 9) is None


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kop=st.dictionaries(st.sampled_from(KOPVELDEN), WAARDEN, max_size=2),
       data=st.dictionaries(st.sampled_from(DATAVELDEN), WAARDEN, max_size=2),
       weg=st.sets(st.sampled_from([*KOPVELDEN, *DATAVELDEN]), max_size=1))
def test_the_shape_never_accepts_what_the_full_decode_refuses(kop: dict[str, Any], data: dict[str, Any],
                                                              weg: set[str]) -> None:
    d = {**geldig(), **kop}
    if isinstance(d.get("data"), dict):
        d["data"] = {k: v for k, v in {**d["data"], **data}.items() if k not in weg}
    _overgeslagen_als_de_volledige(orjson.dumps({k: v for k, v in d.items() if k not in weg}))


@settings(max_examples=600, deadline=None)
@given(plaats=st.integers(0, 2000), lengte=st.integers(0, 3),
       invoeg=st.sampled_from([b"", b" ", b"\\", b'"', b"\\u0041", b"0", b"9", b"e", b".", b"-", b"\x7f",
                               b"\xc3\xa9", b"\x00", b"{", b"}", b",", b":", b"[", b"a", b"null"]))
def test_the_shape_of_a_record_changed_anywhere_is_read_alike_or_left_to_overslaan(plaats: int, lengte: int,
                                                                                  invoeg: bytes) -> None:
    value = orjson.dumps(geldig())
    plaats %= len(value)
    _overgeslagen_als_de_volledige(value[:plaats] + invoeg + value[plaats + lengte:])
