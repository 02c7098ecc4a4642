"""The generated Kubernetes topology (issue 17 points 2 and 3): up to date, valid against the Kubernetes,
Strimzi and CloudNativePG schemas vendored in the repository (kubeconform, strict, no schema missing),
complete for all 40 regions, and carrying the topics and ACLs of the one definition the local broker
uses too (contracts/topics.py, contracts/acl.py).
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from contracts.acl import Grant, Operation, Pattern, Resource, platform_grants, principals
from contracts.topics import all_topic_specs
from leerrecht import k8s
from leerrecht.kafka import ensure_topics
from leerrecht.kafka_acl import all_regions

ROOT = Path(__file__).resolve().parents[2]
KUBECONFORM = ROOT / ".local" / "bin" / "kubeconform"
SCHEMAS = ROOT / "deploy" / "k8s" / "schemas"
LOCATIONS = [f"{SCHEMAS}/kubernetes/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json",
             f"{SCHEMAS}/crd/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json"]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all((k8s.OUT / name).read_text(), Loader=_LOADER) if d]


@functools.cache
def every_doc() -> list[dict[str, Any]]:
    return [d for name in k8s.manifest_files() for d in docs(name)]


def kubeconform(*files: Path | str) -> tuple[int, dict[str, Any], str]:
    assert KUBECONFORM.exists(), "kubeconform is missing: run make bootstrap (deploy/local/bootstrap.sh)"
    args = [str(KUBECONFORM), "-strict", "-summary", "-output", "json"]
    for location in LOCATIONS:
        args += ["-schema-location", location]
    done = subprocess.run([*args, *map(str, files)], capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, json.loads(done.stdout), done.stderr


# ------------------------------------------------------------------------------- generated, valid


def test_the_generated_files_are_up_to_date() -> None:
    assert k8s.stale() == [], "deploy/k8s is stale: run make docs"


def test_kubeconform_validates_every_manifest_against_the_vendored_schemas() -> None:
    files = [k8s.OUT / name for name in k8s.manifest_files()]
    code, out, err = kubeconform(*files)
    summary = out["summary"]
    assert code == 0, (err, [r for r in out["resources"] if r["status"] != "statusValid"][:5])
    assert summary["invalid"] == summary["errors"] == summary["skipped"] == 0
    assert summary["valid"] == len(every_doc()) > 700  # every object, none without a schema


def test_kubeconform_refuses_a_misspelled_field_and_an_unknown_kind(tmp_path: Path) -> None:
    """The check can fail: strict schemas for Kubernetes and each operator's CRDs, and no kind passes
    for want of a schema."""
    regio = docs("regio/mc28.yaml")
    topic = docs("kafka/topics.yaml")[0]
    cases: dict[str, dict[str, Any]] = {
        "KafkaTopic": {**topic, "spec": {**topic["spec"], "partitons": 3}},
        "Cluster": {**regio[0], "spec": {**regio[0]["spec"], "instance": 2}},
        "Deployment": {**regio[2], "spec": {**regio[2]["spec"], "replica": 2}},
        "Kafka": {**docs("kafka/cluster.yaml")[0], "spec": {"kafka": {"version": k8s.KAFKA_VERSION}}},  # no listeners
        "onbekend": {"apiVersion": "example.invalid/v1", "kind": "Onbekend", "metadata": {"name": "x"}},
    }
    for name, doc in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc))
        code, out, _ = kubeconform(path)
        assert code != 0 and out["summary"]["valid"] == 0, name


# ---------------------------------------------------------------------------- complete, one source


def test_topics_in_the_manifests_equal_the_contract() -> None:
    regions = all_regions()
    assert len(regions) == 40
    generated = {d["spec"]["topicName"]: d["spec"] for d in docs("kafka/topics.yaml")}
    wanted = {s.name: {"topicName": s.name, "partitions": s.partitions, "replicas": k8s.REPLICATION_FACTOR,
                       "config": {**dict(s.config), "min.insync.replicas": str(k8s.MIN_INSYNC_REPLICAS)}}
              for s in all_topic_specs(regions)}
    assert generated == wanted
    assert (k8s.REPLICATION_FACTOR, k8s.MIN_INSYNC_REPLICAS) == (3, 2)
    cluster = docs("kafka/cluster.yaml")
    pool = next(d for d in cluster if d["kind"] == "KafkaNodePool")
    assert pool["spec"]["replicas"] == 3 and "broker" in pool["spec"]["roles"]
    assert cluster[0]["spec"]["kafka"]["config"]["min.insync.replicas"] == 2


def _users() -> dict[str, set[Grant]]:
    users: dict[str, set[Grant]] = {}
    for doc in docs("kafka-users.yaml"):
        assert doc["kind"] == "KafkaUser" and doc["spec"]["authentication"]["type"] == "scram-sha-512"
        grants = users.setdefault(doc["metadata"]["name"], set())
        for rule in doc["spec"]["authorization"]["acls"]:
            r = rule["resource"]
            grants |= {Grant(doc["metadata"]["name"], Resource(r["type"]), r["name"], Pattern(r["patternType"]),
                             Operation(op)) for op in rule["operations"]}
    return users


def test_users_and_acls_in_the_manifests_equal_the_contract_and_every_instance_has_its_own() -> None:
    regions = all_regions()
    users = _users()
    assert set().union(*users.values()) == platform_grants(principals(regions), regions)
    deployments = [d for d in every_doc() if d["kind"] == "Deployment"]
    assert len(deployments) == 2 + 2 * 40
    for dep in deployments:
        env = {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["KAFKA_SASL_USERNAME"]["value"] == dep["metadata"]["name"] in users
    assert set(users) - {d["metadata"]["name"] for d in deployments} == {"analist"}  # a consumer outside


def _by_kind(name: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in docs(name):
        out.setdefault(d["kind"], []).append(d)
    return out


@pytest.mark.parametrize("region", ["MC01", "MC28", "MC40"])
def test_a_regions_instances_are_complete_and_reach_only_kafka_their_database_and_the_idp(region: str) -> None:
    kinds = _by_kind(f"regio/{region.lower()}.yaml")
    assert {k: len(v) for k, v in kinds.items()} == {"Cluster": 2, "ScheduledBackup": 2, "Deployment": 2,
                                                      "Service": 2, "PodDisruptionBudget": 2, "NetworkPolicy": 2}
    for service in ("leerplicht", "rmc"):
        name = f"{service}-{region.lower()}"
        dep = next(d for d in kinds["Deployment"] if d["metadata"]["name"] == name)
        container = dep["spec"]["template"]["spec"]["containers"][0]
        assert {"startupProbe", "readinessProbe", "livenessProbe", "resources"} <= set(container)
        env = {e["name"]: e for e in container["env"]}
        assert env["REGION"]["value"] == region
        for secret in ("DATABASE_URL", "KAFKA_SASL_PASSWORD"):
            assert set(env[secret]) == {"name", "valueFrom"}  # referenced, never contained
        # the service runs as its own role; the owner (CloudNativePG's app user) keeps the processing log
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-db-dienst"
        assert env["DATABASE_OWNER_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-db-app"
        cluster = next(c for c in kinds["Cluster"] if c["metadata"]["name"] == f"{name}-db")
        assert cluster["spec"]["backup"]["barmanObjectStore"]["destinationPath"].endswith(f"/{name}")
        pdb = next(p for p in kinds["PodDisruptionBudget"] if p["metadata"]["name"] == name)
        assert pdb["spec"]["selector"] == dep["spec"]["selector"]
        policy = next(p for p in kinds["NetworkPolicy"] if p["metadata"]["name"] == name)
        pod_labels = dep["spec"]["template"]["metadata"]["labels"].items()
        assert dep["spec"]["selector"]["matchLabels"].items() <= pod_labels
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels  # and the rebuild Job's pods
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        # the ingress controller reaches the public port only, Prometheus the metrics' port only
        inbound = {(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], port["port"])
                   for rule in policy["spec"]["ingress"] for peer in rule["from"] for port in rule["ports"]}
        assert inbound == {(k8s.INGRESS_NAMESPACE, k8s.HTTP_PORT), (k8s.MONITORING_NAMESPACE, k8s.METRICS_PORT)}
        assert {p["containerPort"] for p in container["ports"]} == {k8s.HTTP_PORT, k8s.METRICS_PORT}
        assert dep["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(k8s.METRICS_PORT)
        peers = [peer for rule in policy["spec"]["egress"] for peer in rule["to"]]
        namespaces = {p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                      for p in peers}
        assert namespaces == {k8s.KAFKA_NAMESPACE, None, k8s.IDP_NAMESPACE, "kube-system"}
        own_namespace = [p for p in peers if "namespaceSelector" not in p]
        assert own_namespace == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": f"{name}-db"}}}]
        assert not any("ipBlock" in p for p in peers)


def test_no_manifest_contains_a_secret() -> None:
    kinds = {d["kind"] for d in every_doc()}
    assert "Secret" not in kinds
    for d in every_doc():
        for container in d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for e in container.get("env", []):
                if any(w in e["name"] for w in ("PASSWORD", "KEY", "DATABASE_URL", "SECRET")):
                    assert "value" not in e, (d["metadata"], e["name"])


def test_a_region_that_joins_gets_its_topics_users_database_and_instances() -> None:
    """One more line in the region table (a municipality in a new region MC42) is one more region."""
    before, after = k8s.files(all_regions()), k8s.files([*all_regions(), "MC42"])
    assert set(after) - set(before) == {"regio/mc42.yaml"}
    assert "regio/mc42.yaml" in yaml.safe_load(after["kustomization.yaml"].split("---\n", 1)[1])["resources"]
    assert "leerrecht.regio.MC42.events" in after["kafka/topics.yaml"]
    assert "name: leerplicht-mc42" in after["kafka-users.yaml"] and "name: rmc-mc42" in after["kafka-users.yaml"]
    assert "leerrecht.regio.MC42.events" in after["kafka-users.yaml"].split("name: telling")[1]
    assert "name: leerplicht-mc42-db" in after["regio/mc42.yaml"]


# ------------------------------------------------------------------------ the local broker agrees


@pytest.mark.infra
async def test_the_local_broker_creates_the_topics_of_the_manifests(infra) -> None:  # type: ignore[no-untyped-def]
    """What services create on the local broker (ensure_topics from the contract) has the partitions and
    configuration of the KafkaTopics (replication: the single test broker has 1, the manifests 3)."""
    regions = ["MC37"]
    specs = all_topic_specs(regions)
    await ensure_topics(infra.bootstrap, specs)
    manifests = {d["spec"]["topicName"]: d["spec"] for d in docs("kafka/topics.yaml")}
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([s.name for s in specs])
        partitions = {t["topic"]: len(t["partitions"]) for t in described}
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, s.name, configs=None)
                                                   for s in specs])
    finally:
        await admin.close()
    on_broker: dict[str, dict[str, str]] = {}
    for response in responses:
        for _code, _msg, _type, name, entries, *_ in response.resources:
            on_broker[name] = {e[0]: e[1] for e in entries}
    for spec in specs:
        manifest = manifests[spec.name]
        assert partitions[spec.name] == manifest["partitions"], spec.name
        for key, value in manifest["config"].items():
            if key != "min.insync.replicas":
                assert on_broker[spec.name][key] == value, (spec.name, key)


def test_the_rebuild_job_runs_as_telling_inside_its_network_policy_but_not_behind_its_service() -> None:
    job = docs("jobs/telling-rebuild.yaml")[0]
    pod = job["spec"]["template"]
    assert pod["spec"]["containers"][0]["args"] == ["python", "-m", "telling", "rebuild", "--switch"]
    env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
    assert env["KAFKA_SASL_USERNAME"]["value"] == "telling"
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "telling-db-app"
    kinds = _by_kind("telling.yaml")
    labels = pod["metadata"]["labels"].items()
    assert kinds["NetworkPolicy"][0]["spec"]["podSelector"]["matchLabels"].items() <= labels
    assert not kinds["Service"][0]["spec"]["selector"].items() <= labels
    assert not kinds["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"].items() <= labels


def test_telling_stops_its_old_pods_before_new_ones_start_and_the_others_roll_without_a_pod_down() -> None:
    """telling's migrations may change tables its older code writes (008-009); the regional services
    roll, as officers work through the day."""
    strategies = {d["metadata"]["name"]: d["spec"]["strategy"]
                  for name in ("telling.yaml", "registratie.yaml", "regio/mc28.yaml")
                  for d in docs(name) if d["kind"] == "Deployment"}
    assert strategies["telling"] == {"type": "Recreate"}
    for name in ("registratie", "leerplicht-mc28", "rmc-mc28"):
        assert strategies[name] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
