"""Local protocols by type (issue 13, domain.md A3.9): a protocol for every ISK enrolment or every
enrolment of one school type; the school's own protocol first, then its type's, then its region's."""

from __future__ import annotations

import json
from datetime import date

import pytest
from registratie.domain import GracePeriod, Protocol, ProtocolScope
from registratie.domain.model import Enrolment
from registratie.domain.protocols import geldend_protocol, gratie_einde, soorten_van
from registratie.protocollen import ProtocolConfigFout, parse_protocols

from contracts.codes import SchoolType, Vakantieregio

START = date(2025, 9, 1)
ISK = Protocol("isk-gratie", ProtocolScope.SCHOOLTYPE, "ISK", date(2025, 8, 1), gratieperiodes=(GracePeriod(6),))
VO = Protocol("vo-regio", ProtocolScope.SCHOOLTYPE, "vo", date(2025, 8, 1))
EIGEN = Protocol("eigen", ProtocolScope.SCHOOL, "20CM08", date(2025, 8, 1))
REGIO = Protocol("regio", ProtocolScope.REGIO, "MC03", date(2025, 8, 1))


def inschrijving(isk: bool, school: str = "20CM08", soort: SchoolType = SchoolType.VO) -> Enrolment:
    return Enrolment(school, soort, Vakantieregio.NOORD, START, None, isk)


def test_an_isk_enrolment_gets_the_isk_grace_period_without_a_protocol_of_its_own_school() -> None:
    assert soorten_van(inschrijving(True)) == ("ISK", "vo")
    assert gratie_einde([ISK, REGIO], inschrijving(True), "MC03") == date(2025, 10, 12)  # 6 weeks, inclusive
    assert gratie_einde([ISK, REGIO], inschrijving(False), "MC03") is None  # the regular part of the school


def test_school_before_type_before_region_and_isk_before_the_school_type() -> None:
    def geldend(protocols: list[Protocol], e: Enrolment) -> str | None:
        p = geldend_protocol(protocols, e.school_id, "MC03", START, soorten_van(e))
        return p.protocol_id if p else None

    assert geldend([EIGEN, ISK, VO, REGIO], inschrijving(True)) == "eigen"
    assert geldend([ISK, VO, REGIO], inschrijving(True)) == "isk-gratie"
    assert geldend([ISK, VO, REGIO], inschrijving(False)) == "vo-regio"
    assert geldend([ISK, VO, REGIO], inschrijving(False, "02UV00", SchoolType.MBO)) == "regio"
    later = Protocol("isk-later", ProtocolScope.SCHOOLTYPE, "ISK", date(2025, 9, 2), gratieperiodes=(GracePeriod(6),))
    assert gratie_einde([later], inschrijving(True), None) is None  # not yet in force on the enrolment's start


def test_the_configuration_takes_a_type_scope_and_checks_its_code() -> None:
    [p] = parse_protocols(json.dumps([{"protocol_id": "isk-gratie", "scope": "SCHOOLTYPE", "scope_code": "ISK",
                                       "valid_from": "2025-08-01", "gratieperiodes": [{"weken": 6}]}]))
    assert p.scope is ProtocolScope.SCHOOLTYPE and p.scope_code == "ISK" and p.gratieperiodes == (GracePeriod(6),)
    for scope, code in (("SCHOOLTYPE", "MC03"), ("SCHOOL", "ISK"), ("REGIO", "vo")):
        with pytest.raises(ProtocolConfigFout, match="scope_code"):
            parse_protocols(json.dumps([{"protocol_id": "x", "scope": scope, "scope_code": code,
                                         "valid_from": "2025-08-01"}]))
