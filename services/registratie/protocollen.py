"""Local protocols from configuration (domain.md A3.9): agreed per school or region, versioned.

A school and its leerplicht office agree on extra signal rules ("5× late or absent in 4 lesweken →
signal to leerplicht") or a grace period for ISK newcomers. They are configuration, not code: a
JSON file named by ``LOCAL_PROTOCOLS_FILE`` holds every version, each with its ``valid_from``; a
change is a new entry with a later date, so what applied on any past day stays reproducible.

Example::

    [{"protocol_id": "isk-wereldwijs", "scope": "SCHOOL", "scope_code": "00AP00",
      "valid_from": "2025-08-01",
      "signaal_regels": [{"regel_id": "5x-laat", "omschrijving": "5× te laat of afwezig in 4 lesweken",
                          "codes": ["TE_LAAT", "ONGEOORLOOFD"], "maat": "KEER", "drempel": 5,
                          "venster_lesweken": 4}],
      "gratieperiodes": [{"weken": 6, "alleen_isk": true}]}]

A protocol for a school type (``"scope": "SCHOOLTYPE"``, ``scope_code`` ``po``/``so``/``vo``/``vso``/
``mbo`` or ``ISK``) applies to every enrolment of that type, e.g. every ISK department's newcomers::

    [{"protocol_id": "isk-gratie", "scope": "SCHOOLTYPE", "scope_code": "ISK", "valid_from": "2025-08-01",
      "gratieperiodes": [{"weken": 6, "alleen_isk": true}]}]

The file is validated at start-up: a bad protocol stops the service with a message naming the
protocol, the field and the rule, instead of silently changing who gets reported.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from contracts.codes import AfwezigheidCode
from contracts.tekst import KorteTekst, Omschrijving
from registratie.domain.decisions import Ontvanger
from registratie.domain.protocols import GracePeriod, Protocol, ProtocolScope, SignaalMaat, SignaalRegel


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignaalRegelConfig(_Strict):
    regel_id: KorteTekst
    omschrijving: Omschrijving  # goes onto the log in SignaalGegeven: the same text rules as the event
    codes: list[AfwezigheidCode] = Field(min_length=1)
    maat: SignaalMaat
    drempel: Decimal = Field(gt=0)
    venster_lesweken: int | None = Field(default=4, ge=1, le=52)
    ontvanger: Ontvanger = Ontvanger.LEERPLICHT


class GratieConfig(_Strict):
    weken: int = Field(ge=1, le=52)
    alleen_isk: bool = True


_SCOPE_CODE = {ProtocolScope.SCHOOL: r"[0-9]{2}[A-Z]{2}[0-9]{2}", ProtocolScope.REGIO: r"MC[0-9]{2}",
               ProtocolScope.SCHOOLTYPE: r"po|so|vo|vso|mbo|ISK"}


class ProtocolConfig(_Strict):
    protocol_id: KorteTekst
    scope: ProtocolScope
    scope_code: str = Field(pattern=r"^([0-9]{2}[A-Z]{2}[0-9]{2}|MC[0-9]{2}|po|so|vo|vso|mbo|ISK)$")
    valid_from: date
    signaal_regels: list[SignaalRegelConfig] = []
    gratieperiodes: list[GratieConfig] = []

    @model_validator(mode="after")
    def _code_past_bij_scope(self) -> ProtocolConfig:
        vorm = _SCOPE_CODE[self.scope]
        if not re.fullmatch(vorm, self.scope_code):
            raise ValueError(f"scope_code past niet bij scope {self.scope.value}")
        return self

    def to_domain(self) -> Protocol:
        return Protocol(
            protocol_id=self.protocol_id, scope=self.scope, scope_code=self.scope_code, valid_from=self.valid_from,
            signaal_regels=tuple(
                SignaalRegel(r.regel_id, r.omschrijving, frozenset(r.codes), r.maat, r.drempel,
                             r.venster_lesweken, r.ontvanger)
                for r in self.signaal_regels
            ),
            gratieperiodes=tuple(GracePeriod(g.weken, g.alleen_isk) for g in self.gratieperiodes),
        )


class ProtocolConfigFout(ValueError):
    """The protocol configuration is invalid; the message names protocol, field and rule."""


_ADAPTER = TypeAdapter(list[ProtocolConfig])


def parse_protocols(text: str) -> tuple[Protocol, ...]:
    try:
        configs = _ADAPTER.validate_json(text)
    except ValidationError as exc:
        fouten = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ProtocolConfigFout(f"lokale protocollen ongeldig: {fouten}") from None
    try:
        protocols = tuple(c.to_domain() for c in configs)
    except ValueError as exc:
        raise ProtocolConfigFout(f"lokale protocollen ongeldig: {exc}") from None
    versions = [(p.protocol_id, p.valid_from) for p in protocols]
    if len(set(versions)) != len(versions):
        raise ProtocolConfigFout("lokale protocollen ongeldig: twee versies van één protocol met dezelfde valid_from")
    return protocols


def load_protocols(path: str | None) -> tuple[Protocol, ...]:
    if not path:
        return ()
    return parse_protocols(Path(path).read_text(encoding="utf-8"))
