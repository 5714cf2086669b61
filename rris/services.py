"""Every service of the process, built once from settings (no module-level singletons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.accounts import AccountService, LoginLimits
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.exclusions import OrganisationExclusions
from core.interpreters import InterpreterDirectory
from core.languages import LanguageTag
from core.passwords import PasswordHasher
from core.rate_limit import FailureLimiter
from core.state_store import MemoryStateStore, RedisStateStore, StateStore
from core.tasks import TaskHolder
from glossary.phrase_audio import PhraseAudioStore
from glossary.reviewers import ReviewerGrants
from glossary.term_store import TermStore
from media.memory import FreedMemory
from media.precall import PrecallTests
from media.recording_cipher import MasterKeys
from media.recording_store import RecordingStore
from media.recordings import RECORDING_EXPIRY, RecordingLimits, Recordings
from migration_data.exchange import MigrationDataExchange
from migration_data.store import MigrationDataStore
from rris.booking_rooms import SignallingRooms
from rris.migration_activity import ServiceActivity
from scheduler.availability_store import AvailabilityStore
from scheduler.booking_jobs import BookingJobs
from scheduler.bookings import BookingService
from scheduler.matcher import Matcher
from scheduler.notifications import Notifications
from scheduler.offers import OFFER_EXPIRY, BookingEngine
from scheduler.on_demand import OnDemandCandidates
from scheduler.rosters import SHIFT_END, SHIFT_START, RosterService
from scheduler.timed_work import MisfirePolicy, TimedWork
from scheduler.workload import WorkloadLimits
from signaling.board_feed import BoardFeed
from signaling.booked_rooms import BookedRooms
from signaling.calls import CallService, CallTimings, Notifier
from signaling.ice import IceConfig
from signaling.live_board import LiveBoard
from signaling.presence import PresenceService
from signaling.records import CallRecords
from signaling.sockets import SessionSockets
from signaling.user_push import RosteredStandby, UserPush


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    store: StateStore
    tasks: TaskHolder
    accounts: AccountService
    directory: InterpreterDirectory
    presence: PresenceService
    records: CallRecords
    calls: CallService
    ice: IceConfig
    sockets: SessionSockets
    booked_rooms: BookedRooms
    bookings: BookingService
    exclusions: OrganisationExclusions
    availability: AvailabilityStore
    rosters: RosterService
    matcher: Matcher
    notifications: Notifications
    engine: BookingEngine
    booking_jobs: BookingJobs
    timed: TimedWork
    live_board: LiveBoard
    board_feed: BoardFeed
    precall: PrecallTests
    recordings: Recordings
    freed_memory: FreedMemory
    terms: TermStore
    reviewers: ReviewerGrants
    phrase_audio: PhraseAudioStore
    migration_data: MigrationDataExchange

    async def close(self) -> None:
        await self.timed.stop()
        await self.precall.close()
        await self.recordings.close()  # seals every file still being written
        await self.freed_memory.close()
        await self.tasks.close()
        await self.store.close()
        await self.db.close()


def build_services(settings: Settings, clock: Clock, notifier: Notifier) -> Services:
    db = Database(settings.database_url)
    store: StateStore = (
        RedisStateStore(settings.redis_url, f"{settings.redis_prefix}:")
        if settings.redis_url
        else MemoryStateStore()
    )
    tasks = TaskHolder()
    hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    limits = LoginLimits(
        per_user=FailureLimiter(clock, settings.login_max_failures, settings.login_window_s),
        per_client=FailureLimiter(clock, settings.login_max_failures_per_client, settings.login_window_s),
    )
    accounts = AccountService(db, clock, hasher, limits, settings.session_ttl_s)
    directory = InterpreterDirectory(db, clock, settings.candidate_cache_s)
    availability = AvailabilityStore(db, clock)
    workload = WorkloadLimits(
        buffer=timedelta(minutes=settings.booking_buffer_min),
        daily_cap=timedelta(minutes=settings.daily_cap_min),
        max_continuous=timedelta(minutes=settings.max_continuous_min),
        rest=timedelta(minutes=settings.fatigue_rest_min),
    )
    pivots = [LanguageTag.parse(tag) for tag in settings.relay_pivots]
    matcher = Matcher(db, clock, availability, workload, pivots)
    presence = PresenceService(store, clock)
    records = CallRecords(db)
    timed = TimedWork.from_settings(settings)
    freed_memory = FreedMemory()

    async def still_recording(call_id: str, recording_id: str) -> bool:
        return await calls.recording.is_recording(call_id, recording_id)

    recordings = Recordings(
        RecordingStore(db),
        _recording_keys(settings),
        settings.recording_dir,
        clock,
        tasks,
        timed,
        still_recording,
        RecordingLimits(max_duration_s=settings.recording_max_s),
        freed_memory.peer_closed,
    )
    calls = CallService(
        store,
        presence,
        # On-demand routing obeys the booking engine's hard rules (scheduler.matcher).
        OnDemandCandidates(matcher, clock, settings.candidate_cache_s),
        records,
        notifier,
        clock,
        tasks,
        CallTimings(settings.ring_timeout_s, settings.grace_period_s, settings.sweep_interval_s),
        recordings,
    )
    secret = settings.turn_secret.get_secret_value() if settings.turn_secret else None
    ice = IceConfig(clock, settings.stun_urls, settings.turn_urls, secret, settings.turn_credential_ttl_s)
    sockets = SessionSockets(store)
    push = UserPush(sockets, notifier)
    booked_rooms = BookedRooms(store, calls, presence, sockets, notifier, clock, tasks)
    bookings = BookingService(
        db, clock, limits=workload, offer_expiry=timedelta(minutes=settings.offer_expiry_min)
    )
    notifications = Notifications(db, clock, push)
    jobs = BookingJobs(
        bookings,
        notifications,
        timed,
        SignallingRooms(booked_rooms, db),
        clock,
        [timedelta(seconds=s) for s in settings.reminder_offsets_s],
        timedelta(minutes=settings.no_show_grace_min),
    )
    engine = BookingEngine(bookings, matcher, timed, clock, jobs)
    rosters = RosterService(db, clock, timed, RosteredStandby(presence, sockets, push))
    _register_timed_work(timed, engine, jobs, rosters)
    # A recording past its retention must be deleted however late the job runs.
    timed.register(RECORDING_EXPIRY, recordings.expire, MisfirePolicy(grace=None))
    live_board = LiveBoard(db, store, presence, clock, settings.candidate_cache_s)
    return Services(
        settings,
        clock,
        db,
        store,
        tasks,
        accounts,
        directory,
        presence,
        records,
        calls,
        ice,
        sockets,
        booked_rooms,
        bookings,
        OrganisationExclusions(db, clock),
        availability,
        rosters,
        matcher,
        notifications,
        engine,
        jobs,
        timed,
        live_board,
        BoardFeed(live_board, notifier, clock, tasks),
        PrecallTests(clock, tasks, peer_closed=freed_memory.peer_closed),
        recordings,
        freed_memory,
        terms=TermStore(db, clock),
        reviewers=ReviewerGrants(db, clock),
        phrase_audio=PhraseAudioStore(db, clock),
        migration_data=MigrationDataExchange(MigrationDataStore(db, clock), ServiceActivity(db)),
    )


def _recording_keys(settings: Settings) -> MasterKeys | None:
    """The master keys from the environment; without ``RRIS_RECORDING_KEY`` nothing is ever recorded."""
    if settings.recording_key is None:
        return None
    return MasterKeys.from_base64(
        settings.recording_key.get_secret_value(),
        [key.get_secret_value() for key in settings.recording_old_keys],
    )


def _register_timed_work(
    timed: TimedWork, engine: BookingEngine, jobs: BookingJobs, rosters: RosterService
) -> None:
    """Every kind of timed job with its effect and misfire policy (why each: where the effect lives)."""
    # An expired offer must be released however late, or the booking stays stuck with a silent interpreter.
    timed.register(OFFER_EXPIRY, engine.expire, MisfirePolicy(grace=None))
    effects = jobs.effects()
    for kind, policy in jobs.policies().items():
        timed.register(kind, effects[kind], policy)
    # A shift start still matters while the shift lasts (the effect checks that); its end must always run.
    timed.register(SHIFT_START, rosters.shift_started, MisfirePolicy(grace=timedelta(hours=24)))
    timed.register(SHIFT_END, rosters.shift_ended, MisfirePolicy(grace=None))
