"""Configuration of a leerplicht instance: one regional office, one region."""

from __future__ import annotations

from pydantic import Field

from leerrecht.config import RegionalSettings


class LeerplichtSettings(RegionalSettings):
    overdracht_bronnen: str = Field(
        default="",
        alias="OVERDRACHT_BRONNEN",
        description="The other regions' leerplicht offices, 'MC17=http://…,MC05=http://…': where the history "
        "of a dossier transferred to this region is fetched (domain.md A5; leerplicht/overdracht.py).",
    )
    overdracht_token: str = Field(
        default="",
        alias="OVERDRACHT_TOKEN",
        description="This office's token at those offices (role leerplicht:<this region> there).",
    )
