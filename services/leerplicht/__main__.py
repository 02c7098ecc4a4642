"""``python -m leerplicht``: run one regional leerplicht instance (REGION=MCxx)."""

from __future__ import annotations

from leerplicht.app import build_app
from leerplicht.config import LeerplichtSettings
from leerrecht.service import serve


def main() -> None:
    settings = LeerplichtSettings()
    serve(build_app(settings), settings, f"leerplicht-{settings.region}")


if __name__ == "__main__":
    main()
