"""``python -m telling``: run the national telling service.

``python -m telling rebuild [...]`` rebuilds all figures from offset 0 into a fresh schema; with
``--switch`` it then switches the live service over to it, ``--rollback SCHEMA`` switches back (blue/green,
see :mod:`telling.rebuild`); ``python -m telling hash`` prints the content hash of the live figures.
"""

from __future__ import annotations

import sys

from leerrecht.service import serve
from telling.app import build_app
from telling.config import TellingSettings


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["rebuild"]:
        from telling.rebuild import main as rebuild

        rebuild(args[1:])
        return
    if args[:1] == ["hash"]:
        from telling.rebuild import main_hash

        main_hash()
        return
    settings = TellingSettings()
    serve(build_app(settings), settings, "telling")


if __name__ == "__main__":
    main()
