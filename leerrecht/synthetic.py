"""Synthetic test data shared by the demo, the benchmarks and the tests."""

from __future__ import annotations


def synthetic_bsns(n: int, start: int = 0) -> list[str]:
    """Synthetic BSNs that pass the 11-proof, in the 9999xxxxx range used for testing.

    Real pupils never appear in a demo, a benchmark or a test; these numbers only have to be
    valid in form, so the intake accepts them.
    """
    out: list[str] = []
    i = start
    while len(out) < n:
        if i >= 90_000:
            raise ValueError("synthetic_bsns: at most ~81,000 numbers (999xxxxxx)")
        # 99990000-99999999 first (the numbers every earlier run used), then 99910000-99989999
        body = f"9999{i:04d}" if i < 10_000 else f"999{i:05d}"
        i += 1
        total = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True))
        check = total % 11
        if check <= 9:
            out.append(body + str(check))
    return out
