"""Real Apache Kafka (KRaft), PostgreSQL and Keycloak on this machine, without Docker.

Why this exists: the platform's tests and its demo must run on the real servers (never a mock), on
machines that have Java 17, Maven and Debian's PostgreSQL but no Docker engine. The broker is the
genuine ``kafka.Kafka`` JVM, resolved from Maven Central by ``deploy/local/pom.xml``; PostgreSQL is
Debian's package (installed with apt-get when missing); the identity provider is Keycloak's own
distribution (``org.keycloak:keycloak-quarkus-dist``, Maven Central) with the realm of
``deploy/local/keycloak/leerrecht-realm.json``. All are started as child process groups
of their own, health-checked through their own protocols, and stopped by PID only.

Used by ``deploy/local/infra.sh`` (``python -m leerrecht.localinfra up|down|status``) and by the test
fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE = REPO_ROOT / ".local"
POM = REPO_ROOT / "deploy" / "local" / "pom.xml"
ADMIN = "admin"  # the local broker's super user (localinfra itself: readiness, ACLs)
CONTROLLER = "controller"  # the controller listener's SASL/PLAIN user


class InfraError(RuntimeError):
    """A local server could not be installed, started or reached."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _stopped(pid: int) -> bool:
    """Whether the process is stopped (state T) by a signal."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "T"
    except (OSError, IndexError):
        return False


def _kill_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGKILL the process group we started and wait until its leader is gone.

    Why: a throwaway server's data is deleted right after, so its graceful stop (Kafka's controlled
    shutdown, PostgreSQL's checkpoint) is only waiting: ~25 s at the end of every test session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def _discard(pid_file: Path) -> None:
    """:func:`_kill_pid` for the server a pid file names, and the file removed."""
    if pid_file.exists():
        _kill_pid(int(pid_file.read_text()))
        pid_file.unlink(missing_ok=True)


def _remove_later(home: Path) -> None:
    """Remove a throwaway folder in a detached ``rm -rf`` that nobody waits for.

    Why: the test session's PostgreSQL holds a database per test module and more (300 databases are
    3 GB here), and removing that took ~20 s of every suite's teardown; the files are useless once the
    servers are gone."""
    subprocess.Popen(["rm", "-rf", "--", str(home)], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_pid(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM the process group we started, then SIGKILL if it does not leave in time."""
    if not _pid_alive(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        os.killpg(pid, signal.SIGCONT)  # a stopped member (after pause()) acts on SIGTERM only once continued
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not _pid_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------- Kafka

KAFKA_LOG4J = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
"""


def kafka_lib_dir(state: Path = DEFAULT_STATE) -> Path:
    return state / "kafka-lib"


def ensure_kafka_jars(state: Path = DEFAULT_STATE) -> Path:
    """Resolve the broker's jars once; later runs reuse the git-ignored cache."""
    lib = kafka_lib_dir(state)
    marker = lib / ".complete"
    if marker.exists():
        return lib
    if shutil.which("mvn") is None:
        raise InfraError("Maven (mvn) is needed to fetch Apache Kafka from Maven Central: apt-get install maven")
    lib.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
         f"-DoutputDirectory={lib}", "-DincludeScope=runtime"],
        check=True,
    )
    if not list(lib.glob("kafka_2.13-*.jar")):
        raise InfraError(f"no kafka_2.13 jar in {lib} after mvn dependency:copy-dependencies")
    marker.touch()
    return lib


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise InfraError("Java 17+ is needed to run the Kafka broker: apt-get install openjdk-17-jre-headless")
    return java


@dataclass
class KafkaNode:
    """One combined broker+controller KRaft node on loopback, with SASL/SCRAM and ACLs.

    Every client listener but one authenticates with SASL/SCRAM-SHA-512, and the StandardAuthorizer
    enforces the ACLs of :mod:`contracts.acl` (applied on every start) for one principal per service
    instance of :attr:`regions`. The SCRAM credentials are created when the storage is formatted
    (``--add-scram``) with random passwords, kept in ``credentials.json`` (mode 0600) in ``home``.

    ``sasl_port``: ``None`` (the demo, ``make infra-up``) means the client listener on ``port`` is
    SASL and there is no unauthenticated access at all. A port number (the throwaway brokers of the
    tests and benchmarks) puts the SASL listener there and keeps ``port`` as a PLAINTEXT listener
    whose anonymous user is a super user: the test harness, its raw clients and the in-process
    services keep working unchanged, while the ACL tests and the services started with a principal
    use :attr:`sasl_bootstrap`, where the ACLs hold. The controller listener uses SASL/PLAIN with
    its own password (SCRAM is not available there: the controller must authenticate before the
    metadata that holds the SCRAM credentials is read).
    """

    home: Path
    port: int = 19092
    controller_port: int = 19093
    lib: Path = field(default_factory=lambda: kafka_lib_dir())
    heap: str = "512m"
    sasl_port: int | None = None
    regions: tuple[str, ...] = ("MC28", "MC29")
    # A member of a :class:`KafkaCluster`: its id and roles, the controller it follows
    # (``host:port``; its own ``controller_port`` when None), the cluster's id, the credentials file
    # all members share, and how many brokers hold each internal topic's replicas.
    node_id: int = 1
    roles: str = "broker,controller"
    quorum: str | None = None
    cluster_id: str | None = None
    shared_credentials: Path | None = None
    replication: int = 1
    # A controller of a throwaway cluster: requests its brokers forward from their PLAINTEXT listener
    # (CreateAcls) carry the anonymous super user, so the controller must know it as one too.
    anonymous_super_user: bool = False
    # The JIT stops at C1 (``-XX:TieredStopAtLevel=1``): a lightly loaded throwaway broker (the failure
    # tests' cluster) never pays back C2's compilations, which are most of a start on 2 cores (a 3-broker
    # cluster up in ~14 s against ~25 s). Not for a broker that carries load, whose hot paths C2 makes faster.
    c1_only: bool = False

    @property
    def is_broker(self) -> bool:
        return "broker" in self.roles.split(",")

    @property
    def bootstrap(self) -> str:
        """The first client listener: PLAINTEXT super user on a throwaway broker, else SASL."""
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_port if self.sasl_port is not None else self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def credentials_file(self) -> Path:
        return self.shared_credentials or self.home / "credentials.json"

    @property
    def credentials(self) -> dict[str, str]:
        """Principal → password of every SCRAM user (``admin`` is the super user)."""
        return dict(json.loads(self.credentials_file.read_text()))

    def client_env(self, principal: str) -> dict[str, str]:
        """What a service process needs to connect as ``principal`` (see leerrecht/config.py)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.sasl_bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_USERNAME": principal,
            "KAFKA_SASL_PASSWORD": self.credentials[principal],
        }

    def client_kwargs(self, principal: str) -> dict[str, str]:
        """aiokafka keyword arguments to connect to :attr:`sasl_bootstrap` as ``principal``."""
        return {
            "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": principal, "sasl_plain_password": self.credentials[principal],
        }

    def _admin(self) -> tuple[str, dict[str, str]]:
        """Where and how localinfra itself talks to the broker: as super user."""
        if self.sasl_port is not None:
            return self.bootstrap, {}
        return self.sasl_bootstrap, self.client_kwargs(ADMIN)

    def _new_credentials(self) -> dict[str, str]:
        from contracts.acl import principals

        names = [ADMIN, CONTROLLER, *principals(self.regions)]
        creds = {name: secrets.token_urlsafe(24) for name in names}
        self.credentials_file.touch(mode=0o600)
        self.credentials_file.write_text(json.dumps(creds, indent=1))
        return creds

    def _replication_lines(self) -> list[str]:
        """Internal topics and defaults: one replica on the single broker; on a cluster as many as
        the contract's topics (``contracts.topics``), and a failed broker fenced within seconds so
        that partitions fail over (and the in-sync sets shrink) while the failure tests watch."""
        rf, min_isr = self.replication, max(1, min(2, self.replication - 1))
        lines = [
            f"offsets.topic.replication.factor={rf}",
            f"transaction.state.log.replication.factor={rf}",
            f"transaction.state.log.min.isr={min_isr}",
            f"share.coordinator.state.topic.replication.factor={rf}",
            f"share.coordinator.state.topic.min.isr={min_isr}",
        ]
        if rf > 1:
            lines += [
                f"default.replication.factor={rf}",
                f"min.insync.replicas={min_isr}",
                "unclean.leader.election.enable=false",
                "broker.heartbeat.interval.ms=500",
                "broker.session.timeout.ms=3000",
                "replica.lag.time.max.ms=5000",
            ]
        return lines

    def _write_config(self, creds: dict[str, str]) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        if self.sasl_port is None:
            client = [f"SASL_PLAINTEXT://127.0.0.1:{self.port}"]
            supers = f"User:{ADMIN};User:{CONTROLLER}"
        else:
            client = [f"PLAINTEXT://127.0.0.1:{self.port}", f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"]
            supers = f"User:{ADMIN};User:{CONTROLLER};User:ANONYMOUS"
        if self.anonymous_super_user:
            supers = f"User:{ADMIN};User:{CONTROLLER};User:ANONYMOUS"
        own = [*(client if self.is_broker else []),
               *([f"CONTROLLER://127.0.0.1:{self.controller_port}"] if "controller" in self.roles else [])]
        listeners = ",".join(own)
        advertised = ",".join(entry for entry in own if self.is_broker or not entry.startswith("CONTROLLER"))
        props = self.home / "server.properties"
        props.touch(mode=0o600)  # it holds the controller's and the admin's passwords
        props.write_text(
            "\n".join([
                f"process.roles={self.roles}",
                f"node.id={self.node_id}",
                f"controller.quorum.bootstrap.servers={self.quorum or f'127.0.0.1:{self.controller_port}'}",
                f"listeners={listeners}",
                *([f"advertised.listeners={advertised}"] if self.is_broker else []),
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config="
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{CONTROLLER}" password="{creds[CONTROLLER]}" user_{CONTROLLER}="{creds[CONTROLLER]}";',
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{ADMIN}" password="{creds[ADMIN]}";',
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                f"super.users={supers}",
                "allow.everyone.if.no.acl.found=false",
                f"log.dirs={self.home / 'data'}",
                "num.partitions=3",
                "offsets.topic.num.partitions=6",
                *self._replication_lines(),
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "",
            ])
        )
        (self.home / "log4j2.properties").write_text(KAFKA_LOG4J)
        return props

    def _jvm(self, main: str, *args: str, short_lived: bool = False) -> list[str]:
        c1 = ["-XX:TieredStopAtLevel=1"] if short_lived or self.c1_only else []
        return [
            _java(), f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC", *c1,
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            "-cp", f"{self.lib}/*", main, *args,
        ]

    def start(self, timeout: float = 120.0, acls: bool = True) -> None:
        """Format the storage on the first start, start the JVM and wait until it answers; then apply
        the ACLs (a :class:`KafkaCluster` applies them once, when all its brokers are up)."""
        if self.pid_file.exists() and _pid_alive(int(self.pid_file.read_text())):
            self.wait_ready(timeout)
            return
        if _port_open(self.port if self.is_broker else self.controller_port):
            raise InfraError(f"port {self.port} is already in use by another process")
        self.home.mkdir(parents=True, exist_ok=True)
        formatted = (self.home / "data" / "meta.properties").exists()
        if formatted and not self.credentials_file.exists():
            # A broker formatted before authentication existed (older local state): its SCRAM users can
            # only be created at format time here, so start its (demo) data afresh.
            print(f"Kafka in {self.home} heeft nog geen SCRAM-gebruikers: opnieuw formatteren.", flush=True)
            shutil.rmtree(self.home / "data", ignore_errors=True)
            formatted = False
        creds = self.credentials if formatted or self.shared_credentials else self._new_credentials()
        props = self._write_config(creds)
        if not formatted:
            cluster_id = self.cluster_id or new_cluster_id()
            scram = [arg for name, pw in creds.items() if name != CONTROLLER
                     for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={pw}]")]
            voters = ["--standalone"] if "controller" in self.roles else []  # the one voter of its quorum
            subprocess.run(
                self._jvm("kafka.tools.StorageTool", "format", *voters,
                          "--cluster-id", cluster_id, "--config", str(props), *scram, short_lived=True),
                check=True, stdout=subprocess.DEVNULL,
            )
        out = (self.home / "logs" / "stdout.log").open("ab")
        proc = subprocess.Popen(
            self._jvm("kafka.Kafka", str(props)),
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.pid_file.write_text(str(proc.pid))
        self.wait_ready(timeout, proc)
        if acls and self.is_broker:
            self.apply_acls()

    def apply_acls(self) -> None:
        """The ACLs of :mod:`contracts.acl` for the principals of :attr:`regions` (idempotent)."""
        from contracts.acl import platform_grants, principals
        from leerrecht.kafka_acl import all_regions, apply_acls

        bootstrap, kwargs = self._admin()
        grants = platform_grants(principals(self.regions), sorted({*all_regions(), *self.regions}))
        asyncio.run(apply_acls(bootstrap, grants, **kwargs))

    def wait_ready(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        """Ready means the broker answers a metadata request, not merely that its port is open."""
        deadline = time.monotonic() + timeout
        bootstrap, kwargs = self._admin()
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise InfraError(f"Kafka exited with {proc.returncode}; see {self.home / 'logs'}")
            if not self.is_broker and _port_open(self.controller_port):
                return  # a controller has no client listener; its brokers' readiness shows the quorum works
            if _port_open(self.port) and asyncio.run(_kafka_answers(bootstrap, **kwargs)):
                return
            time.sleep(0.5)
        raise InfraError(f"Kafka did not become ready on {self.bootstrap} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.pid_file.exists():
            _stop_pid(int(self.pid_file.read_text()))
            self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL and wait until it is gone: the failure tests, and a throwaway node whose folder goes next."""
        _discard(self.pid_file)


@dataclass
class KafkaCluster:
    """Three (``brokers``) Kafka brokers and one KRaft controller of their own, on loopback.

    Why a separate controller and not three combined nodes, though these would be one JVM fewer: the
    failure tests kill two brokers one after the other. With combined nodes that also kills two of
    three controller voters, the quorum is gone, no broker is fenced and no in-sync set shrinks, and
    the test would watch timeouts instead of what production does (a majority of controllers survives
    any broker failure). One controller-only JVM is small (128 MB heap) and starts in about as long
    as a broker; the brokers start side by side after it, so the cluster is up in about the time of one
    broker. Topics on it get the contract's replication (3, ``min.insync.replicas=2``), as does every
    internal topic. Listeners, SASL/SCRAM users and ACLs are those of :class:`KafkaNode`: each broker
    has its PLAINTEXT super-user listener and its SASL listener, and the credentials are shared.
    """

    home: Path
    brokers: int = 3
    lib: Path = field(default_factory=lambda: kafka_lib_dir())
    heap: str = "384m"
    regions: tuple[str, ...] = ("MC28", "MC29")
    c1_only: bool = False  # see KafkaNode.c1_only
    controller: KafkaNode = field(init=False)
    nodes: list[KafkaNode] = field(init=False)

    def __post_init__(self) -> None:
        cluster_id = new_cluster_id()
        quorum_port = free_port()
        creds = self.home / "credentials.json"
        common: dict[str, Any] = {"lib": self.lib, "regions": self.regions, "cluster_id": cluster_id,
                                  "quorum": f"127.0.0.1:{quorum_port}", "shared_credentials": creds,
                                  "replication": self.brokers, "c1_only": self.c1_only}
        self.controller = KafkaNode(home=self.home / "controller", port=quorum_port, controller_port=quorum_port,
                                    heap="128m", roles="controller", node_id=100, anonymous_super_user=True,
                                    **common)
        self.nodes = [
            KafkaNode(home=self.home / f"broker-{i}", port=free_port(), controller_port=quorum_port,
                      sasl_port=free_port(), heap=self.heap, roles="broker", node_id=i, **common)
            for i in range(1, self.brokers + 1)
        ]

    @property
    def bootstrap(self) -> str:
        """Every broker's PLAINTEXT super-user listener: clients find the others through any one."""
        return ",".join(n.bootstrap for n in self.nodes)

    @property
    def sasl_bootstrap(self) -> str:
        return ",".join(n.sasl_bootstrap for n in self.nodes)

    @property
    def credentials(self) -> dict[str, str]:
        return self.nodes[0].credentials

    def client_env(self, principal: str) -> dict[str, str]:
        return {**self.nodes[0].client_env(principal), "KAFKA_BOOTSTRAP_SERVERS": self.sasl_bootstrap}

    def client_kwargs(self, principal: str) -> dict[str, str]:
        return self.nodes[0].client_kwargs(principal)

    def broker(self, node_id: int) -> KafkaNode:
        return next(n for n in self.nodes if n.node_id == node_id)

    def start(self, timeout: float = 180.0) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.home.mkdir(parents=True, exist_ok=True)
        if not self.controller.credentials_file.exists():
            self.controller._new_credentials()
        self.controller.start(timeout)
        with ThreadPoolExecutor(max_workers=len(self.nodes)) as pool:
            for done in [pool.submit(n.start, timeout, False) for n in self.nodes]:
                done.result()
        self.wait_registered(timeout)
        self.nodes[0].apply_acls()

    def wait_registered(self, timeout: float = 60.0) -> None:
        """Until the metadata lists every broker: only then can a topic get all its replicas."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if asyncio.run(_brokers_listed(self.bootstrap)) >= len(self.nodes):
                return
            time.sleep(0.3)
        raise InfraError(f"not all {len(self.nodes)} brokers registered within {timeout:.0f}s")

    def kill_broker(self, node_id: int) -> None:
        """SIGKILL one broker (failure tests); its data stays for :meth:`start_broker`."""
        self.broker(node_id).kill()

    def start_broker(self, node_id: int, timeout: float = 120.0) -> None:
        self.broker(node_id).start(timeout, acls=False)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        self.controller.stop()

    def discard(self) -> None:
        """Every node killed at once: a throwaway cluster whose folder is removed next."""
        for node in (*self.nodes, self.controller):
            node.kill()


async def _brokers_listed(bootstrap: str) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        return len((await admin.describe_cluster())["brokers"])
    except Exception:
        return 0
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


def new_cluster_id() -> str:
    cluster_id = "-"
    while cluster_id.startswith("-"):  # a leading '-' would read as an option to the storage tool
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    return cluster_id


async def _kafka_answers(bootstrap: str, **client_kwargs: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, **client_kwargs)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


# ---------------------------------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    if pg_config:
        return Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    return None


def ensure_postgres() -> Path:
    """Debian's package: a stock, supported server that the machine's apt already trusts."""
    bindir = pg_bindir()
    if bindir is not None and (bindir / "initdb").exists():
        return bindir
    if os.geteuid() != 0:
        raise InfraError("PostgreSQL server binaries not found; install them: sudo apt-get install postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    bindir = pg_bindir()
    if bindir is None:
        raise InfraError("apt-get install postgresql did not provide initdb")
    return bindir


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root; on a root shell we run it as Debian's postgres user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PostgresNode:
    """A private PostgreSQL cluster on loopback, TCP only, trust auth (local development only)."""

    home: Path
    port: int = 15432
    user: str = "leerrecht"
    fast: bool = False  # tests: no fsync; the crash tests kill consumers, never this server

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "postgres.pid"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.home, pw.pw_uid, pw.pw_gid)
            # postgres must be able to reach its home: open the path's ancestors for traversal.
            for parent in self.home.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)

    def start(self, timeout: float = 60.0) -> None:
        bindir = ensure_postgres()
        if self.pid_file.exists() and _pid_alive(int(self.pid_file.read_text())):
            self.wait_ready(timeout)
            return
        if _port_open(self.port):
            raise InfraError(f"port {self.port} is already in use by another process")
        self._prepare_home()
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                [*_as_postgres_user(), str(bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                check=True, stdout=subprocess.DEVNULL,
            )
        opts = [
            "-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-c", "unix_socket_directories=",
            "-c", "max_connections=200", "-c", "shared_buffers=256MB",
        ]
        if self.fast:
            opts += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = self.home / "postgres.log"
        if os.geteuid() == 0:
            log.touch()
            pw = pwd.getpwnam("postgres")
            os.chown(log, pw.pw_uid, pw.pw_gid)
        out = log.open("ab")
        proc = subprocess.Popen(
            [*_as_postgres_user(), str(bindir / "postgres"), "-D", str(self.data), *opts],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.pid_file.write_text(str(proc.pid))
        self.wait_ready(timeout, proc)

    def wait_ready(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise InfraError(f"PostgreSQL exited with {proc.returncode}; see {self.home / 'postgres.log'}")
            if _port_open(self.port) and asyncio.run(_pg_answers(self.dsn())):
                return
            time.sleep(0.3)
        raise InfraError(f"PostgreSQL did not become ready on port {self.port} within {timeout:.0f}s")

    def stop_immediate(self, timeout: float = 30.0) -> None:
        """``pg_ctl stop -m immediate`` by signal: no checkpoint, every client cut off (failure tests)."""
        if not self.pid_file.exists():
            return
        pid = int(self.pid_file.read_text())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGQUIT)  # the group: runuser and the postmaster under it
            os.killpg(pid, signal.SIGCONT)  # a stopped member acts on SIGQUIT only once continued
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (_pid_alive(pid) or _port_open(self.port)):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def _server_pids(self) -> list[int]:
        """The postmaster and its children. PostgreSQL children start sessions of their own, so a
        process-group signal would miss them."""
        if not self.pid_file.exists():
            return []
        top = int(self.pid_file.read_text())
        parents = {top}
        pids: list[int] = []
        for _ in range(3):  # runuser → postmaster → backends
            found = [
                int(d) for d in os.listdir("/proc") if d.isdigit()
                and _ppid(int(d)) in parents and int(d) not in pids
            ]
            pids += found
            parents = set(found)
        return [top, *pids]

    def pause(self) -> None:
        """SIGSTOP the whole server (failure tests: a database that stops answering)."""
        for pid in self._server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT the whole server, until no process of it is stopped any more.

        Why more than once: runuser stops itself when it sees its child stop (job-control mirroring);
        if that notice arrives after our SIGCONT, runuser stays stopped for good, and the test runs
        left such wrappers behind, stopped, after the server was gone."""
        deadline = time.monotonic() + 5.0
        while True:
            pids = self._server_pids()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
            if not any(_stopped(pid) for pid in pids) or time.monotonic() > deadline:
                return

    def create_database(self, name: str) -> str:
        asyncio.run(create_database(self.dsn(), name))
        return self.dsn(name)

    def stop(self) -> None:
        if self.pid_file.exists():
            _stop_pid(int(self.pid_file.read_text()))
            self.pid_file.unlink(missing_ok=True)


async def _pg_answers(dsn: str) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


async def create_database(admin_dsn: str, name: str) -> None:
    """Create a database if it does not exist (one per service instance: they share only Kafka)."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


# -------------------------------------------------------------------------------------------- Keycloak

KEYCLOAK_VERSION = "26.5.6"
REALM_FILE = REPO_ROOT / "deploy" / "local" / "keycloak" / "leerrecht-realm.json"


def keycloak_home(state: Path = DEFAULT_STATE) -> Path:
    return state / f"keycloak-{KEYCLOAK_VERSION}"


def ensure_keycloak(state: Path = DEFAULT_STATE) -> Path:
    """Resolve Keycloak's distribution from Maven Central once, unzip it and build it for an in-memory
    database (``kc.sh build``), so every later start is ``start --optimized`` without re-augmentation.

    Why in memory: every start imports the realm file anew (tests and the demo start from the
    repository's realm, with fresh secrets); a production Keycloak runs on its own PostgreSQL."""
    home = keycloak_home(state)
    marker = home / ".leerrecht-built"
    if marker.exists():
        return home
    if shutil.which("mvn") is None:
        raise InfraError("Maven (mvn) is needed to fetch Keycloak from Maven Central: apt-get install maven")
    dist = state / "keycloak-dist"
    zip_file = dist / f"keycloak-quarkus-dist-{KEYCLOAK_VERSION}.zip"
    if not zip_file.exists():
        dist.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mvn", "-q", "-B", "dependency:copy",
             f"-Dartifact=org.keycloak:keycloak-quarkus-dist:{KEYCLOAK_VERSION}:zip", f"-DoutputDirectory={dist}"],
            check=True,
        )
    shutil.rmtree(home, ignore_errors=True)
    shutil.unpack_archive(zip_file, state)
    (home / "bin" / "kc.sh").chmod(0o755)
    subprocess.run([str(home / "bin" / "kc.sh"), "build", "--db=dev-mem"], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "JAVA_OPTS": "-Xms64m -Xmx512m"})
    marker.touch()
    return home


@dataclass
class KeycloakRealm:
    """The realm as imported: the file from the repository with fresh secrets and passwords.

    The repository holds no credential: each start draws the confidential clients' secrets and the
    demo users' passwords at random (``secrets``: client id → secret; ``passwords``: user → password)."""

    document: dict[str, Any]
    secrets: dict[str, str]
    passwords: dict[str, str]


def realm_with_credentials(extra_redirect_uris: tuple[str, ...] = (), extra_clients: tuple[dict[str, Any], ...] = (),
                           extra_users: tuple[dict[str, Any], ...] = ()) -> KeycloakRealm:
    import secrets as _secrets

    doc = json.loads(REALM_FILE.read_text())
    doc["clients"] += list(extra_clients)
    doc["users"] += list(extra_users)
    client_secrets: dict[str, str] = {}
    passwords: dict[str, str] = {}
    for client in doc["clients"]:
        if client.get("publicClient"):
            if extra_redirect_uris:
                client["redirectUris"] = [*client.get("redirectUris", []), *extra_redirect_uris]
                attrs = client.setdefault("attributes", {})
                attrs["post.logout.redirect.uris"] = "##".join(
                    [*filter(None, attrs.get("post.logout.redirect.uris", "").split("##")), *extra_redirect_uris])
        else:
            client["secret"] = client_secrets[client["clientId"]] = _secrets.token_urlsafe(32)
    for user in doc["users"]:
        if "serviceAccountClientId" not in user:
            passwords[user["username"]] = _secrets.token_urlsafe(12)
            user["credentials"] = [{"type": "password", "value": passwords[user["username"]], "temporary": False}]
    return KeycloakRealm(doc, client_secrets, passwords)


@dataclass
class KeycloakNode:
    """One Keycloak in production mode (``start --optimized``) on loopback HTTP, its database in memory."""

    home: Path
    port: int = 18080
    dist: Path = field(default_factory=lambda: keycloak_home())
    heap: str = "512m"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/leerrecht"

    @property
    def pid_file(self) -> Path:
        return self.home / "keycloak.pid"

    def start(self, realm: KeycloakRealm, timeout: float = 240.0) -> None:
        if _port_open(self.port):
            raise InfraError(f"port {self.port} is already in use by another process")
        imports = self.home / "import"
        shutil.rmtree(imports, ignore_errors=True)
        imports.mkdir(parents=True)
        (imports / "leerrecht-realm.json").write_text(json.dumps(realm.document))
        (imports / "leerrecht-realm.json").chmod(0o600)
        out = (self.home / "keycloak.log").open("ab")
        env = {**os.environ, "JAVA_OPTS": f"-Xms64m -Xmx{self.heap} -XX:+UseG1GC",
               # the import directory of this instance (what --import-realm does with <home>/data/import)
               "JAVA_OPTS_APPEND": f"-Dkeycloak.migration.dir={imports}"}
        proc = subprocess.Popen(
            [str(self.dist / "bin" / "kc.sh"), "start", "--optimized", "--http-enabled=true",
             "--hostname-strict=false", "--http-host=127.0.0.1", f"--http-port={self.port}"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        )
        self.pid_file.write_text(str(proc.pid))
        self.wait_ready(timeout, proc)
        (imports / "leerrecht-realm.json").unlink()  # the secrets stay only with whoever started it

    def wait_ready(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        """Ready means the realm answers OIDC discovery (so it was imported), not merely an open port."""
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise InfraError(f"Keycloak exited with {proc.returncode}; see {self.home / 'keycloak.log'}")
            if _port_open(self.port):
                url = f"{self.issuer}/.well-known/openid-configuration"
                with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=3) as r:
                    if r.status == 200:
                        return
            time.sleep(0.5)
        raise InfraError(f"Keycloak did not become ready on port {self.port} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.pid_file.exists():
            _stop_pid(int(self.pid_file.read_text()))
            self.pid_file.unlink(missing_ok=True)


@contextlib.contextmanager
def throwaway_keycloak(prefix: str, realm: KeycloakRealm) -> Iterator[KeycloakNode]:
    """Keycloak on a free port in a temporary folder, with ``realm`` imported; removed afterwards."""
    dist = ensure_keycloak()
    home = Path(tempfile.mkdtemp(prefix=prefix))
    node = KeycloakNode(home=home, port=free_port(), dist=dist)
    try:
        node.start(realm)
        yield node
    finally:
        _discard(node.pid_file)  # its folder goes next: no graceful stop to wait for
        _remove_later(home)


# ----------------------------------------------------------------------------------- throwaway pair


@contextlib.contextmanager
def throwaway_servers(prefix: str, heap: str = "1g", fast: bool = False) -> Iterator[tuple[KafkaNode, PostgresNode]]:
    """Kafka and PostgreSQL on free ports in a temporary folder, removed afterwards (tests, benchmarks)."""
    ensure_kafka_jars()
    home = Path(tempfile.mkdtemp(prefix=prefix))
    kafka = KafkaNode(home=home / "kafka", port=free_port(), controller_port=free_port(), heap=heap,
                      sasl_port=free_port())
    pg = PostgresNode(home=home / "pg", port=free_port(), fast=fast)
    try:
        pg.start()
        kafka.start()
        yield kafka, pg
    finally:
        kafka.kill()
        pg.stop_immediate()
        _remove_later(home)


@contextlib.contextmanager
def throwaway_postgres(prefix: str, fast: bool = False) -> Iterator[PostgresNode]:
    """PostgreSQL alone on a free port in a temporary folder (beside a :class:`KafkaCluster`)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    pg = PostgresNode(home=home / "pg", port=free_port(), fast=fast)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop_immediate()
        _remove_later(home)


@contextlib.contextmanager
def throwaway_kafka_cluster(prefix: str, brokers: int = 3, heap: str = "384m",
                            regions: tuple[str, ...] = ("MC28", "MC29"), c1_only: bool = False,
                            ) -> Iterator[KafkaCluster]:
    """A replicated cluster (:class:`KafkaCluster`) on free ports in a temporary folder, removed
    afterwards: the broker-failure tests and the benchmarks (``--brokers 3``)."""
    ensure_kafka_jars()
    home = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = KafkaCluster(home=home, brokers=brokers, heap=heap, regions=regions, c1_only=c1_only)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.discard()
        _remove_later(home)


# ------------------------------------------------------------------------------------------------ CLI


def nodes(state: Path) -> tuple[KafkaNode, PostgresNode]:
    """The platform's local Kafka and PostgreSQL, on the ports the environment asks for."""
    kafka = KafkaNode(
        home=state / "kafka",
        port=int(os.environ.get("LEERRECHT_KAFKA_PORT", "19092")),
        controller_port=int(os.environ.get("LEERRECHT_KAFKA_CONTROLLER_PORT", "19093")),
        lib=kafka_lib_dir(state),
    )
    pg = PostgresNode(home=state / "postgres", port=int(os.environ.get("LEERRECHT_PG_PORT", "15432")))
    return kafka, pg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local Kafka (KRaft) and PostgreSQL, without Docker.")
    parser.add_argument("action", choices=["install", "up", "down", "status"])
    parser.add_argument("--state", type=Path, default=Path(os.environ.get("LEERRECHT_STATE", DEFAULT_STATE)))
    args = parser.parse_args(argv)
    state: Path = args.state.resolve()
    kafka, pg = nodes(state)
    if args.action == "install":
        ensure_kafka_jars(state)
        ensure_keycloak(state)
        ensure_postgres()
        return 0
    if args.action == "up":
        ensure_kafka_jars(state)
        t0 = time.monotonic()
        pg.start()
        kafka.start()
        (state / "infra.env").write_text(
            f"KAFKA_BOOTSTRAP_SERVERS={kafka.bootstrap}\nKAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT\n"
            f"POSTGRES_ADMIN_URL={pg.dsn()}\n"
        )
        print(f"Kafka {kafka.bootstrap} (SASL/SCRAM-SHA-512; users and passwords in {kafka.credentials_file}) "
              f"and PostgreSQL {pg.dsn()} ready in {time.monotonic() - t0:.1f}s")
        return 0
    if args.action == "down":
        kafka.stop()
        pg.stop()
        print("stopped")
        return 0
    up_k = kafka.pid_file.exists() and _pid_alive(int(kafka.pid_file.read_text()))
    up_p = pg.pid_file.exists() and _pid_alive(int(pg.pid_file.read_text()))
    print(f"kafka: {'up' if up_k else 'down'} ({kafka.bootstrap}); postgres: {'up' if up_p else 'down'} ({pg.dsn()})")
    return 0 if up_k and up_p else 1


if __name__ == "__main__":
    sys.exit(main())
