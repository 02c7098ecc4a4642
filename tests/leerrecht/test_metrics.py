"""/metrics serves the shared counters in the Prometheus text format, without authentication."""

from fastapi.testclient import TestClient

from leerrecht.http import create_app
from leerrecht.metrics import DEAD_LETTERS


def test_metrics_endpoint_shows_a_counter_that_moved() -> None:
    client = TestClient(create_app(title="t", description="d"))

    def value() -> float:
        for line in client.get("/metrics").text.splitlines():
            if line.startswith('leerrecht_dead_letters_total{projection="metrics-test"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = value()
    DEAD_LETTERS.labels(projection="metrics-test").inc()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert value() == before + 1
