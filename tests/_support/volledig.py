"""The full decode as the runner does it, as an oracle: what a cheap reader accepts must be what this
accepts (``leerrecht.overslaan``'s skip and fast readers)."""

from __future__ import annotations

from pydantic import ValidationError

from contracts.envelope import Envelope


def volledig(value: bytes) -> Envelope | None:
    """The record decoded in full, or ``None`` where the runner would dead-letter it."""
    try:
        return Envelope.from_json(value)
    except (ValidationError, ValueError, TypeError):
        return None
