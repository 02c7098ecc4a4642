"""A correction of the hours under the same code, through a real regional leerplicht process.

registratie publishes the same pupil, day and code with other hours as ``AfwezigheidGecorrigeerd``
with ``oude_code == nieuwe_code`` (domain.md A2: a registration states the day's total, so another
total is a correction, never a second absence). The office must see the corrected hours, once.
Real Kafka and PostgreSQL; a region (MC16) and a schooljaar (2024-2025) no other suite counts.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, start_service

REGION = "MC16"
_T = {t: dev_token(t) for t in ("t-lp-mc16",)}  # static dev tokens
OFFICER = {"Authorization": f"Bearer {_T['t-lp-mc16']}"}
TOKENS_ENV = API_TOKENS + f",{_T['t-lp-mc16']}=officer-16:leerplicht:MC16"
SCHOOL = School(brin="00AP", vestiging="00")
pytestmark = pytest.mark.infra



@pytest.fixture(scope="module")
def lp(infra) -> Iterator[ServiceProcess]:  # type: ignore[no-untyped-def]
    svc = start_service(
        "leerplicht", infra.bootstrap, infra.database_url("lpcorr"), REGION=REGION, API_TOKENS=TOKENS_ENV
    )
    try:
        yield svc
    finally:
        svc.stop()


async def publish(bootstrap: str, subject: str, *events: Event) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        now = datetime.now(UTC)
        await publisher.publish([
            OutgoingEvent(region_events_topic(REGION), to_envelope(
                ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=now,
                correlation_id=uuid7(), region=REGION))
            for ev in events
        ])
    finally:
        await publisher.stop()


async def test_a_correction_of_the_hours_under_the_same_code_replaces_the_hours(lp: ServiceProcess, infra: Any) -> None:
    pseudo = secrets.token_hex(32)
    afwezigheid_id = uuid.uuid4()
    datum = date(2025, 6, 26)
    await publish(infra.bootstrap, pseudo, reg.AfwezigheidGeregistreerd(
        afwezigheid_id=afwezigheid_id, school=SCHOOL, datum=datum, uren=Decimal(5), eenheid=UrenEenheid.LESUUR,
        code=AfwezigheidCode.ONGEOORLOOFD,
    ), reg.AfwezigheidGecorrigeerd(
        afwezigheid_id=afwezigheid_id, datum=datum, oude_code=AfwezigheidCode.ONGEOORLOOFD,
        nieuwe_code=AfwezigheidCode.ONGEOORLOOFD, oude_uren=Decimal(5), nieuwe_uren=Decimal(6),
    ))

    def rows() -> list[tuple[str, float, str]]:
        r = httpx.get(f"{lp.url}/v1/leerlingen/{pseudo}/afwezigheid", headers=OFFICER)
        assert r.status_code == 200, r.text
        return [(a["datum"], a["uren"], a["code"]) for a in r.json()["afwezigheid"]]

    assert eventually(lambda: [r for r in rows() if r[1] == 6.0]) == [(datum.isoformat(), 6.0, "ONGEOORLOOFD")]
    assert rows() == [(datum.isoformat(), 6.0, "ONGEOORLOOFD")], "one absence, with the corrected hours"
