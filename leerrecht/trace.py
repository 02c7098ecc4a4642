"""W3C Trace Context (``traceparent``) across HTTP and Kafka, for the processing log.

Logius' *Logboek Dataverwerkingen* links the records of one chain of processing (an officer's
command, the events it publishes, the consumer that acts on them) through the trace context. So an
HTTP request continues the caller's trace when it sends a valid ``traceparent`` and starts one when
not; the request gets a span of its own, every Kafka record published while it runs carries
``traceparent`` as a header, and a consumer that acts on a record continues from that header.

The current context lives in a :class:`contextvars.ContextVar`, so the producer
(:meth:`leerrecht.kafka.EventPublisher.publish`) finds it without every call site passing it on.
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
HEADER = "traceparent"


@dataclass(frozen=True)
class TraceContext:
    """One span: its trace, its own id and the span it continues (``None`` at the root)."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    flags: str = "01"

    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def kind(self) -> TraceContext:
        """A child span in the same trace (e.g. a consumer acting on a published record)."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.span_id, self.flags)


def parse(value: str | bytes | None) -> TraceContext | None:
    """The remote parent from a ``traceparent`` value; ``None`` when absent or invalid (W3C: an
    invalid header is ignored and a new trace is started, never an error for the caller)."""
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    m = _TRACEPARENT.match(text.strip().lower())
    if m is None:
        return None
    version, trace_id, span_id, flags = m.groups()
    if version == "ff" or trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceContext(trace_id, span_id, None, flags)


def start(incoming: str | bytes | None = None) -> TraceContext:
    """A new span: the child of a valid incoming ``traceparent``, or the root of a new trace."""
    remote = parse(incoming)
    if remote is None:
        return TraceContext(secrets.token_hex(16), secrets.token_hex(8))
    return remote.kind()


def from_headers(headers: Iterable[tuple[str, bytes]] | None) -> TraceContext:
    """The span of a consumer acting on a Kafka record: continued from its header, else new."""
    value = next((v for k, v in headers or () if k == HEADER), None)
    return start(value)


_current: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar("leerrecht_trace", default=None)


def current() -> TraceContext | None:
    return _current.get()


def activate(ctx: TraceContext | None) -> contextvars.Token[TraceContext | None]:
    return _current.set(ctx)


def reset(token: contextvars.Token[TraceContext | None]) -> None:
    _current.reset(token)
