"""Alert rules and the Grafana dashboard over the metrics of :mod:`leerrecht.metrics`.

Why in code beside the metrics: an alert on a metric that was renamed never fires. The generator
(:mod:`leerrecht.k8s`, ``make docs``) writes them to ``deploy/k8s/monitoring/rules.yaml`` (a
prometheus-operator ``PrometheusRule``) and ``deploy/grafana/leerrecht.json``; the tests check that
every metric named here is one the services export.
"""

from __future__ import annotations

from typing import Any

# metric names, as exported (leerrecht.metrics)
LAG = "leerrecht_consumer_lag"
DEAD_LETTERS = "leerrecht_dead_letters_total"
QUARANTINED = "leerrecht_quarantined_records_total"
BEVROREN = "leerrecht_db_frozen_sessions_ended_total"
DEGRADED = "leerrecht_gezondheid_degraded"
KALENDER = "leerrecht_kalender_resterende_dagen"
OUTBOX = "leerrecht_outbox_backlog"
HTTP = "leerrecht_http_request_duration_seconds"
APPLY = "leerrecht_projection_apply_seconds"
BATCH = "leerrecht_projection_batch_records"

LAG_ALERT_RECORDS = 10_000


def _alert(name: str, expr: str, for_: str, severity: str, summary: str, description: str) -> dict[str, Any]:
    return {"alert": name, "expr": expr, "for": for_, "labels": {"severity": severity},
            "annotations": {"summary": summary, "description": description}}


def alert_rules() -> list[dict[str, Any]]:
    """The alerts: lag, dead letters and quarantine, degraded health, the calendar, the outbox, 5xx."""
    return [
        _alert("LeerrechtConsumerLagHoog", f"max by (namespace, pod, projection, topic) ({LAG}) > {LAG_ALERT_RECORDS}",
               "15m", "warning", "Projectie loopt achter",
               "{{ $labels.projection }} in {{ $labels.pod }} heeft {{ $value }} records op {{ $labels.topic }} "
               "nog niet verwerkt (15 minuten boven de drempel)."),
        _alert("LeerrechtConsumerLagGroeitDoor",
               f"sum by (namespace, pod, projection) ({LAG}) > 0 and "
               f"sum by (namespace, pod, projection) (delta({LAG}[30m])) > 0 and "
               f"sum by (namespace, pod, projection) (increase({APPLY}_count[30m])) == 0",
               "5m", "critical", "Projectie verwerkt niets meer",
               "{{ $labels.projection }} in {{ $labels.pod }} heeft achterstand die groeit en heeft in 30 "
               "minuten geen batch verwerkt (database weg, vastgelopen event?)."),
        _alert("LeerrechtDeadLetters", f"sum by (namespace, pod, projection) (increase({DEAD_LETTERS}[15m])) > 0",
               "0m", "warning", "Records naar de dead-letter-topic",
               "{{ $labels.projection }} stuurde {{ $value }} records naar <topic>.dlq; zie /beheer van de dienst."),
        _alert("LeerrechtQuarantaine", f"sum by (namespace, pod, projection) (increase({QUARANTINED}[15m])) > 0",
               "0m", "warning", "Identiteitsrecords in quarantaine",
               "{{ $labels.projection }} zette {{ $value }} identiteitsrecords in quarantaine; zie /beheer."),
        _alert("LeerrechtBevrorenSessieBeeindigd",
               f"sum by (namespace, pod, door) (increase({BEVROREN}[15m])) > 0",
               "0m", "warning", "Databasesessie van een bevroren proces beëindigd",
               "{{ $labels.pod }} beëindigde {{ $value }} sessies ({{ $labels.door }}) waar anderen op wachtten: "
               "een proces stond stil midden in een transactie (vastgelopen VM of node?)."),
        _alert("LeerrechtGezondheidDegraded", f"max by (namespace, pod, reden) ({DEGRADED}) == 1",
               "10m", "warning", "Dienst werkt, maar heeft een mens nodig",
               "{{ $labels.pod }} meldt /ready degraded met reden {{ $labels.reden }}."),
        _alert("LeerrechtKalenderLooptAf", f"min by (namespace, vakantieregio) ({KALENDER}) < 365",
               "1h", "warning", "Schoolkalender loopt binnen een jaar af",
               "Vakantieregio {{ $labels.vakantieregio }}: nog {{ $value }} dagen; laad het volgende schooljaar "
               "(POST /v1/beheer/schoolvakanties)."),
        _alert("LeerrechtOutboxAchterstand", f"max by (namespace, pod) ({OUTBOX}) > 0", "10m", "critical",
               "Aanleveringen niet op de log",
               "{{ $value }} aanleveringen van registratie wachten al 10 minuten op de broker."),
        _alert("LeerrechtHttpFouten",
               f'sum by (namespace, route) (rate({HTTP}_count{{status=~"5.."}}[5m])) > 0.1',
               "10m", "warning", "Serverfouten",
               "{{ $labels.route }} geeft meer dan 0,1 5xx-antwoorden per seconde."),
        _alert("LeerrechtNietBereikbaar", 'up{namespace="leerrecht"} == 0', "5m", "critical",
               "Dienst niet te scrapen", "{{ $labels.pod }} antwoordt niet op /metrics."),
    ]


def prometheus_rule(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "leerrecht", "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "leerrecht"}},
        "spec": {"groups": [{"name": "leerrecht", "rules": alert_rules()}]},
    }


def _panel(pid: int, title: str, exprs: list[tuple[str, str]], x: int, y: int, unit: str = "short") -> dict[str, Any]:
    return {
        "id": pid, "type": "timeseries", "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": legend} for i, (e, legend) in enumerate(exprs)],
    }


def grafana_dashboard() -> dict[str, Any]:
    """One dashboard: lag, batches, dead letters and quarantine, health, HTTP, outbox, calendar."""
    panels = [
        _panel(1, "Consumer lag per partitie", [(f"sum by (pod, projection, topic, partition) ({LAG})",
                                                 "{{projection}} {{topic}}[{{partition}}]")], 0, 0),
        _panel(2, "Batchgrootte en verwerkingstijd (p95)", [
            (f"histogram_quantile(0.95, sum by (le, projection) (rate({APPLY}_bucket[5m])))", "p95 {{projection}}"),
        ], 12, 0, "s"),
        _panel(3, "Dead letters en quarantaine (per 15 min)", [
            (f"sum by (projection) (increase({DEAD_LETTERS}[15m]))", "dlq {{projection}}"),
            (f"sum by (projection) (increase({QUARANTINED}[15m]))", "quarantaine {{projection}}"),
        ], 0, 8),
        _panel(4, "Gezondheid: degraded", [(f"max by (pod, reden) ({DEGRADED})", "{{pod}} {{reden}}")], 12, 8),
        _panel(5, "HTTP-latentie per route (p95)", [
            (f"histogram_quantile(0.95, sum by (le, route) (rate({HTTP}_bucket[5m])))", "{{route}}"),
        ], 0, 16, "s"),
        _panel(6, "HTTP-antwoorden per status", [(f"sum by (status) (rate({HTTP}_count[5m]))", "{{status}}")], 12, 16,
               "reqps"),
        _panel(7, "Outbox-achterstand (registratie)", [(f"max by (pod) ({OUTBOX})", "{{pod}}")], 0, 24),
        _panel(8, "Schoolkalender: resterende dagen", [(f"min by (vakantieregio) ({KALENDER})", "{{vakantieregio}}")],
               12, 24),
        _panel(9, "Records per batch (gemiddeld)", [
            (f"sum by (projection) (rate({BATCH}_sum[5m])) / sum by (projection) (rate({BATCH}_count[5m]))",
             "{{projection}}"),
        ], 0, 32),
    ]
    return {
        "title": "Leerrecht", "uid": "leerrecht", "schemaVersion": 39, "version": 1, "editable": False,
        "tags": ["leerrecht"], "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                                 "label": "Prometheus"}]},
        "panels": panels,
    }
