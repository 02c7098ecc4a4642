"""The fast read of the log's most frequent event, ``AfwezigheidGeregistreerd`` (about 90 % of it).

Why: :func:`~contracts.catalogue.from_envelope` serialises the payload again and runs the full pydantic
validation, which costs more than everything a projection then does with an absence
(../shared/notes/perf-baselines.md: decode trusted internal events with the fastest correct path, keep
the strict validation at the edge). This reader accepts only the plain form registratie writes (schema
v1, the exact field set, canonical spellings) and checks every field as strictly as the contract does;
for anything else it returns ``None`` and the caller takes the full decode, which upcasts or raises
(dead letter) exactly as before. tests/contracts/test_snel.py holds it equal to the full decode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.catalogue import schema_uri
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope
from contracts.events.registratie import AfwezigheidGeregistreerd

AFWEZIG = AfwezigheidGeregistreerd.event_type
_VERSIE = AfwezigheidGeregistreerd.schema_version
_SCHEMA = schema_uri(AFWEZIG, _VERSIE)
VERSIE, SCHEMA = _VERSIE, _SCHEMA
"""The version and schema URI of the absences read fast."""
_VELDEN = frozenset(AfwezigheidGeregistreerd.model_fields)
_SCHOOL_VELDEN = frozenset({"brin", "vestiging"})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATUM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BRIN = re.compile(r"[0-9]{2}[A-Z]{2}")
_VESTIGING = re.compile(r"[0-9]{2}")
_CODES = frozenset(c.value for c in AfwezigheidCode)
_EENHEDEN = frozenset(e.value for e in UrenEenheid)


@dataclass(frozen=True, slots=True)
class Afwezigheid:
    """The fields of an ``AfwezigheidGeregistreerd``, with ``eenheid`` and ``code`` as their values."""

    afwezigheid_id: UUID
    brin: str
    vestiging: str
    datum: date
    uren: Decimal
    eenheid: str
    code: str

    @property
    def school(self) -> str:
        """BRIN6, as ``School.code``."""
        return self.brin + self.vestiging


def _uren(u: Any) -> str | None:
    """As the contract reads the JSON number (``from_data`` writes it with orjson, pydantic reads it
    into a Decimal): an integral float becomes an integer; > 0, <= 24, at most 2 decimals. Returned as
    the Decimal's text (``str(Decimal(...))``), found without building the Decimal: ``repr`` of a float
    in (0, 24] never uses an exponent below 1e-4, and such a float has more than 2 decimals anyway."""
    if isinstance(u, float):
        if not (0 < u <= 24):  # NaN compares False: refused here as the full decode refuses it
            return None
        if u.is_integer():
            return str(int(u))
        tekst = repr(u)
        punt = tekst.find(".")
        if punt < 0 or "e" in tekst or len(tekst) - punt - 1 > 2:
            return None
        return tekst
    if isinstance(u, int) and not isinstance(u, bool):
        return str(u) if 0 < u <= 24 else None
    return None


Rij = tuple[str, str, str, str, str, str]
"""An absence as text, ready for PostgreSQL to cast: (afwezigheid_id, school BRIN6, datum, uren,
eenheid, code)."""


def afwezigheid_rij(env: Envelope) -> Rij | None:
    """The absence in ``env`` as text, checked as strictly as :func:`afwezigheid`, or ``None``: then use
    the full decode. Why text: a projection that only stores the absence lets PostgreSQL cast the id,
    day and hours, instead of building a ``UUID``, ``date`` and ``Decimal`` per absence that asyncpg
    then encodes again (issue 16)."""
    data = env.data
    if (env.type != AFWEZIG or env.schema_version != _VERSIE or env.dataschema not in (None, _SCHEMA)
            or data.keys() != _VELDEN):
        return None
    ident, school, datum, eenheid, code, u = (data["afwezigheid_id"], data["school"], data["datum"],
                                              data["eenheid"], data["code"], data["uren"])
    if not (isinstance(ident, str) and _UUID.fullmatch(ident) and isinstance(school, dict)
            and school.keys() == _SCHOOL_VELDEN):
        return None
    brin, vestiging = school["brin"], school["vestiging"]
    try:  # the common case: values checked before (JSON gives str, int, float, bool, None, list, dict:
        # only a str equals a str, and an unhashable list or dict raises)
        uren = _UREN.get(u) if type(u) is float else None
        if (uren is not None and (brin, vestiging) in _SCHOLEN and datum in _DAGEN and eenheid in _EENHEDEN
                and code in _CODES):
            return ident, brin + vestiging, datum, uren, eenheid, code
    except TypeError:
        return None
    if not (isinstance(datum, str) and _DATUM.fullmatch(datum) and isinstance(eenheid, str)
            and eenheid in _EENHEDEN and isinstance(code, str) and code in _CODES):
        return None
    if not (isinstance(brin, str) and _BRIN.fullmatch(brin) and isinstance(vestiging, str)
            and _VESTIGING.fullmatch(vestiging)):
        return None
    try:
        date.fromisoformat(datum)  # a real day (the pattern lets 2026-02-30 through)
    except ValueError:
        return None
    uren = _uren(u)
    if uren is None:
        return None
    _onthoud(_SCHOLEN, (brin, vestiging))
    _onthoud(_DAGEN, datum)
    if type(u) is float:
        if len(_UREN) >= _ONTHOUD_MAX:
            _UREN.clear()
        _UREN[u] = uren
    return ident, brin + vestiging, datum, uren, eenheid, code


_ONTHOUD_MAX = 100_000
"""How many checked schools, days and hours :func:`afwezigheid_rij` remembers each (the country has some
10,000 school locations, a year 365 days): a value seen before skips its patterns and the date parse."""
_SCHOLEN: set[tuple[str, str]] = set()
_DAGEN: set[str] = set()
_UREN: dict[float, str] = {}


def _onthoud(waar: set[Any], waarde: Any) -> None:
    if len(waar) >= _ONTHOUD_MAX:
        waar.clear()
    waar.add(waarde)


AFWEZIGHEID_DATA = (
    r'\{"afwezigheid_id":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",'
    r'"school":\{"brin":"([0-9]{2}[A-Z]{2})","vestiging":"([0-9]{2})"\},"datum":"([0-9]{4}-[0-9]{2}-[0-9]{2})",'
    r'"uren":(-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?(?:[eE][+-]?[0-9]{1,3})?),'
    r'"eenheid":"([A-Z_]{1,40})","code":"([A-Z_]{1,40})"\}'
)
"""An absence's payload exactly as registratie writes it (``Event.to_data``: the model's field order, no
whitespace), as an expression over the record's text (:func:`leerrecht.overslaan.snelle_lezer`): what it
matches is a JSON object with exactly the contract's keys, each once, and values of the types
:func:`afwezigheid_rij` wants; its groups go to :func:`afwezigheid_rij_uit_tekst`."""
_TEKST = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'  # printable ASCII without '"' and '\\': no escapes
AFWEZIGHEID_VORM = (
    r'\{"afwezigheid_id":' + _TEKST + r',"school":\{"brin":' + _TEKST + r',"vestiging":' + _TEKST + r'\},'
    r'"datum":' + _TEKST + r',"uren":-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?(?:[eE][+-]?[0-9]{1,3})?,'
    r'"eenheid":' + _TEKST + r',"code":' + _TEKST + r'\}'
)
"""The shape of an absence's payload, any values (no groups): a JSON object, for a runner that skips
absences (:func:`leerrecht.overslaan.overslaan_vorm`): the envelope asks nothing more of a payload."""
_UREN_TEKST: dict[str, str | None] = {}


def afwezigheid_rij_uit_tekst(groepen: Sequence[str]) -> Rij | None:
    """:func:`afwezigheid_rij` of a payload matched by :data:`AFWEZIGHEID_DATA` (its groups): the same row,
    or None (then the full decode, as before).

    Why: leerplicht's runner decoded every absence into the pydantic envelope only to read this row from
    it (issue 16). The id, BRIN and location are checked by the expression as :func:`afwezigheid_rij`
    checks them; the unit and code against the contract's sets, the day as a real day; the hours' text
    is parsed as JSON parses a number (an ``int`` for an integer, else a correctly rounded ``float``)
    and read as :func:`afwezigheid_rij` reads that number (tests/leerrecht/test_snel_record.py)."""
    ident, brin, vestiging, datum, u, eenheid, code = groepen
    if eenheid not in _EENHEDEN or code not in _CODES:
        return None
    uren = _UREN_TEKST.get(u)
    if uren is None:
        getal: float | int = float(u) if ("." in u or "e" in u or "E" in u) else int(u)
        uren = _uren(getal)
        if uren is None:
            return None
        if len(_UREN_TEKST) >= _ONTHOUD_MAX:
            _UREN_TEKST.clear()
        _UREN_TEKST[u] = uren
    if datum not in _DAGEN:
        try:
            date.fromisoformat(datum)  # a real day (the pattern lets 2026-02-30 through)
        except ValueError:
            return None
        _onthoud(_DAGEN, datum)
    return ident, brin + vestiging, datum, uren, eenheid, code


def afwezigheid(env: Envelope) -> Afwezigheid | None:
    """The absence in ``env`` read without pydantic, or ``None``: then use the full decode."""
    rij = afwezigheid_rij(env)
    if rij is None:
        return None
    ident, school, datum, uren, eenheid, code = rij
    return Afwezigheid(UUID(ident), school[:4], school[4:], date.fromisoformat(datum), Decimal(uren), eenheid, code)
