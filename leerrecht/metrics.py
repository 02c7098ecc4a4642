"""Process metrics in the Prometheus text format, served at ``/metrics`` on every service's own metrics
port (``METRICS_PORT``, :func:`start_metrics_server`), never by its public app.

One module, so the counters that several parts of the runtime raise (dead letters, quarantined
identity records, sequence anomalies, refused requests) have one name and one set of labels each.
Labels never carry personal data: a projection or route name, never a pseudonym.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest, make_wsgi_app

DEAD_LETTERS = Counter(
    "leerrecht_dead_letters_total", "Records a projection sent to its dead-letter topic.", ["projection"]
)
DB_SESSIES_BEEINDIGD = Counter(
    "leerrecht_db_frozen_sessions_ended_total",
    "Database sessions ended because others waited on them while their client stayed silent inside the "
    "transaction past the idle limit (a frozen process; leerrecht.db.beeindig_stille_blokkeerders).",
    ["door"],
)
QUARANTINED = Counter(
    "leerrecht_quarantined_records_total",
    "Identity records that could not be stored and were put in quarantine.", ["projection"],
)
SEQUENCE_ANOMALIES = Counter(
    "leerrecht_sequence_anomalies_total",
    "Per-pupil sequence numbers that arrived with a gap or out of order.", ["projection", "kind"],
)
HTTP_REFUSED = Counter(
    "leerrecht_http_refused_total", "Requests refused at the edge (size or rate limits).", ["reason"]
)

CONSUMER_LAG = Gauge(
    "leerrecht_consumer_lag",
    "Records on a partition not yet applied by this process's projection: the partition's end offset "
    "minus the next offset to apply. Measured every few seconds while the partition is assigned.",
    ["projection", "topic", "partition"],
)
BATCH_SIZE = Histogram(
    "leerrecht_projection_batch_records", "Records in one partition batch of a projection.", ["projection"],
    buckets=(1, 5, 10, 50, 100, 500, 1000, 5000, 10000),
)
APPLY_SECONDS = Histogram(
    "leerrecht_projection_apply_seconds",
    "Time to apply one partition batch and commit it with its checkpoint (retries included).", ["projection"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
HTTP_SECONDS = Histogram(
    "leerrecht_http_request_duration_seconds",
    "HTTP requests by method, route template (never the raw path: it may hold a pseudonym) and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_BACKLOG = Gauge(
    "leerrecht_outbox_backlog",
    "Submissions stored but not yet acknowledged by the broker (registratie's outbox), at the last sweep.",
)
GEZONDHEID_DEGRADED = Gauge(
    "leerrecht_gezondheid_degraded",
    "1 while /ready says degraded for this reason (the process works but needs a person), else 0.", ["reden"],
)

KALENDER_RESTERENDE_DAGEN = Gauge(
    "leerrecht_kalender_resterende_dagen",
    "Days from today to the end of the known school holidays, per vakantieregio; negative after it "
    "(domain.md A3.12: alert from 365). Set at every health probe and daily run of a service that "
    "evaluates with the calendar.",
    ["vakantieregio"],
)


def per_projectie(counter: Counter) -> dict[str, float]:
    """This process's count per ``projection`` label (summed over other labels), for the beheer page."""
    uit: dict[str, float] = {}
    for metric in counter.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                naam = sample.labels.get("projection", "")
                uit[naam] = uit.get(naam, 0.0) + sample.value
    return dict(sorted(uit.items()))


def exposition() -> tuple[bytes, str]:
    """The current metrics and their content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a scrape in flight does not hold the process open at exit


class _Stil(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: Prometheus scrapes every few seconds and the service logs its own events."""


def _alleen_metrics(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Niet gevonden: de metrieken staan op /metrics.\n"]
        return app(environ, start_response)
    return wsgi


def start_metrics_server(host: str, port: int) -> Callable[[], None]:
    """Serve ``/metrics`` on its own port, from a thread, and return the function that stops it.

    Why a port of its own: the public app is what the ingress routes to, and the NetworkPolicy can only
    tell callers apart by port, so on their own port only the monitoring namespace reaches the metrics
    (``leerrecht.k8s.network_policy``). Why a thread and not a second uvicorn server in the event loop:
    uvicorn's server takes the process's signals, and a scrape is a few milliseconds every few seconds.
    A port in use raises here, at start, instead of leaving the service running unscraped."""
    server = make_server(host, port, _alleen_metrics(make_wsgi_app()), _Server, handler_class=_Stil)
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
