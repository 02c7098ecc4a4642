"""Test setup for the registratie domain tests.

1. Make the shared builders (``rd_helpers.py``) importable, as tests/conftest.py does for infra.
2. Guard against a shadowing problem: tests/conftest.py puts ``tests/`` on ``sys.path``, where the
   directory ``tests/registratie`` (no ``__init__.py``) is found by the path finder as a *namespace
   package* named ``registratie`` before the editable-install finder maps the real
   ``services/registratie``. Import the real package once with ``tests/`` off the path; the module
   cache then serves it to every test.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_TESTS = _HERE.parents[1]


def _import_real_registratie() -> None:
    for name in [m for m in sys.modules if m == "registratie" or m.startswith("registratie.")]:
        if getattr(sys.modules[name], "__file__", None) is None:  # a namespace package: wrong one
            del sys.modules[name]
    saved = list(sys.path)
    try:
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _TESTS]
        import registratie.domain  # noqa: F401
    finally:
        sys.path[:] = saved


_import_real_registratie()
sys.path.insert(0, str(_HERE))
