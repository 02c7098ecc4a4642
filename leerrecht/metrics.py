"""Process metrics in the Prometheus text format, served at ``/metrics`` by every service.

One module, so the counters that several parts of the runtime raise (dead letters, quarantined
identity records, sequence anomalies, refused requests) have one name and one set of labels each.
Labels never carry personal data: a projection or route name, never a pseudonym.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

DEAD_LETTERS = Counter(
    "leerrecht_dead_letters_total", "Records a projection sent to its dead-letter topic.", ["projection"]
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
