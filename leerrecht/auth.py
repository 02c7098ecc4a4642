"""Who is calling: the identity provider's access tokens (OpenID Connect), or static development tokens.

Why two modes, and why one is refused unless chosen: production callers authenticate at the identity
provider (Keycloak; NL GOV Assurance profile for OAuth 2.0): systems with client credentials, people
through the web login (authorization code + PKCE, :mod:`leerrecht.oidc_login`). A service checks each
access token itself against the issuer's keys (JWKS): signature, issuer, audience, expiry and token
type; role, region, school and partner come from the token's claims. Static tokens remain for
development and tests only (``AUTH_MODE=static``), each at least 32 random bytes, kept in memory only
as a SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import anyio.from_thread
import httpx
import jwt

from leerrecht.logging import get_logger
from leerrecht.websessies import SessieOpslag

log = get_logger(__name__)

MIN_TOKEN_CHARS = 43  # 32 random bytes in base64url; hex takes 64
HASH_PREFIX = "sha256:"
ALGORITHMS = ["RS256", "PS256", "ES256"]  # asymmetric only: a service never holds a signing key
LEEWAY_S = 5  # clock skew between the provider and a service (both on NTP)
MAX_BEKEND = 10_000  # sessions remembered for the edge's rate limit
JWKS_REFRESH_MIN_S = 10.0  # an unknown kid refetches the keys at most this often (no amplification)

_BRIN6 = re.compile(r"^[0-9A-Z]{4}[0-9]{2}$")
_REGIO = re.compile(r"^MC\d\d$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_NAAM = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")


@dataclass(frozen=True)
class Principal:
    client_id: str
    role: str


class AuthConfigError(SystemExit):
    """The authentication settings are missing or unsafe; the service refuses to start.

    A ``SystemExit``: the process ends with this message (exit status 1), not with a traceback."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------------------------- static


class StaticAuthenticator:
    """``AUTH_MODE=static``: tokens from configuration, looked up by their SHA-256 hash."""

    mode = "static"

    def __init__(self, by_hash: Mapping[str, Principal]) -> None:
        self._by_hash = dict(by_hash)

    @classmethod
    def from_plain(cls, tokens: Mapping[str, Principal]) -> StaticAuthenticator:
        """From a mapping token → principal built in code (tests of the HTTP edge)."""
        return cls({hash_token(t): p for t, p in tokens.items()})

    def principal(self, presented: str) -> Principal | None:
        digest = hash_token(presented)
        found = None
        for known, principal in self._by_hash.items():  # no early exit: the same work for every token
            if hmac.compare_digest(known, digest):
                found = principal
        return found

    session_principal = principal  # the development login keeps the token itself in the cookie

    def edge_principal(self, presented: str) -> Principal | None:
        """For the edge's rate limit (:mod:`leerrecht.grenzen`), which hands its answer on to the
        request's authentication: the token is checked once per request."""
        return self.principal(presented)

    def client_of(self, presented: str) -> str | None:
        p = self.edge_principal(presented)
        return p.client_id if p else None


def parse_tokens(spec: str) -> StaticAuthenticator:
    """``"<token>=00AP00:school,sha256:<hex>=duo:duo"`` → a static authenticator.

    A token is either given as ``sha256:<64 hex>`` (its hash: the configuration holds no usable
    secret) or in plain text of at least 43 characters (32 random bytes, e.g.
    ``python -c 'import secrets; print(secrets.token_urlsafe(32))'``); a shorter one is refused, and
    neither is ever echoed."""
    by_hash: dict[str, Principal] = {}
    for i, part in enumerate(filter(None, (p.strip() for p in spec.split(","))), start=1):
        token, _, who = part.partition("=")  # token_urlsafe never holds '='
        client, _, role = who.partition(":")
        if not token or not client or not role:
            raise AuthConfigError(f"API_TOKENS: item {i} is ongeldig; verwacht token=client:rol")
        if token.startswith(HASH_PREFIX):
            digest = token.removeprefix(HASH_PREFIX).lower()
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise AuthConfigError(f"API_TOKENS: item {i}: na 'sha256:' horen 64 hexadecimale tekens")
        elif len(token) < MIN_TOKEN_CHARS:
            raise AuthConfigError(
                f"API_TOKENS: het token van item {i} ({client}) is te kort: gebruik minstens 32 willekeurige "
                f"bytes ({MIN_TOKEN_CHARS} tekens base64url), bijv. python -c 'import secrets; "
                f"print(secrets.token_urlsafe(32))', of geef de SHA-256 als sha256:<hex>")
        else:
            digest = hash_token(token)
        by_hash[digest] = Principal(client, role)
    return StaticAuthenticator(by_hash)


def new_token() -> str:
    """A development token of 32 random bytes."""
    return secrets.token_urlsafe(32)


# --------------------------------------------------------------------------------------------- OIDC


def principal_from_claims(claims: Mapping[str, Any]) -> Principal | None:
    """The platform's principal from the identity provider's claims (``rol``, ``regio``, ``brin``,
    ``partner``), in the shape every endpoint already knows; None when the claims do not make one.

    Systems (client credentials) are named by their client (``azp``), people by their user name."""
    rol, regio = claims.get("rol"), claims.get("regio")
    user = str(claims.get("preferred_username") or "")
    naam = str(claims.get("azp") or "") if not user or user.startswith("service-account-") else user
    if not _NAAM.match(naam):
        return None
    if rol == "school":
        brin = claims.get("brin")
        return Principal(brin, "school") if isinstance(brin, str) and _BRIN6.match(brin) else None
    if rol in ("leerplicht", "rmc"):
        return Principal(naam, f"{rol}:{regio}") if isinstance(regio, str) and _REGIO.match(regio) else None
    if rol == "partner":
        partner = claims.get("partner")
        ok = isinstance(regio, str) and _REGIO.match(regio) and isinstance(partner, str) and _CODE.match(partner)
        return Principal(naam, f"partner:{regio}:{partner}") if ok else None
    if rol in ("duo", "analist", "beheer"):
        return Principal(naam, rol)
    return None


class Jwks:
    """The issuer's signing keys: fetched when first needed, cached, refetched for an unknown ``kid``
    (key rotation) at most once per ``JWKS_REFRESH_MIN_S``."""

    def __init__(self, issuer: str, timeout: float = 5.0) -> None:
        self.issuer = issuer
        self.timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -1e9
        self._discovery: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            r = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=self.timeout)
            r.raise_for_status()
            doc = r.json()
            if doc.get("issuer") != self.issuer:
                raise AuthConfigError("OIDC_ISSUER wijkt af van de issuer in het discovery-document")
            self._discovery = doc
        return self._discovery

    def key(self, kid: str, fetch: bool = True) -> jwt.PyJWK | None:
        if kid in self._keys or not fetch:
            return self._keys.get(kid)
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= JWKS_REFRESH_MIN_S:
                self._fetched_at = time.monotonic()
                try:
                    r = httpx.get(self.discovery()["jwks_uri"], timeout=self.timeout)
                    r.raise_for_status()
                    keys = {}
                    for k in r.json().get("keys", []):
                        if k.get("use", "sig") == "sig" and k.get("kid"):
                            try:
                                keys[k["kid"]] = jwt.PyJWK(k)
                            except jwt.PyJWKError:
                                continue  # a key type this library does not use (e.g. RSA-OAEP for encryption)
                    self._keys = keys
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    log.error("jwks_ophalen_mislukt", error=type(exc).__name__)
        return self._keys.get(kid)


@dataclass
class Sessie:
    principal: Principal
    id_token: str
    verloopt: float


class OidcAuthenticator:
    """``AUTH_MODE=oidc``: bearer access tokens checked against the issuer's JWKS; web sessions kept
    on the server (the cookie holds only a random session id)."""

    mode = "oidc"

    def __init__(self, issuer: str, audience: str, client_id: str, sessie_s: int = 3600) -> None:
        self.issuer, self.audience, self.client_id, self.sessie_s = issuer.rstrip("/"), audience, client_id, sessie_s
        self.jwks = Jwks(self.issuer)
        # Web sessions live in the service's PostgreSQL (leerrecht.websessies), attached when the
        # runtime starts: they survive a restart and every replica sees them. Only an authenticator
        # without a database (unit tests of the HTTP edge) keeps them in this dict.
        self.opslag: SessieOpslag | None = None
        self._sessies: dict[str, Sessie] = {}
        # Sessions this process saw lately, for the edge's rate limit only (it runs on the event
        # loop and may not wait for the database); never taken as proof of a session.
        self._bekend: dict[str, Principal] = {}
        self._bekend_lock = threading.Lock()

    def claims(self, token: str, *, fetch: bool = True, audience: str | None = None,
               typ: str | None = "Bearer") -> dict[str, Any] | None:
        """The verified claims, or None: bad signature, unknown key, other issuer or audience,
        expired, or not an access token (an ID token is never accepted as one)."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
                return None
            key = self.jwks.key(header["kid"], fetch=fetch)
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=audience or self.audience, issuer=self.issuer,
                leeway=LEEWAY_S, options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        if typ is not None and claims.get("typ") != typ:
            return None
        return claims

    def principal(self, presented: str, fetch: bool = True) -> Principal | None:
        claims = self.claims(presented, fetch=fetch)
        return principal_from_claims(claims) if claims is not None else None

    def session_principal(self, cookie: str) -> Principal | None:
        """The principal of a live session. With the database: called from FastAPI's thread pool (the
        authentication dependencies are plain functions), so it waits for the lookup on the loop."""
        key = hash_token(cookie)
        if self.opslag is not None:
            opgeslagen = anyio.from_thread.run(self.opslag.zoek, key)
            if opgeslagen is None:
                self._vergeet(key)
                return None
            principal = Principal(opgeslagen.client_id, opgeslagen.rol)
            self._onthoud(key, principal)
            return principal
        sessie = self._sessies.get(key)
        if sessie is None:
            return None
        if sessie.verloopt < time.time():
            self._sessies.pop(key, None)
            return None
        return sessie.principal

    def _onthoud(self, key: str, principal: Principal) -> None:
        with self._bekend_lock:  # the thread pool and the loop both write here
            while len(self._bekend) >= MAX_BEKEND:
                del self._bekend[next(iter(self._bekend))]
            self._bekend[key] = principal

    def _vergeet(self, key: str) -> None:
        with self._bekend_lock:
            self._bekend.pop(key, None)

    def edge_principal(self, presented: str) -> Principal | None:
        """For the edge's rate limit: never a network call (an unknown key is simply not limited here,
        and the request's authentication then checks the token itself, fetching the keys)."""
        jwt_vorm = presented.count(".") == 2
        if jwt_vorm:
            return self.principal(presented, fetch=False)
        if self.opslag is not None:
            return self._bekend.get(hash_token(presented))
        return self.session_principal(presented)

    def client_of(self, presented: str) -> str | None:
        p = self.edge_principal(presented)
        return p.client_id if p else None

    async def open_sessie(self, principal: Principal, id_token: str) -> str:
        sid = secrets.token_urlsafe(32)
        key, now = hash_token(sid), time.time()
        if self.opslag is not None:
            await self.opslag.open(key, principal.client_id, principal.role, id_token, now + self.sessie_s)
            self._onthoud(key, principal)
            return sid
        for k, sessie in list(self._sessies.items()):  # a copy: the thread pool may end one meanwhile
            if sessie.verloopt < now:
                self._sessies.pop(k, None)
        self._sessies[key] = Sessie(principal, id_token, now + self.sessie_s)
        return sid

    async def sluit_sessie(self, cookie: str) -> Sessie | None:
        """Logout: the row goes, so the session ends on every replica."""
        key = hash_token(cookie)
        self._vergeet(key)
        if self.opslag is not None:
            opgeslagen = await self.opslag.sluit(key)
            if opgeslagen is None:
                return None
            return Sessie(Principal(opgeslagen.client_id, opgeslagen.rol), opgeslagen.id_token, opgeslagen.verloopt)
        return self._sessies.pop(key, None)


Authenticator = StaticAuthenticator | OidcAuthenticator


class _AuthSettings(Protocol):
    auth_mode: str
    api_tokens: str
    oidc_issuer: str
    oidc_audience: str
    oidc_client_id: str
    oidc_sessie_s: int


def authenticator(settings: _AuthSettings, dienst: str) -> Authenticator:
    """The service's authenticator from its settings; refuses an unsafe or incomplete configuration.

    ``dienst`` names the default audience (``leerrecht-<dienst>``) and web client (``<dienst>-web``)."""
    if settings.auth_mode == "static":
        log.warning("auth_static", melding="AUTH_MODE=static: statische tokens, alleen voor ontwikkeling en tests")
        return parse_tokens(settings.api_tokens)
    if settings.auth_mode != "oidc":
        raise AuthConfigError("AUTH_MODE moet 'oidc' zijn (of, alleen voor ontwikkeling, uitdrukkelijk 'static')")
    if settings.api_tokens.strip():
        raise AuthConfigError("API_TOKENS is gezet maar AUTH_MODE is niet 'static': statische tokens "
                              "gelden alleen als AUTH_MODE=static uitdrukkelijk gekozen is")
    if not settings.oidc_issuer.strip():
        raise AuthConfigError("OIDC_ISSUER ontbreekt: geef de issuer van de identity provider "
                              "(bijv. https://sso.example.nl/realms/leerrecht), of kies voor ontwikkeling "
                              "uitdrukkelijk AUTH_MODE=static met API_TOKENS")
    return OidcAuthenticator(settings.oidc_issuer, settings.oidc_audience or f"leerrecht-{dienst}",
                             settings.oidc_client_id or f"{dienst}-web", settings.oidc_sessie_s)
