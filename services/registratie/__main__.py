"""``python -m registratie``: run the intake service (configuration from the environment)."""

from __future__ import annotations

from leerrecht.service import serve
from registratie.app import build_app
from registratie.config import RegistratieSettings


def main() -> None:
    settings = RegistratieSettings()
    serve(build_app(settings), settings, "registratie")


if __name__ == "__main__":
    main()
