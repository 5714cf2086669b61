"""The coordinators' live board: interpreters by language and presence, requests waiting, calls under way.

Drawn from the shared live state (presence documents and live call documents in the
:class:`~core.state_store.StateStore`) and the interpreter directory in the database, so every node draws
the same board. Drawing is a pure function of one read of that state (:func:`draw`), so a node pushing
the board to many coordinators reads the state once per round, whatever their scopes.

Who sees what follows the reports: the operator's coordinators and admins see every organisation; an
authority's see their own organisation's requests and calls and the interpreters who serve it (an
interpreter busy with another authority shows as in a call, without that call). The board names
interpreters (coordinators assign and roster them) and organisations, never caseworkers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.accounts import Principal, Role
from core.clock import Clock
from core.db import Database
from core.errors import Forbidden
from core.ids import CallId, OrganisationId, UserId
from core.models import InterpreterLanguageRow, InterpreterOrganisationRow, UserRow
from core.state_store import Document, StateStore
from signaling.call_documents import LIVE_CALLS, RELAY_INTERPRETER, booking_of, call_key
from signaling.call_quality import latest_scores, quality_key
from signaling.presence import Presence, PresenceService
from signaling.states import CallState, PresenceState

OFFLINE = "offline"
WAITING_STATES = frozenset({CallState.SEARCHING, CallState.RINGING})
MIN_RELOAD_S = 1.0  # an unknown interpreter online reloads the directory, at most this often


@dataclass(frozen=True)
class BoardScope:
    """Whose requests, calls and interpreters a reader sees: one organisation's, or (``None``) all."""

    organisation_id: OrganisationId | None

    def sees_call(self, call: Document) -> bool:
        return self.organisation_id is None or call["organisation_id"] == self.organisation_id

    def sees_interpreter(self, interpreter: ListedInterpreter) -> bool:
        return self.organisation_id is None or self.organisation_id in interpreter.organisations


def board_scope(who: Principal) -> BoardScope:
    """Coordinators and admins, scoped as for the reports; anyone else is refused."""
    if who.role not in (Role.COORDINATOR, Role.ADMIN):
        raise Forbidden("only coordinators and admins see the live board")
    return BoardScope(None if who.sees_all_organisations else who.organisation_id)


def primary_language(tag: str) -> str:
    """The primary subtag of a canonical tag: the board's lines gather ``ps`` and ``ps-AF`` as reports do."""
    return tag.split("-", 1)[0].lower()


@dataclass(frozen=True)
class ListedInterpreter:
    """An active interpreter: name, working languages (tags, in their order) and the authorities served."""

    user_id: UserId
    name: str
    languages: tuple[str, ...]
    organisations: frozenset[OrganisationId]


@dataclass(frozen=True)
class LiveState:
    """One read of everything a board is drawn from, at one instant."""

    at: datetime
    interpreters: Mapping[UserId, ListedInterpreter]
    presence: Mapping[UserId, Presence]
    calls: tuple[Document, ...]


@dataclass(frozen=True)
class InterpreterLine:
    user_id: UserId
    name: str
    languages: tuple[str, ...]
    state: str  # a PresenceState, or "offline"
    since: datetime | None  # when they entered that state; None when offline


@dataclass(frozen=True)
class WaitingRequest:
    call_id: CallId
    language: str
    organisation: str
    state: CallState
    attempt: int
    requested_at: datetime
    waiting_s: int
    ringing: str | None  # the interpreter being rung, by name


@dataclass(frozen=True)
class CallLine:
    call_id: CallId
    language: str
    organisation: str
    kind: str  # "on_demand" or "booked"
    started_at: datetime
    duration_s: int
    interpreters: tuple[str, ...]  # by name; two in a relay booking's room
    absent: tuple[str, ...]  # roles not in the call now (a dropped connection, a booked side not joined yet)
    quality: Mapping[str, int] = field(default_factory=dict)  # latest score by role (signaling.call_quality)


@dataclass(frozen=True)
class LanguageLine:
    """How many interpreters of one language are in each state, and its requests waiting and calls."""

    language: str
    standby: int
    ringing: int
    in_call: int
    away: int
    offline: int
    waiting: int
    active: int


@dataclass(frozen=True)
class Board:
    at: datetime
    languages: tuple[LanguageLine, ...]
    interpreters: tuple[InterpreterLine, ...]
    waiting: tuple[WaitingRequest, ...]
    calls: tuple[CallLine, ...]

    def content(self) -> dict[str, Any]:
        """Everything but the clock: equal for two boards exactly when nobody's situation changed."""
        full = board_json(self)
        del full["at"]
        for request in full["waiting"]:
            del request["waiting_s"]
        for call in full["calls"]:
            del call["duration_s"]
        return full


def _seconds(since: datetime, at: datetime) -> int:
    return max(0, int((at - since).total_seconds()))


def _waiting(call: Document, state: LiveState) -> WaitingRequest:
    requested = datetime.fromisoformat(call["requested_at"])
    rung = state.interpreters.get(call["interpreter"]) if call["state"] == CallState.RINGING else None
    return WaitingRequest(
        call_id=CallId(call["id"]),
        language=call["language"],
        organisation=call["organisation_name"],
        state=CallState(call["state"]),
        attempt=call["attempt"],
        requested_at=requested,
        waiting_s=_seconds(requested, state.at),
        ringing=rung.name if rung else None,
    )


def _active(call: Document, state: LiveState) -> CallLine:
    # A booked room runs from its opening; an on-demand call from its answer.
    started = datetime.fromisoformat(call["answered_at"] or call["requested_at"])
    people = [call["interpreter"], call.get(RELAY_INTERPRETER)]
    names = tuple(state.interpreters[p].name if p in state.interpreters else "?" for p in people if p)
    return CallLine(
        call_id=CallId(call["id"]),
        language=call["language"],
        organisation=call["organisation_name"],
        kind="booked" if booking_of(call) else "on_demand",
        started_at=started,
        duration_s=_seconds(started, state.at),
        interpreters=names,
        absent=tuple(sorted(call["disconnected"])),
        quality=call.get("quality", {}),
    )


def draw(state: LiveState, scope: BoardScope) -> Board:
    """The board ``scope`` may see: interpreters by name, oldest request first, longest call first."""
    interpreters = sorted(
        (i for i in state.interpreters.values() if scope.sees_interpreter(i)),
        key=lambda i: (i.name, i.user_id),
    )
    lines: list[InterpreterLine] = []
    counts: Counter[tuple[str, str]] = Counter()
    for person in interpreters:
        presence = state.presence.get(person.user_id)
        current = str(presence.state) if presence else OFFLINE
        lines.append(
            InterpreterLine(
                person.user_id, person.name, person.languages, current, presence.since if presence else None
            )
        )
        for language in {primary_language(tag) for tag in person.languages}:
            counts[(language, current)] += 1
    calls = [c for c in state.calls if scope.sees_call(c)]
    waiting = sorted(
        (_waiting(c, state) for c in calls if c["state"] in WAITING_STATES),
        key=lambda w: (w.requested_at, w.call_id),
    )
    active = sorted(
        (_active(c, state) for c in calls if c["state"] == CallState.ACTIVE),
        key=lambda c: (c.started_at, c.call_id),
    )
    for request in waiting:
        counts[(primary_language(request.language), "waiting")] += 1
    for call in active:
        counts[(primary_language(call.language), "active")] += 1
    languages = sorted({language for language, _ in counts})
    return Board(
        at=state.at,
        languages=tuple(
            LanguageLine(
                language,
                standby=counts[(language, PresenceState.STANDBY)],
                ringing=counts[(language, PresenceState.RINGING)],
                in_call=counts[(language, PresenceState.IN_CALL)],
                away=counts[(language, PresenceState.AWAY)],
                offline=counts[(language, OFFLINE)],
                waiting=counts[(language, "waiting")],
                active=counts[(language, "active")],
            )
            for language in languages
        ),
        interpreters=tuple(lines),
        waiting=tuple(waiting),
        calls=tuple(active),
    )


def board_json(board: Board) -> dict[str, Any]:
    """The board on the wire (``GET /api/live`` and ``board:update``); times are ISO 8601 in UTC."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "at": board.at.isoformat(),
        "languages": [
            {
                "language": line.language,
                "standby": line.standby,
                "ringing": line.ringing,
                "in_call": line.in_call,
                "away": line.away,
                "offline": line.offline,
                "waiting": line.waiting,
                "active": line.active,
            }
            for line in board.languages
        ],
        "interpreters": [
            {
                "id": line.user_id,
                "name": line.name,
                "languages": list(line.languages),
                "state": line.state,
                "since": iso(line.since),
            }
            for line in board.interpreters
        ],
        "waiting": [
            {
                "call_id": request.call_id,
                "language": request.language,
                "organisation": request.organisation,
                "state": str(request.state),
                "attempt": request.attempt,
                "requested_at": request.requested_at.isoformat(),
                "waiting_s": request.waiting_s,
                "ringing": request.ringing,
            }
            for request in board.waiting
        ],
        "calls": [
            {
                "call_id": call.call_id,
                "language": call.language,
                "organisation": call.organisation,
                "kind": call.kind,
                "started_at": call.started_at.isoformat(),
                "duration_s": call.duration_s,
                "interpreters": list(call.interpreters),
                "absent": list(call.absent),
                "quality": dict(call.quality),
            }
            for call in board.calls
        ],
    }


class LiveBoard:
    """Reads the live state and the interpreter directory; the directory is kept for ``cache_s`` per node
    (a new interpreter coming online reloads it at once)."""

    def __init__(
        self, db: Database, store: StateStore, presence: PresenceService, clock: Clock, cache_s: float = 10.0
    ) -> None:
        self._db = db
        self._store = store
        self._presence = presence
        self._clock = clock
        self._cache_s = cache_s
        self._directory: dict[UserId, ListedInterpreter] = {}
        self._loaded_at: float | None = None

    async def read(self) -> LiveState:
        online = {p.user_id: p for p in await self._presence.online()}
        ids = sorted(await self._store.set_members(LIVE_CALLS))
        entries = await self._store.get_many([call_key(i) for i in ids])
        series = await self._store.get_many([quality_key(i) for i in ids])
        calls = tuple(
            entry.value | {"quality": latest_scores(quality.value if quality else None)}
            for entry, quality in zip(entries, series, strict=True)
            if entry is not None and entry.value["state"] != CallState.ENDED
        )
        directory = await self._interpreters(needed=online.keys())
        return LiveState(self._clock.now(), directory, online, calls)

    async def draw(self, scope: BoardScope) -> Board:
        return draw(await self.read(), scope)

    async def _interpreters(self, needed: Collection[UserId]) -> dict[UserId, ListedInterpreter]:
        now = self._clock.monotonic()
        age = None if self._loaded_at is None else now - self._loaded_at
        unknown = any(user_id not in self._directory for user_id in needed)
        if age is None or age >= self._cache_s or (unknown and age >= MIN_RELOAD_S):
            self._directory = await self._load()
            self._loaded_at = now
        return self._directory

    async def _load(self) -> dict[UserId, ListedInterpreter]:
        people = select(UserRow.id, UserRow.display_name).where(
            UserRow.role == Role.INTERPRETER.value, UserRow.active.is_(True)
        )
        languages = select(InterpreterLanguageRow.user_id, InterpreterLanguageRow.tag).order_by(
            InterpreterLanguageRow.id
        )
        served = select(InterpreterOrganisationRow.user_id, InterpreterOrganisationRow.organisation_id)
        async with self._db.sessions() as session:
            names = {UserId(uid): name for uid, name in await session.execute(people)}
            tags: dict[UserId, list[str]] = {}
            for uid, tag in await session.execute(languages):
                if tag not in tags.setdefault(UserId(uid), []):
                    tags[UserId(uid)].append(tag)
            organisations: dict[UserId, set[OrganisationId]] = {}
            for uid, org in await session.execute(served):
                organisations.setdefault(UserId(uid), set()).add(OrganisationId(org))
        return {
            uid: ListedInterpreter(uid, name, tuple(tags.get(uid, ())), frozenset(organisations.get(uid, ())))
            for uid, name in names.items()
        }
