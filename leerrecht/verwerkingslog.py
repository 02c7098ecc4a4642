"""The processing log (domain.md B, Decision; reliability row A6): who read or changed whose file, and why.

Every read and every change of a pupil's or young person's file — by a school, an officer, a coach, a
traject partner or beheer, refused attempts included — leaves one append-only record modelled on
Logius' *Logboek Dataverwerkingen* (an OpenTelemetry-like span with ``dpl.core`` attributes): the
operation, its status (``ok``, ``refused``, ``error``), start and end, trace and span id (W3C
``traceparent``, :mod:`leerrecht.trace`), the processing activity's URI from the register
``contracts/verwerkingsactiviteiten.json`` (AVG art. 30), the data subject as a pseudonym (never a
BSN or a name) and the actor's id, role and organisation. With it, beheer of a region answers a
person's AVG art. 15 request: who looked at my file, and why (:func:`voor_betrokkene`).

How an endpoint uses it: it declares ``Depends(verwerking("activiteit-id", betrokkene=...),
scope="function")`` *before* its authentication dependency. The dependency wraps everything after it:
a 403 of the role check that follows, the endpoint's own work, and its answer. The record is written
when the endpoint ends and before the answer leaves; when it cannot be written the request fails with
503 (A6: an audit failure fails the request). The actor comes from ``request.state.principal``
(:func:`leerrecht.http.bind_principal`), so a refused caller is known too; a request without a known
caller (no or an unknown token, 401) or without a known data subject (an unknown dossier) concerns no
identified person's file and leaves no record. A list view names every person it shows
(:func:`pseudoniemen_in`): one span, one record per person. A command that writes rows writes its record
in its own transaction (:func:`in_transactie`), so the two commit together or not at all.

Append-only is enforced by the database, not by good behaviour: triggers raise on UPDATE, DELETE and
TRUNCATE for every role, the service's own included, and PUBLIC has no such privilege (:data:`SQL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import asyncpg
from fastapi import HTTPException, Request
from fastapi.responses import Response

from leerrecht import trace
from leerrecht.logging import get_logger

log = get_logger(__name__)

SQL = """
CREATE TABLE IF NOT EXISTS verwerking (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trace_id text NOT NULL,
    span_id text NOT NULL,
    parent_span_id text,
    operatie text NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'refused', 'error')),
    http_status int,
    begin_op timestamptz NOT NULL,
    einde_op timestamptz NOT NULL,
    verwerkingsactiviteit text NOT NULL,
    betrokkene text NOT NULL,
    betrokkene_type text NOT NULL DEFAULT 'pseudoniem',
    actor_id text NOT NULL,
    actor_rol text NOT NULL,
    actor_organisatie text NOT NULL,
    vastgelegd_op timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS verwerking_betrokkene ON verwerking (betrokkene, begin_op);
CREATE OR REPLACE FUNCTION verwerking_alleen_toevoegen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'het verwerkingslogboek is alleen aan te vullen: % is geweigerd', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER verwerking_geen_wijziging BEFORE UPDATE OR DELETE ON verwerking
    FOR EACH ROW EXECUTE FUNCTION verwerking_alleen_toevoegen();
CREATE OR REPLACE TRIGGER verwerking_geen_leegmaken BEFORE TRUNCATE ON verwerking
    FOR EACH STATEMENT EXECUTE FUNCTION verwerking_alleen_toevoegen();
REVOKE UPDATE, DELETE, TRUNCATE ON verwerking FROM PUBLIC;
"""

STATUS_OK, STATUS_GEWEIGERD, STATUS_FOUT = "ok", "refused", "error"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Activiteit:
    """One processing activity of the register (AVG art. 30)."""

    id: str
    naam: str
    doel: str
    grondslag: str
    uri: str


@cache
def register() -> dict[str, Activiteit]:
    """The register file kept in the repository, by activity id."""
    data = json.loads((resources.files("contracts") / "verwerkingsactiviteiten.json").read_text(encoding="utf-8"))
    basis = data["register"]
    return {
        a["id"]: Activiteit(a["id"], a["naam"], a["doel"], a["grondslag"], f"{basis}:{a['id']}")
        for a in data["activiteiten"]
    }


def activiteit(activiteit_id: str) -> Activiteit:
    try:
        return register()[activiteit_id]
    except KeyError:
        raise KeyError(f"verwerkingsactiviteit {activiteit_id!r} staat niet in het register") from None


def status_voor(http_status: int) -> str:
    """401/403: the caller was refused; any other 4xx/5xx: the processing did not happen as asked."""
    if http_status in (401, 403):
        return STATUS_GEWEIGERD
    return STATUS_OK if http_status < 400 else STATUS_FOUT


def actor(role: str, client_id: str) -> tuple[str, str]:
    """(role, organisation) of a caller: ``leerplicht:MC28`` → (leerplicht, leerplicht:MC28); a school's
    organisation is its BRIN + vestiging; a partner's is its own id within the region."""
    rol = role.split(":", 1)[0]
    if rol == "school":
        return rol, f"school:{client_id}"
    return rol, role


@dataclass
class Verwerking:
    """The processing of one request, handed to the endpoint: it may name the data subject(s) it
    found (a school's request names a pupil by PGN; the pseudonym is known only after hashing) and
    report the status of an answer it returns instead of raising."""

    activiteit: Activiteit
    span: trace.TraceContext
    begin: datetime
    betrokkenen: list[str] = field(default_factory=list)
    http_status: int | None = None
    request: Any = None
    in_transactie: bool = False  # written by the command in its own transaction (:func:`in_transactie`)
    vastgelegd: bool = False  # and that transaction committed: the dependency writes and checks nothing
    _gezien: set[str] = field(default_factory=set, init=False, repr=False, compare=False)  # the same, as a set

    def __post_init__(self) -> None:
        self._gezien.update(self.betrokkenen)

    def betreft(self, *pseudoniemen: str) -> None:
        for p in pseudoniemen:
            if p not in self._gezien:
                self._gezien.add(p)
                self.betrokkenen.append(p)

    def antwoord(self, response: _T) -> _T:
        """Pass a returned answer through, noting its status (a 409 or 422 returned, not raised)."""
        if isinstance(response, Response):
            self.http_status = response.status_code
        return response


_huidige: contextvars.ContextVar[Verwerking | None] = contextvars.ContextVar("leerrecht_verwerking", default=None)


def huidige() -> Verwerking | None:
    """The current request's processing, for a command that writes it in a transaction of its own making
    outside the request's task (registratie's group commit: :func:`alle_in_transactie`)."""
    return _huidige.get()


def betreft(*pseudoniemen: str) -> None:
    """Name the data subject(s) of the request's processing from deep inside a command path (e.g.
    registratie's intake, which learns the pseudonyms only after hashing the PGNs); no-op outside one."""
    v = _huidige.get()
    if v is not None:
        v.betreft(*pseudoniemen)


Betrokkene = Callable[[Request, asyncpg.Connection], Awaitable[str | None]]
"""How to find the data subject from the request alone (e.g. a dossier id in the path → its pupil),
used when the endpoint did not name one itself (always so for a refused attempt)."""


PSEUDONIEM = r"^[A-Za-z0-9_:-]{16,128}$"


_PSEUDONIEM = re.compile(PSEUDONIEM)


def _pseudoniem(waarde: str | None) -> str | None:
    """Only a well-formed pseudonym becomes a record's subject: a malformed value is input that may
    hold anything (a BSN typed in by mistake), and it names no file."""
    return waarde if waarde and _PSEUDONIEM.fullmatch(waarde) else None


async def pad_pseudoniem(request: Request, _: asyncpg.Connection) -> str | None:
    """The subject is the path's ``{pseudoniem}``."""
    return _pseudoniem(request.path_params.get("pseudoniem"))


async def query_pseudoniem(request: Request, _: asyncpg.Connection) -> str | None:
    """The subject is the query's ``pseudoniem`` (beheer's art. 15 look-up)."""
    return _pseudoniem((request.query_params.get("pseudoniem") or "").strip())


async def aandacht_betrokkene(request: Request, conn: asyncpg.Connection) -> str | None:
    """The subject of a beheer action on a marked event (``{event_id}``): the pseudonym its envelope names.
    Read in Python, not with ``jsonb``: the marked event may hold text PostgreSQL's jsonb refuses (a NUL)."""
    try:
        event_id = uuid.UUID(str(request.path_params.get("event_id", "")))
    except ValueError:
        return None
    envelope = await conn.fetchval("SELECT envelope FROM aandacht WHERE event_id = $1", event_id)
    try:
        subject = json.loads(bytes(envelope)).get("subject") if envelope is not None else None
    except (ValueError, AttributeError):
        return None
    return _pseudoniem(subject) if isinstance(subject, str) else None


_BLAD = frozenset({str, bytes, int, float, bool, type(None), date, datetime, uuid.UUID})
"""Types that hold no pseudonym to look into (a ``pseudoniem`` value is read where its key is)."""


def pseudoniemen_in(getoond: Any) -> list[str]:
    """Every pseudonym a list view shows (a ``pseudoniem`` key or attribute at any depth), in order: the data
    subjects of one read of a worklist, recorded as one span with a record per person shown. Each once:
    a dict keeps the order (a region's whole worklist shows thousands; a list's ``in`` made it quadratic),
    and a leaf value is passed over by its exact type before any call (3,813 items: ~5 values each)."""
    gevonden: dict[str, None] = {}

    def loop(x: Any) -> None:
        if type(x) in _BLAD or isinstance(x, str | bytes | int | float | bool) or x is None:
            return
        if isinstance(x, Mapping):
            for k, w in x.items():
                if k == "pseudoniem" and isinstance(w, str):
                    if (p := _pseudoniem(w)) and p not in gevonden:
                        gevonden[p] = None
                elif type(w) not in _BLAD:
                    loop(w)
        elif isinstance(x, list | tuple | set | frozenset):
            for w in x:
                if type(w) not in _BLAD:
                    loop(w)
        elif dataclasses.is_dataclass(x):
            loop({f.name: getattr(x, f.name) for f in dataclasses.fields(x)})
        elif isinstance(getattr(x, "pseudoniem", None), str):  # a domain object of a page (pydantic)
            loop({"pseudoniem": x.pseudoniem})

    loop(getoond)
    return list(gevonden)


async def in_transactie(conn: asyncpg.Connection, *pseudoniemen: str) -> None:
    """Write the current request's processing record inside the command's own transaction, before the command
    publishes or writes anything: the command and its record commit together or not at all, and a log that
    cannot be written stops the command before any event leaves. The request's dependency then writes
    nothing more, unless this transaction rolled back (a failure after this point): then it records the
    failure as usual. Without a current request (a consumer, a test) it does nothing."""
    v = _huidige.get()
    wie = getattr(getattr(v.request, "state", None), "principal", None) if v is not None else None
    if v is None or wie is None:
        return
    v.betreft(*pseudoniemen)
    if not v.betrokkenen:
        return
    rol, organisatie = actor(wie.role, wie.client_id)
    status = getattr(v.request.scope.get("route"), "status_code", None) or 200
    await vastleggen(conn, v, STATUS_OK, wie.client_id, rol, organisatie, http_status=status)
    v.in_transactie = True


async def alle_in_transactie(conn: asyncpg.Connection, verwerkingen: Sequence[Verwerking | None]) -> None:
    """:func:`in_transactie` for several requests' processings at once (one statement), in a transaction
    that is not the requests' own (a group of submissions). The caller sets ``vastgelegd`` once that
    transaction committed, so the requests' dependencies write nothing more, not even a check."""
    rijen: list[tuple[Any, ...]] = []
    for v in verwerkingen:
        wie = getattr(getattr(v.request, "state", None), "principal", None) if v is not None else None
        if v is None or wie is None or not v.betrokkenen:
            continue
        rol, organisatie = actor(wie.role, wie.client_id)
        status = getattr(v.request.scope.get("route"), "status_code", None) or 200
        rijen += _rijen(v, STATUS_OK, wie.client_id, rol, organisatie, status)
        v.in_transactie = True
    if rijen:
        await conn.executemany(_INSERT, rijen)


_INSERT = (
    "INSERT INTO verwerking (trace_id, span_id, parent_span_id, operatie, status, http_status, begin_op, "
    "einde_op, verwerkingsactiviteit, betrokkene, actor_id, actor_rol, actor_organisatie) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")


_INSERT_EEN_SPAN = (
    "INSERT INTO verwerking (trace_id, span_id, parent_span_id, operatie, status, http_status, begin_op, "
    "einde_op, verwerkingsactiviteit, betrokkene, actor_id, actor_rol, actor_organisatie) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, b, $10, $11, $12 "
    "FROM unnest($13::text[]) WITH ORDINALITY AS t(b, n) ORDER BY n")


def _rijen(v: Verwerking, status: str, client_id: str, rol: str, organisatie: str,
           http_status: int | None) -> list[tuple[Any, ...]]:
    einde = datetime.now(UTC)
    return [(v.span.trace_id, v.span.span_id, v.span.parent_span_id, v.activiteit.naam, status, http_status,
             v.begin, einde, v.activiteit.uri, p, client_id, rol, organisatie) for p in v.betrokkenen]


async def vastleggen(conn: asyncpg.Connection | asyncpg.Pool, v: Verwerking, status: str,
                     client_id: str, rol: str, organisatie: str, http_status: int | None = None) -> None:
    """Append one record per data subject (same span: one processing touching several files), in one
    statement: a region's whole worklist shows thousands of young people, and ``executemany`` cost a
    row's round of work each (2,242 records: 36-75 ms against 12-18 ms, issue 16)."""
    http_status = v.http_status if http_status is None else http_status
    await conn.execute(_INSERT_EEN_SPAN, v.span.trace_id, v.span.span_id, v.span.parent_span_id,
                       v.activiteit.naam, status, http_status, v.begin, datetime.now(UTC), v.activiteit.uri,
                       client_id, rol, organisatie, v.betrokkenen)


def verwerking(activiteit_id: str, betrokkene: Betrokkene | None = None) -> Callable[..., AsyncIterator[Verwerking]]:
    """The FastAPI dependency of one processing activity (declare it with ``scope="function"``, before
    the authentication dependency). An unknown activity id fails when the app is built, not per request."""
    act = activiteit(activiteit_id)

    async def dependency(request: Request) -> AsyncIterator[Verwerking]:
        span = getattr(request.state, "trace", None) or trace.start()
        v = Verwerking(act, span, datetime.now(UTC), request=request)
        token = _huidige.set(v)
        try:
            yield v
        except HTTPException as exc:
            v.http_status = exc.status_code
            await _schrijf(request, v, betrokkene)
            raise
        except Exception:
            v.http_status = 500
            await _schrijf(request, v, betrokkene)
            raise
        else:
            if v.http_status is None:  # a value returned: the route's own success status
                route = request.scope.get("route")
                v.http_status = getattr(route, "status_code", None) or 200
            await _schrijf(request, v, betrokkene)
        finally:
            with contextlib.suppress(ValueError):  # exited in another context: nothing left to reset
                _huidige.reset(token)

    return dependency


SCHRIJF_TIMEOUT_S = 3.0
"""How long a processing record may take to be written before the request fails with 503."""


@contextlib.asynccontextmanager
async def _verbinding(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection that is closed, not handed back, when its use fails or is cut off: asyncpg's
    release of a connection whose query was cancelled waits, shielded and without a limit, for the
    server to confirm the cancellation, so a paused database held the request past the timeout (seen
    in ``tests/e2e/test_registratie_outage.py`` when the write found an idle connection)."""
    conn = await pool.acquire()
    try:
        yield conn
    except BaseException:
        conn.terminate()
        raise
    finally:
        await pool.release(conn)


async def _schrijf(request: Request, v: Verwerking, betrokkene: Betrokkene | None) -> None:
    wie = getattr(request.state, "principal", None)
    if wie is None or v.vastgelegd:
        return  # no identified caller (401): no actor to record; or committed with the command already
    try:
        pool = request.app.state.runtime.pool
        # bounded: a paused database fails the request with 503 in time (F13), never holds it
        async with asyncio.timeout(SCHRIJF_TIMEOUT_S), _verbinding(pool) as conn:
            if not v.betrokkenen and betrokkene is not None:
                gevonden = await betrokkene(request, conn)
                if gevonden:
                    v.betreft(gevonden)
            if not v.betrokkenen:
                return  # no identified person's file (an unknown dossier)
            if v.in_transactie and await conn.fetchval(
                    "SELECT 1 FROM verwerking WHERE betrokkene = $1 AND span_id = $2 LIMIT 1",
                    v.betrokkenen[0], v.span.span_id):
                return  # committed with the command's own rows: exactly one record
            rol, organisatie = actor(wie.role, wie.client_id)
            await vastleggen(conn, v, status_voor(v.http_status or 200), wie.client_id, rol, organisatie)
    except Exception as exc:
        log.error("verwerkingslog_mislukt", activiteit=v.activiteit.id, error=type(exc).__name__)
        raise HTTPException(503, "Het verwerkingslogboek kon niet worden bijgewerkt; probeer het opnieuw",
                            headers={"Retry-After": "5"}) from exc


async def voor_betrokkene(conn: asyncpg.Connection | asyncpg.Pool, pseudoniem: str) -> list[dict[str, Any]]:
    """Everything recorded about one person, oldest first, with the activity's purpose and legal ground:
    the answer to "who looked at my file, and why" (AVG art. 15). No other person's data."""
    per_uri = {a.uri: a for a in register().values()}
    rows = await conn.fetch(
        "SELECT operatie, status, http_status, begin_op, einde_op, verwerkingsactiviteit, actor_id, actor_rol, "
        "actor_organisatie, trace_id, span_id FROM verwerking WHERE betrokkene = $1 ORDER BY begin_op, id",
        pseudoniem,
    )
    out = []
    for r in rows:
        act = per_uri.get(r["verwerkingsactiviteit"])
        out.append({
            "operatie": r["operatie"],
            "status": r["status"],
            "http_status": r["http_status"],
            "begin": r["begin_op"].isoformat(),
            "einde": r["einde_op"].isoformat(),
            "verwerkingsactiviteit": r["verwerkingsactiviteit"],
            "doel": act.doel if act else None,
            "grondslag": act.grondslag if act else None,
            "actor": {"id": r["actor_id"], "rol": r["actor_rol"], "organisatie": r["actor_organisatie"]},
            "trace_id": r["trace_id"],
            "span_id": r["span_id"],
        })
    return out
