"""Waiting for an effect that arrives asynchronously (a projection, a consumer, a process).

One place for the polling loop every infrastructure test needs, so a failing wait always says what it
waited for and the last value it saw.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def eventually(check: Callable[[], Any], timeout: float = 45.0, interval: float = 0.2) -> Any:
    """Call ``check`` until it returns something truthy and return that; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


async def wait_until(check: Callable[[], Awaitable[Any]], timeout: float, what: str, interval: float = 0.2) -> Any:
    """The asynchronous form: await ``check`` until it is truthy; ``what`` names it in the failure."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"not reached within {timeout:.0f}s: {what} (last: {last!r})")
