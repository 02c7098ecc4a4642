"""The dossier snapshot (leerplicht/snapshot.py) round-trips every field through JSON."""

from __future__ import annotations

import json
from datetime import date

from leerplicht import snapshot
from leerplicht.domain import (
    KiesRoute,
    NeemInBehandeling,
    SluitDossier,
    StartOnderzoek,
    VoerInterventieUit,
    apply,
)
from lp_helpers import feit, ingetrokken, leerling, melding, nieuw_dossier, uid, uitvoeren

from contracts.codes import (
    InterventieSoort,
    InterventieUitkomst,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
)


def test_a_full_dossier_round_trips() -> None:
    d = nieuw_dossier()
    extra = melding(soort=MeldingSoort.ABSOLUUT)
    d = apply(d, feit(extra, date(2026, 3, 24)))  # type: ignore[assignment]
    d = apply(d, feit(ingetrokken(extra.melding_id), date(2026, 3, 25)))  # type: ignore[assignment]
    ref = uid()
    d = uitvoeren(
        d,
        NeemInBehandeling(d.eerste_melding_id, date(2026, 3, 24)),
        StartOnderzoek(d.eerste_melding_id, date(2026, 3, 25), True),
        KiesRoute((MasRoute.HALT,), date(2026, 3, 26), leerling("2016-01"), "toelichting"),
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, date(2026, 3, 27), leerling=leerling("2016-01")),
        VoerInterventieUit(ref, InterventieSoort.HALT_VERWIJZING, date(2026, 4, 2), InterventieUitkomst.HALT_POSITIEF),
        SluitDossier(LeerplichtSluitreden.HALT_POSITIEF, date(2026, 4, 2)),
    )
    assert d.sluiting is not None and d.halt_overschrijvingen and d.interventies[0].uitkomst_op
    back = snapshot.from_json(json.loads(json.dumps(snapshot.to_json(d))))
    assert back == d


def test_a_fresh_dossier_round_trips() -> None:
    d = nieuw_dossier()
    assert snapshot.from_json(json.loads(json.dumps(snapshot.to_json(d)))) == d
