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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from contracts.codes import SignaalOntvanger
from contracts.events.registratie import SignaalGegeven

EVENT_TYPE = SignaalGegeven.event_type

#: The worklist shows the newest signals first, at most this many (a page, not an archive; every
#: signal of a pupil stays on that pupil's dossier).
WERKLIJST_MAX = 500

#: Dutch labels of the signal kinds (contracts.codes.SignaalSoort) for the pages.
SOORT_LABEL = {
    "ZORGWEKKEND_ZIEKTEVERZUIM": "Zorgwekkend ziekteverzuim",
    "LOKAAL_PROTOCOL": "Lokaal protocol",
    "LANGDURIG_GEOORLOOFD": "Langdurig geoorloofd afwezig",
    "LATE_HERCODERING": "Late hercodering",
}


async def bewaar(
    conn: asyncpg.Connection, signalen: Iterable[tuple[str, Any, SignaalGegeven]], ontvanger: SignaalOntvanger
) -> int:
    """Store the signals addressed to ``ontvanger``; ``signalen`` holds (pupil pseudonym, event id,
    event) in log order. Returns how many were for this office."""
    rijen = [
        (s.signaal_id, pseudoniem, s.soort.value, s.regel_id, s.omschrijving, s.school.code, s.peildatum, event_id)
        for pseudoniem, event_id, s in signalen
        if ontvanger in s.ontvangers
    ]
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
