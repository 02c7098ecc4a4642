"""How this process authenticates to Kafka: one principal per service instance (contracts/acl.py).

Why a process-wide setting: a service process is one instance, so every Kafka client it makes (the
producer, each projection's consumer, the topic admin, a transfer loop's own producer) connects as
the same principal. :func:`leerrecht.service.open_runtime` sets it once from the settings; every
client constructor in ``leerrecht`` adds :func:`client_kwargs`. The default is PLAINTEXT without
credentials (development against a broker without authentication, and the tests' harness listener).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

SASL_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password in a log line or a traceback
        return f"KafkaSecurity(protocol={self.protocol!r}, username={self.username!r})"

    def client_kwargs(self) -> dict[str, Any]:
        """aiokafka keyword arguments (producer, consumer, admin)."""
        if self.protocol == "PLAINTEXT":
            return {}
        kwargs: dict[str, Any] = {
            "security_protocol": self.protocol,
            "sasl_mechanism": SASL_MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }
        if self.protocol == "SASL_SSL":
            from aiokafka.helpers import create_ssl_context

            # KAFKA_SSL_CAFILE: the broker's CA only for Kafka (Strimzi's cluster CA on Kubernetes); the
            # process's other TLS (the identity provider) keeps the system's CAs.
            kwargs["ssl_context"] = create_ssl_context(cafile=os.environ.get("KAFKA_SSL_CAFILE") or None)
        return kwargs


_current = KafkaSecurity()


def use(security: KafkaSecurity) -> None:
    """Set this process's Kafka principal (at start, before any client is made)."""
    global _current
    _current = security


def current() -> KafkaSecurity:
    return _current


def client_kwargs() -> dict[str, Any]:
    return _current.client_kwargs()
