"""Local protocols from configuration (domain.md A3.9): parsed strictly, applied by the service."""

from __future__ import annotations

import json
from datetime import date

import pytest
from reg_helpers import Reg, bsn
from registratie.domain.protocols import ProtocolScope, SignaalMaat
from registratie.protocollen import ProtocolConfigFout, parse_protocols

from contracts.catalogue import from_envelope
from contracts.codes import AfwezigheidCode
from contracts.events import registratie as ev

VIJF_KEER_LAAT = {
    "protocol_id": "wereldwijs", "scope": "SCHOOL", "scope_code": "00AP00", "valid_from": "2026-08-01",
    "signaal_regels": [{"regel_id": "5x-laat", "omschrijving": "5× te laat of afwezig in 4 lesweken",
                        "codes": ["TE_LAAT", "ONGEOORLOOFD"], "maat": "KEER", "drempel": 5,
                        "venster_lesweken": 4}],
    "gratieperiodes": [{"weken": 6, "alleen_isk": True}],
}


def test_a_valid_configuration_becomes_versioned_domain_protocols() -> None:
    later = {**VIJF_KEER_LAAT, "valid_from": "2027-01-01", "gratieperiodes": []}
    protocols = parse_protocols(json.dumps([VIJF_KEER_LAAT, later]))
    assert [p.valid_from for p in protocols] == [date(2026, 8, 1), date(2027, 1, 1)]
    first = protocols[0]
    assert first.scope is ProtocolScope.SCHOOL and first.scope_code == "00AP00"
    rule = first.signaal_regels[0]
    assert rule.maat is SignaalMaat.KEER and rule.codes == {AfwezigheidCode.TE_LAAT, AfwezigheidCode.ONGEOORLOOFD}
    assert first.gratieperiodes[0].weken == 6 and protocols[1].gratieperiodes == ()


@pytest.mark.parametrize(("change", "named"), [
    ({"signaal_regels": [{**VIJF_KEER_LAAT["signaal_regels"][0], "codes": ["SPIJBELEN"]}]}, "codes"),
    ({"signaal_regels": [{**VIJF_KEER_LAAT["signaal_regels"][0], "drempel": 0}]}, "drempel"),
    ({"scope_code": "Amsterdam"}, "scope_code"),
    ({"onbekend_veld": 1}, "onbekend_veld"),
])
def test_an_invalid_configuration_is_refused_naming_the_field(change: dict[str, object], named: str) -> None:
    with pytest.raises(ProtocolConfigFout) as err:
        parse_protocols(json.dumps([{**VIJF_KEER_LAAT, **change}]))
    assert named in str(err.value)


def test_two_versions_with_the_same_date_are_refused() -> None:
    with pytest.raises(ProtocolConfigFout, match="dezelfde valid_from"):
        parse_protocols(json.dumps([VIJF_KEER_LAAT, VIJF_KEER_LAAT]))


@pytest.mark.infra
async def test_five_late_arrivals_in_four_lesweken_give_the_agreed_signal(reg: Reg) -> None:
    reg.app.state.intake.protocols = parse_protocols(json.dumps([VIJF_KEER_LAAT]))
    try:
        reg.zet_vandaag(date(2026, 11, 27))
        pgn = bsn()
        r = await reg.post("/v1/inschrijvingen", {
            "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
            "ingangsdatum": "2026-08-24", "klas": "7B"})
        assert r.status_code == 201, r.text
        pseudo = r.json()["pseudoniem"]
        for i, day in enumerate(["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]):
            r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": day, "uren": 0.25, "code": "TE_LAAT"})
            assert r.status_code == 201, (i, r.text)
        signals = [e for e in await reg.events("leerrecht.regio.MC28.events", pseudo)
                   if e.type == ev.SignaalGegeven.event_type]
        assert signals == [], "four times late: below the agreed threshold"
        r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-20", "uren": 0.25, "code": "TE_LAAT"})
        assert r.status_code == 201
        signals = [from_envelope(e) for e in await reg.events("leerrecht.regio.MC28.events", pseudo)
                   if e.type == ev.SignaalGegeven.event_type]
        assert len(signals) == 1
        assert signals[0].regel_id == "5x-laat" and signals[0].school.code == "00AP00"
    finally:
        reg.app.state.intake.protocols = ()
