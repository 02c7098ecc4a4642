"""Reading a record just far enough to skip it: the event types a projection does not handle.

Why: on a regional topic most records are absences that rmc and registratie's report statuses never
look at (87 % of the benchmark's regional log). The runner used to build the full pydantic envelope of
each (~5 µs), record its id in ``applied_event`` and number it in ``volgorde``, and the projection then
dropped it. A projection that declares ``handles`` (:class:`leerrecht.projection.Projection`) has the
others skipped: the runner only needs their type, to decide, and their number, for ``volgorde``.

How (measured, ``benchmarks/METINGEN.md`` "The runner skips ignored types"): the type is found by a
scan of the record for ``"type":"`` (the envelope writes it third, after ``specversion`` and ``id``);
a handled type, or no type found, takes the full decode as before, at the cost of the scan only.
A record whose scanned type is not handled is matched against the envelope exactly as the platform
writes it (:meth:`contracts.envelope.Envelope.to_json`: its fields in order, no whitespace, ASCII
strings without escapes, canonical UUIDs, RFC 3339 times) by one regular expression, which also
captures what ``volgorde`` needs; the times' ranges are checked by :func:`datetime.fromisoformat` and
the payload by ``orjson`` (a JSON object). Anything else (another spelling, an older or foreign
producer, unexpected JSON) returns None and the runner decodes the record fully, so a record that is
not JSON or not an envelope is dead-lettered exactly as before. The reader may refuse more than pydantic
does, never less (``tests/leerrecht/test_overslaan.py``). Measured on the benchmark's regional log, CPU
per record: pydantic's decode 4.4 µs, ``orjson.loads`` of the whole record with the same checks in
Python 5.6 µs, this reader 3.6 µs, the scan 0.35 µs. No header: the publisher's cost per record is at
its target's edge, and records already on the log carry none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from contracts import snel

_TEKST = rb'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
_TEKST_VANGEN = rb'"([\x20\x21\x23-\x5b\x5d-\x7e]*)"'  # printable ASCII without '"' and '\\': no escapes
_UUID = rb'"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"'
_UUID_VANGEN = rb'"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"'
_TIJD = (rb'"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?'
         rb'(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))"')
"""An RFC 3339 time with an offset; :func:`datetime.fromisoformat` then checks the ranges of the date and
time (it accepts an offset's minutes up to 99, pydantic only to 59: hence the offset's own pattern)."""
_KOP = re.compile(
    rb'\{"specversion":"1\.0","id":' + _UUID_VANGEN + rb',"type":' + _TEKST_VANGEN + rb',"source":' + _TEKST_VANGEN
    + rb',"time":' + _TIJD + rb',"subject":' + _TEKST_VANGEN + rb',"datacontenttype":"application/json"'
    + rb'(?:,"dataschema":' + _TEKST + rb')?,"schemaversion":[1-9][0-9]{0,8},"recordedtime":' + _TIJD
    + rb',"correlationid":' + _UUID + rb'(?:,"causationid":' + _UUID + rb')?(?:,"region":' + _TEKST + rb')?'
    + rb'(?:,"subjectsequence":([1-9][0-9]{0,17}))?,"data":'
).match
"""The envelope's fields before ``data``, as :meth:`~contracts.envelope.Envelope.to_json` writes them
(aliases, in the model's order, ``None`` left out); captures id, type, source, time, subject,
recordedtime and subjectsequence."""
TYPE_SLEUTEL = b'"type":"'
"""What the scan for the type looks for (the runner inlines :func:`gescande_type`)."""
MAX_HAKEN = 150
"""At most this many ``{`` and ``[`` in a payload read here. Why: pydantic refuses JSON nested 200 deep,
orjson only at 1,024; counting the brackets (a bound on the depth) is cheaper than measuring it."""
_van_iso = datetime.fromisoformat


class Overgeslagen(NamedTuple):
    """A record of a type the projection does not handle: its position and what ``volgorde`` reads.
    (A named tuple: built per skipped record, and a frozen dataclass costs twice as much to build.)"""

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
    i = value.find(TYPE_SLEUTEL)
    if i < 0:
        return None
    i += len(TYPE_SLEUTEL)
    j = value.find(b'"', i)
    if j < 0:
        return None
    try:
        return value[i:j].decode()
    except UnicodeDecodeError:
        return None


def overslaan(value: bytes, offset: int, handles: frozenset[str]) -> Overgeslagen | None:
    """The record as skipped, when it certainly is an envelope of a type not in ``handles``; None
    when it is of a handled type or when this reader cannot tell (then decode it fully)."""
    if type(value) is not bytes or value[-1:] != b"}":
        return None
    m = _KOP(value)
    if m is None:
        return None
    eid, soort, source, tijd, subject, opgenomen, volgnummer = m.groups()
    t = soort.decode()
    if t in handles:
        return None
    begin = m.end()
    if value.count(b"{", begin) + value.count(b"[", begin) > MAX_HAKEN:
        return None
    try:
        _van_iso(tijd.decode())  # the ranges: month, day of the month, hour
        _van_iso(opgenomen.decode())
        if type(orjson.loads(memoryview(value)[begin:-1])) is not dict:
            return None
    except (ValueError, orjson.JSONDecodeError):
        return None
    return Overgeslagen(source.decode(), subject.decode(), int(volgnummer) if volgnummer else None, eid.decode(),
                        offset)


class Kop(NamedTuple):
    """What the runner reads from the header of a handled event read without its envelope
    (:func:`snelle_lezer`): as the full decode reads it (the id as its canonical text)."""

    id: str
    type: str
    source: str
    subject: str
    subject_sequence: int | None
    region: str | None
    """The envelope's ``region`` (telling places an event by it)."""
    recordedtime: str
    """The envelope's ``recordedtime`` as the record writes it (RFC 3339, its ranges checked); telling
    takes its registratiedag from it."""


SnelleLezer = Callable[[bytes], tuple[Kop, Any] | None]
"""A reader of one event type's records (``Projection.snel``): the header and what the projection needs
of the payload, or None when it cannot tell (the runner then decodes the record fully, as before)."""


def snelle_lezer(soort: str, versie: int, dataschema: str, data: str,
                 lees_data: Callable[[Sequence[str]], Any]) -> SnelleLezer:
    """A reader of the records of one event type (``soort``, schema ``versie``, its ``dataschema`` URI or
    none) without the pydantic envelope: one expression over the whole record, the envelope exactly as
    :data:`_KOP` reads it (the type, version and schema as literals) followed by ``data``, the payload's
    own expression, and the envelope's closing brace; the times' ranges by :func:`datetime.fromisoformat`
    as :func:`overslaan` checks them; ``lees_data`` gets the payload's groups and returns what the
    projection needs, or None.

    Why one expression and not the header's and then ``orjson``: measured (``benchmarks/METINGEN.md``, the
    runners' sixth round), on a record of the benchmark's absences the expression costs about half of
    pydantic's decode, and the payload's groups are then text the projection stores as they are.

    ``data`` must match only JSON that the full decode accepts (for a JSON object: its keys in one
    order, each once, strings of :data:`_TEKST`'s characters) and ``lees_data`` must read from it what the
    projection would read from the full decode; each payload reader has its own equivalence test. A
    payload of a fixed shape cannot be nested as deep as pydantic refuses (:data:`MAX_HAKEN`)."""
    patroon = _record_patroon(soort, versie, dataschema, data)
    van_iso = _van_iso

    def lees(value: bytes) -> tuple[Kop, Any] | None:
        try:
            m = patroon(value.decode())  # decoded once: the groups are then text, not bytes to decode each
        except (UnicodeDecodeError, AttributeError):
            return None
        if m is None:
            return None
        groepen = m.groups()
        eid, source, tijd, subject, opgenomen, regio, volgnummer = groepen[:7]
        try:
            van_iso(tijd)  # the ranges: month, day of the month, hour
            van_iso(opgenomen)
        except ValueError:
            return None
        gelezen = lees_data(groepen[7:])
        if gelezen is None:
            return None
        return Kop(eid, soort, source, subject, int(volgnummer) if volgnummer else None, regio, opgenomen), gelezen

    return lees


def _record_patroon(soort: str, versie: int, dataschema: str, data: str) -> Callable[[str], re.Match[str] | None]:
    """The whole record of one event type and schema as :data:`_KOP` reads its header (the type, version and
    schema as literals), then ``data`` and the envelope's closing brace; groups: id, source, time, subject,
    recordedtime, region, subjectsequence, then ``data``'s own."""
    tekst, uuid_vangen, tijd = _TEKST_VANGEN.decode(), _UUID_VANGEN.decode(), _TIJD.decode()
    return re.compile(
        r'\{"specversion":"1\.0","id":' + uuid_vangen + r',"type":"' + re.escape(soort) + r'","source":' + tekst
        + r',"time":' + tijd + r',"subject":' + tekst + r',"datacontenttype":"application/json"'
        + r'(?:,"dataschema":"' + re.escape(dataschema) + r'")?,"schemaversion":' + str(int(versie))
        + r',"recordedtime":' + tijd + r',"correlationid":' + _UUID.decode()
        + r'(?:,"causationid":' + _UUID.decode() + r')?(?:,"region":' + tekst + r')?'
        + r'(?:,"subjectsequence":([1-9][0-9]{0,17}))?,"data":' + data + r'\}'
    ).fullmatch


Vorm = Callable[[bytes, int], Overgeslagen | None]
"""A reader of one skipped type's records of a known shape (:data:`VORMEN`): as :func:`overslaan`, or None."""


def overslaan_vorm(soort: str, versie: int, dataschema: str, data: str) -> Vorm:
    """:func:`overslaan` for the records of one type whose payload has a known shape: ``data`` an expression
    (without groups) that matches only JSON objects (which is all the envelope asks of a payload), so the
    whole record is one expression and neither ``orjson`` nor the bracket counts are needed.

    Why: on a regional topic nine of ten records are absences, which rmc and the report statuses skip;
    measured (``benchmarks/METINGEN.md``, the runners' sixth round), this costs a skipped absence about a
    micro-second less than :func:`overslaan`. What it does not match goes to :func:`overslaan` as before."""
    patroon = _record_patroon(soort, versie, dataschema, data)
    van_iso = _van_iso

    def lees(value: bytes, offset: int) -> Overgeslagen | None:
        try:
            m = patroon(value.decode())
        except (UnicodeDecodeError, AttributeError):
            return None
        if m is None:
            return None
        eid, source, tijd, subject, opgenomen, _, volgnummer = m.groups()
        try:
            van_iso(tijd)  # the ranges: month, day of the month, hour
            van_iso(opgenomen)
        except ValueError:
            return None
        return Overgeslagen(source, subject, int(volgnummer) if volgnummer else None, eid, offset)

    return lees


VORMEN: dict[bytes, Vorm] = {
    snel.AFWEZIG.encode(): overslaan_vorm(snel.AFWEZIG, snel.VERSIE, snel.SCHEMA, snel.AFWEZIGHEID_VORM),
}
"""The skipped types read by their shape (:func:`overslaan_vorm`), by type as the record spells it."""
