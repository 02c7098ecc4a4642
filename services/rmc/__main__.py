"""``python -m rmc``: run one regional Doorstroompunt instance (REGION=MCxx)."""

from __future__ import annotations

from leerrecht.service import serve
from rmc.app import build_app
from rmc.config import RmcSettings


def main() -> None:
    settings = RmcSettings()  # type: ignore[call-arg,unused-ignore]
    serve(build_app(settings), settings, f"rmc-{settings.region}")


if __name__ == "__main__":
    main()
