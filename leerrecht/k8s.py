"""The production topology on Kubernetes, generated: ``python -m leerrecht.k8s`` writes ``deploy/k8s/``.

Why generated: 40 regions × (leerplicht + rmc) + registratie + telling is 82 service instances, each with
a Kafka principal, a database, probes, a disruption budget and a network policy. Written by hand they
drift from the contracts; generated from the region table (:func:`leerrecht.kafka_acl.all_regions`,
the package copy of the municipality → region table) and :mod:`contracts.topics` / :mod:`contracts.acl`
they cannot. A region that joins is one line in ``leerrecht/data/gemeente_rmc_regio.csv``; ``make docs``
then writes its topics, users, databases and instances. ``tests/deploy/test_k8s.py`` checks that the
files are up to date, validate with kubeconform against the vendored Strimzi, CloudNativePG and
Kubernetes schemas, and carry the topics and ACLs of the contracts.

What is written (Strimzi API ``v1``, CloudNativePG ``v1``):

``kafka/cluster.yaml``   Strimzi ``Kafka`` (KRaft) with a ``KafkaNodePool`` of 3 brokers (also controllers);
                         a TLS listener with SCRAM-SHA-512, simple authorization.
``kafka/topics.yaml``    a ``KafkaTopic`` per contract topic: partitions and config of
                         :func:`contracts.topics.all_topic_specs`, replication 3, ``min.insync.replicas`` 2.
``kafka-users.yaml``     a ``KafkaUser`` per instance with its ACLs (:func:`contracts.acl.strimzi_kafka_users`).
``<instance>.yaml``      registratie and telling; ``regio/<mcxx>.yaml`` leerplicht and rmc of one region:
                         a CloudNativePG ``Cluster`` with backups to an object store and a nightly
                         ``ScheduledBackup``, a Deployment (probes, resources, no root), a Service, a
                         ``PodDisruptionBudget`` and a ``NetworkPolicy`` (egress only to Kafka, its own
                         database, the identity provider and DNS).
``monitoring/rules.yaml`` the ``PrometheusRule`` of :mod:`leerrecht.monitoring`.
``jobs/telling-rebuild.yaml`` the blue/green rebuild of telling as a Job (applied on demand, not by kustomize).

Secrets are referenced, never contained: the database's ``<instance>-db-app`` (made by CloudNativePG),
the Kafka password ``<instance>-kafka`` and the cluster CA ``leerrecht-cluster-ca-cert`` (made by
Strimzi in the Kafka namespace and copied by the operators' secret manager), ``registratie-pseudonym``
and ``leerrecht-backup-s3`` (the operators').
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import contracts.topics as topics_contract
from contracts.acl import REGIONAL_SERVICES, REGISTRATIE, TELLING, regional_principal, strimzi_kafka_users
from contracts.topics import all_topic_specs
from leerrecht import monitoring
from leerrecht.kafka_acl import all_regions

OUT = Path(__file__).resolve().parent.parent / "deploy" / "k8s"
DASHBOARD_FILE = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "leerrecht.json"

NAMESPACE = "leerrecht"
KAFKA_NAMESPACE = "kafka"
KAFKA_CLUSTER = "leerrecht"
KAFKA_VERSION = "4.1.1"  # the broker of deploy/local/pom.xml
KAFKA_TLS_PORT = 9093
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap.{KAFKA_NAMESPACE}.svc:{KAFKA_TLS_PORT}"
KAFKA_CA_SECRET = f"{KAFKA_CLUSTER}-cluster-ca-cert"
# Replication of every topic, from the one definition in contracts/topics.py (issue 17 point 1):
# 3 replicas, 2 in sync before a write is acknowledged.
REPLICATION_FACTOR = topics_contract.REPLICATION_FACTOR
MIN_INSYNC_REPLICAS = topics_contract.MIN_INSYNC_REPLICAS
# Where the identity provider runs (a Keycloak in the cluster's `sso` namespace); the issuer URL is in
# the ConfigMap. An external provider: replace this peer by an ipBlock.
IDP_NAMESPACE, IDP_PORT = "sso", 8443
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
BACKUP_BUCKET = "s3://leerrecht-backups"
BACKUP_SECRET = "leerrecht-backup-s3"
IMAGE = "leerrecht"  # kustomization.yaml names the registry and tag
HTTP_PORT = 8000
METRICS_PORT = 9100
"""The metrics' own port (``leerrecht.metrics``): the NetworkPolicy opens it to the monitoring namespace only,
and the public one to the ingress controller only."""
_NAME = "app.kubernetes.io/name"
_INSTANCE = "app.kubernetes.io/instance"
_COMPONENT = "app.kubernetes.io/component"
_PART_OF = {"app.kubernetes.io/part-of": "leerrecht"}


@dataclass(frozen=True)
class Instance:
    """One process of a service with its own Kafka principal and database."""

    service: str
    region: str | None = None

    @property
    def name(self) -> str:
        """Object name, Kafka principal and Secret prefix: ``registratie``, ``leerplicht-mc28``."""
        return regional_principal(self.service, self.region) if self.region else self.service

    @property
    def database(self) -> str:
        return f"{self.name}-db"

    @property
    def labels(self) -> dict[str, str]:
        return {_NAME: self.service, _INSTANCE: self.name, **_PART_OF}

    @property
    def server(self) -> dict[str, str]:
        """Selects the serving pods only (Deployment, Service, budget), not a Job of the same instance."""
        return {_INSTANCE: self.name, _COMPONENT: "server"}

    @property
    def database_labels(self) -> dict[str, str]:
        """Not the instance's own labels: its Deployment, budget and policy must never select a database pod."""
        return {_NAME: self.service, _INSTANCE: self.database, _COMPONENT: "database", **_PART_OF}

    @property
    def national(self) -> bool:
        return self.region is None


def instances(regions: Iterable[str]) -> list[Instance]:
    """Every service instance of a platform with these regions, in a stable order."""
    regional = [Instance(s, r) for r in sorted(set(regions)) for s in REGIONAL_SERVICES]
    return [Instance(REGISTRATIE), *regional, Instance(TELLING)]


# ------------------------------------------------------------------------------------------- Kafka


def kafka_cluster() -> list[dict[str, Any]]:
    """Strimzi ``Kafka`` in KRaft mode and its node pool of three brokers (each also a controller)."""
    meta = {"namespace": KAFKA_NAMESPACE, "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}}
    pool = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaNodePool",
        "metadata": {"name": "broker", **meta},
        "spec": {
            "replicas": 3,
            "roles": ["controller", "broker"],
            "storage": {"type": "jbod", "volumes": [
                {"id": 0, "type": "persistent-claim", "size": "200Gi", "deleteClaim": False,
                 "kraftMetadata": "shared"},
            ]},
            "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}},
        },
    }
    kafka = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "Kafka",
        "metadata": {"name": KAFKA_CLUSTER, "namespace": KAFKA_NAMESPACE},
        "spec": {
            "kafka": {
                "version": KAFKA_VERSION,
                "listeners": [{"name": "tls", "port": KAFKA_TLS_PORT, "type": "internal", "tls": True,
                               "authentication": {"type": "scram-sha-512"}}],
                "authorization": {"type": "simple"},
                "config": {
                    "auto.create.topics.enable": False,  # a default topic would lose the source of truth
                    "default.replication.factor": REPLICATION_FACTOR,
                    "min.insync.replicas": MIN_INSYNC_REPLICAS,
                    "offsets.topic.replication.factor": REPLICATION_FACTOR,
                    "transaction.state.log.replication.factor": REPLICATION_FACTOR,
                    "transaction.state.log.min.isr": MIN_INSYNC_REPLICAS,
                    "unclean.leader.election.enable": False,
                },
                "rack": {"topologyKey": "topology.kubernetes.io/zone"},
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
            # consumer lag per group and partition as seen by the brokers, beside each service's own
            "kafkaExporter": {"topicRegex": "leerrecht\\..*", "groupRegex": "leerrecht\\..*"},
        },
    }
    return [kafka, pool]


def kafka_topics(regions: Iterable[str]) -> list[dict[str, Any]]:
    """A ``KafkaTopic`` per topic of the contract: its partitions and config, replicated."""
    docs = []
    for spec in all_topic_specs(regions):
        docs.append({
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "KafkaTopic",
            "metadata": {"name": spec.name.lower(), "namespace": KAFKA_NAMESPACE,
                         "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
            "spec": {
                "topicName": spec.name,  # object names are lower case; the region code is not
                "partitions": spec.partitions,
                "replicas": REPLICATION_FACTOR,
                "config": {**dict(spec.config), "min.insync.replicas": str(MIN_INSYNC_REPLICAS)},
            },
        })
    return docs


# ----------------------------------------------------------------------------------- one instance


def _env(inst: Instance) -> list[dict[str, Any]]:
    def secret(name: str, secret_name: str, key: str) -> dict[str, Any]:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

    if inst.service == TELLING:  # reads no pupil's file and renames its own schemas: its role owns its database
        db = [secret("DATABASE_URL", f"{inst.database}-app", "uri")]  # made by CloudNativePG
    else:  # README "Database roles": the owner keeps the append-only processing log out of the service's reach
        db = [secret("DATABASE_URL", f"{inst.database}-dienst", "uri"),  # the managed role (database())
              secret("DATABASE_OWNER_URL", f"{inst.database}-app", "uri")]  # the owner, made by CloudNativePG
    env: list[dict[str, Any]] = [
        *db,
        {"name": "KAFKA_SASL_USERNAME", "value": inst.name},  # its KafkaUser (kafka-users.yaml)
        secret("KAFKA_SASL_PASSWORD", f"{inst.name}-kafka", "password"),
    ]
    if inst.region:
        env.append({"name": "REGION", "value": inst.region})
    if inst.service == REGISTRATIE:
        env += [secret("PSEUDONYM_KEY", "registratie-pseudonym", "key"),
                secret("PSEUDONYM_KEY_ID", "registratie-pseudonym", "key-id")]
    if inst.service == "leerplicht":  # the BSN search hash's key, the instance's own (leerplicht.identiteit)
        env.append(secret("PGN_ZOEKSLEUTEL", f"{inst.name}-zoeksleutel", "key"))
        # during a rotation only: the replaced key under "vorig" in the same Secret (README, "Rotate a region's
        # BSN search key"); optional, so the instance starts without it
        vorig = secret("PGN_ZOEKSLEUTEL_VORIG", f"{inst.name}-zoeksleutel", "vorig")
        vorig["valueFrom"]["secretKeyRef"]["optional"] = True
        env.append(vorig)
    return env


def _resources(inst: Instance) -> dict[str, Any]:
    if inst.service == TELLING:  # holds every region's figures and rebuilds beside the live schema
        return {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "3Gi"}}
    if inst.service == REGISTRATIE:
        return {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
    return {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}


def _container(inst: Instance, args: Sequence[str]) -> dict[str, Any]:
    return {
        "name": inst.service,
        "image": IMAGE,
        "args": list(args),
        "envFrom": [{"configMapRef": {"name": "leerrecht-common"}}],
        "env": _env(inst),
        "volumeMounts": [
            {"name": "kafka-ca", "mountPath": "/etc/leerrecht/kafka-ca", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "resources": _resources(inst),
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }


def _pod_spec(inst: Instance, containers: list[dict[str, Any]], restart: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": containers,
        "volumes": [
            {"name": "kafka-ca",
             "secret": {"secretName": KAFKA_CA_SECRET, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    if restart:
        spec["restartPolicy"] = restart
    return spec


ALLES_TEGELIJK = frozenset({"telling"})
"""Services whose upgrade stops every old pod before a new one starts (``Recreate``). telling's
migrations may change tables its older code writes (008-009: the history per month, no stored
memberships), and an old pod beside a migrated database would fail its batches until replaced; telling
only consumes and publishes aggregates, so a short pause (it catches up from its offsets) costs nothing
a school or officer sees. The others roll, with no pod down, as their users work through the day."""


def _strategy(inst: Instance) -> dict[str, Any]:
    if inst.service in ALLES_TEGELIJK:
        return {"type": "Recreate"}
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def deployment(inst: Instance) -> dict[str, Any]:
    """Two replicas (projections share the partitions; web sessions are sticky at the Service)."""
    container = _container(inst, ["python", "-m", inst.service])
    container |= {
        "ports": [{"name": "http", "containerPort": HTTP_PORT}, {"name": "metrics", "containerPort": METRICS_PORT}],
        "startupProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 5, "failureThreshold": 60},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10, "failureThreshold": 6},
    }
    pod = _pod_spec(inst, [container])
    pod["terminationGracePeriodSeconds"] = 45  # SIGTERM: finish the batch, commit, exit
    pod["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                         "whenUnsatisfiable": "ScheduleAnyway",
                                         "labelSelector": {"matchLabels": inst.server}}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": inst.name, "labels": inst.labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": inst.server},
            "strategy": _strategy(inst),
            "template": {
                "metadata": {"labels": {**inst.labels, **inst.server},
                             "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT),
                                             "prometheus.io/path": "/metrics"}},
                "spec": pod,
            },
        },
    }


def service(inst: Instance) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": inst.name, "labels": inst.labels},
        "spec": {
            "selector": inst.server,
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            "sessionAffinity": "ClientIP",  # web sessions live in the process (README, single sign-on)
        },
    }


def disruption_budget(inst: Instance) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": inst.name, "labels": inst.labels},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": inst.server}},
    }


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def network_policy(inst: Instance) -> dict[str, Any]:
    """In: the public port from the ingress controller, the metrics' port from Prometheus. Out: Kafka,
    its own database, the identity provider and DNS; nothing else (no other instance's database, no
    other service). Selects every pod of the instance, the rebuild Job's too."""
    tcp = "TCP"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": inst.name, "labels": inst.labels},
        "spec": {
            "podSelector": {"matchLabels": {_INSTANCE: inst.name}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [_namespace(INGRESS_NAMESPACE)], "ports": [{"protocol": tcp, "port": HTTP_PORT}]},
                {"from": [_namespace(MONITORING_NAMESPACE)], "ports": [{"protocol": tcp, "port": METRICS_PORT}]},
            ],
            "egress": [
                {"to": [{**_namespace(KAFKA_NAMESPACE), "podSelector": {"matchLabels": {
                    "strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/kind": "Kafka"}}}],
                 "ports": [{"protocol": tcp, "port": KAFKA_TLS_PORT}]},
                {"to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": inst.database}}}],
                 "ports": [{"protocol": tcp, "port": 5432}]},
                {"to": [_namespace(IDP_NAMESPACE)], "ports": [{"protocol": tcp, "port": IDP_PORT}]},
                {"to": [{**_namespace("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": tcp, "port": 53}]},
            ],
        },
    }


DIENST_ROL = "leerrecht_dienst"


def database(inst: Instance) -> list[dict[str, Any]]:
    """CloudNativePG ``Cluster`` (its own database and owner) with WAL archiving and base backups to
    the object store, kept 30 days, and a nightly ``ScheduledBackup``. The national databases get three
    instances, a region's two (a replica to fail over to; its data can also be replayed from the log)."""
    dbname = inst.service
    cluster = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": inst.database, "labels": inst.database_labels},
        "spec": {
            "instances": 3 if inst.national else 2,
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"size": "50Gi" if inst.national else "10Gi"},
            "bootstrap": {"initdb": {"database": dbname, "owner": dbname}},
            **({} if inst.service == TELLING else {"managed": {"roles": [{
                # the service's own role (DATABASE_URL): INSERT and SELECT on the processing log only;
                # its Secret (basic-auth, plus a "uri" key for the service) comes from the secret manager
                "name": DIENST_ROL, "ensure": "present", "login": True, "inherit": True,
                "passwordSecret": {"name": f"{inst.database}-dienst"}}]}}),
            "monitoring": {"enablePodMonitor": True},
            "backup": {
                "retentionPolicy": "30d",
                "barmanObjectStore": {
                    "destinationPath": f"{BACKUP_BUCKET}/{inst.name}",
                    "s3Credentials": {
                        "accessKeyId": {"name": BACKUP_SECRET, "key": "ACCESS_KEY_ID"},
                        "secretAccessKey": {"name": BACKUP_SECRET, "key": "ACCESS_SECRET_KEY"},
                    },
                    "wal": {"compression": "gzip"},
                    "data": {"compression": "gzip"},
                },
            },
        },
    }
    scheduled = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "ScheduledBackup",
        "metadata": {"name": inst.database, "labels": inst.database_labels},
        "spec": {"schedule": "0 0 2 * * *", "backupOwnerReference": "self",
                 "method": "barmanObjectStore", "cluster": {"name": inst.database}},
    }
    return [cluster, scheduled]


def instance_docs(inst: Instance) -> list[dict[str, Any]]:
    return [*database(inst), deployment(inst), service(inst), disruption_budget(inst), network_policy(inst)]


def telling_rebuild_job() -> dict[str, Any]:
    """``python -m telling rebuild --switch`` as a Job beside the live telling (README, Operations)."""
    inst = Instance(TELLING)
    container = _container(inst, ["python", "-m", "telling", "rebuild", "--switch"])
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "telling-rebuild-", "labels": {**inst.labels, "leerrecht.nl/taak": "rebuild"}},
        "spec": {
            "backoffLimit": 0,  # a failed rebuild leaves the live schema as it was: look before retrying
            # the instance's labels (its NetworkPolicy applies), another component (not behind its Service)
            "template": {"metadata": {"labels": {**inst.labels, _COMPONENT: "rebuild"}},
                         "spec": _pod_spec(inst, [container], "Never")},
        },
    }


# --------------------------------------------------------------------------------------- the files


def _yaml(docs: Iterable[Mapping[str, Any]], header: str) -> str:
    body = "---\n".join(yaml.safe_dump(dict(d), sort_keys=False, width=120) for d in docs)
    return f"# Generated by `python -m leerrecht.k8s` ({header}): do not edit, run `make docs`.\n---\n{body}"


def common() -> list[dict[str, Any]]:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": _PART_OF}}
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "leerrecht-common", "labels": _PART_OF},
        "data": {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",  # each instance its own SCRAM principal, ACLs by Strimzi
            "KAFKA_SSL_CAFILE": "/etc/leerrecht/kafka-ca/ca.crt",  # the Strimzi cluster CA (mounted)
            "HTTP_HOST": "0.0.0.0",
            "HTTP_PORT": str(HTTP_PORT),
            "METRICS_PORT": str(METRICS_PORT),
            "LOG_JSON": "true",
            "AUTH_MODE": "oidc",  # no static tokens in production
            "OIDC_ISSUER": "https://sso.example.invalid/realms/leerrecht",
        },
    }
    return [namespace, config]


def files(regions: Iterable[str]) -> dict[str, str]:
    """Every generated file under ``deploy/k8s/`` (relative path → text)."""
    regions = sorted(set(regions))
    out: dict[str, str] = {
        "common.yaml": _yaml(common(), "namespace and shared configuration"),
        "kafka/cluster.yaml": _yaml(kafka_cluster(), "Strimzi Kafka, KRaft, 3 brokers"),
        "kafka/topics.yaml": _yaml(kafka_topics(regions), "contracts/topics.py"),
        "kafka-users.yaml": strimzi_kafka_users(regions, cluster=KAFKA_CLUSTER, namespace=KAFKA_NAMESPACE),
        "monitoring/rules.yaml": _yaml([monitoring.prometheus_rule(NAMESPACE)], "leerrecht/monitoring.py"),
        "jobs/telling-rebuild.yaml": _yaml([telling_rebuild_job()], "blue/green rebuild, `kubectl create -f`"),
    }
    for inst in instances(regions):
        if inst.national:
            out[f"{inst.name}.yaml"] = _yaml(instance_docs(inst), inst.name)
    for region in regions:
        docs = [d for s in REGIONAL_SERVICES for d in instance_docs(Instance(s, region))]
        out[f"regio/{region.lower()}.yaml"] = _yaml(docs, f"leerplicht and rmc of {region}")
    in_leerrecht = ["common.yaml", "registratie.yaml", "telling.yaml", "monitoring/rules.yaml",
                    *(f"regio/{r.lower()}.yaml" for r in regions)]
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "resources": in_leerrecht,
        "images": [{"name": IMAGE, "newName": "registry.example.invalid/leerrecht", "newTag": "0.1.0"}],
    }
    out["kustomization.yaml"] = (
        "# `kubectl apply -k deploy/k8s`: the services, their databases and alert rules in the namespace\n"
        "# leerrecht. The Kafka cluster, topics and users go to the Strimzi namespace:\n"
        "# `kubectl apply -n kafka -f deploy/k8s/kafka/ -f deploy/k8s/kafka-users.yaml`.\n"
        + _yaml([kustomization], "kustomize entry point")
    )
    return out


def manifest_files() -> list[str]:
    """The generated files that hold Kubernetes objects (kubeconform validates these)."""
    return sorted(name for name in files(all_regions()) if name != "kustomization.yaml")


def write(out: Path = OUT, regions: Iterable[str] | None = None) -> list[Path]:
    written = []
    for name, text in files(all_regions() if regions is None else regions).items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    DASHBOARD_FILE.parent.mkdir(parents=True, exist_ok=True)
    DASHBOARD_FILE.write_text(json.dumps(monitoring.grafana_dashboard(), indent=2, ensure_ascii=False) + "\n")
    return written


def stale() -> list[str]:
    """Generated files whose text differs from what the generator writes now."""
    wrong = [name for name, text in files(all_regions()).items()
             if not (OUT / name).exists() or (OUT / name).read_text() != text]
    dashboard = json.dumps(monitoring.grafana_dashboard(), indent=2, ensure_ascii=False) + "\n"
    if not DASHBOARD_FILE.exists() or DASHBOARD_FILE.read_text() != dashboard:
        wrong.append(str(DASHBOARD_FILE))
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kubernetes manifests of the whole platform from the region table.")
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale()
        print("\n".join(wrong) or "deploy/k8s is up to date")
        return 1 if wrong else 0
    print(f"{len(write())} files written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
