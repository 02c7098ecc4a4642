"""leerplicht's BSN search key (PGN_ZOEKSLEUTEL): required outside development, checked at start with an
error that names the setting and the rule, never a silent fallback in production."""

from __future__ import annotations

import base64

import pytest
from leerplicht.config import ONTWIKKELSLEUTEL, LeerplichtSettings
from pydantic import ValidationError

BASIS = {"DATABASE_URL": "postgresql://127.0.0.1:1/leeg", "REGION": "MC28"}


def _settings(**env: str) -> LeerplichtSettings:
    return LeerplichtSettings.model_validate({**BASIS, **env})


def test_without_a_key_an_instance_with_single_sign_on_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="PGN_ZOEKSLEUTEL ontbreekt"):
        _settings(AUTH_MODE="oidc", OIDC_ISSUER="https://sso.example/realms/leerrecht")


def test_development_without_a_key_uses_the_development_key() -> None:
    assert _settings(AUTH_MODE="static").zoeksleutel() == ONTWIKKELSLEUTEL


@pytest.mark.parametrize(("waarde", "fout"), [
    ("geen base64!", "geen geldige base64"),
    (base64.b64encode(b"te kort").decode(), "7 bytes; minstens 32"),
])
def test_a_key_that_is_not_base64_or_too_short_is_refused(waarde: str, fout: str) -> None:
    with pytest.raises(ValidationError, match=fout):
        _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL=waarde)


def test_a_set_key_is_used_and_not_shown() -> None:
    sleutel = bytes(range(32))
    settings = _settings(AUTH_MODE="oidc", PGN_ZOEKSLEUTEL=base64.b64encode(sleutel).decode())
    assert settings.zoeksleutel() == sleutel
    assert base64.b64encode(sleutel).decode() not in repr(settings)


def test_the_replaced_key_of_a_rotation_is_checked_and_searched_after_the_new_one() -> None:
    nieuw, oud = bytes(range(32)), bytes(range(1, 33))
    b64 = {"nieuw": base64.b64encode(nieuw).decode(), "oud": base64.b64encode(oud).decode()}
    assert _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL=b64["nieuw"]).zoeksleutels() == (nieuw,)
    rotatie = _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL=b64["nieuw"], PGN_ZOEKSLEUTEL_VORIG=b64["oud"])
    assert rotatie.zoeksleutels() == (nieuw, oud)
    assert b64["oud"] not in repr(rotatie)
    with pytest.raises(ValidationError, match="PGN_ZOEKSLEUTEL_VORIG is gelijk aan PGN_ZOEKSLEUTEL"):
        _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL=b64["nieuw"], PGN_ZOEKSLEUTEL_VORIG=b64["nieuw"])
    with pytest.raises(ValidationError, match="PGN_ZOEKSLEUTEL_VORIG is gezet zonder PGN_ZOEKSLEUTEL"):
        _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL_VORIG=b64["oud"])
    with pytest.raises(ValidationError, match="PGN_ZOEKSLEUTEL_VORIG is 7 bytes"):
        _settings(AUTH_MODE="static", PGN_ZOEKSLEUTEL=b64["nieuw"],
                  PGN_ZOEKSLEUTEL_VORIG=base64.b64encode(b"te kort").decode())
