"""Test setup for rmc: make the shared domain builders (``domain/rmc_helpers.py``) importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "domain"))
