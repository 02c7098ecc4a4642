"""The erasable identity records of a region: the only place PGN, name and address exist (domain.md B).

These are *not* events and never go on an events topic. They live on the region's compacted identity
topic ``leerrecht.regio.<MCxx>.identiteit`` (see :mod:`contracts.topics`), keyed by the pseudonym:

* :class:`IdentiteitVastgelegd` is the record value: the latest value per pseudonym is the identity.
* Erasure is a **tombstone** (key = pseudonym, value = null). Compaction then removes every earlier
  value for that key, so identifying data disappears *without rewriting the event log*, which only
  ever holds the pseudonym. :class:`IdentiteitGewist` is what a consumer gets when it decodes a
  tombstone; it has no value of its own on the wire.

When a person moves to another region, the identity is written to the new region's topic and
tombstoned in the old one (identifying data only reaches the region of residence).

The wire value is plain JSON of :class:`IdentiteitVastgelegd` (not a CloudEvents envelope: there is no
causation to trace and less metadata is less to leak).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events.base import Gemeentecode
from contracts.tekst import HuisnummerToevoeging, Naam, Straat, Tussenvoegsel, Woonplaats, tekst

PSEUDONIEM_PATTERN = r"^[A-Za-z0-9_:-]{16,128}$"
"""A pseudonym is a keyed hash of the PGN, encoded as hex or base64url. Anything shorter than 16
characters, or all digits, is rejected: it could be a PGN (BSN and onderwijsnummer are 9 digits)."""
_PSEUDONIEM_RE = re.compile(PSEUDONIEM_PATTERN)


def is_pseudoniem(value: str) -> bool:
    """Shape check of a pseudonym (cannot prove it is one, but rejects anything that looks like a PGN)."""
    return bool(_PSEUDONIEM_RE.fullmatch(value)) and not value.isdigit()


Pseudoniem = str

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
Email = Annotated[str, Field(pattern=EMAIL_PATTERN), tekst(254, min_lengte=0)]
"""The pattern alone lets a NUL or a bidi control through (``\\s`` is not every invisible character);
the shared text rules refuse those."""


class Adres(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    straat: Straat
    huisnummer: int = Field(ge=1, le=99999)
    huisnummer_toevoeging: HuisnummerToevoeging | None = None
    postcode: str = Field(pattern=r"^[1-9][0-9]{3} ?[A-Z]{2}$")
    woonplaats: Woonplaats


class IdentiteitVastgelegd(BaseModel):
    """Identity of a pseudonym in the region of residence (domain.md B). Personal data: erasable."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    pseudoniem: Pseudoniem = Field(pattern=PSEUDONIEM_PATTERN)
    pgn: str = Field(pattern=r"^[0-9]{9}$", description="BSN, or DUO's onderwijsnummer where there is none.")
    pgn_soort: Literal["BSN", "ONDERWIJSNUMMER"]
    voornamen: Naam
    tussenvoegsel: Tussenvoegsel | None = None
    achternaam: Naam
    geboortedatum: date
    adres: Adres | None = None
    woongemeente: Gemeentecode
    telefoon: str | None = Field(
        default=None, pattern=r"^\+?[0-9 ()-]{6,20}$", description="For RMC contact."
    )
    email: Email | None = None
    vastgelegd_op: AwareDatetime


class IdentiteitGewist(BaseModel):
    """The identity of this pseudonym was erased (a tombstone was read)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    pseudoniem: Pseudoniem = Field(pattern=PSEUDONIEM_PATTERN)


IdentiteitRecord = IdentiteitVastgelegd | IdentiteitGewist


def encode_identity_record(record: IdentiteitRecord) -> tuple[bytes, bytes | None]:
    """Kafka (key, value) for the identity topic; erasure becomes a tombstone (value ``None``)."""
    key = record.pseudoniem.encode()
    if isinstance(record, IdentiteitGewist):
        return key, None
    return key, orjson.dumps(record.model_dump(mode="json"))


def decode_identity_record(key: bytes, value: bytes | None) -> IdentiteitRecord:
    """Inverse of :func:`encode_identity_record`; checks that key and value agree on the pseudonym."""
    pseudoniem = key.decode()
    if value is None:
        return IdentiteitGewist(pseudoniem=pseudoniem)
    record = IdentiteitVastgelegd.model_validate_json(value)
    if record.pseudoniem != pseudoniem:
        raise ValueError("identity record key and pseudoniem differ")
    return record
