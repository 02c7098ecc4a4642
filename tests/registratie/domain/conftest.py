"""Test setup for the registratie domain tests: make the shared builders (``rd_helpers.py``) importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
