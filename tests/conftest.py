"""Session-wide real servers; see tests/infra.py for how they are found or started."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Only the support folder goes on sys.path: tests/ itself holds folders named like the services
# (tests/registratie, ...) that would shadow the real packages as namespace packages.
sys.path.insert(0, str(Path(__file__).parent / "_support"))

from infra import Infra, start_infra


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
