"""Consented recording on this node: the recorder legs, the sealed files, who may play them, and their
deletion when the organisation's retention period runs out.

Consent itself is the call's business (:mod:`signaling.call_recording`): it asks this service whether an
organisation allows recording (:meth:`Recordings.refusal`), calls :meth:`Recordings.begin` once every
participant agreed and :meth:`Recordings.stop` when anyone withdraws or the call ends. Only between
those may a participant's browser open a *leg* (:meth:`Recordings.start_leg`): an aiortc peer that
receives their microphone and writes it sealed (:mod:`media.recording_cipher`).

A leg may live on another node than the one that hears of the stop, so every node re-checks its legs
every ``check_interval_s`` against the call (``wanted``) and also stops any leg past ``max_duration_s``.

Who may read a recording: its organisation's coordinators and the caseworker who made the call; not
interpreters, nor the operator's staff (they run the service, they do not need to hear interviews).
Every access, and every refused one, is written to the recording's audit log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from core.accounts import Principal, Role
from core.clock import Clock
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from core.ids import OrganisationId, UserId, new_id
from core.logging import log_event
from core.tasks import TaskHolder
from media.recorder_peer import RecorderPeer
from media.recording_cipher import MasterKeys, SealedWriter, open_sealed
from media.recording_store import AuditEntry, Recording, RecordingPolicy, RecordingStore, Track

log = logging.getLogger("rris.recordings")

RECORDING_EXPIRY = "recording.expiry"  # the timed job that deletes a recording at the end of retention
SUFFIX = ".ogg.sealed"


class RecordingBusy(DomainError):
    """This server is recording as many participants as it can; try again in a minute."""

    code = "recording_busy"


class RecordingDeleted(DomainError):
    """The recording was deleted when its retention period ended."""

    code = "recording_deleted"


class JobScheduler(Protocol):
    """Durable timed work (:class:`scheduler.timed_work.TimedWork`)."""

    async def schedule(self, kind: str, subject_id: str, run_at: datetime) -> None: ...


Wanted = Callable[[str, str], Awaitable[bool]]  # (call_id, recording_id): is the call still recording it?


@dataclass(frozen=True)
class RecordingLimits:
    max_legs: int = 32  # legs recording at once on this node (each decodes and re-encodes Opus)
    max_duration_s: float = 4 * 3600
    check_interval_s: float = 2.0


@dataclass
class _Leg:
    id: str
    recording_id: str
    call_id: str
    user_id: UserId
    peer: RecorderPeer
    started: float
    sinks: list[SealedWriter] = field(default_factory=list)


class Recordings:
    def __init__(
        self,
        store: RecordingStore,
        keys: MasterKeys | None,
        directory: Path,
        clock: Clock,
        tasks: TaskHolder,
        jobs: JobScheduler,
        wanted: Wanted,
        limits: RecordingLimits | None = None,
        peer_closed: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self._keys = keys
        self._dir = directory
        self._clock = clock
        self._tasks = tasks
        self._jobs = jobs
        self._wanted = wanted
        self.limits = limits or RecordingLimits()
        self._peer_closed = peer_closed  # media.memory.FreedMemory
        self._legs: dict[str, _Leg] = {}
        self._watching = False

    @property
    def recording_legs(self) -> int:
        return len(self._legs)

    # -- policy ----------------------------------------------------------------------------------

    async def refusal(self, organisation_id: str) -> str | None:
        """Why this organisation's calls cannot be recorded, or None when they can."""
        if self._keys is None:
            return "recording is not set up on this server (no recording key)"
        policy = await self.store.policy(organisation_id)
        if policy is None or not policy.allowed:
            return "your organisation's policy does not allow recording"
        return None

    async def set_policy(self, policy: RecordingPolicy, by: UserId) -> None:
        await self.store.set_policy(policy, by, self._clock.now())
        log_event(log, "recording.policy_set", organisation=policy.organisation_id, allowed=policy.allowed)

    # -- the consent flow's side -----------------------------------------------------------------

    async def begin(
        self,
        call_id: str,
        organisation_id: str,
        caseworker_id: str,
        language: str,
        consents: Sequence[tuple[str, str]],
    ) -> str:
        """A new recording for ``call_id``, with who consented from which seat; its deletion is scheduled
        now, for the end of the organisation's retention period."""
        reason = await self.refusal(organisation_id)
        policy = await self.store.policy(organisation_id)
        if reason is not None or policy is None:
            raise Conflict(reason or "recording is not allowed")
        now = self._clock.now()
        recording = Recording(
            id=new_id(),
            organisation_id=OrganisationId(organisation_id),
            call_id=call_id,
            caseworker_id=UserId(caseworker_id),
            language=language,
            state="recording",
            started_at=now,
            ended_at=None,
            expires_at=now + timedelta(days=policy.retention_days),
            deleted_at=None,
        )
        await self.store.create(recording, [(UserId(user), seat) for user, seat in consents])
        await self._jobs.schedule(RECORDING_EXPIRY, recording.id, recording.expires_at)
        log_event(log, "recording.started", recording=recording.id, call_id=call_id)
        return recording.id

    async def stop(self, recording_id: str, by: str | None, reason: str) -> None:
        """Stop it: this node's legs now, other nodes' at their next check; sealed files stay."""
        await self._close_legs(leg for leg in self._legs.values() if leg.recording_id == recording_id)
        if await self.store.end(recording_id, self._clock.now(), UserId(by) if by else None, reason):
            log_event(log, "recording.stopped", recording=recording_id)

    # -- legs ------------------------------------------------------------------------------------

    async def start_leg(
        self,
        recording_id: str,
        call_id: str,
        seat: str,
        user_id: str,
        offer_sdp: str,
        ice_servers: Iterable[Mapping[str, Any]] = (),
    ) -> tuple[str, str]:
        """A leg recording ``user_id``'s audio into ``recording_id``: its id and the answer SDP.

        The caller (the HTTP route) has checked with the call that it is recording now and that the user
        holds ``seat``; a refused offer leaves no file and no track.
        """
        if self._keys is None:
            raise Conflict("recording is not set up on this server")
        if len(self._legs) >= self.limits.max_legs:
            raise RecordingBusy()
        recording = await self.store.get(recording_id)
        if recording is None or recording.state != "recording":
            raise Conflict("this recording is not running")
        keys = self._keys
        leg_id = new_id()
        folder = self._dir / recording_id
        pending: list[Track] = []
        leg: _Leg | None = None

        def open_sink() -> BinaryIO:
            data_key, key_id, wrapped = keys.new_data_key()
            track = Track(
                leg_id, recording_id, seat, UserId(user_id), key_id, wrapped, self._clock.now(), None, None
            )
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(folder / f"{leg_id}{SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            writer = SealedWriter(os.fdopen(fd, "wb"), data_key)
            pending.append(track)
            assert leg is not None
            leg.sinks.append(writer)
            return writer  # type: ignore[return-value]  # PyAV needs write(), nothing else of BinaryIO

        peer = RecorderPeer(open_sink, ice_servers, on_ended=lambda: self._end_leg_later(leg_id))
        leg = _Leg(leg_id, recording_id, call_id, UserId(user_id), peer, self._clock.monotonic())
        self._legs[leg_id] = leg  # before the first await, so concurrent starts cannot pass the limit
        try:
            answer = await peer.answer(offer_sdp)
            for track in pending:
                await self.store.add_track(track)
        except Exception as exc:  # aiortc raises many kinds on a malformed offer
            self._legs.pop(leg_id, None)
            await peer.close()
            with contextlib.suppress(FileNotFoundError):
                (folder / f"{leg_id}{SUFFIX}").unlink()
            if isinstance(exc, DomainError):
                raise
            raise InvalidInput("sdp: not a usable WebRTC offer with audio") from exc
        self._watch()
        log_event(log, "recording.leg_started", recording=recording_id, seat=seat)
        return leg_id, answer

    async def end_leg(self, user_id: str, leg_id: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.user_id != user_id:
            raise NotFound("no such recording leg")
        await self._close_legs([leg])

    def _end_leg_later(self, leg_id: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is not None:
            self._tasks.spawn(self._close_legs([leg]))

    async def _close_legs(self, legs: Iterable[_Leg]) -> None:
        for leg in list(legs):
            if self._legs.pop(leg.id, None) is None:
                continue
            await leg.peer.close()
            self._peer_closed()
            for sink in leg.sinks:
                sink.close()
            size = self._file(leg.recording_id, leg.id).stat().st_size if leg.sinks else 0
            await self.store.track_ended(leg.id, self._clock.now(), size)

    def _watch(self) -> None:
        if not self._watching:
            self._watching = True
            self._clock.call_later(self.limits.check_interval_s, lambda: self._tasks.spawn(self._check()))

    async def _check(self) -> None:
        """Stop legs whose call no longer records them (stopped on another node) or that ran too long."""
        self._watching = False
        try:
            now = self._clock.monotonic()
            by_recording: dict[tuple[str, str], list[_Leg]] = {}
            for leg in self._legs.values():
                by_recording.setdefault((leg.recording_id, leg.call_id), []).append(leg)
            for (recording_id, call_id), legs in by_recording.items():
                if any(now - leg.started > self.limits.max_duration_s for leg in legs):
                    await self.stop(recording_id, None, "longest recording time reached")
                elif not await self._wanted(call_id, recording_id):
                    await self._close_legs(legs)
                    await self.store.end(recording_id, self._clock.now(), None, "the call stopped recording")
        finally:
            if self._legs:
                self._watch()

    async def close(self) -> None:
        """Seal every file (shutdown)."""
        await self._close_legs(self._legs.values())

    def _file(self, recording_id: str, track_id: str) -> Path:
        return self._dir / recording_id / f"{track_id}{SUFFIX}"

    # -- reading ---------------------------------------------------------------------------------

    async def visible(self, who: Principal, limit: int = 200) -> list[Recording]:
        """The recordings ``who`` may read: their organisation's (coordinators) or their own calls'."""
        if who.role == Role.COORDINATOR and not who.sees_all_organisations:
            return await self.store.of_organisation(who.organisation_id, limit)
        if who.role == Role.CASEWORKER:
            return await self.store.of_caseworker(who.user_id, limit)
        return []

    async def _readable(self, who: Principal, recording_id: str) -> Recording:
        recording = await self.store.get(recording_id)
        if recording is None:
            raise NotFound("no such recording")
        may = (
            who.role == Role.COORDINATOR
            and not who.sees_all_organisations
            and who.organisation_id == recording.organisation_id
        ) or (who.role == Role.CASEWORKER and who.user_id == recording.caseworker_id)
        if not may:
            await self.store.audit(recording_id, self._clock.now(), who.user_id, "denied", f"role {who.role}")
            log_event(log, "recording.access_denied", recording=recording_id)
            raise NotFound("no such recording")
        return recording

    async def show(self, who: Principal, recording_id: str) -> tuple[Recording, list[Track]]:
        recording = await self._readable(who, recording_id)
        await self.store.audit(recording_id, self._clock.now(), who.user_id, "viewed")
        return recording, await self.store.tracks(recording_id)

    async def play(self, who: Principal, recording_id: str, track_id: str) -> Iterator[bytes]:
        """The plain Ogg/Opus bytes of one track, decrypted as they are read; the access is audited first."""
        recording = await self._readable(who, recording_id)
        if recording.state == "deleted":
            raise RecordingDeleted()
        track = next((t for t in await self.store.tracks(recording_id) if t.id == track_id), None)
        if track is None:
            raise NotFound("no such track")
        if track.ended_at is None:
            raise Conflict("this track is still being recorded")
        if self._keys is None:
            raise Conflict("recording is not set up on this server (no recording key)")
        data_key = self._keys.unwrap(track.key_id, track.wrapped_key)
        await self.store.audit(recording_id, self._clock.now(), who.user_id, "played", track.seat)
        log_event(log, "recording.played", recording=recording_id)
        return _read_sealed(self._file(recording_id, track_id), data_key)

    async def audit_log(self, who: Principal, recording_id: str) -> list[AuditEntry]:
        """The audit log, for the organisation's coordinators (the caseworker sees the recording only)."""
        recording = await self._readable(who, recording_id)
        if who.role != Role.COORDINATOR:
            raise NotFound("no such recording")
        return await self.store.audit_log(recording.id)

    # -- retention -------------------------------------------------------------------------------

    async def expire(self, recording_id: str) -> None:
        """The timed job's effect: the retention period is over, so the files go; the row and its audit
        stay. Runs however late (a missed deletion must still happen) and twice harmlessly."""
        recording = await self.store.get(recording_id)
        if recording is None or recording.state == "deleted":
            return
        if recording.state == "recording":
            await self.stop(recording_id, None, "retention period over")
        shutil.rmtree(self._dir / recording_id, ignore_errors=True)
        if await self.store.mark_deleted(recording_id, self._clock.now()):
            log_event(log, "recording.deleted", recording=recording_id)


def _read_sealed(path: Path, data_key: bytes) -> Iterator[bytes]:
    with path.open("rb") as source:
        yield from open_sealed(source, data_key)


def require_may_set_policy(who: Principal, organisation_id: str) -> None:
    """An authority decides its own policy: its coordinators, or the operator's admins on its behalf."""
    own = who.role == Role.COORDINATOR and who.organisation_id == organisation_id
    if not own and not (who.role == Role.ADMIN and who.sees_all_organisations):
        raise Forbidden("only the organisation's coordinators or an administrator set its recording policy")


def require_may_read_policy(who: Principal, organisation_id: str) -> None:
    if who.sees_all_organisations:
        return
    if who.role != Role.COORDINATOR or who.organisation_id != organisation_id:
        raise Forbidden("only the organisation's coordinators read its recording policy")
