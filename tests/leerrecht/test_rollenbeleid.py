"""Every route of every service has a declared access policy, and the route's own dependencies enforce it.

Why: the role × endpoint matrix on the real Keycloak (``tests/e2e/test_rollenmatrix.py``) calls what the
policy table names; a route added later without an entry would never be called there. Here each app is
built as its process builds it and its routes (``app.routes``, included routers and mounts flattened) are
held to the table in both directions; then the policy each route's dependencies enforce (derived from the
role checks, :func:`leerrecht.http.markeer_toegang`) must equal the declared one.
"""

from __future__ import annotations

import pytest
from rollenbeleid import BELEID, PUBLIEK, afgeleid, api, bouw_app, routes, toegestaan

DIENSTEN = tuple(BELEID)


@pytest.mark.parametrize("dienst", DIENSTEN)
def test_every_route_of_the_app_has_an_entry_in_the_policy_table(dienst: str) -> None:
    echt = set(routes(bouw_app(dienst)))
    zonder_regel = sorted(echt - set(BELEID[dienst]))
    zonder_route = sorted(set(BELEID[dienst]) - echt)
    assert not zonder_regel, f"{dienst}: routes zonder regel in tests/_support/rollenbeleid.py: {zonder_regel}"
    assert not zonder_route, f"{dienst}: regels zonder route: {zonder_route}"


@pytest.mark.parametrize("dienst", DIENSTEN)
def test_the_dependencies_of_every_route_enforce_the_declared_policy(dienst: str) -> None:
    afwijkend = {
        sleutel: (afgeleid(route), BELEID[dienst].get(sleutel))
        for sleutel, route in routes(bouw_app(dienst)).items()
        if afgeleid(route) != BELEID[dienst].get(sleutel)
    }
    assert not afwijkend, f"{dienst}: (afgeleid, verklaard) per route: {afwijkend}"


def test_nothing_with_personal_data_is_public_and_every_role_check_names_roles() -> None:
    for dienst, regels in BELEID.items():
        for (method, pad), regel in regels.items():
            if regel == PUBLIEK:
                assert pad.startswith(("/openapi", "/docs", "/redoc", "/health", "/ready", "/inloggen",
                                       "/uitloggen", "/uitgelogd", "/static")) or pad == "/", (dienst, method, pad)
            else:
                assert regel.rollen, f"{dienst} {method} {pad}: any caller at all may not read a file"


def test_a_role_prefix_admits_only_its_region() -> None:
    regel = api("partner:MC28:*")
    assert toegestaan(regel, "partner:MC28:werkstart")
    assert not toegestaan(regel, "partner:MC29:werkstart") and not toegestaan(regel, "rmc:MC28")
