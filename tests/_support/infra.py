"""Real Kafka and PostgreSQL for the tests, by the first means that works here.

1. ``KAFKA_BOOTSTRAP_SERVERS`` and ``POSTGRES_ADMIN_URL`` set: use those servers.
2. A Docker engine reachable: testcontainers (``KafkaContainer``, ``PostgresContainer``).
3. Otherwise: start the genuine Apache Kafka JVM and Debian's PostgreSQL on free loopback ports
   (``leerrecht.localinfra``), in a temporary folder, and stop them at the end of the session.

Never a mock: the suites on this interface test checkpoints, crashes and rebalances.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from leerrecht.db import ensure_database
from leerrecht.localinfra import KafkaNode, PostgresNode, throwaway_servers


@dataclass
class Infra:
    bootstrap: str
    admin_dsn: str
    kafka: KafkaNode | None = None
    postgres: PostgresNode | None = None
    _cleanup: list[Any] = field(default_factory=list)

    def _new_url(self, prefix: str) -> str:
        return self.admin_dsn.rsplit("/", 1)[0] + f"/{prefix}_{uuid.uuid4().hex[:10]}"

    def database_url(self, prefix: str = "t") -> str:
        """A fresh, empty database: services share nothing but Kafka. Inside a running event loop
        (a sync fixture of an async test) it is created from a thread with a loop of its own."""
        url = self._new_url(prefix)
        if _loop_running():
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, ensure_database(url)).result()
        else:
            asyncio.run(ensure_database(url))
        return url

    async def adatabase_url(self, prefix: str = "t") -> str:
        url = self._new_url(prefix)
        await ensure_database(url)
        return url

    def rollen_database(self, prefix: str = "t") -> Rollen:
        """A fresh database laid out as in production (README, "Database roles"): an owner role owns
        the database and its ``public`` schema and runs the processing log's migration; the
        service's own role (no superuser) may connect and create its own tables."""
        suffix = uuid.uuid4().hex[:10]
        name, eigenaar, dienst = f"{prefix}_{suffix}", f"{prefix}_eigenaar_{suffix}", f"{prefix}_dienst_{suffix}"
        basis = self.admin_dsn.rsplit("/", 1)[0]

        async def maak() -> None:
            conn = await asyncpg.connect(self.admin_dsn)
            try:
                await conn.execute(f'CREATE ROLE "{eigenaar}" LOGIN NOSUPERUSER NOCREATEROLE')
                await conn.execute(f'CREATE ROLE "{dienst}" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB')
                await conn.execute(f'CREATE DATABASE "{name}" OWNER "{eigenaar}"')
            finally:
                await conn.close()
            conn = await asyncpg.connect(f"{basis}/{name}")
            try:
                await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{dienst}"')
                await conn.execute(f'GRANT USAGE, CREATE ON SCHEMA public TO "{dienst}"')
            finally:
                await conn.close()

        if _loop_running():
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, maak()).result()
        else:
            asyncio.run(maak())

        def als(rol: str) -> str:
            scheme, rest = basis.split("://", 1)
            host = rest.rsplit("@", 1)[-1]
            return f"{scheme}://{rol}@{host}/{name}"

        return Rollen(dienst=als(dienst), eigenaar=als(eigenaar), beheer=f"{basis}/{name}")

    def close(self) -> None:
        for fn in reversed(self._cleanup):
            fn()


@dataclass(frozen=True)
class Rollen:
    """URLs of one database: the service's own role, the owner role, and the test's superuser."""

    dienst: str
    eigenaar: str
    beheer: str


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _docker_reachable() -> bool:
    if not Path("/var/run/docker.sock").exists() and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
        return True
    except Exception:
        return False


def start_infra() -> Infra:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    admin = os.environ.get("POSTGRES_ADMIN_URL")
    if not admin and os.environ.get("DATABASE_URL"):  # any database on the server will do: we create our own
        admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    if bootstrap and admin:
        if os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") != "1":
            raise RuntimeError("Given servers (KAFKA_BOOTSTRAP_SERVERS, POSTGRES_ADMIN_URL) would be shared by the "
                               "pytest-xdist workers, and the tests assume one session per broker (their region "
                               "topics and exact counts): run pytest without -n against them.")
        return Infra(bootstrap=bootstrap, admin_dsn=admin)
    if _docker_reachable():
        from testcontainers.community.kafka import KafkaContainer  # type: ignore[import-untyped]
        from testcontainers.community.postgres import PostgresContainer  # type: ignore[import-untyped]

        kc = KafkaContainer().with_kraft().start()
        pc = PostgresContainer("postgres:16", driver=None).start()
        infra = Infra(bootstrap=kc.get_bootstrap_server(), admin_dsn=pc.get_connection_url())
        infra._cleanup += [kc.stop, pc.stop]
        return infra
    servers = throwaway_servers("leerrecht-test-", heap="512m", fast=True)
    kafka, pg = servers.__enter__()
    infra = Infra(bootstrap=kafka.bootstrap, admin_dsn=pg.dsn(), kafka=kafka, postgres=pg)
    infra._cleanup.append(lambda: servers.__exit__(None, None, None))
    return infra
