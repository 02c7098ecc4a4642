"""Real headless Chromium (Debian's package) driven by Playwright, for the web UI tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_overtredingen(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (vendored, MPL-2.0) on the page for WCAG 2.1 A/AA; return the violations.

    Each violation is reduced to its rule id, impact, help text and the first nodes' selectors, so a
    failing assertion says what to fix and where.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through DevTools, not added as a <script>: a page's CSP (script-src 'self') stays on
        page.evaluate(AXE.read_text("utf-8") + "\n;true")
    resultaat = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "waar": [n["target"] for n in v["nodes"][:3]]} for v in resultaat["violations"]]
