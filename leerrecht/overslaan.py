"""Reading a record just far enough to skip it: the event types a projection does not handle.

Why: on a regional topic most records are absences that rmc and registratie's report statuses never
look at (87 % of the benchmark's regional log). The runner used to build the full pydantic envelope of
each (~5 µs), record its id in ``applied_event`` and number it in ``volgorde``, and the projection then
dropped it. A projection that declares ``handles`` (:class:`leerrecht.projection.Projection`) has the
others skipped: the runner only needs their type, to decide, and their number, for ``volgorde``.

How (measured, ``benchmarks/METINGEN.md`` "The runner skips ignored types"): the type is found by a
scan of the record for ``"type":"`` (the envelope writes it third, after ``specversion`` and ``id``);
a handled type, or no type found, takes the full decode as before, at the cost of the scan only.
A record whose scanned type is not handled is read with ``orjson`` and checked here to be an envelope
the full decode would accept: the same keys (the wire names only), the same JSON types, canonical
lower-case UUIDs, RFC 3339 times with an offset. Anything the check is not sure of (another spelling,
a missing ``id``, unexpected JSON) returns None, and the runner decodes the record fully, so a record
that is not JSON or not an envelope is dead-lettered exactly as before. The check may refuse more than
pydantic does (never less: ``tests/leerrecht/test_overslaan.py``). No header: the publisher's cost per
record is at its target's edge, and records already on the log carry none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import orjson

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
_TIJD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
                   r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])").fullmatch
"""An RFC 3339 time with an offset; :func:`datetime.fromisoformat` then checks the ranges of the date and
time (it accepts an offset's minutes up to 99, pydantic only to 59: hence the offset's own pattern)."""
_VERPLICHT = frozenset({"id", "type", "source", "time", "subject", "schemaversion", "correlationid", "data"})
"""The keys every envelope read here has (``id`` too: an envelope without one is valid, with a new id
drawn by the decode, but such a record takes the full decode)."""
_ALLE = _VERPLICHT | {"specversion", "datacontenttype", "dataschema", "recordedtime", "causationid", "region",
                      "subjectsequence"}
_TYPE = b'"type":"'
MAX_HAKEN = 150
"""At most this many ``{`` and ``[`` in a record read here. Why: pydantic refuses JSON nested 200 deep,
orjson only at 1,024; counting the brackets (a bound on the depth) is cheaper than measuring it."""
_van_iso = datetime.fromisoformat


@dataclass(frozen=True, slots=True)
class Overgeslagen:
    """A record of a type the projection does not handle: its position and what ``volgorde`` reads."""

    source: str
    subject: str
    subject_sequence: int | None
    id: str
    offset: int


def gescande_type(value: object) -> str | None:
    """The envelope type as the record spells it, found by a scan (a hint only: :func:`overslaan`
    confirms it); None when there is none to find."""
    if type(value) is not bytes:
        return None
    i = value.find(_TYPE)
    if i < 0:
        return None
    i += len(_TYPE)
    j = value.find(b'"', i)
    if j < 0:
        return None
    try:
        return value[i:j].decode()
    except UnicodeDecodeError:
        return None


def _tijd(x: object) -> bool:
    if type(x) is not str or _TIJD(x) is None:
        return False
    try:
        _van_iso(x)  # the ranges: month, day of the month, hour, offset
    except ValueError:
        return False
    return True


def _uuid(x: object) -> bool:
    return type(x) is str and _UUID(x) is not None


def overslaan(value: bytes, offset: int, handles: frozenset[str]) -> Overgeslagen | None:
    """The record as skipped, when it certainly is an envelope of a type not in ``handles``; None
    when it is of a handled type or when this reader cannot tell (then decode it fully)."""
    if value.count(b"{") + value.count(b"[") > MAX_HAKEN:
        return None
    try:
        d = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    if type(d) is not dict or not (_VERPLICHT <= d.keys() <= _ALLE):
        return None
    t, source, subject, eid = d["type"], d["source"], d["subject"], d["id"]
    if (type(t) is not str or t in handles or type(source) is not str or type(subject) is not str
            or not _uuid(eid) or not _uuid(d["correlationid"]) or type(d["data"]) is not dict):
        return None
    n = d["schemaversion"]
    if type(n) is not int or n < 1 or not _tijd(d["time"]):
        return None
    volgnummer = None
    if len(d) > len(_VERPLICHT):  # the optional keys, only when present
        if d.get("specversion", "1.0") != "1.0" or d.get("datacontenttype", "application/json") != "application/json":
            return None
        for sleutel in ("dataschema", "region"):
            x = d.get(sleutel)
            if x is not None and type(x) is not str:
                return None
        if "recordedtime" in d and not _tijd(d["recordedtime"]):
            return None
        x = d.get("causationid")
        if x is not None and not _uuid(x):
            return None
        volgnummer = d.get("subjectsequence")
        if volgnummer is not None and (type(volgnummer) is not int or volgnummer < 1):
            return None
    return Overgeslagen(source, subject, volgnummer, eid, offset)
