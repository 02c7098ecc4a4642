"""Test setup for telling: make the shared scenario (``tl_scenario.py``) importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
