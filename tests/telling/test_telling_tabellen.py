"""The count stream's cell key computed without building the event equals the event's own key."""

from __future__ import annotations

from telling.domain.disclosure import Gepubliceerd
from telling.domain.figures import INDICATOREN, UITSPLITSINGEN
from telling.tabellen import cel_sleutel, cijfer_event


def test_the_key_without_the_event_is_the_events_key() -> None:
    uitsplitsingen = ["", *(f"{d}:{c}" for d, cs in UITSPLITSINGEN.items() for c in cs)]
    for naam, ind in INDICATOREN.items():
        if not ind.gepubliceerd:
            continue
        for gebied in ("NL", "MC21", "GM0363"):
            for u in uitsplitsingen if gebied != "GM0363" else [""]:
                ev = cijfer_event(naam, "2025-2026", gebied, Gepubliceerd(None, True), {"t:0": 1}, u)
                assert cel_sleutel(naam, "2025-2026", gebied, u) == ev.cel_sleutel()
