"""OpenTelemetry across HTTP and Kafka (issue 17 point 5): with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, a
running leerplicht exports over OTLP/HTTP (to a receiver in this test) the span of an HTTP request,
continuing the caller's ``traceparent``, and a consumer span per applied Kafka record, the child of the
span in the record's ``traceparent`` header. Without the variable nothing is exported (the default).

Region MC36 (few tests use it); the records are this test's own.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from service_projections import afwezigheid, envelope, pseudoniem
from wachten import wait_until

from contracts.topics import all_topic_specs, region_events_topic
from leerrecht import otel
from leerrecht.kafka import ensure_topics
from leerrecht.localinfra import free_port
from services import auth, start_service

REGION = "MC36"


class Receiver:
    """An OTLP/HTTP traces endpoint: keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        spans = self.spans

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for rs in request.resource_spans:
                    for ss in rs.scope_spans:
                        spans.extend(ss.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def find(self, trace_id: str) -> list[Any]:
        return [s for s in list(self.spans) if s.trace_id.hex() == trace_id]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_nothing_is_exported_without_an_endpoint() -> None:
    assert otel.configure("leerplicht", env={}) is False
    assert not otel.enabled()


@pytest.mark.infra
async def test_http_and_kafka_spans_reach_the_collector_with_the_propagated_ids(  # type: ignore[no-untyped-def]
        infra, receiver: Receiver) -> None:
    topic = region_events_topic(REGION)
    await ensure_topics(infra.bootstrap, all_topic_specs([REGION]))
    db = await infra.adatabase_url("otel")
    svc = await asyncio.to_thread(start_service, "leerplicht", infra.bootstrap, db, REGION=REGION,
                                  OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, OTEL_BSP_SCHEDULE_DELAY="200")
    try:
        # HTTP: the caller's trace continues in the service's server span
        http_trace, caller_span = secrets.token_hex(16), secrets.token_hex(8)
        iemand = pseudoniem()
        r = await asyncio.to_thread(httpx.get, f"{svc.url}/v1/leerlingen/{iemand}/afwezigheid", timeout=10,
                                    headers={**auth("lp_MC28"), "traceparent": f"00-{http_trace}-{caller_span}-01"})
        assert r.status_code == 403

        # Kafka: a record published within another trace is applied under a child span of it
        kafka_trace, publisher_span = secrets.token_hex(16), secrets.token_hex(8)
        subject = pseudoniem()
        producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, envelope(afwezigheid(), subject, REGION).to_json(),
                                         key=subject.encode(),
                                         headers=[("traceparent", f"00-{kafka_trace}-{publisher_span}-01".encode())])
        finally:
            await producer.stop()

        async def both() -> bool:
            return bool(receiver.find(http_trace)) and bool(receiver.find(kafka_trace))

        await wait_until(both, 60, "the server span and the consumer span at the OTLP receiver")
        [server] = receiver.find(http_trace)
        assert server.parent_span_id.hex() == caller_span
        assert server.name == "GET /v1/leerlingen/{pseudoniem}/afwezigheid"
        assert server.kind == server.SPAN_KIND_SERVER
        attributes = {a.key: a.value for a in server.attributes}
        assert attributes["http.response.status_code"].int_value == 403
        consumer = [s for s in receiver.find(kafka_trace) if s.kind == s.SPAN_KIND_CONSUMER]
        assert consumer and all(s.parent_span_id.hex() == publisher_span for s in consumer)
        assert {s.name for s in consumer} == {f"{topic} process"}
        for span in receiver.spans:  # no pseudonym in a name or an attribute
            text = span.name + " ".join(str(a.value) for a in span.attributes)
            assert iemand.split(":")[1] not in text and subject.split(":")[1] not in text
    finally:
        await asyncio.to_thread(svc.stop)
