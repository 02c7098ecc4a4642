"""Static development tokens and the mapping of the identity provider's claims (pure functions)."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

import pytest

from leerrecht.auth import AuthConfigError, Principal, authenticator, hash_token, parse_tokens, principal_from_claims


def _settings(**kw: object) -> SimpleNamespace:
    base = {"auth_mode": "oidc", "api_tokens": "", "oidc_issuer": "", "oidc_audience": "", "oidc_client_id": "",
            "oidc_sessie_s": 3600}
    return SimpleNamespace(**(base | kw))


def test_a_short_static_token_is_refused_at_start_without_echoing_it() -> None:
    with pytest.raises(AuthConfigError) as exc:
        parse_tokens("kort-geheim=00AP00:school")
    assert "te kort" in str(exc.value) and "kort-geheim" not in str(exc.value)


def test_static_tokens_are_kept_hashed_and_may_be_configured_as_a_hash() -> None:
    plain, other = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    auth = parse_tokens(f"{plain}=00AP00:school,sha256:{hash_token(other)}=duo:duo")
    assert auth.principal(plain) == Principal("00AP00", "school")
    assert auth.principal(other) == Principal("duo", "duo")
    assert auth.principal(plain + "x") is None
    assert plain not in repr(vars(auth)) and other not in repr(vars(auth))
    with pytest.raises(AuthConfigError):
        parse_tokens("sha256:abc=duo:duo")


def test_static_tokens_only_when_chosen_and_oidc_needs_an_issuer() -> None:
    token = secrets.token_urlsafe(32)
    with pytest.raises(AuthConfigError, match="AUTH_MODE"):
        authenticator(_settings(api_tokens=f"{token}=duo:duo"), "registratie")  # the default is oidc
    with pytest.raises(AuthConfigError, match="OIDC_ISSUER"):
        authenticator(_settings(), "registratie")
    with pytest.raises(AuthConfigError):
        authenticator(_settings(auth_mode="geen"), "registratie")
    assert authenticator(_settings(auth_mode="static", api_tokens=f"{token}=duo:duo"), "x").principal(token)
    oidc = authenticator(_settings(oidc_issuer="https://sso.example/realms/leerrecht"), "leerplicht")
    assert (oidc.audience, oidc.client_id) == ("leerrecht-leerplicht", "leerplicht-web")  # type: ignore[union-attr]


@pytest.mark.parametrize(("claims", "principal"), [
    ({"rol": "school", "brin": "00AP00", "azp": "school-00AP00",
      "preferred_username": "service-account-school-00ap00"}, Principal("00AP00", "school")),
    ({"rol": "leerplicht", "regio": "MC28", "preferred_username": "officier.mc28"},
     Principal("officier.mc28", "leerplicht:MC28")),
    ({"rol": "rmc", "regio": "MC28", "preferred_username": "coach.mc28"}, Principal("coach.mc28", "rmc:MC28")),
    ({"rol": "partner", "regio": "MC28", "partner": "werkstart", "azp": "partner-werkstart-mc28",
      "preferred_username": "service-account-partner-werkstart-mc28"},
     Principal("partner-werkstart-mc28", "partner:MC28:werkstart")),
    ({"rol": "duo", "azp": "duo", "preferred_username": "service-account-duo"}, Principal("duo", "duo")),
    ({"rol": "analist", "preferred_username": "analist"}, Principal("analist", "analist")),
    ({"rol": "beheer", "preferred_username": "beheer"}, Principal("beheer", "beheer")),
    ({"rol": "leerplicht", "preferred_username": "zonder.regio"}, None),
    ({"rol": "school", "brin": "onzin!", "preferred_username": "x"}, None),
    ({"rol": "partner", "regio": "MC28", "partner": "Met Spatie", "azp": "p"}, None),
    ({"rol": "koning", "preferred_username": "x"}, None),
    ({"preferred_username": "zonder.rol"}, None),
])
def test_the_principal_comes_from_the_claims(claims: dict[str, str], principal: Principal | None) -> None:
    assert principal_from_claims(claims) == principal
