"""Kafka credentials from configuration: SASL only with both user and password, never a default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leerrecht.config import ServiceSettings


def _settings(**env: str) -> ServiceSettings:
    return ServiceSettings.model_validate({"DATABASE_URL": "postgresql://x/y", **env})


def test_unset_means_plaintext_without_credentials() -> None:
    assert _settings().kafka_security().client_kwargs() == {}


def test_sasl_settings_reach_every_client() -> None:
    s = _settings(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_SASL_USERNAME="leerplicht-mc28",
                  KAFKA_SASL_PASSWORD="geheim-wachtwoord")
    kwargs = s.kafka_security().client_kwargs()
    assert kwargs == {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                      "sasl_plain_username": "leerplicht-mc28", "sasl_plain_password": "geheim-wachtwoord"}
    assert "geheim" not in repr(s) and "geheim" not in repr(s.kafka_security())


@pytest.mark.parametrize("env", [
    {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"},  # no default password
    {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "telling"},
    {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "telling", "KAFKA_SASL_PASSWORD": ""},
    {"KAFKA_SASL_USERNAME": "telling", "KAFKA_SASL_PASSWORD": "x"},  # credentials that would go unused
    {"KAFKA_SECURITY_PROTOCOL": "SSL"},
])
def test_incomplete_or_inconsistent_kafka_security_refuses_to_start(env: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        _settings(**env)
