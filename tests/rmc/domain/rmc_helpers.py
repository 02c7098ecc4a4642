"""Builders for the rmc domain tests: events as the fold sees them, and files in every status."""

from __future__ import annotations

from datetime import date
from itertools import count
from uuid import UUID

from rmc.domain import Gebeurtenis, Jongere, Status, apply

from contracts.codes import ContactKanaal, Opleidingsniveau, RmcAanmeldBron, RmcRoute, RmcSluitreden
from contracts.events import rmc
from contracts.events.base import Event, School

P = "9c1e7b3a5d2f4e6081a2b3c4d5e6f7089a0b1c2d3e4f5061728394a5b6c7d8e9"
REGIO = "MC28"
DOSSIER = UUID("01990000-0000-7000-8000-000000000001")
TRAJECT = UUID("01990000-0000-7000-8000-000000000002")
SCHOOL = School(brin="34CD", vestiging="01")
AANGEMELD = date(2026, 1, 5)
GJM = "2005-06"  # 20 years old in 2026

_ids = count(1000)


def uid() -> UUID:
    return UUID(f"01990000-0000-7000-8000-{next(_ids):012d}")


def g(
    event: Event,
    datum: date | None = None,
    *,
    id: UUID | None = None,
    actor: str | None = None,
    regio: str = REGIO,
    pseudoniem: str = P,
) -> Gebeurtenis:
    return Gebeurtenis(
        id=id or uid(),
        pseudoniem=pseudoniem,
        event=event,
        datum=datum or getattr(event, "datum", AANGEMELD),
        regio=regio,
        actor=actor,
    )


def aangemeld(datum: date = AANGEMELD, gjm: str = GJM, dossier: UUID = DOSSIER) -> rmc.JongereAangemeld:
    return rmc.JongereAangemeld(
        dossier_id=dossier,
        bron=RmcAanmeldBron.POTENTIEEL_VSV,
        datum=datum,
        woongemeente="GM0637",
        geboortejaar_maand=gjm,
    )


def run(state: Jongere | None, *events: Event, actor: str | None = None) -> Jongere:
    for ev in events:
        state = apply(state, g(ev, actor=actor))
    assert state is not None
    return state


def in_status(status: Status, gjm: str = GJM) -> Jongere:
    """A file in the given status, built only through events (no hand-made state)."""
    j = run(None, aangemeld(gjm=gjm))
    if status is Status.NIEUW:
        return j
    if status is Status.NIET_BEREIKBAAR:
        return run(
            j,
            *[
                rmc.ContactpogingGedaan(
                    dossier_id=DOSSIER, datum=date(2026, 1, d), kanaal=ContactKanaal.TELEFOON, geslaagd=False
                )
                for d in (6, 20, 30)
            ],
            rmc.NietBereikbaar(
                dossier_id=DOSSIER, datum=date(2026, 2, 5), aantal_pogingen=3, eerste_poging=date(2026, 1, 6)
            ),
        )
    j = run(
        j,
        rmc.ContactpogingGedaan(
            dossier_id=DOSSIER, datum=date(2026, 1, 7), kanaal=ContactKanaal.GESPREK, geslaagd=True
        ),
        rmc.InBeeld(dossier_id=DOSSIER, datum=date(2026, 1, 7)),
    )
    if status is Status.IN_BEELD:
        return j
    j = run(
        j,
        rmc.TrajectGestart(
            dossier_id=DOSSIER,
            traject_id=TRAJECT,
            route=RmcRoute.TRAJECT,
            datum=date(2026, 1, 12),
            partner="werkstart",
        ),
    )
    if status is Status.IN_TRAJECT:
        return j
    j = run(
        j,
        rmc.JongereGeplaatst(
            dossier_id=DOSSIER,
            bestemming=RmcRoute.ONDERWIJS,
            niveau=Opleidingsniveau.MBO_2,
            startdatum=date(2026, 2, 2),
            school=SCHOOL,
        ),
    )
    if status is Status.GEPLAATST:
        return j
    return run(
        j, rmc.DossierGesloten(dossier_id=DOSSIER, reden=RmcSluitreden.OVERLEDEN, datum=date(2026, 2, 3))
    )
