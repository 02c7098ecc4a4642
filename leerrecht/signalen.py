"""Signals that reach an office: the ``SignaalGegeven`` events addressed to it (issue 12).

registratie publishes a signal with its recipients (``contracts.codes.SignaalOntvanger``): the
school, the region's leerplicht office, the region's Doorstroompunt. A signal is not a report; it
only adds attention (domain.md A3.8, A3.9), and a late recoding that removed a duty already due is
one for the leerplicht office "for that pupil (oversight); nothing is silently erased" (A2 Decision
"late recoding"). leerplicht stores those addressed to ``LEERPLICHT``, rmc those addressed to
``DOORSTROOMPUNT``, each in its own ``signaal`` table (same shape in both services' migrations), in
the projection's transaction, and shows them in the worklist and on the pupil's dossier.

A signal re-published under the same ``signaal_id`` (registratie re-publishes when the decision's
fingerprint changes, e.g. a later late recoding of the same duty) updates the stored one: one item
per signal. The text is the rule's own (``omschrijving``), never text about the pupil.

A school that did not file a required report within its term (``MeldtermijnVerstreken``, domain.md A3.1:
onverwijld, within 5 working days) is one too: the contract says it surfaces in the worklist, and the
office is the one to take it up with the school. It is stored as a signal of kind
``MELDTERMIJN_VERSTREKEN`` under its duty's id, for the leerplicht office, or for the Doorstroompunt when
the duty is an 18+ report (A3.5). It stays when the school reports later: the term was missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from contracts.codes import MeldingSoort, SignaalOntvanger
from contracts.events.registratie import MeldtermijnVerstreken, SignaalGegeven

EVENT_TYPE = SignaalGegeven.event_type
TERMIJN_TYPE = MeldtermijnVerstreken.event_type
TYPES = frozenset({EVENT_TYPE, TERMIJN_TYPE})
"""The event types an office stores as signals."""
TERMIJN_SOORT = "MELDTERMIJN_VERSTREKEN"

#: The worklist shows the newest signals first, at most this many (a page, not an archive; every
#: signal of a pupil stays on that pupil's dossier).
WERKLIJST_MAX = 500

#: Dutch labels of the signal kinds (contracts.codes.SignaalSoort) for the pages.
SOORT_LABEL = {
    "ZORGWEKKEND_ZIEKTEVERZUIM": "Zorgwekkend ziekteverzuim",
    "LOKAAL_PROTOCOL": "Lokaal protocol",
    "LANGDURIG_GEOORLOOFD": "Langdurig geoorloofd afwezig",
    "LATE_HERCODERING": "Late hercodering",
    TERMIJN_SOORT: "Melding niet op tijd",
}
_MELDING_LABEL = {
    MeldingSoort.ZESTIEN_UUR: "16 uur in 4 weken",
    MeldingSoort.LRV: "langdurig relatief verzuim",
    MeldingSoort.LUXE: "luxeverzuim",
    MeldingSoort.ACHTTIEN_PLUS: "verzuim 18+ zonder startkwalificatie",
}
Signaal = SignaalGegeven | MeldtermijnVerstreken


def ontvanger_van(event: Signaal) -> frozenset[SignaalOntvanger]:
    """Who a signal is for: a ``SignaalGegeven`` names them; a missed report term goes to whoever the
    report was due to (an 18+ report to the Doorstroompunt, A3.5; the others to leerplicht)."""
    if isinstance(event, SignaalGegeven):
        return frozenset(event.ontvangers)
    if event.soort is MeldingSoort.ACHTTIEN_PLUS:
        return frozenset({SignaalOntvanger.DOORSTROOMPUNT})
    return frozenset({SignaalOntvanger.LEERPLICHT})


def _rij(pseudoniem: str, event_id: Any, s: Signaal) -> tuple[Any, ...]:
    if isinstance(s, SignaalGegeven):
        return (s.signaal_id, pseudoniem, s.soort.value, s.regel_id, s.omschrijving, s.school.code, s.peildatum,
                event_id)
    omschrijving = (f"De school heeft de melding ({_MELDING_LABEL.get(s.soort, s.soort.value)}) niet binnen de "
                    f"termijn gedaan: uiterlijk melden op {s.uiterlijk_melden_op:%d-%m-%Y}. Verzuim melden "
                    "moet onverwijld, binnen 5 werkdagen.")
    return (s.meldplicht_id, pseudoniem, TERMIJN_SOORT, f"meldtermijn.{s.soort.value.lower()}", omschrijving,
            s.school.code, s.uiterlijk_melden_op, event_id)


async def bewaar(
    conn: asyncpg.Connection, signalen: Iterable[tuple[str, Any, Signaal]], ontvanger: SignaalOntvanger
) -> int:
    """Store the signals addressed to ``ontvanger``; ``signalen`` holds (pupil pseudonym, event id,
    event) in log order. Returns how many were for this office."""
    rijen = [_rij(pseudoniem, event_id, s) for pseudoniem, event_id, s in signalen if ontvanger in ontvanger_van(s)]
    if rijen:
        await conn.executemany(
            "INSERT INTO signaal (signaal_id, pseudoniem, soort, regel_id, omschrijving, school, peildatum, "
            "event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (signaal_id) DO UPDATE SET "
            "soort = EXCLUDED.soort, regel_id = EXCLUDED.regel_id, omschrijving = EXCLUDED.omschrijving, "
            "school = EXCLUDED.school, peildatum = EXCLUDED.peildatum, event_id = EXCLUDED.event_id",
            rijen,
        )
    return len(rijen)


#: The worklist page shows this many signals a page: at national size a region holds hundreds, and
#: every row shown costs its pupil's name lookup and a processing-log record (issue 16.5).
PER_PAGINA = 25


async def aantal(conn: asyncpg.Connection) -> int:
    """How many signals are stored (the worklist's heading and pages)."""
    return int(await conn.fetchval("SELECT count(*) FROM signaal"))


async def lijst(conn: asyncpg.Connection, pseudoniemen: Sequence[str] | None = None, *,
                limiet: int = WERKLIJST_MAX, vanaf: int = 0) -> list[dict[str, Any]]:
    """The stored signals as JSON-ready items, newest first: all (``limiet`` from ``vanaf``, at most
    :data:`WERKLIJST_MAX`) or those of the given pupils."""
    if pseudoniemen is None:
        rows = await conn.fetch(
            "SELECT * FROM signaal ORDER BY peildatum DESC, signaal_id LIMIT $1 OFFSET $2",
            min(limiet, WERKLIJST_MAX), max(vanaf, 0))
    else:
        rows = await conn.fetch(
            "SELECT * FROM signaal WHERE pseudoniem = ANY($1::text[]) ORDER BY peildatum DESC, signaal_id",
            list(pseudoniemen))
    return [
        {"signaal_id": str(r["signaal_id"]), "pseudoniem": r["pseudoniem"], "soort": r["soort"],
         "soort_label": SOORT_LABEL.get(r["soort"], r["soort"]), "regel_id": r["regel_id"],
         "omschrijving": r["omschrijving"], "school": r["school"], "peildatum": r["peildatum"].isoformat()}
        for r in rows
    ]
