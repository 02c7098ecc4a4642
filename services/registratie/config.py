"""Configuration of the registratie service (environment variables)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from leerrecht.config import ServiceSettings


class RegistratieSettings(ServiceSettings):
    # HMAC key for pseudonyms, base64, ≥ 32 bytes; the id is part of every pseudonym (rotation).
    pseudonym_key: str = Field(alias="PSEUDONYM_KEY", repr=False)
    pseudonym_key_id: str = Field(default="k1", alias="PSEUDONYM_KEY_ID")
    # Regions whose topics this intake creates on start ("*" = all 40 Doorstroompunt regions).
    regions: str = Field(default="*", alias="REGIONS")
    # Seconds between runs of the daily rules (idempotent per day; 0 = off, e.g. in tests).
    dagtaak_interval_s: float = Field(default=3600.0, alias="DAGTAAK_INTERVAL_S")
    # Pin "today" (tests, demos): the legal rules are evaluated for this date instead of the real one.
    vandaag: date | None = Field(default=None, alias="REGISTRATIE_VANDAAG")
    # JSON file with the local protocols (A3.9) per school or region, every version with its valid_from.
    local_protocols_file: str | None = Field(default=None, alias="LOCAL_PROTOCOLS_FILE")
    # Seconds a submission may take (database and broker) before the school gets 503 + Retry-After.
    intake_timeout_s: float = Field(default=10.0, alias="INTAKE_TIMEOUT_S", gt=0, le=120)
    # The absence CSV (POST /v1/afwezigheden/csv) is read whole up to these limits; a larger file is
    # refused with 413, never cut. Data rows (header, blank and comment lines not counted) and bytes.
    csv_max_rijen: int = Field(default=1000, alias="CSV_MAX_RIJEN", ge=1, le=100_000)
    csv_max_bytes: int = Field(default=4 * 1024 * 1024, alias="CSV_MAX_BYTES", ge=1024)
    # The outbox sweeper: every SWEEPER_INTERVAL_S it publishes submissions still open after
    # SWEEPER_MIN_AGE_S (left by a crash or an outage). The age should exceed INTAKE_TIMEOUT_S, so a
    # live request is not published twice at once; failure tests and the soak make both short.
    sweeper_interval_s: float = Field(default=15.0, alias="SWEEPER_INTERVAL_S", gt=0)
    sweeper_min_age_s: float = Field(default=30.0, alias="SWEEPER_MIN_AGE_S", ge=0)
    # Pupils whose rules' results the process keeps for the next evaluation (issue 16, the incremental
    # evaluation, registratie.domain.incrementeel): about 5 KiB each with 10 absences, 17 KiB with 45,
    # 60 KiB with 180. A pupil not kept is evaluated in full (the same decisions); 0 = always in full.
    regels_geheugen: int = Field(default=2000, alias="REGELS_GEHEUGEN", ge=0, le=1_000_000)
