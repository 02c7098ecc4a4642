"""Session-wide real servers; see tests/infra.py for how they are found or started."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Only the support folder goes on sys.path: tests/ itself holds folders named like the services
# (tests/registratie, ...) that would shadow the real packages as namespace packages.
sys.path.insert(0, str(Path(__file__).parent / "_support"))

from infra import Infra, start_infra

KEYCLOAK_MODULES = frozenset({"tests/e2e/test_sso.py", "tests/e2e/test_demo_feed.py", "tests/e2e/test_rollenmatrix.py"})
"""The modules that start the identity provider (the ``sso`` fixture): ``make test`` runs them in one worker."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module that asks for Keycloak must be in :data:`KEYCLOAK_MODULES`, or the two workers would each
    start one (a JVM, 30-60 s to a ready realm) and the run would be slower without a word."""
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if "sso" in getattr(item, "fixturenames", ()) and module not in KEYCLOAK_MODULES:
            raise pytest.UsageError(f"{module} uses the sso fixture: add it to KEYCLOAK_MODULES in tests/conftest.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error where it is not installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` runs ``pytest -n 2``: whole modules per worker (their module-scoped services start
    once), and the Keycloak modules together in one worker. Each worker has its own Kafka and PostgreSQL
    (the ``infra`` fixture). Why a scheduler and not ``--dist loadgroup``: under pytest 9.2 xdist 3.8's
    groups are ignored (the tests of one group ran on both workers)."""
    from xdist.scheduler import LoadScopeScheduling

    class PerModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "keycloak" if module in KEYCLOAK_MODULES else module

    return PerModule(config, log)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    servers = start_infra()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="session")
def sso() -> Iterator[object]:
    """The real identity provider (Keycloak), started only when a test asks for it (≈ 20–60 s)."""
    from sso import start_sso

    with start_sso() as s:
        yield s


@pytest.fixture
def page() -> Iterator[object]:
    """A Playwright page in real headless Chromium (Debian's package)."""
    from browser import browser_page

    with browser_page() as p:
        yield p
