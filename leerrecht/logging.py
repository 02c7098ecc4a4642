"""Structured logs (structlog): JSON in production, readable in a terminal, never personal data.

Why a scrubber: a log line is copied to places the AVG does not allow pupils' data to go (log
shippers, support tickets). Keys that could carry a PGN, a name or an address are dropped before
rendering, whoever logs them, and values that look like a BSN are masked.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import sys
from collections.abc import Coroutine, MutableMapping
from typing import Any, TypeVar

import structlog

PERSONAL_KEYS = frozenset({
    "bsn", "pgn", "onderwijsnummer", "naam", "name", "voornaam", "achternaam", "adres", "address",
    "straat", "postcode", "geboortedatum", "birth_date", "email", "telefoon", "phone",
})
# The process's own bindings (the service's name): the only ones a background task inherits.
_PROCES: dict[str, Any] = {}
T = TypeVar("T")
# Nine digits on their own could be a BSN; inside a UUID or a long hex id (trace and span ids, pseudonyms)
# they are part of that id, and masking them made request lines unfindable (about one UUID in seventy).
_NINE_DIGITS = re.compile(
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})|(?<!\d)\d{9}(?!\d)",
    re.IGNORECASE)


def _mask(match: re.Match[str]) -> str:
    return match.group() if match.group("id") is not None else "[9 cijfers]"


def scrub_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key.lower() in PERSONAL_KEYS:
            event_dict[key] = "[verwijderd]"
        elif isinstance(event_dict[key], str):
            event_dict[key] = _NINE_DIGITS.sub(_mask, event_dict[key])
    return event_dict


def configure_logging(service: str, json: bool = True, level: str = "INFO") -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        scrub_personal_data,
        structlog.processors.format_exc_info,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    _PROCES.clear()
    _PROCES["service"] = service
    structlog.contextvars.bind_contextvars(**_PROCES)
    # Libraries (aiokafka, uvicorn) log through stdlib; keep them quiet and single-line.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)


def achtergrond_context() -> contextvars.Context:
    """A copy of the current context whose structlog bindings are only the process's own.

    asyncio gives a task a copy of the context it was created in: a task a request starts would log
    every line as that request (its path, correlation and trace ids, the calling client and role),
    long after the answer went out."""
    ctx = contextvars.copy_context()
    ctx.run(_alleen_proces)
    return ctx


def _alleen_proces() -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**_PROCES)


def start_task(coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """Start a background task that logs as the process, never as the request that started it."""
    return asyncio.create_task(coro, name=name, context=achtergrond_context())
