"""A lapsed LRV duty fixes no threshold (issue 12, ``MeldplichtVervallen``; domain.md C "LRV at 1 Sept" /
"new"): the day an LRV report became LRV is that of the duty that held, not of one that lapsed."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from telling.domain.figures import STATEFUL_TYPES, Feiten, MeldingFeit, lrv_drempel, neem_op

from contracts.codes import MeldingSoort, UrenEenheid, VervalReden
from contracts.events import registratie
from contracts.events.base import School

SCHOOL = School(brin="00AP", vestiging="00")
VANAF = date(2026, 8, 24)


def bereikt(mid: uuid.UUID, op: date) -> registratie.MeldplichtBereikt:
    return registratie.MeldplichtBereikt(
        meldplicht_id=mid, soort=MeldingSoort.LRV, school=SCHOOL, vanaf=VANAF, bereikt_op=op, uren=Decimal(120),
        eenheid=UrenEenheid.KLOKUUR, uiterlijk_melden_op=date(2026, 10, 9), regel_versie="lrv.v2")


def test_the_threshold_of_a_lapsed_duty_is_set_aside() -> None:
    assert registratie.MeldplichtVervallen.event_type in STATEFUL_TYPES
    eerst, later = uuid.uuid4(), uuid.uuid4()
    f = neem_op(Feiten(), bereikt(eerst, date(2026, 8, 31)), "MC28", date(2026, 8, 31))
    f = neem_op(f, registratie.MeldplichtVervallen(
        meldplicht_id=eerst, soort=MeldingSoort.LRV, school=SCHOOL, vervallen_op=date(2026, 9, 2),
        reden=VervalReden.HERCODERING), "MC28", date(2026, 9, 2))
    f = neem_op(f, bereikt(later, date(2026, 9, 28)), "MC28", date(2026, 9, 28))
    m = MeldingFeit(soort=MeldingSoort.LRV, startdatum=VANAF, gemeld_op=date(2026, 9, 29))
    assert lrv_drempel(f, m, VANAF) == date(2026, 9, 28), "became LRV in September: new, not at 1 September"
