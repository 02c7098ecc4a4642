"""Every step a coach's file can be marked for has words of its own: no event code on the page."""

from rmc.web import STAP

from contracts.catalogue import event_classes


def test_every_rmc_event_type_has_a_dutch_step() -> None:
    rmc_types = {c.event_type.rsplit(".", 1)[-1] for c in event_classes() if ".rmc." in c.event_type}
    assert rmc_types, "no rmc events in the catalogue"
    assert rmc_types <= STAP.keys(), sorted(rmc_types - STAP.keys())
    assert all(v and "_" not in v for v in STAP.values())
