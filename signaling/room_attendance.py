"""Who a booked room is for and who came: the room's marker, kept a day past the booking's close.

The marker (``booked-room:<booking id>``) names the room's call and its people (two, or three for a
relay booking) and gathers who joined at least once. It is created by compare-and-set, so of two nodes
opening the same booking one wins. It outlives the room by ``keep_for``, so that the booking engine can
tell a completed booking from a no-show after the room has ended; every node forgets old markers
periodically, and with them each person's index of their rooms (``user-rooms:<user id>``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import InvalidInput, NotFound
from core.ids import UserId
from core.state_store import Document, Entry, StateStore
from signaling.call_documents import LIVE_CALLS, THREE_SEATS
from signaling.live import update

if TYPE_CHECKING:
    from signaling.calls import TaskSpawner

ROOMS = "booked-rooms"  # every booking with a marker, so that old markers are forgotten
KEEP_FOR = timedelta(days=1)  # attendance outlives the booking's close by this much
FORGET_INTERVAL_S = 60.0
_BOOKING_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def room_key(booking_id: str) -> str:
    return f"booked-room:{booking_id}"


def user_rooms_key(user_id: str) -> str:
    return f"user-rooms:{user_id}"


def checked_booking_id(booking_id: str) -> str:
    if not isinstance(booking_id, str) or not _BOOKING_ID.fullmatch(booking_id):
        raise InvalidInput("a booking id is 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
    return booking_id


def people_of(marker: Document) -> list[str]:
    """The room's people, by seat: the caseworker, the interpreter and a relay's second interpreter."""
    return [marker[role] for role in THREE_SEATS if marker.get(role)]


class RoomAttendance:
    def __init__(
        self,
        store: StateStore,
        clock: Clock,
        tasks: TaskSpawner,
        keep_for: timedelta = KEEP_FOR,
        forget_interval_s: float = FORGET_INTERVAL_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._tasks = tasks
        self._keep_for = keep_for
        self._forget_interval_s = forget_interval_s

    def new_marker(self, booking_id: str, call_id: str, people: dict[str, str], closes: float) -> Document:
        """``people``: the user of each seat (see :data:`signaling.call_documents.THREE_SEATS`)."""
        marker: Document = {"booking_id": booking_id, "call_id": call_id, **people}
        return marker | {"keep_until": closes + self._keep_for.total_seconds(), "attended": []}

    async def marker(self, booking_id: str) -> Document | None:
        entry = await self._store.get(room_key(checked_booking_id(booking_id)))
        return entry.value if entry else None

    async def claim(self, marker: Document) -> bool:
        """Create the marker; False when another open of the same booking got there first."""
        return await self._store.create(room_key(marker["booking_id"]), marker) is not None

    async def index(self, marker: Document) -> None:
        """Make the live room findable: by the sweeps, and by each of its people (``session:info``)."""
        await self._store.set_add(ROOMS, marker["booking_id"])
        await self._store.set_add(LIVE_CALLS, marker["call_id"])
        for user in people_of(marker):
            await self._store.set_add(user_rooms_key(user), marker["call_id"])

    async def attended(self, booking_id: str, user_id: UserId) -> None:
        def change(marker: Document) -> Document:
            return marker | {"attended": sorted({*marker["attended"], user_id})}

        try:
            await update(self._store, room_key(booking_id), change)
        except NotFound:  # forgotten: the room outlived its booking by more than keep_for
            return

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        """Who has joined the booking's room at least once; kept until ``keep_for`` after it closed."""
        marker = await self.marker(booking_id)
        return frozenset(UserId(u) for u in marker["attended"]) if marker else frozenset()

    # -- forgetting old markers ------------------------------------------------------------------

    def start_sweeping(self) -> None:
        """Every node forgets markers past their keeping time, periodically; repeats are harmless."""
        self._clock.call_later(self._forget_interval_s, lambda: self._tasks.spawn(self._forget_then_rearm()))

    async def _forget_then_rearm(self) -> None:
        try:
            await self.forget_old()
        finally:
            self.start_sweeping()

    async def forget_old(self) -> None:
        """Drop the markers, and so the attendance, of rooms closed more than ``keep_for`` ago."""
        now = self._clock.now().timestamp()
        ids = sorted(await self._store.set_members(ROOMS))
        entries: list[Entry | None] = await self._store.get_many([room_key(b) for b in ids])
        for booking_id, entry in zip(ids, entries, strict=True):
            if entry is not None and entry.value["keep_until"] > now:
                continue
            if entry is not None:
                if not await self._store.delete(room_key(booking_id), entry):
                    continue  # attendance changed meanwhile: next time
                for user in people_of(entry.value):
                    await self._store.set_remove(user_rooms_key(user), entry.value["call_id"])
            await self._store.set_remove(ROOMS, booking_id)
