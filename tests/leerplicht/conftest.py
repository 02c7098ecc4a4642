"""Test setup for the leerplicht tests: make the shared builders (``domain/lp_helpers.py``) importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "domain"))
