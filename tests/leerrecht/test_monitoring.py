"""Alert rules and dashboard (issue 17 point 5) name only metrics the services export: an alert on a
renamed metric would never fire, and nothing else would notice."""

from __future__ import annotations

import json
import re

from prometheus_client import REGISTRY

import leerrecht.metrics  # noqa: F401  (registers the platform's metrics)
from leerrecht import k8s, monitoring

_NAME = re.compile(r"\bleerrecht_[a-z_]+\b")


def exported() -> set[str]:
    """Every sample name the registry can expose (``_total``, ``_bucket``, ``_count``, ``_sum`` included)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names |= {s.name for s in family.samples}
        names |= {family.name + suffix for suffix in ("_total", "_bucket", "_count", "_sum")}
    return names


def expressions() -> list[str]:
    rules = [r["expr"] for r in monitoring.alert_rules()]
    panels = [t["expr"] for p in monitoring.grafana_dashboard()["panels"] for t in p["targets"]]
    return rules + panels


def test_every_metric_in_the_alerts_and_the_dashboard_is_exported() -> None:
    used = {name for expr in expressions() for name in _NAME.findall(expr)}
    assert used - exported() == set()
    for wanted in ("leerrecht_consumer_lag", "leerrecht_dead_letters_total", "leerrecht_quarantined_records_total",
                   "leerrecht_gezondheid_degraded", "leerrecht_outbox_backlog",
                   "leerrecht_kalender_resterende_dagen", "leerrecht_http_request_duration_seconds_count"):
        assert wanted in used, wanted


def test_the_check_finds_a_renamed_metric() -> None:
    assert {"leerrecht_consumer_lagg"} - exported() == {"leerrecht_consumer_lagg"}


def test_alerts_cover_lag_dead_letters_and_degraded_health_and_the_files_are_written() -> None:
    alerts = {r["alert"] for r in monitoring.alert_rules()}
    assert {"LeerrechtConsumerLagHoog", "LeerrechtDeadLetters", "LeerrechtGezondheidDegraded"} <= alerts
    assert all(r["annotations"]["summary"] and r["labels"]["severity"] in {"warning", "critical"}
               for r in monitoring.alert_rules())
    assert json.loads(k8s.DASHBOARD_FILE.read_text()) == monitoring.grafana_dashboard()
