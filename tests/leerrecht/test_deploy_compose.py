"""``deploy/compose.yaml`` runs the same three-broker cluster as the failure tests (issue 17, point 4).

There is no Docker engine (nor the compose plugin) on the build machine, so the file is checked
statically: the YAML as compose reads it (anchors and merge keys resolved), against the contracts it
must follow. Every secret comes from a required variable (``${VAR:?…}``: unset means compose refuses
to start), three brokers and a controller with the replication of ``contracts/topics.py``, one SCRAM
user per principal of ``contracts/acl.py`` and every service connecting as its own principal to all
three brokers, after the ACLs were applied.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from contracts.acl import principals
from contracts.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TEXT = (DEPLOY / "compose.yaml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APPS = {name: s for name, s in SERVICES.items() if s.get("command", [None])[0] == "python"
        and s["command"][1] == "-m"}
REQUIRED = re.compile(r"^\$\{(\w+):\?[^}]+\}$")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|PSEUDONYM_KEY|^PW_")


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service].get("environment", {}).items()}


def test_every_variable_is_required_and_named_in_the_header() -> None:
    variables = re.findall(r"\$\{([^}]*)\}", TEXT)
    assert variables
    for expr in variables:
        assert re.fullmatch(r"\w+:\?.+", expr), f"${{{expr}}} has a default or is optional"
    header = TEXT.split("\nname:", 1)[0]
    for name in {expr.split(":")[0] for expr in variables}:
        assert name in header, f"{name} is required but not named in the file's header"


def test_every_secret_comes_from_a_required_variable() -> None:
    checked = 0
    for service in SERVICES:
        for key, value in _env(service).items():
            if SECRET_KEY.search(key):
                assert REQUIRED.match(value), f"{service}: {key} is not a required variable"
                checked += 1
            if key == "DATABASE_URL":
                password = re.fullmatch(r"postgresql://\w+:(.+)@[\w.-]+/\w+", value)
                assert password and REQUIRED.match(password.group(1)), f"{service}: DATABASE_URL password"
    assert checked >= 10


def test_three_brokers_and_a_controller_with_the_contracts_replication() -> None:
    nodes = {name: _env(name) for name in SERVICES if "NODE_ROLES" in _env(name)}
    brokers = {n: e for n, e in nodes.items() if e["NODE_ROLES"] == "broker"}
    controllers = {n: e for n, e in nodes.items() if e["NODE_ROLES"] == "controller"}
    assert len(brokers) == 3 and len(controllers) == 1
    assert len({e["NODE_ID"] for e in nodes.values()}) == 4
    assert len({e["CLUSTER_ID"] for e in nodes.values()}) == 1
    for name, env in brokers.items():
        assert SERVICES[name]["hostname"] == name
        assert env["KAFKA_CFG_DEFAULT_REPLICATION_FACTOR"] == str(REPLICATION_FACTOR)
        assert env["KAFKA_CFG_MIN_INSYNC_REPLICAS"] == str(MIN_INSYNC_REPLICAS)
        assert env["KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR"] == str(REPLICATION_FACTOR)
        assert env["KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == str(REPLICATION_FACTOR)
        assert env["KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR"] == str(MIN_INSYNC_REPLICAS)
        assert env["KAFKA_CFG_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"
        assert any(v.endswith(":/var/lib/kafka/data") for v in SERVICES[name]["volumes"]), "data on a volume"
    script = (DEPLOY / "kafka" / "start-node.sh").read_text()
    for needed in ("--add-scram", "StandardAuthorizer", "allow.everyone.if.no.acl.found=false",
                   "auto.create.topics.enable=false", "SCRAM-SHA-512"):
        assert needed in script


def test_one_scram_user_per_principal_and_every_service_its_own() -> None:
    regions = sorted({_env(a)["REGION"] for a in APPS if "REGION" in _env(a)})
    assert regions == ["MC28"]
    node_env = _env("kafka-1")
    users = dict(pair.split("=") for pair in node_env["SCRAM_USERS"].split())
    assert set(users) == set(principals(regions))
    assert all(_env(n)["SCRAM_USERS"] == node_env["SCRAM_USERS"] for n in ("kafka-controller", "kafka-2", "kafka-3"))
    bootstrap = {f"{n}:9092" for n in SERVICES if _env(n).get("NODE_ROLES") == "broker"}
    assert {"registratie", "leerplicht-mc28", "rmc-mc28", "telling"} <= set(APPS)
    for app in APPS:
        env = _env(app)
        assert set(env["KAFKA_BOOTSTRAP_SERVERS"].split(",")) == bootstrap, app
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        principal = env["KAFKA_SASL_USERNAME"]
        assert principal == app, f"{app} connects as its own principal"
        assert env["KAFKA_SASL_PASSWORD"].split(":")[0] == node_env[users[principal]].split(":")[0], \
            f"{app}: the password of its SCRAM user"
        assert SERVICES[app]["depends_on"]["kafka-acls"] == {"condition": "service_completed_successfully"}
        assert env["AUTH_MODE"] == "oidc" and "API_TOKENS" not in env


def test_the_acls_are_those_of_the_contract_for_the_same_regions() -> None:
    acls = SERVICES["kafka-acls"]
    script = acls["command"][-1]
    assert "platform_grants(principals(regions)" in script and "apply_acls(" in script
    assert _env("kafka-acls")["ACL_REGIONS"].split(",") == ["MC28"]
    assert _env("kafka-acls")["KAFKA_SASL_USERNAME"] == "admin"
    assert {d for d, c in acls["depends_on"].items() if c == {"condition": "service_healthy"}} == \
        {"kafka-1", "kafka-2", "kafka-3"}


def test_postgres_and_keycloak_without_a_default_credential() -> None:
    assert REQUIRED.match(_env("postgres")["POSTGRES_PASSWORD"])
    keycloak = _env("keycloak")
    assert REQUIRED.match(keycloak["KC_BOOTSTRAP_ADMIN_PASSWORD"])
    assert REQUIRED.match(keycloak["KC_DB_PASSWORD"])
    assert "--import-realm" in SERVICES["keycloak"]["command"]
    assert any("leerrecht-realm.json" in v for v in SERVICES["keycloak"]["volumes"])
