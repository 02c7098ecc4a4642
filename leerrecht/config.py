"""Settings shared by every service, read from environment variables (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """The knobs every Leerrecht process has. Services extend this with their own."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(default="127.0.0.1:19092", alias="KAFKA_BOOTSTRAP_SERVERS")
    database_url: str = Field(alias="DATABASE_URL")
    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST")
    http_port: int = Field(default=8000, alias="HTTP_PORT")
    log_json: bool = Field(default=True, alias="LOG_JSON")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # "token=client-id:role,token2=client2:role2". A token per client from configuration is the
    # first step; the roles already separate schools, officers, DUO and analysts.
    api_tokens: str = Field(default="", alias="API_TOKENS")
    projection_batch_size: int = Field(default=5000, alias="PROJECTION_BATCH_SIZE", ge=1, le=100_000)
    # Connections per process. Each HTTP command holds one for its whole submission (including the
    # broker's ack), so this bounds concurrent commands; PostgreSQL's max_connections bounds the sum.
    db_pool_size: int = Field(default=10, alias="DB_POOL_SIZE", ge=2, le=200)

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("KAFKA_BOOTSTRAP_SERVERS mag niet leeg zijn")
        return v


class RegionalSettings(ServiceSettings):
    """A regional instance (leerplicht, rmc) serves exactly one Doorstroompunt region."""

    region: str = Field(alias="REGION", pattern=r"^MC\d\d$")
