"""Throwaway servers are killed, not stopped gracefully, and their folder goes in the background
(``leerrecht.localinfra``): the suite's teardown was ~25 s of Kafka's controlled shutdown, PostgreSQL's
checkpoint and removing a 3 GB folder. This checks that nothing is left behind all the same."""

from __future__ import annotations

import time

from leerrecht.localinfra import _pid_alive, _port_open, throwaway_postgres


def test_a_throwaway_postgres_is_gone_with_its_folder_soon_after_the_block() -> None:
    with throwaway_postgres("leerrecht-opruimen-", fast=True) as pg:
        pid, port, home = int(pg.pid_file.read_text()), pg.port, pg.home.parent
        assert _port_open(port) and home.exists()
    t = time.monotonic()
    assert not _pid_alive(pid) and not _port_open(port), "the server is gone when the block ends"
    while home.exists() and time.monotonic() - t < 30:
        time.sleep(0.1)
    assert not home.exists(), "the folder is removed, if not at once"
