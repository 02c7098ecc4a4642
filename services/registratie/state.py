"""registratie's own state: written from the events it publishes, read back as the rules' facts.

registratie is the single writer of the facts it accepts (domain.md B), so it keeps what its rules
need (A3) and nothing identifying beyond the birth date (the age rules of A1 need the exact day; the
date never leaves this database). Every write here is an idempotent upsert keyed by an id from the
event, because a stored submission may be applied again after a crash.

Reads come in two shapes: the intake's view of a pupil (:class:`registratie.domain.intake.Leerling`,
for validating a submission) and the rules' facts (:class:`Feiten`, for ``evaluate``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from contracts.catalogue import from_envelope
from contracts.codes import (
    AfwezigheidCode,
    MeldingSoort,
    MeldingStatus,
    SchoolType,
    SignaalBron,
    UitschrijvingsReden,
    Vakantieregio,
    VerlofSoort,
    Vrijstellingsartikel,
)
from contracts.envelope import Envelope
from contracts.events import registratie as reg
from contracts.events.base import Event
from registratie.domain.intake import (
    AfwezigheidStand,
    Inschrijving,
    Leerling,
    MeldingStand,
    VerlofStand,
)
from registratie.domain.model import Absence, Enrolment, FiledReport, PupilFacts, Recoding, Vrijstelling


async def leerling(conn: asyncpg.Connection, pseudoniem: str) -> Leerling | None:
    return (await leerlingen(conn, [pseudoniem]))[pseudoniem]


async def leerlingen(conn: asyncpg.Connection, pseudoniemen: Iterable[str]) -> dict[str, Leerling | None]:
    """The intake's view of several pupils in two queries, however many there are: a batch of 500
    rows must not cost 1,000 round trips (``None`` for a pupil registratie does not know)."""
    keys = sorted(set(pseudoniemen))
    rows = await conn.fetch(
        "SELECT pseudoniem, woongemeente, regio, geboortejaar_maand, geboortedatum, startkwalificatie_op, "
        "duo_geboortedatum FROM leerling WHERE pseudoniem = ANY($1::text[])", keys,
    )
    ins: dict[str, list[Inschrijving]] = {}
    if rows:
        for r in await conn.fetch(
            "SELECT pseudoniem, school, school_type, vakantieregio, ingangsdatum, einddatum, klas, isk, "
            "geboortejaar_maand FROM inschrijving WHERE pseudoniem = ANY($1::text[]) "
            "ORDER BY pseudoniem, ingangsdatum, school",
            [r["pseudoniem"] for r in rows],
        ):
            ins.setdefault(r["pseudoniem"], []).append(Inschrijving(
                r["school"], SchoolType(r["school_type"]), Vakantieregio(r["vakantieregio"]),
                r["ingangsdatum"], r["einddatum"], r["klas"], r["isk"], r["geboortejaar_maand"]))
    out: dict[str, Leerling | None] = dict.fromkeys(keys)
    for row in rows:
        p = row["pseudoniem"]
        out[p] = Leerling(
            p, row["woongemeente"], row["regio"], tuple(ins.get(p, ())),
            geboortejaar_maand=row["geboortejaar_maand"], geboortedatum=row["geboortedatum"],
            startkwalificatie_op=row["startkwalificatie_op"], duo_geboortedatum=row["duo_geboortedatum"],
        )
    return out


async def afwezigheid(conn: asyncpg.Connection, afwezigheid_id: UUID) -> AfwezigheidStand | None:
    """The absence with the code and hours in force: its recodings folded in order (A2: recodings are
    rows of their own; event ids are UUIDv7, so they sort in the order they were made)."""
    row = await conn.fetchrow(
        "SELECT a.afwezigheid_id, a.pseudoniem, l.regio, a.school, a.datum, a.code, a.uren FROM afwezigheid a "
        "JOIN leerling l USING (pseudoniem) WHERE a.afwezigheid_id = $1", afwezigheid_id,
    )
    if row is None:
        return None
    hercoderingen = await conn.fetch(
        "SELECT afwezigheid_id, nieuwe_code, nieuwe_uren FROM hercodering WHERE afwezigheid_id = $1 "
        "ORDER BY event_id", afwezigheid_id,
    )
    return _stand(row, hercoderingen)


def _stand(row: asyncpg.Record, hercoderingen: Iterable[asyncpg.Record]) -> AfwezigheidStand:
    """Fold an absence's recodings (in order) into the stand; what it held before goes to ``eerder``."""
    code, uren = AfwezigheidCode(row["code"]), row["uren"]
    eerder: list[tuple[AfwezigheidCode, Decimal]] = []
    for h in hercoderingen:
        eerder.append((code, uren))
        code = AfwezigheidCode(h["nieuwe_code"])
        uren = h["nieuwe_uren"] if h["nieuwe_uren"] is not None else uren
    return AfwezigheidStand(row["afwezigheid_id"], row["pseudoniem"], row["regio"], row["school"], row["datum"],
                            code, uren, tuple(eerder))


async def afwezigheden_op(
    conn: asyncpg.Connection, dagen: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], list[AfwezigheidStand]]:
    """Every absence of each (pupil, day), as it stands, in two queries however many days a batch
    names (A2: a registration is decided against the day's facts; every school's, since all codes of
    the day together are bounded). Days without absences are absent from the result."""
    paren = sorted(set(dagen))
    if not paren:
        return {}
    rows = await conn.fetch(
        "SELECT a.afwezigheid_id, a.pseudoniem, l.regio, a.school, a.datum, a.code, a.uren FROM afwezigheid a "
        "JOIN leerling l USING (pseudoniem) JOIN unnest($1::text[], $2::date[]) AS d(pseudoniem, datum) "
        "ON a.pseudoniem = d.pseudoniem AND a.datum = d.datum ORDER BY a.afwezigheid_id",
        [p for p, _ in paren], [d for _, d in paren],
    )
    her: dict[UUID, list[asyncpg.Record]] = {}
    if rows:
        for h in await conn.fetch(
            "SELECT afwezigheid_id, nieuwe_code, nieuwe_uren FROM hercodering WHERE pseudoniem = ANY($1::text[]) "
            "AND afwezigheid_id = ANY($2::uuid[]) ORDER BY event_id",
            sorted({r["pseudoniem"] for r in rows}), [r["afwezigheid_id"] for r in rows],
        ):
            her.setdefault(h["afwezigheid_id"], []).append(h)
    out: dict[tuple[str, date], list[AfwezigheidStand]] = {}
    for r in rows:
        out.setdefault((r["pseudoniem"], r["datum"]), []).append(_stand(r, her.get(r["afwezigheid_id"], ())))
    return out


async def melding(conn: asyncpg.Connection, melding_id: UUID) -> MeldingStand | None:
    row = await conn.fetchrow(
        "SELECT m.melding_id, m.pseudoniem, l.regio, m.school, m.soort, m.status FROM melding m "
        "JOIN leerling l USING (pseudoniem) WHERE m.melding_id = $1", melding_id,
    )
    if row is None:
        return None
    return MeldingStand(row["melding_id"], row["pseudoniem"], row["regio"], row["school"],
                        MeldingSoort(row["soort"]), MeldingStatus(row["status"]))


async def verloven(conn: asyncpg.Connection, pseudoniem: str) -> list[VerlofStand]:
    rows = await conn.fetch("SELECT soort, van, verleend FROM verlof WHERE pseudoniem = $1", pseudoniem)
    return [VerlofStand(VerlofSoort(r["soort"]), r["van"], r["verleend"]) for r in rows]


@dataclass(frozen=True)
class Feiten:
    """The inputs of ``registratie.domain.evaluate`` for one pupil, plus where its events go."""

    pupil: PupilFacts
    absences: tuple[Absence, ...]
    recodings: tuple[Recoding, ...]
    reports: tuple[FiledReport, ...]
    regio: str
    woongemeente: str
    geboortejaar_maand: str
    school_types: dict[str, SchoolType]
    vertrokken: bool = False
    """The last enrolment ended because the person emigrated or died: no longer a resident who can
    be in absoluut verzuim or a potential vsv'er (A3.6, A3.7)."""
    kalender_wachtend: bool = True
    """Whether the pupil waits in ``kalender_wachtend`` (A3.12), read with the facts so an evaluation
    that succeeds deletes that row only when there is one (a round trip less per submission, issue 16).
    ``True`` when not read: then the delete is always tried, as before."""


async def feiten(conn: asyncpg.Connection, pseudoniem: str) -> Feiten | None:
    """Everything the rules need for one pupil; ``None`` when the birth date is unknown (no rule can
    then decide leer- or kwalificatieplicht, A1)."""
    return (await feiten_van(conn, [pseudoniem]))[pseudoniem]


def _per_leerling(rows: Iterable[asyncpg.Record]) -> dict[str, list[asyncpg.Record]]:
    out: dict[str, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(r["pseudoniem"], []).append(r)
    return out


async def feiten_van(
    conn: asyncpg.Connection, pseudoniemen: Iterable[str],
    eerder: Mapping[str, Mapping[str, Absence]] | None = None,
) -> dict[str, Feiten | None]:
    """:func:`feiten` for several pupils in six queries in all (not six per pupil): the intake
    evaluates every pupil of a batch (A3) before it answers, so the per-pupil round trips were most
    of a batch's time. Within a pupil the rows come in the order the single-pupil read gave them.

    ``eerder``: per pupil, absences built by an earlier read (by id). A stored row equal to one of them
    in every field gets that object instead of a new one: building (and validating) every absence of
    the pupil's history again was most of this read's CPU, and the incremental evaluation compares
    absences by identity first (issue 16, ``registratie.domain.incrementeel``)."""
    keys = sorted(set(pseudoniemen))
    out: dict[str, Feiten | None] = dict.fromkeys(keys)
    rows = await conn.fetch(
        "SELECT pseudoniem, woongemeente, regio, geboortejaar_maand, geboortedatum, startkwalificatie_op, "
        "EXISTS (SELECT 1 FROM kalender_wachtend w WHERE w.pseudoniem = l.pseudoniem) AS kalender_wachtend "
        "FROM leerling l WHERE pseudoniem = ANY($1::text[]) AND geboortedatum IS NOT NULL", keys,
    )
    if not rows:
        return out
    bekend = [r["pseudoniem"] for r in rows]
    ins = _per_leerling(await conn.fetch(
        "SELECT pseudoniem, school, school_type, vakantieregio, ingangsdatum, einddatum, isk, uitschrijfreden "
        "FROM inschrijving WHERE pseudoniem = ANY($1::text[])", bekend,
    ))
    vrij = _per_leerling(await conn.fetch(
        "SELECT pseudoniem, vrijstelling_id, artikel, van, tot_en_met FROM vrijstelling "
        "WHERE pseudoniem = ANY($1::text[])", bekend,
    ))
    afw = _per_leerling(await conn.fetch(
        "SELECT pseudoniem, afwezigheid_id, datum, uren, code, school, geregistreerd_op FROM afwezigheid "
        "WHERE pseudoniem = ANY($1::text[])", bekend,
    ))
    her = _per_leerling(await conn.fetch(
        "SELECT pseudoniem, afwezigheid_id, nieuwe_code, nieuwe_uren, geregistreerd_op FROM hercodering "
        "WHERE pseudoniem = ANY($1::text[]) ORDER BY pseudoniem, event_id", bekend,
    ))
    mel = _per_leerling(await conn.fetch(
        "SELECT pseudoniem, melding_id, soort, startdatum, einddatum, status, school FROM melding "
        "WHERE pseudoniem = ANY($1::text[]) AND soort <> 'ABSOLUUT'", bekend,
    ))
    for row in rows:
        p = row["pseudoniem"]
        out[p] = _feiten(row, ins.get(p, []), vrij.get(p, []), afw.get(p, []), her.get(p, []), mel.get(p, []),
                         (eerder or {}).get(p, {}))
    return out


_CODES = {c.value: c for c in AfwezigheidCode}


def _code(waarde: str) -> AfwezigheidCode:
    """The code of a stored absence by dictionary (every evaluation builds all of a pupil's absences);
    an unknown one still raises as ``AfwezigheidCode(waarde)`` does."""
    return _CODES.get(waarde) or AfwezigheidCode(waarde)


def _absence(r: asyncpg.Record, bekend: Mapping[str, Absence]) -> Absence:
    """The absence of a stored row: the known object when it equals the row in every field (strictly:
    the hours with their scale, no recoding applied), else a new one."""
    absence_id = str(r["afwezigheid_id"])
    b = bekend.get(absence_id)
    if (b is not None and b.date == r["datum"] and b.hours.as_tuple() == r["uren"].as_tuple()
            and b.code.value == r["code"] and b.school_id == r["school"] and b.recorded_on == r["geregistreerd_op"]
            and b.recoded_on is None):
        return b
    return Absence(absence_id, r["datum"], r["uren"], _code(r["code"]), r["school"], r["geregistreerd_op"])


def _feiten(
    row: asyncpg.Record, ins: Sequence[asyncpg.Record], vrij: Sequence[asyncpg.Record],
    afw: Sequence[asyncpg.Record], her: Sequence[asyncpg.Record], mel: Sequence[asyncpg.Record],
    bekend: Mapping[str, Absence] | None = None,
) -> Feiten:
    enrolments = tuple(
        Enrolment(r["school"], SchoolType(r["school_type"]), Vakantieregio(r["vakantieregio"]),
                  r["ingangsdatum"], r["einddatum"], r["isk"])
        for r in ins
    )
    pupil = PupilFacts(
        pseudonym=row["pseudoniem"],
        geboortedatum=row["geboortedatum"],
        enrolments=enrolments,
        vrijstellingen=tuple(
            Vrijstelling(Vrijstellingsartikel(r["artikel"]), r["van"], r["tot_en_met"], str(r["vrijstelling_id"]))
            for r in vrij
        ),
        startkwalificatie_op=row["startkwalificatie_op"],
        regiocode=row["regio"],
    )
    return Feiten(
        pupil=pupil,
        absences=tuple(_absence(r, bekend or {}) for r in afw),
        recodings=tuple(
            Recoding(str(r["afwezigheid_id"]), AfwezigheidCode(r["nieuwe_code"]), r["geregistreerd_op"],
                     r["nieuwe_uren"])
            for r in her
        ),
        reports=tuple(
            FiledReport(str(r["melding_id"]), MeldingSoort(r["soort"]), r["startdatum"], r["einddatum"],
                        MeldingStatus(r["status"]), r["school"])
            for r in mel
        ),
        regio=row["regio"],
        woongemeente=row["woongemeente"],
        geboortejaar_maand=row["geboortejaar_maand"],
        school_types={e.school_id: e.school_type for e in enrolments},
        vertrokken=_vertrokken(ins),
        kalender_wachtend=row.get("kalender_wachtend", True),
    )


_VERTREK = (UitschrijvingsReden.EMIGRATIE.value, UitschrijvingsReden.OVERLEDEN.value)


def _vertrokken(inschrijvingen: Sequence[asyncpg.Record]) -> bool:
    if not inschrijvingen or any(r["einddatum"] is None for r in inschrijvingen):
        return False
    laatste = max(inschrijvingen, key=lambda r: (r["einddatum"], r["ingangsdatum"]))
    return laatste["uitschrijfreden"] in _VERTREK


async def leerling_vastleggen(
    conn: asyncpg.Connection, pseudoniem: str, woongemeente: str, regio: str, geboortedatum: date
) -> None:
    """A person DUO tells us about before any school enrolled them (a vrijstelling, an absoluut
    verzuim candidate): registratie needs the region and the age rules for them too."""
    await conn.execute(
        "INSERT INTO leerling (pseudoniem, woongemeente, regio, geboortejaar_maand, geboortedatum) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pseudoniem) DO UPDATE SET "
        "geboortedatum = COALESCE(leerling.geboortedatum, EXCLUDED.geboortedatum)",
        pseudoniem, woongemeente, regio, f"{geboortedatum.year:04d}-{geboortedatum.month:02d}", geboortedatum,
    )


async def set_geboortedatum(conn: asyncpg.Connection, pseudoniem: str, geboortedatum: date) -> None:
    """The full birth date stays in registratie (age rules, A1); events carry only year-month."""
    await set_geboortedata(conn, [(pseudoniem, geboortedatum)])


async def set_geboortedata(conn: asyncpg.Connection, rijen: Iterable[tuple[str, date]], *,
                           door_duo: bool = False) -> None:
    """:func:`set_geboortedatum` for a batch of enrolments in one statement; of two rows of one pupil
    the later wins, as two single enrolments in that order would leave it. ``door_duo``: DUO stated
    them, so they are also the pupil's DUO birth date (``registratie.domain.intake.geldende_geboortedatum``)."""
    laatste = dict(rijen)
    duo = ", duo_geboortedatum = r.d" if door_duo else ""
    await conn.execute(
        f"UPDATE leerling AS l SET geboortedatum = r.d{duo} FROM unnest($1::text[], $2::date[]) AS r(p, d) "
        "WHERE l.pseudoniem = r.p", list(laatste), list(laatste.values()))


async def apply_to_state(conn: asyncpg.Connection, envelopes: Sequence[Envelope], vandaag: date,
                         events: Mapping[UUID, Event] | None = None) -> None:
    """registratie's own state follows from the events it publishes (idempotent upserts).

    Decision events (MeldplichtBereikt, SignaalGegeven, …) are recorded by ``registratie.regels`` in
    the ``beslissing`` table; here only the facts. ``vandaag`` is the registration day (A2: the
    ``ONBEKEND`` window runs from when the school knew).

    Absences, by far the most frequent fact, are inserted together (one pipelined ``executemany`` per
    run of consecutive absences) instead of one round trip each; any other fact flushes them first,
    so the writes happen in the order of the events.

    ``events``: the event objects these envelopes were made from, by envelope id (the intake has them:
    it just built the envelopes from them). Such an envelope is not decoded again: decoding validated
    every payload a second time (issue 16, the intake's seventh round). The objects are the validated
    models ``from_envelope`` would give back, equal field by field (every number column has a fixed scale,
    so ``Decimal('2')`` and ``Decimal('2.00')`` are stored alike); envelopes without one are decoded."""
    seen: set[UUID] = set()
    afwezigheden: list[tuple[Any, ...]] = []

    async def flush() -> None:
        if afwezigheden:
            await conn.executemany(
                "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, "
                "event_id, geregistreerd_op) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                afwezigheden,
            )
            afwezigheden.clear()

    for env in envelopes:
        if env.id in seen:  # a move is one event on two topics
            continue
        seen.add(env.id)
        event = events.get(env.id) if events else None
        if event is None or event.event_type != env.type:
            event = from_envelope(env)
        p = env.subject
        if isinstance(event, reg.AfwezigheidGeregistreerd):
            afwezigheden.append((event.afwezigheid_id, p, event.school.code, event.datum, event.uren,
                                 event.eenheid.value, event.code.value, env.id, vandaag))
            continue
        await flush()
        match event:
            case reg.LeerlingIngeschreven():
                await conn.execute(
                    "INSERT INTO leerling (pseudoniem, woongemeente, regio, geboortejaar_maand) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (pseudoniem) DO UPDATE SET "
                    "woongemeente = EXCLUDED.woongemeente, regio = EXCLUDED.regio, "
                    "geboortejaar_maand = EXCLUDED.geboortejaar_maand, bijgewerkt_op = now()",
                    p, event.woongemeente, env.region, event.geboortejaar_maand,
                )
                # the same school and start date again is the same enrolment with corrected details
                # (registratie.domain.intake.inschrijven publishes it only then): the latest wins, its
                # end date stays
                await conn.execute(
                    "INSERT INTO inschrijving (pseudoniem, school, school_type, vakantieregio, ingangsdatum, "
                    "klas, isk, geboortejaar_maand) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT (pseudoniem, school, ingangsdatum) "
                    "DO UPDATE SET school_type = EXCLUDED.school_type, vakantieregio = EXCLUDED.vakantieregio, "
                    "klas = EXCLUDED.klas, isk = EXCLUDED.isk, geboortejaar_maand = EXCLUDED.geboortejaar_maand",
                    p, event.school.code, event.school_type.value, event.vakantieregio.value,
                    event.ingangsdatum, event.klas, event.isk, event.geboortejaar_maand,
                )
            case reg.LeerlingUitgeschreven():
                await conn.execute(
                    "UPDATE inschrijving SET einddatum = $3, uitschrijfreden = $4 WHERE pseudoniem = $1 "
                    "AND school = $2 AND einddatum IS NULL AND ingangsdatum <= $3",
                    p, event.school.code, event.uitschrijfdatum, event.reden.value,
                )
                if event.met_startkwalificatie:
                    await conn.execute(
                        "UPDATE leerling SET startkwalificatie_op = LEAST(COALESCE(startkwalificatie_op, $2), $2) "
                        "WHERE pseudoniem = $1", p, event.uitschrijfdatum,
                    )
            case reg.AfwezigheidGecorrigeerd():
                await conn.execute(
                    "INSERT INTO hercodering (event_id, afwezigheid_id, pseudoniem, oude_code, nieuwe_code, "
                    "nieuwe_uren, geregistreerd_op) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    env.id, event.afwezigheid_id, p, event.oude_code.value, event.nieuwe_code.value,
                    event.nieuwe_uren, vandaag,
                )
            case reg.MeldingGeregistreerd():
                await conn.execute(
                    "INSERT INTO melding (melding_id, pseudoniem, soort, melder, school, startdatum, einddatum, "
                    "uren, eenheid, herhaling, geregistreerd_op) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                    "$11) ON CONFLICT DO NOTHING",
                    event.melding_id, p, event.soort.value, event.melder.value,
                    event.school.code if event.school else None, event.startdatum, event.einddatum, event.uren,
                    event.eenheid.value if event.eenheid else None, event.herhaling, vandaag,
                )
            case reg.MeldingIngetrokken():
                await conn.execute("UPDATE melding SET status = 'INGETROKKEN' WHERE melding_id = $1",
                                   event.melding_id)
            case reg.MeldingEinddatumVastgesteld():
                await conn.execute("UPDATE melding SET einddatum = $2 WHERE melding_id = $1",
                                   event.melding_id, event.einddatum)
            case reg.VrijstellingGeregistreerd():
                await conn.execute(
                    "INSERT INTO vrijstelling (vrijstelling_id, pseudoniem, artikel, van, tot_en_met) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    event.vrijstelling_id, p, event.artikel.value, event.van, event.tot_en_met,
                )
            case reg.Verhuisd():
                await conn.execute(
                    "UPDATE leerling SET woongemeente = $2, regio = $3, bijgewerkt_op = now() WHERE pseudoniem = $1",
                    p, event.nieuwe_gemeente, event.nieuwe_regio,
                )
            case reg.StartkwalificatieBehaald():
                await conn.execute(
                    "UPDATE leerling SET startkwalificatie_op = LEAST(COALESCE(startkwalificatie_op, $2), $2) "
                    "WHERE pseudoniem = $1", p, event.datum,
                )
            case reg.VerlofVerleend() | reg.VerlofGeweigerd():
                await conn.execute(
                    "INSERT INTO verlof (verlof_id, pseudoniem, school, soort, van, tot_en_met, schooldagen, "
                    "verleend) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    event.verlof_id, p, event.school.code, event.soort.value, event.van, event.tot_en_met,
                    event.schooldagen, isinstance(event, reg.VerlofVerleend),
                )
            case reg.LesurenGepland():
                await conn.execute(
                    "INSERT INTO lesuren (school, klas, week, uren, eenheid) VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT (school, klas, week) DO UPDATE SET uren = EXCLUDED.uren, eenheid = EXCLUDED.eenheid",
                    event.school.code, event.klas, event.week, event.uren, event.eenheid.value,
                )
            case reg.AbsoluutVerzuimGesignaleerd(bron=SignaalBron.DUO):
                # DUO's candidate (A3.6) takes the key the platform's own rule uses, so the platform
                # does not signal the same spell a second time (see registratie.regels).
                await conn.execute(
                    "INSERT INTO beslissing (pseudoniem, sleutel, soort, vingerafdruk, actueel, object_id, "
                    "event_id, gegevens, bijgewerkt_op) VALUES ($1, 'absoluut', 'ABSOLUUT', '1', true, $2, $2, $3, "
                    "$4) ON CONFLICT (pseudoniem, sleutel) DO UPDATE SET actueel = true, event_id = EXCLUDED.event_id, "
                    "gegevens = EXCLUDED.gegevens, bijgewerkt_op = EXCLUDED.bijgewerkt_op",
                    p, env.id, json.dumps({"sinds": event.sinds.isoformat(), "plicht": event.plicht.value,
                                           "bron": "DUO"}), vandaag,
                )
            case reg.PotentieelVsvGesignaleerd():
                # platform's own (registratie.regels) or DUO's A01: either way the fact was told once
                await conn.execute(
                    "INSERT INTO vsv_feit (pseudoniem, lijst, datum, event_id) VALUES ($1, 'A01', $2, $3) "
                    "ON CONFLICT DO NOTHING", p, event.uitschrijfdatum, env.id,
                )
                # DUO's A01 takes the key the platform's own rule uses (like DUO's absoluut verzuim
                # above), so the platform does not signal the same un-enrolment again; the platform's
                # own signal already holds a current row, which this leaves as it is.
                await conn.execute(
                    "INSERT INTO beslissing (pseudoniem, sleutel, soort, vingerafdruk, actueel, object_id, "
                    "event_id, gegevens, bijgewerkt_op) VALUES ($1, 'vsv', 'VSV', $2, true, $3, $3, $4, $5) "
                    "ON CONFLICT (pseudoniem, sleutel) DO UPDATE SET actueel = true, "
                    "vingerafdruk = EXCLUDED.vingerafdruk, event_id = EXCLUDED.event_id, "
                    "gegevens = EXCLUDED.gegevens, bijgewerkt_op = EXCLUDED.bijgewerkt_op "
                    "WHERE NOT beslissing.actueel",
                    p, event.uitschrijfdatum.isoformat(), env.id,
                    json.dumps({"uitschrijfdatum": event.uitschrijfdatum.isoformat()}), vandaag,
                )
            case reg.Herinschrijving():
                await conn.execute(
                    "INSERT INTO vsv_feit (pseudoniem, lijst, datum, event_id) VALUES ($1, 'A02', $2, $3) "
                    "ON CONFLICT DO NOTHING", p, event.ingangsdatum, env.id,
                )
            case _:
                pass  # the platform's own decisions: see registratie.regels
    await flush()
