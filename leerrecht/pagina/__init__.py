"""One page kit for every screen of the four services (issue 15, point 1).

Every service renders its pages through :func:`omgeving`, so they share one look (the NL Design System's
Utrecht component CSS with the open "voorbeeld" theme, both EUPL, vendored in ``static/``), one base
layout with the landmarks and skip link WCAG asks for, one set of form and table components, and one
way of writing dates and numbers in Dutch. Nothing is loaded from a CDN: the pages must work on
networks that reach only the service.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from starlette.routing import Mount

KIT = Path(__file__).parent
STATIC_PAD = "/static/kit"

MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")


def _als_datum(waarde: Any) -> date | None:
    if waarde is None or waarde == "":
        return None
    if isinstance(waarde, datetime):
        return waarde.date()
    if isinstance(waarde, date):
        return waarde
    return date.fromisoformat(str(waarde)[:10])


def datum(waarde: Any) -> str:
    """``2025-06-02`` → ``2 juni 2025``: how Dutch readers expect a date in running text and tables."""
    d = _als_datum(waarde)
    return "" if d is None else f"{d.day} {MAANDEN[d.month - 1]} {d.year}"


def datum_kort(waarde: Any) -> str:
    """``2025-06-02`` → ``02-06-2025``, for narrow columns and form values."""
    d = _als_datum(waarde)
    return "" if d is None else d.strftime("%d-%m-%Y")


def datumtijd(waarde: Any) -> str:
    """A moment as ``2 juni 2025 14:05`` (local time as stored; the services store Europe/Amsterdam)."""
    if waarde is None or waarde == "":
        return ""
    t = waarde if isinstance(waarde, datetime) else datetime.fromisoformat(str(waarde))
    return f"{datum(t)} {t:%H:%M}"


def getal(waarde: Any, decimalen: int | None = None) -> str:
    """``1234.5`` → ``1.234,5``: Dutch thousands separator and decimal comma."""
    if waarde is None or waarde == "":
        return ""
    x = Decimal(str(waarde))
    if decimalen is not None:
        x = round(x, decimalen)
    tekst = f"{x:,f}" if decimalen is None else f"{x:,.{decimalen}f}"
    if "." in tekst and decimalen is None:
        tekst = tekst.rstrip("0").rstrip(".")
    return tekst.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def uren(waarde: Any) -> str:
    """Hours as ``16,5 uur`` (``1 uur`` in the singular)."""
    if waarde is None or waarde == "":
        return ""
    return f"{getal(waarde)} uur"


def procent(waarde: Any, decimalen: int = 1) -> str:
    """A fraction or percentage value as ``12,3%`` (the value is a percentage already)."""
    if waarde is None or waarde == "":
        return ""
    return f"{getal(waarde, decimalen)}%"


def json_blok(waarde: Any) -> str:
    """JSON for a ``<script type="application/json">`` data block (charts under a CSP that allows no
    inline script): ``<``, ``>`` and ``&`` escaped, so a name in the data cannot close the element."""
    return (json.dumps(waarde, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


FILTERS = {"datum": datum, "datum_kort": datum_kort, "datumtijd": datumtijd, "getal": getal,
           "uren": uren, "procent": procent}


def omgeving(templates: Path | Traversable) -> Environment:
    """A Jinja environment for one service: its own templates, and the kit's under ``kit/``."""
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(str(templates)),
            PrefixLoader({"kit": FileSystemLoader(str(KIT / "templates"))}),
        ]),
        autoescape=select_autoescape(["html"]),
    )
    env.filters.update(FILTERS)
    return env


def mount_static(app: FastAPI) -> None:
    """Serve the kit's CSS at ``/static/kit``, ahead of a service's own ``/static`` mount."""
    if any(getattr(r, "path", None) == STATIC_PAD for r in app.router.routes):
        return
    app.router.routes.insert(0, Mount(STATIC_PAD, app=StaticFiles(directory=KIT / "static"), name="kit"))
