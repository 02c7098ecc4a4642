"""Real headless Chromium (Debian's package) driven by Playwright, for the web UI tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # the machine has no network beyond loopback: stop Chromium's own background traffic
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Chromium ontbreekt: apt-get install chromium (make test installeert het)")
    return path


@contextmanager
def browser_page() -> Iterator[Any]:
    """A fresh page in a fresh headless Chromium; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="nl-NL")
            yield page
        finally:
            browser.close()
