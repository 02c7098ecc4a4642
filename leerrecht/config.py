"""Settings shared by every service, read from environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leerrecht.db import IDLE_IN_TRANSACTION_MS
from leerrecht.kafka_security import KafkaSecurity


class ServiceSettings(BaseSettings):
    """The knobs every Leerrecht process has. Services extend this with their own."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(default="127.0.0.1:19092", alias="KAFKA_BOOTSTRAP_SERVERS")
    # Kafka authentication: SASL/SCRAM-SHA-512 as this instance's own principal (contracts/acl.py).
    # No default password: PLAINTEXT (development, a broker without authentication) unless set.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_username: str | None = Field(default=None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, alias="KAFKA_SASL_PASSWORD", repr=False)
    database_url: str = Field(alias="DATABASE_URL")
    # The owner role of the processing log (domain.md B): it creates the append-only table and grants
    # the service's own role (DATABASE_URL) INSERT and SELECT only, so the service cannot change,
    # empty or drop it. Unset (development only): the service's role owns it, triggers still refuse.
    database_owner_url: SecretStr | None = Field(default=None, alias="DATABASE_OWNER_URL", repr=False)
    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST")
    http_port: int = Field(default=8000, alias="HTTP_PORT")
    # The metrics' own port (leerrecht.metrics.start_metrics_server), on HTTP_HOST; 0: not served. Never
    # the public port: the ingress routes that one, and the NetworkPolicy opens this one to monitoring only.
    metrics_port: int = Field(default=0, alias="METRICS_PORT", ge=0, le=65535)
    # How long an idle keep-alive connection stays open. Longer than the clients' and proxies' own idle
    # timeouts (httpx 5 s, common proxies 60 s), so the client always closes first: with both at 5 s
    # (uvicorn's default) the server closed a connection just as a client reused it, and that request
    # broke with a ReadError (twice in 15,000 requests of the 1,000/s latency benchmark).
    http_keepalive_s: int = Field(default=75, alias="HTTP_KEEPALIVE_S", ge=1, le=3600)
    log_json: bool = Field(default=True, alias="LOG_JSON")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # Authentication (leerrecht.auth): "oidc" (access tokens of the identity provider, the default) or,
    # only when chosen explicitly for development and tests, "static" with API_TOKENS
    # ("token=client-id:role,sha256:<hex>=client2:role2", each token ≥ 32 random bytes).
    auth_mode: str = Field(default="oidc", alias="AUTH_MODE")
    api_tokens: str = Field(default="", alias="API_TOKENS")
    oidc_issuer: str = Field(default="", alias="OIDC_ISSUER")
    oidc_audience: str = Field(default="", alias="OIDC_AUDIENCE")  # default leerrecht-<service>
    oidc_client_id: str = Field(default="", alias="OIDC_CLIENT_ID")  # the web pages' public client, <service>-web
    oidc_sessie_s: int = Field(default=3600, alias="OIDC_SESSIE_S", ge=60, le=12 * 3600)
    projection_batch_size: int = Field(default=5000, alias="PROJECTION_BATCH_SIZE", ge=1, le=100_000)
    # Connections per process. Each HTTP command holds one for its whole submission (including the
    # broker's ack), so this bounds concurrent commands; PostgreSQL's max_connections bounds the sum.
    db_pool_size: int = Field(default=10, alias="DB_POOL_SIZE", ge=2, le=200)
    # How long PostgreSQL lets one of our transactions sit idle before it ends the session: a process
    # frozen mid-transaction (SIGSTOP, a stalled VM) must not hold its locks for ever (leerrecht.db).
    db_idle_in_transaction_ms: int = Field(default=IDLE_IN_TRANSACTION_MS, alias="DB_IDLE_IN_TRANSACTION_MS",
                                           ge=1000, le=3_600_000)
    # Edge limits (leerrecht.grenzen), checked before a body is parsed or a token checked against a
    # role: the largest request body (a service may allow more on one path, e.g. registratie's CSV),
    # and a token bucket per client: RATE_LIMIT_PER_S requests per second, RATE_LIMIT_BURST at once
    # (0 per second: no rate limit). Generous: a school's whole day fits in the burst.
    http_max_body_bytes: int = Field(default=1024 * 1024, alias="HTTP_MAX_BODY_BYTES", ge=1024)
    rate_limit_per_s: float = Field(default=200.0, alias="RATE_LIMIT_PER_S", ge=0)
    rate_limit_burst: int = Field(default=2000, alias="RATE_LIMIT_BURST", ge=1)

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("KAFKA_BOOTSTRAP_SERVERS mag niet leeg zijn")
        return v

    @model_validator(mode="after")
    def _metrics_port_apart(self) -> ServiceSettings:
        """The metrics must not share the public port: one of the two servers would not start, and the
        NetworkPolicy tells Prometheus and the ingress apart by port (leerrecht.metrics)."""
        if self.metrics_port and self.metrics_port == self.http_port:
            raise ValueError(f"METRICS_PORT ({self.metrics_port}) moet een andere poort zijn dan HTTP_PORT")
        return self

    @model_validator(mode="after")
    def _kafka_sasl_complete(self) -> ServiceSettings:
        """SASL needs both user and password; credentials without SASL would be silently unused."""
        has_credentials = bool(self.kafka_sasl_username) or self.kafka_sasl_password is not None
        if self.kafka_security_protocol == "PLAINTEXT":
            if has_credentials:
                raise ValueError("KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD gezet, maar KAFKA_SECURITY_PROTOCOL "
                                 "is PLAINTEXT: zet SASL_PLAINTEXT of SASL_SSL")
        elif not self.kafka_sasl_username or not (
                self.kafka_sasl_password and self.kafka_sasl_password.get_secret_value()):
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} vraagt om "
                             "KAFKA_SASL_USERNAME en KAFKA_SASL_PASSWORD")
        return self

    def kafka_security(self) -> KafkaSecurity:
        password = self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
        return KafkaSecurity(self.kafka_security_protocol, self.kafka_sasl_username, password)


class RegionalSettings(ServiceSettings):
    """A regional instance (leerplicht, rmc) serves exactly one Doorstroompunt region."""

    region: str = Field(alias="REGION", pattern=r"^MC\d\d$")
