"""``leerrecht.http.json_antwoord``: the JSON FastAPI would have written, without its encoder's cost.

Why it matters: the big list views (a region's whole worklist) answer through it, and a client must not
see a different date, enum or identifier than the other endpoints give."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from leerrecht.http import json_antwoord
from leerrecht.verwerkingslog import Verwerking, pseudoniemen_in


class _Status(StrEnum):
    NIEUW = "NIEUW"


class _Getal(Enum):
    EEN = 1


class _Model(BaseModel):
    naam: str
    op: date


INHOUD: dict[str, Any] = {
    "regio": "MC29",
    "peildatum": date(2026, 12, 2),
    "items": [{"pseudoniem": "p" * 20, "status": _Status.NIEUW, "dagen": 3, "coach": None,
               "getal": _Getal.EEN, "id": uuid.UUID(int=7), "sinds": datetime(2026, 12, 2, 8, 1, 2, 345, tzinfo=UTC),
               "naief": datetime(2026, 1, 1, 0, 0), "bedrag": Decimal("1.5"),
               "model": _Model(naam="é", op=date(2026, 1, 2)),
               "lijst": (1, 2), "leeg": {}}],
    "vlag": True,
}


def test_the_same_json_as_fastapis_encoder() -> None:
    antwoord = json_antwoord(INHOUD)
    assert antwoord.status_code == 200
    assert antwoord.media_type == "application/json"
    assert json.loads(antwoord.body) == json.loads(JSONResponse(jsonable_encoder(INHOUD)).body)


def test_headers_are_kept() -> None:
    antwoord = json_antwoord({"a": 1}, headers={"Deprecation": "@1796169600"})
    assert antwoord.headers["deprecation"] == "@1796169600"


def test_every_pseudonym_once_in_the_order_shown() -> None:
    veel = [f"pseudoniem-{i:08d}" for i in range(5000)]
    getoond = {"nieuw": [{"pseudoniem": p} for p in veel], "oud": [{"pseudoniem": p} for p in reversed(veel)],
               "fout": [{"pseudoniem": "123"}]}  # malformed: names no file
    assert pseudoniemen_in(getoond) == veel


def test_a_processing_names_each_subject_once_in_order() -> None:
    v = Verwerking(activiteit=None, span=None, begin=datetime.now(UTC), betrokkenen=["pseudoniem-eerste-01"])  # type: ignore[arg-type]
    v.betreft("pseudoniem-tweede-002", "pseudoniem-eerste-01", "pseudoniem-tweede-002", "pseudoniem-derde-0003")
    assert v.betrokkenen == ["pseudoniem-eerste-01", "pseudoniem-tweede-002", "pseudoniem-derde-0003"]


def test_pseudonyms_inside_leaf_looking_containers_are_still_found() -> None:
    """The walk passes leaves over by type; a pseudonym in a tuple, a set or a dataclass is still found."""
    from dataclasses import dataclass

    @dataclass
    class Rij:
        pseudoniem: str
        op: date

    getoond = ((Rij("pseudoniem-in-rij-001", date(2026, 1, 1)),), {"x": [{"pseudoniem": "pseudoniem-diep-0002"}]},
               [1, "tekst", None, date(2026, 1, 1), uuid.UUID(int=1)])
    assert pseudoniemen_in(getoond) == ["pseudoniem-in-rij-001", "pseudoniem-diep-0002"]
