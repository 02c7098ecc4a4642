"""Numbers as Dutch people type them: a decimal comma (``16,5``) is as good as a point (``16.5``).

Hours are entered by schools in JSON, in forms and in CSV; an administration system or a person in the
Netherlands writes ``16,5``. :data:`Decimaal` accepts both in a text (and a JSON number as before), and
publishes that in the OpenAPI document, so a client reading the schema knows the comma is allowed
(issue 15.8).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_KOMMA_GETAL = re.compile(r"^\s*[+-]?\d*,\d+\s*$")
PATROON = r"^(?!^[-+.,]*$)[+-]?0*\d*[.,]?\d*$"
"""pydantic's pattern for a decimal in a text, with the comma beside the point."""


def punt(waarde: Any) -> Any:
    """``"16,5"`` → ``"16.5"``; every other value unchanged (a thousands separator is not accepted:
    ``"1.000,5"`` stays invalid rather than being guessed)."""
    if isinstance(waarde, str) and _KOMMA_GETAL.match(waarde):
        return waarde.replace(",", ".")
    return waarde


class _KommaInSchema:
    """The string branch of the decimal's JSON Schema names the comma too."""

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        for alt in handler.resolve_ref_schema(out).get("anyOf", []):
            if alt.get("type") == "string" and "pattern" in alt:
                alt["pattern"] = PATROON
        return out


Decimaal = Annotated[Decimal, BeforeValidator(punt), _KommaInSchema()]
"""A decimal that accepts ``16,5`` and ``16.5`` (text) and ``16.5`` (number)."""
