"""Group commit of single absences (issue 16): concurrent ``POST /v1/afwezigheden`` share one PostgreSQL
transaction and one produce, and still give exactly the events one by one would.

Real Kafka and PostgreSQL, the real app in-process (see conftest.py). Whether submissions were combined
is read from PostgreSQL itself: the rows a transaction wrote carry its id (``xmin``), so the submissions
marked published in one commit share it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from reg_helpers import Reg, auth, bsn, sleutel, traag_markeren

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"


def schooldagen(n: int) -> list[date]:
    out, d = [], date(2026, 11, 2)
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


@pytest.mark.parametrize("traag", [False, True], ids=["gewoon", "traag-markeren"])
async def test_concurrent_single_absences_are_combined_and_give_exactly_the_events_one_by_one_would(
        reg: Reg, traag: bool) -> None:
    """``traag``: the window between a group's lock release and its mark's commit widened on purpose
    (``reg_helpers.traag_markeren``), as the whole suite's load did by chance when this test saw 5 of 48
    registrations twice on the log: the next group published the previous group's submissions again."""
    reg.zet_vandaag(date(2026, 11, 27))
    pgns = [bsn() for _ in range(4)]
    pseudoniemen = {}
    for pgn in pgns:
        r = await reg.post("/v1/inschrijvingen", {
            "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
            "ingangsdatum": "2026-08-24", "klas": "8A"})
        assert r.status_code == 201, r.text
        pseudoniemen[pgn] = r.json()["pseudoniem"]
    dagen = schooldagen(12)
    # 4 pupils x 12 days: the same pupil many times at once, and different pupils beside each other
    rijen = [{"pgn": pgn, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for d in dagen for pgn in pgns]
    keys = [sleutel() for _ in rijen]
    onbekend = {"pgn": bsn(), "datum": dagen[0].isoformat(), "uren": 1, "code": "ZIEK"}  # not enrolled: 422
    hergebruikt = keys[0]  # the same key for other content: 422, and the first keeps its own answer

    async def post(body: dict[str, Any], key: str) -> Any:
        return await reg.client.post("/v1/afwezigheden", json=body, headers=auth("school", key))

    async with traag_markeren(reg) if traag else contextlib.nullcontext():
        antwoorden = await asyncio.gather(
            *(post(r, k) for r, k in zip(rijen, keys, strict=True)),
            post(onbekend, sleutel()),
            post({**rijen[0], "uren": 1.5}, hergebruikt),
        )
    goed, fout_onbekend, fout_sleutel = antwoorden[:len(rijen)], antwoorden[-2], antwoorden[-1]
    assert fout_onbekend.status_code == 422, fout_onbekend.text
    # either the reused key came first (then the original is the one refused) or second
    geweigerd = [a for a in (goed[0], fout_sleutel) if a.status_code == 422]
    assert len(geweigerd) == 1, [a.text for a in (goed[0], fout_sleutel)]
    eerste_ok = goed[0].status_code == 201
    for a in goed[1:]:
        assert a.status_code == 201, a.text
    verwacht = {(pseudoniemen[r["pgn"]], r["datum"], 0.5) for r in (rijen if eerste_ok else rijen[1:])}
    if not eerste_ok:
        assert fout_sleutel.status_code == 201, fout_sleutel.text
        verwacht.add((pseudoniemen[rijen[0]["pgn"]], rijen[0]["datum"], 1.5))
    ids = {a.json()["afwezigheid_id"] for a in [*goed, fout_sleutel] if a.status_code == 201}

    per_leerling: dict[str, list[int]] = defaultdict(list)
    gezien: Counter[tuple[str, str, float]] = Counter()
    event_ids: Counter[str] = Counter()
    for env in await reg.events(MC28):
        if env.subject not in pseudoniemen.values():
            continue
        per_leerling[env.subject].append(env.subject_sequence or 0)
        event_ids[str(env.id)] += 1
        e = from_envelope(env)
        if isinstance(e, ev.AfwezigheidGeregistreerd):
            gezien[(env.subject, e.datum.isoformat(), float(e.uren))] += 1
            assert str(e.afwezigheid_id) in ids
    assert set(gezien) == verwacht, "no loss, nothing refused on the log"
    assert max(gezien.values()) == 1, "no doubles"
    assert max(event_ids.values()) == 1, "every event once"
    for p, nummers in per_leerling.items():
        assert nummers == list(range(1, len(nummers) + 1)), f"order per pupil: {p[:8]}… {nummers}"

    transacties = await commits(reg, keys)
    assert transacties <= len(keys) // 2, f"{len(keys)} concurrent submissions in {transacties} commits"


async def commits(reg: Reg, keys: list[str]) -> int:
    """The commits the submissions were stored in: the rows a transaction wrote carry its id (``xmin``)."""
    async with reg.app.state.intake.pool.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT count(DISTINCT xmin::text) FROM intake_verzoek WHERE sleutel = ANY($1::text[])", keys))


def tel_regels(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the evaluations of the rules (``beoordeel_alle``) from now on, in the list's one element."""
    import registratie.intake as intake

    teller = [0]
    echt = intake.beoordeel_alle

    async def tellend(*args: Any, **kwargs: Any) -> Any:
        teller[0] += 1
        return await echt(*args, **kwargs)

    monkeypatch.setattr(intake, "beoordeel_alle", tellend)
    return teller


async def _inschrijven(reg: Reg, n: int) -> dict[str, str]:
    pseudoniemen = {}
    for _ in range(n):
        pgn = bsn()
        r = await reg.post("/v1/inschrijvingen", {
            "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
            "ingangsdatum": "2026-08-24", "klas": "8A"})
        assert r.status_code == 201, r.text
        pseudoniemen[pgn] = r.json()["pseudoniem"]
    return pseudoniemen


async def test_a_group_is_decided_together_the_rules_run_once_per_group_not_per_submission(
        reg: Reg, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16, the single POST's CPU: a group of concurrent single absences is decided as ``/batch``
    decides its rows (the pupils, days and facts read once for the group, the rules evaluated once per
    pupil), not submission by submission (about 17 round trips each). Counted: the evaluations of the
    rules (``beoordeel_alle``) against the commits the submissions were stored in."""
    reg.zet_vandaag(date(2026, 11, 27))
    pseudoniemen = await _inschrijven(reg, 4)
    regels = tel_regels(monkeypatch)
    rijen = [{"pgn": pgn, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"}
             for d in schooldagen(10) for pgn in pseudoniemen]
    keys = [sleutel() for _ in rijen]
    antwoorden = await asyncio.gather(*(reg.client.post("/v1/afwezigheden", json=r, headers=auth("school", k))
                                        for r, k in zip(rijen, keys, strict=True)))
    assert all(a.status_code == 201 for a in antwoorden), [a.text for a in antwoorden if a.status_code != 201]
    transacties = await commits(reg, keys)
    assert transacties < len(keys), "combined into groups at all"
    assert regels[0] <= transacties, f"{len(keys)} submissions in {transacties} commits, rules run {regels[0]} times"


async def test_a_duty_reached_inside_a_group_is_published_once_after_the_absences_that_reach_it(reg: Reg) -> None:
    """Deciding a group together changes when the rules run (once per group), not what they decide: four
    days of 4 unauthorised hours in four lesweken, sent at once beside other pupils' absences, give one
    MeldplichtBereikt of 16 hours reached on the fourth day, after the four absences in the pupil's gapless
    stream, exactly as one by one (test_reg_regels)."""
    reg.zet_vandaag(date(2026, 11, 27))
    pseudoniemen = await _inschrijven(reg, 3)
    pgn, *anderen = pseudoniemen
    p = pseudoniemen[pgn]
    rijen = [{"pgn": pgn, "datum": d, "uren": 4, "code": "ONGEOORLOOFD"}
             for d in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")]
    rijen += [{"pgn": a, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for d in schooldagen(8) for a in anderen]
    antwoorden = await asyncio.gather(*(reg.client.post("/v1/afwezigheden", json=r, headers=auth("school", sleutel()))
                                        for r in rijen))
    assert all(a.status_code == 201 for a in antwoorden), [a.text for a in antwoorden if a.status_code != 201]
    envs = await reg.events(MC28, p)
    assert [e.subject_sequence for e in envs] == list(range(1, len(envs) + 1)), "gapless, in order"
    soorten = [type(from_envelope(e)).__name__ for e in envs]
    assert soorten.count("AfwezigheidGeregistreerd") == 4
    [m] = [from_envelope(e) for e in envs if e.type == ev.MeldplichtBereikt.event_type]
    assert (m.vanaf, m.bereikt_op, m.uren) == (date(2026, 11, 2), date(2026, 11, 23), 16)
    assert soorten.index("MeldplichtBereikt") > max(i for i, s in enumerate(soorten) if s == "AfwezigheidGeregistreerd")


async def test_when_deciding_together_fails_the_group_decides_one_by_one_and_loses_nothing(
        reg: Reg, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure of the shared decision that is not the connection's (here: forced) rolls back its savepoint;
    the group then decides each submission on its own, so every one still gets its own answer and event."""
    from registratie.intake import IntakeService

    reg.zet_vandaag(date(2026, 11, 27))
    pseudoniemen = await _inschrijven(reg, 3)
    pogingen = 0

    async def faalt(self: Any, conn: Any, inzendingen: Any) -> Any:
        nonlocal pogingen
        pogingen += 1
        await conn.execute("INSERT INTO afwezigheid SELECT * FROM afwezigheid LIMIT 0")  # work to roll back
        raise RuntimeError("gedwongen")

    monkeypatch.setattr(IntakeService, "behandel_samen", faalt)
    rijen = [{"pgn": pgn, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"}
             for d in schooldagen(6) for pgn in pseudoniemen]
    antwoorden = await asyncio.gather(*(reg.client.post("/v1/afwezigheden", json=r, headers=auth("school", sleutel()))
                                        for r in rijen))
    assert all(a.status_code == 201 for a in antwoorden), [a.text for a in antwoorden if a.status_code != 201]
    assert pogingen >= 1, "the groups tried to decide together"
    gezien: Counter[tuple[str, str]] = Counter()
    for env in await reg.events(MC28):
        if env.subject not in pseudoniemen.values():
            continue  # the session's other tests publish on MC28 too, some with types of their own
        e = from_envelope(env)
        if isinstance(e, ev.AfwezigheidGeregistreerd):
            gezien[(env.subject, e.datum.isoformat())] += 1
    assert gezien == Counter({(pseudoniemen[r["pgn"]], r["datum"]): 1 for r in rijen})


async def test_concurrent_batches_share_commits_and_keep_their_own_answers(
        reg: Reg, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schools' systems send a few rows at a time (``/batch``), many at once: those requests join groups
    too (issue 16, 1,000 absences/s) and are decided together with the single POSTs beside them (the rules
    once per group), and each still gets its own per-row answer, a refused row included, while the log
    holds every accepted absence once, in number order per pupil."""
    reg.zet_vandaag(date(2026, 11, 27))
    pseudoniemen = await _inschrijven(reg, 6)
    regels = tel_regels(monkeypatch)
    pgns = list(pseudoniemen)
    dagen = schooldagen(10)
    onbekend = bsn()
    # 10 batches of 6 rows, one day each, every pupil in every batch; single POSTs of the same pupils beside
    batches = [[{"pgn": p, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for p in pgns] for d in dagen[:8]]
    batches[3].append({"pgn": onbekend, "datum": dagen[3].isoformat(), "uren": 1, "code": "ZIEK"})
    singles = [{"pgn": p, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for d in dagen[8:] for p in pgns]
    bkeys, skeys = [sleutel() for _ in batches], [sleutel() for _ in singles]
    antwoorden = await asyncio.gather(
        *(reg.client.post("/v1/afwezigheden/batch", json={"rijen": b}, headers=auth("school", k))
          for b, k in zip(batches, bkeys, strict=True)),
        *(reg.client.post("/v1/afwezigheden", json=r, headers=auth("school", k))
          for r, k in zip(singles, skeys, strict=True)))
    for i, a in enumerate(antwoorden[:len(batches)]):
        assert a.status_code == 207, a.text
        body = a.json()
        assert [r["status"] for r in body["resultaten"]] == [201] * 6 + ([422] if i == 3 else [])
        assert [r["rij"] for r in body["resultaten"]] == list(range(1, len(batches[i]) + 1))
    for a in antwoorden[len(batches):]:
        assert a.status_code == 201, a.text

    gezien: Counter[tuple[str, str]] = Counter()
    per_leerling: dict[str, list[int]] = defaultdict(list)
    for env in await reg.events(MC28):
        if env.subject in pseudoniemen.values():
            per_leerling[env.subject].append(env.subject_sequence or 0)
            e = from_envelope(env)
            if isinstance(e, ev.AfwezigheidGeregistreerd):
                gezien[(env.subject, e.datum.isoformat())] += 1
    assert set(gezien) == {(pseudoniemen[p], d.isoformat()) for p in pgns for d in dagen}
    assert max(gezien.values()) == 1, "every absence once"
    for p, nummers in per_leerling.items():
        assert nummers == list(range(1, len(nummers) + 1)), f"order per pupil: {p[:8]}… {nummers}"
    transacties, alle = await commits(reg, bkeys), await commits(reg, bkeys + skeys)
    assert transacties < len(bkeys), f"{len(bkeys)} concurrent batches in {transacties} commits"
    assert regels[0] <= alle, f"{len(bkeys) + len(skeys)} submissions in {alle} commits, rules run {regels[0]} times"
