"""The benchmarks' synthetic BSNs: valid in form, distinct, and enough for a national-size run."""

from __future__ import annotations

import pytest

from leerrecht.synthetic import synthetic_bsns


def _elfproef(bsn: str) -> bool:
    return sum(int(d) * w for d, w in zip(bsn, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True)) % 11 == 0


def test_beyond_the_first_ten_thousand_numbers_they_stay_valid_distinct_and_synthetic() -> None:
    bsns = synthetic_bsns(40_000)  # the latency benchmark at 1,000 absences/s for 30 s needs 30,000
    assert len(set(bsns)) == 40_000
    assert all(len(b) == 9 and b.startswith("999") and _elfproef(b) for b in bsns)
    assert synthetic_bsns(5) == bsns[:5]  # the first numbers are those every earlier run used


def test_asking_for_more_than_the_range_holds_is_an_error() -> None:
    with pytest.raises(ValueError, match="at most"):
        synthetic_bsns(90_000)
