"""Every service of the process, built once from settings (no module-level singletons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.accounts import AccountService, LoginLimits
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.interpreters import InterpreterDirectory
from core.passwords import PasswordHasher
from core.rate_limit import FailureLimiter
from core.state_store import MemoryStateStore, RedisStateStore, StateStore
from core.tasks import TaskHolder
from scheduler.bookings import BookingService
from signaling.calls import CallService, CallTimings, Notifier
from signaling.ice import IceConfig
from signaling.presence import PresenceService
from signaling.records import CallRecords
from signaling.sockets import SessionSockets


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
    bookings: BookingService

    async def close(self) -> None:
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
    presence = PresenceService(store, clock)
    records = CallRecords(db)
    calls = CallService(
        store,
        presence,
        directory,
        records,
        notifier,
        clock,
        tasks,
        CallTimings(settings.ring_timeout_s, settings.grace_period_s, settings.sweep_interval_s),
    )
    secret = settings.turn_secret.get_secret_value() if settings.turn_secret else None
    ice = IceConfig(clock, settings.stun_urls, settings.turn_urls, secret, settings.turn_credential_ttl_s)
    sockets = SessionSockets(store)
    bookings = BookingService(db, clock, timedelta(minutes=settings.booking_buffer_min))
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
        bookings,
    )
