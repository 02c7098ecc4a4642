"""OpenTelemetry export of the platform's spans over OTLP/HTTP: off unless an endpoint is configured.

Why on top of :mod:`leerrecht.trace`, not instead of it: the W3C trace context is part of the
processing log (Logboek Dataverwerkingen) and must work without any collector. This module only
*exports* those same spans, with the same trace and span ids (an id generator hands the SDK the ids
:mod:`leerrecht.trace` chose), so a trace in the collector joins the ``traceparent`` on Kafka records
and in processing records: the HTTP request (server span), and each Kafka record a projection applied
(consumer span, child of the span that published it).

Switched on by the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``);
``OTEL_SERVICE_NAME`` overrides the service name. Spans carry no personal data: a route template and
a topic, never a path, a key or a pseudonym.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from leerrecht.trace import TraceContext

_ids: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("leerrecht_otel_ids", default=None)
_tracer: Any = None
_provider: Any = None


def enabled() -> bool:
    return _tracer is not None


def configure(service: str, env: Mapping[str, str] | None = None) -> bool:
    """Set up the exporter when an OTLP endpoint is configured; returns whether spans are exported."""
    global _tracer, _provider
    env = os.environ if env is None else env
    if not (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

    class _OurIds(IdGenerator):
        """The ids leerrecht.trace chose for the span being started; random for any other span."""

        _random = RandomIdGenerator()

        def generate_span_id(self) -> int:
            ids = _ids.get()
            return ids[1] if ids else self._random.generate_span_id()

        def generate_trace_id(self) -> int:
            ids = _ids.get()
            return ids[0] if ids else self._random.generate_trace_id()

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or f"leerrecht-{service}"})
    _provider = TracerProvider(resource=resource, id_generator=_OurIds())
    _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _tracer = _provider.get_tracer("leerrecht")
    return True


def shutdown() -> None:
    """Flush what is buffered (graceful stop)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def _start(name: str, ctx: TraceContext, kind: str, start_ns: int | None = None) -> Any:
    from opentelemetry.context import Context
    from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags, set_span_in_context

    parent = Context()
    if ctx.parent_span_id:
        remote = SpanContext(int(ctx.trace_id, 16), int(ctx.parent_span_id, 16), is_remote=True,
                             trace_flags=TraceFlags(int(ctx.flags, 16)))
        parent = set_span_in_context(NonRecordingSpan(remote), parent)
    token = _ids.set((int(ctx.trace_id, 16), int(ctx.span_id, 16)))
    try:
        return _tracer.start_span(name, context=parent, kind=getattr(SpanKind, kind), start_time=start_ns)
    finally:
        _ids.reset(token)


@contextmanager
def server_span(ctx: TraceContext, method: str) -> Iterator[Any]:
    """The HTTP request's span (``ctx`` from :func:`leerrecht.trace.start`); the caller names the
    route and status on it when known. Nothing when export is off."""
    if _tracer is None:
        yield None
        return
    span = _start(method, ctx, "SERVER")
    try:
        yield span
    finally:
        span.end()


def consumer_span(ctx: TraceContext, topic: str, projection: str, start_ns: int) -> None:
    """One applied Kafka record: a child of the span that published it (``ctx`` from
    :func:`leerrecht.trace.from_headers`), from the batch's start until now."""
    if _tracer is None:
        return
    span = _start(f"{topic} process", ctx, "CONSUMER", start_ns)
    span.set_attribute("messaging.system", "kafka")
    span.set_attribute("messaging.destination.name", topic)
    span.set_attribute("messaging.consumer.group.name", projection)
    span.end()
