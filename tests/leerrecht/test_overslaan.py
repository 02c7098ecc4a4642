"""The runner's cheap reader of skipped records (:mod:`leerrecht.overslaan`) never accepts what the full
envelope decode refuses, and reads the same numbers from what it accepts.

Why this matters: a record the reader accepts is skipped without the full decode; if that decode would
have refused it, the record would no longer reach the dead letters (it must, exactly as before).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from volledig import volledig

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.overslaan import MAX_HAKEN, gescande_type, overslaan

ROOT = Path(__file__).resolve().parents[2]

GENEGEERD = "nl.leerrecht.test.genegeerd"
NIETS: frozenset[str] = frozenset()


def geldig(**extra: Any) -> dict[str, Any]:
    env = Envelope(type=GENEGEERD, source="urn:nl:leerrecht:test", time=utcnow(), subject="pseudoniem-0123",
                   schema_version=1, correlation_id=uuid7(), causation_id=uuid7(), region="MC28",
                   dataschema="https://leerrecht.nl/schemas/x/v1.json", subject_sequence=3, data={"n": 1, "l": [1]})
    d: dict[str, Any] = orjson.loads(env.to_json())
    d.update(extra)
    return d


def test_a_valid_envelope_of_a_type_not_handled_is_read_as_the_full_decode_reads_it() -> None:
    value = orjson.dumps(geldig())
    o = overslaan(value, 7, NIETS)
    env = Envelope.from_json(value)
    assert o is not None
    assert (o.source, o.subject, o.subject_sequence, o.id, o.offset) == (
        env.source, env.subject, env.subject_sequence, str(env.id), 7)
    assert gescande_type(value) == GENEGEERD


def test_the_benchmarks_regional_log_is_read_alike() -> None:
    """Every kind of record a regional topic holds, as the platform writes it (the benchmark's generator)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # appended: the repository's ``services`` must not shadow the test helper
    from benchmarks.__main__ import make_regio_events

    for _, value in make_regio_events(3000):
        env = Envelope.from_json(value)
        assert gescande_type(value) == env.type
        o = overslaan(value, 0, NIETS)
        assert o is not None, value[:200]
        assert (o.source, o.subject, o.subject_sequence, o.id) == (
            env.source, env.subject, env.subject_sequence, str(env.id))


@pytest.mark.parametrize("value", [
    orjson.dumps(geldig(type="nl.leerrecht.test.behandeld")),  # a handled type: the full decode
    b'{"type":"nl.leerrecht.test.genegeerd", not json',
    orjson.dumps({k: v for k, v in geldig().items() if k != "id"}),  # valid (a new id), but not read here
    orjson.dumps({k: v for k, v in geldig().items() if k != "subject"}),
    orjson.dumps(geldig(schema_version=1)),  # the Python name of a field
    orjson.dumps(geldig(time="2026-12-02T07:00:00")),  # no offset
    orjson.dumps(geldig(time="2026-12-02T07:00:00+00:60")),  # fromisoformat takes it, pydantic does not
    orjson.dumps(geldig(id=str(uuid7()).upper())),  # valid, but not the canonical spelling
    orjson.dumps(geldig(subjectsequence=0)),
    orjson.dumps(geldig(data={"n": [[[[]]]] * (MAX_HAKEN // 3 + 1)})),  # more brackets than counted
    orjson.dumps(geldig(data=[])),
    orjson.dumps([geldig()]),
    None,
])
def test_what_it_cannot_tell_is_left_to_the_full_decode(value: bytes | None) -> None:
    assert value is None or overslaan(value, 0, frozenset({"nl.leerrecht.test.behandeld"})) is None


def test_nesting_pydantic_refuses_is_not_read() -> None:
    d = geldig()
    d["data"] = {"n": 1}
    diep = orjson.dumps(d).replace(b'{"n":1}', b'{"n":' + b"[" * 250 + b"]" * 250 + b"}")
    assert volledig(diep) is None
    assert overslaan(diep, 0, NIETS) is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40) | st.sampled_from(["1.0", "application/json", str(uuid7()), "2026-12-02T07:00:00Z",
                                              "2026-12-02T07:00:00.5+01:00", "2026-02-30T07:00:00Z"]),
    lambda kind: st.lists(kind, max_size=3) | st.dictionaries(st.text(max_size=5), kind, max_size=3),
    max_leaves=8,
)
SLEUTELS = [*sorted(geldig()), "schema_version", "recorded_at", "anders"]



def _gelezen_als_volledig(value: bytes) -> None:
    """What the reader accepts, the full decode accepts too, with the same source, subject, number and id."""
    o = overslaan(value, 0, NIETS)
    if o is None:
        return
    env = volledig(value)
    assert env is not None, value
    assert (o.source, o.subject, o.subject_sequence, o.id) == (
        env.source, env.subject, env.subject_sequence, str(env.id))

@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wijzigingen=st.dictionaries(st.sampled_from(SLEUTELS), JSON, max_size=3),
       weg=st.sets(st.sampled_from(sorted(geldig())), max_size=2))
def test_never_accepts_what_the_full_decode_refuses(wijzigingen: dict[str, Any], weg: set[str]) -> None:
    d = geldig()
    d.update(wijzigingen)
    for k in weg:
        d.pop(k, None)
    try:
        value = orjson.dumps(d)
    except (TypeError, orjson.JSONEncodeError):
        return  # an integer beyond 64 bits: no such record from our producers
    _gelezen_als_volledig(value)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?"
                     r"(Z|[+-][0-9]{2}:[0-9]{2})\Z"), st.booleans())
def test_a_time_it_accepts_the_full_decode_accepts(tijd: str, opgenomen: bool) -> None:
    value = orjson.dumps(geldig(recordedtime=tijd) if opgenomen else geldig(time=tijd))
    if overslaan(value, 0, NIETS) is not None:
        assert volledig(value) is not None, tijd


def test_another_spelling_of_a_valid_envelope_is_left_to_the_full_decode() -> None:
    """Whitespace, escapes, another key order: valid envelopes that this reader does not read."""
    d = geldig()
    for value in (orjson.dumps(d, option=orjson.OPT_INDENT_2), orjson.dumps(dict(reversed(list(d.items())))),
                  orjson.dumps(geldig(subject='pseudoniem-"0123"')), orjson.dumps(geldig(source="urn:é")),
                  orjson.dumps(d) + b"\n"):
        assert volledig(value) is not None
        assert overslaan(value, 0, NIETS) is None


def test_the_runner_decodes_only_the_handled_types_and_what_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's reading of a piece of records (``ProjectionRunner._lees``): the envelope is built for
    the handled types and for what the cheap reader cannot tell, never for the others."""
    from aiokafka.structs import ConsumerRecord

    from leerrecht import projection as runner_module

    class Gefilterd:
        name = "lees-test"
        handles = frozenset({"nl.leerrecht.test.behandeld"})

        async def apply(self, conn: Any, events: Any) -> None:
            raise AssertionError("not called here")

    values = [orjson.dumps(geldig(type="nl.leerrecht.test.behandeld")), orjson.dumps(geldig()),
              orjson.dumps(geldig()), orjson.dumps(geldig(), option=orjson.OPT_INDENT_2), b"{kapot"]
    records = [ConsumerRecord("t", 0, i, 0, 0, b"k", v, None, 1, len(v), ()) for i, v in enumerate(values)]
    gebouwd: list[bytes] = []
    echt = Envelope.from_json

    def tellend(raw: bytes | str) -> Envelope:
        gebouwd.append(raw if isinstance(raw, bytes) else raw.encode())
        return echt(raw)

    monkeypatch.setattr(runner_module.Envelope, "from_json", staticmethod(tellend))
    runner = runner_module.ProjectionRunner(Gefilterd(), None, "localhost:9", topics=["t"])  # type: ignore[arg-type]
    decoded, genegeerd, poison = runner._lees(records)
    assert [d.offset for d in decoded] == [0]
    assert [g.offset for g in genegeerd] == [1, 2, 3]
    assert [r.offset for r, _ in poison] == [4]
    assert gebouwd == [values[0], values[3], values[4]], "only the handled type and what the reader cannot tell"


GRENSGEVALLEN: list[Any] = [
    None, True, 0, 1, 2, -1, 1.0, 2**40, "1", "", "a", "é", 'a"b', "a\\b", "1.0", "application/json",
    "application/xml", str(uuid7()), str(uuid7()).upper(), str(uuid7())[:-1], "2026-12-02T07:00:00Z",
    "2026-12-02T07:00:00", "2026-02-29T07:00:00+01:00", "2024-02-29T23:59:59.999999-23:59",
    "2026-12-02T07:00:00+00:60", "2026-12-02 07:00:00Z", {}, {"n": 1}, [], [1],
]


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(geldig())), st.sampled_from(GRENSGEVALLEN), max_size=2))
def test_never_accepts_what_the_full_decode_refuses_near_the_edges(wijzigingen: dict[str, Any]) -> None:
    """Each field set to a value near what it allows (valid or just not), in the envelope's own order:
    the reader accepts many of these, and never one the full decode refuses."""
    value = orjson.dumps(geldig(**wijzigingen))
    _gelezen_als_volledig(value)
