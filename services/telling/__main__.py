"""``python -m telling``: run the national telling service."""

from __future__ import annotations

from leerrecht.service import serve
from telling.app import build_app
from telling.config import TellingSettings


def main() -> None:
    settings = TellingSettings()  # type: ignore[call-arg]
    serve(build_app(settings), settings, "telling")


if __name__ == "__main__":
    main()
