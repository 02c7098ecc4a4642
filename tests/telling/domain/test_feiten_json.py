"""issue 16: a person's facts are stored without their default fields, and read back the same.

The ``leerling_feiten`` row is rewritten whole at every fold of the person, so its size is PostgreSQL's
work per stateful event. Leaving out the empty sets (most of every day's ``Feiten``) must not change
what is read back, and rows written in the full form before must still read the same."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from telling.domain.figures import LEEG, Feiten, neem_op
from telling.projection import DAGEN, _json
from tl_scenario import SCENARIO


def _dagen_per_persoon() -> dict[str, dict[date, Feiten]]:
    """Every scenario person's facts per registratiedag, as the projection keeps them."""
    out: dict[str, dict[date, Feiten]] = defaultdict(dict)
    for s in SCENARIO:
        dagen = out[s.subject]
        dag = s.geregistreerd.date()
        dagen[dag] = neem_op(dagen.get(dag, LEEG), s.event, s.region, s.datum)
    return out


def test_compact_form_reads_back_the_same_facts() -> None:
    personen = _dagen_per_persoon()
    assert len(personen) > 5
    for dagen in personen.values():
        compact = _json(dagen)
        assert DAGEN.validate_json(compact) == dagen
        # a row written in the full form before this change reads the same
        assert DAGEN.validate_json(DAGEN.dump_json(dagen)) == dagen


def test_compact_form_leaves_the_empty_fields_out() -> None:
    for dagen in _dagen_per_persoon().values():
        compact = _json(dagen)
        vol = DAGEN.dump_json(dagen).decode()
        assert "[]" not in compact and ":{}" not in compact
        assert len(compact) < len(vol) / 2
    assert _json({date(2025, 9, 1): LEEG}) == '{"2025-09-01":{}}'
