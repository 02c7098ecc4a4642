"""The metrics are served on their own port (``METRICS_PORT``), never by the service's public app.

Why: the public app is what the ingress routes to, so anything it serves is reachable from outside the
cluster. The counters carry no personal data, but they do show the platform's load per region, route
and partition, which is operational detail for Prometheus only. On its own port the NetworkPolicy lets
only the monitoring namespace reach them (``leerrecht.k8s.network_policy``)."""

import socket

import httpx
import pytest
from fastapi.testclient import TestClient

from leerrecht.config import ServiceSettings
from leerrecht.http import create_app
from leerrecht.metrics import DEAD_LETTERS, start_metrics_server
from leerrecht.processes import free_port


def dead_letters(text: str) -> float:
    for line in text.splitlines():
        if line.startswith('leerrecht_dead_letters_total{projection="metrics-test"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_the_public_app_does_not_serve_the_metrics() -> None:
    client = TestClient(create_app(title="t", description="d"))
    assert client.get("/metrics").status_code == 404
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_the_metrics_port_shows_a_counter_that_moved_and_closes_when_stopped() -> None:
    port = free_port()
    stop = start_metrics_server("127.0.0.1", port)
    try:
        before = dead_letters(httpx.get(f"http://127.0.0.1:{port}/metrics").text)
        DEAD_LETTERS.labels(projection="metrics-test").inc()
        response = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert dead_letters(response.text) == before + 1
    finally:
        stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_a_metrics_port_in_use_is_an_error_at_start_not_a_silent_gap() -> None:
    with socket.socket() as bezet:
        bezet.bind(("127.0.0.1", 0))
        bezet.listen()
        with pytest.raises(OSError):
            start_metrics_server("127.0.0.1", bezet.getsockname()[1])


def test_the_metrics_port_cannot_be_the_public_port() -> None:
    basis = {"DATABASE_URL": "postgresql://x/y", "KAFKA_BOOTSTRAP_SERVERS": "k:9092"}
    with pytest.raises(ValueError, match="METRICS_PORT"):
        ServiceSettings(**basis, HTTP_PORT=8000, METRICS_PORT=8000)
    assert ServiceSettings(**basis, HTTP_PORT=8000, METRICS_PORT=9100).metrics_port == 9100
    assert ServiceSettings(**basis).metrics_port == 0, "not served unless a port is given"
