"""Durable timed work (reminders, rooms opening, no-shows, offer expiry, shift edges), run once.

Jobs live in the ``scheduled_jobs`` table (APScheduler's SQLAlchemy job store) and survive restarts. Every
process starts a scheduler, so ``schedule`` and ``cancel`` write to the shared store, but only the holder of
the single-runner lock (:mod:`core.leader`) runs jobs; the others stay paused, try the lock every poll
interval and take over when the holder dies. APScheduler 3 only wakes for jobs it added itself, so the
holder also rescans the store every poll interval.

At most once: a scan removes a one-shot job from the store as it hands it to its effect, and runs only while
the lock was confirmed less than two poll intervals ago (a Redis lock must expire later; ``from_settings``
sets three). An effect cut short by its process dying is not retried, and a store error in that scan may run
it twice: effects are idempotent state changes.

The misfire policy must be stated per kind by the caller (:class:`MisfirePolicy`): a reminder hours late is
noise and is dropped after its grace; a room opening or a no-show must happen however late (``None``).

Dispatch: a stored job names one module-level function as text (``scheduler.timed_work:run_timed_job``)
with the kind and subject id as arguments; nothing else is pickled, so jobs survive restarts and changes to
effects. The function finds the TimedWork whose scheduler picked the job in a context variable that its
executor sets while creating the job's task: no global registry, and two instances in one process (tests)
each run their own effects.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_SHUTDOWN,
    JobExecutionEvent,
)
from apscheduler.executors.asyncio import AsyncIOExecutor  # type: ignore[import-untyped]
from apscheduler.job import Job  # type: ignore[import-untyped]
from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import STATE_STOPPED  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]

from core.config import Settings
from core.db import sync_url
from core.leader import SingleRunnerLock, lock_for
from core.logging import log_event
from core.models import SCHEDULED_JOBS

log = logging.getLogger(__name__)

Effect = Callable[[str], Awaitable[None]]
JOB_FUNCTION = "scheduler.timed_work:run_timed_job"
_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
_PICKED_BY: ContextVar[TimedWork] = ContextVar("rris_timed_work")


@dataclass(frozen=True)
class MisfirePolicy:
    """What a kind's job does when its time passed while no process ran jobs.

    ``grace``: how late it may still run (whole seconds, at least one; APScheduler counts in seconds);
    ``None`` runs it however late. ``coalesce``: several missed run times run once (recurring jobs only).
    """

    grace: timedelta | None
    coalesce: bool = True

    def __post_init__(self) -> None:
        if self.grace is not None and (
            self.grace < timedelta(seconds=1) or self.grace % timedelta(seconds=1)
        ):
            raise ValueError("grace must be None or a whole number of seconds, at least one")

    @property
    def grace_s(self) -> int | None:
        return None if self.grace is None else int(self.grace.total_seconds())


@dataclass(frozen=True)
class _Kind:
    effect: Effect
    policy: MisfirePolicy


def job_id(kind: str, subject_id: str) -> str:
    """One job per kind and subject: scheduling again replaces it."""
    return f"{kind}:{subject_id}"


async def run_timed_job(kind: str, subject_id: str) -> None:
    """The function every stored job names; runs ``kind``'s effect on the TimedWork that picked the job."""
    work = _PICKED_BY.get(None)
    if work is None:
        raise RuntimeError("run_timed_job runs only from a TimedWork scheduler")
    await work._perform(kind, subject_id)


class _EffectExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """APScheduler's asyncio executor, marking each job's task with the TimedWork that started it."""

    def __init__(self, work: TimedWork) -> None:
        super().__init__()
        self._work = work

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        # Called from the scan's thread; the job's task must be created on the loop.
        self._eventloop.call_soon_threadsafe(self._start, job, run_times)

    def _start(self, job: Job, run_times: list[datetime]) -> None:
        token = _PICKED_BY.set(self._work)  # create_task copies the context, so the task sees it
        try:
            super()._do_submit_job(job, run_times)
        finally:
            _PICKED_BY.reset(token)

    def in_flight(self) -> set[asyncio.Future[Any]]:
        return set(getattr(self, "_pending_futures", ()))


class _RunnerScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """Scans in a worker thread, only while this process may run jobs, and outlives a failing store.

    The job store is synchronous. On the loop, a scan's delete waiting for the SQLite write lock held by a
    coroutine's transaction would freeze the very loop that must finish that transaction.
    """

    def __init__(self, may_run: Callable[[], bool], retry_s: float, **options: Any) -> None:
        self._may_run = may_run
        self._retry_s = retry_s
        self._scan: asyncio.Future[float | None] | None = None
        self._scan_again = False
        super().__init__(**options)

    def wakeup(self) -> None:
        loop = self._eventloop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._scan_soon)

    def _scan_soon(self) -> None:
        if self.state == STATE_STOPPED:
            return
        self._stop_timer()
        if self._scan is not None and not self._scan.done():
            self._scan_again = True  # one scan at a time, so no job is handed out twice
            return
        self._scan_again = False
        self._scan = self._eventloop.run_in_executor(None, self._process_jobs)
        self._scan.add_done_callback(self._scanned)

    def _scanned(self, scan: asyncio.Future[float | None]) -> None:
        if self.state == STATE_STOPPED or scan.cancelled():
            return
        if self._scan_again:
            self._scan_soon()
        else:
            self._start_timer(scan.result())

    async def scans_done(self) -> None:
        while self._scan is not None and not self._scan.done():
            await asyncio.wait([self._scan])

    def _process_jobs(self) -> float | None:
        if not self._may_run():
            return None  # lock not confirmed lately: another process may run jobs; the poll loop decides
        try:
            wait: float | None = super()._process_jobs()
        except Exception:
            log.exception("timed_work_scan_failed", extra={"pid": os.getpid()})
            return self._retry_s
        return wait

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        # Silent when absent: a cancel of nothing, or a job another process cancelled while it ran here.
        with suppress(JobLookupError):
            super().remove_job(job_id, jobstore)


class TimedWork:
    """:class:`scheduler.timers.Timers` on APScheduler: persistent jobs, run by one process of many.

    Register every kind before :meth:`start`; call :meth:`stop` on shutdown. The job store is
    synchronous, so its calls (``schedule``, ``cancel``, ``scheduled_at`` and the scans) run in threads.
    """

    def __init__(
        self,
        database_url: str,
        lock: SingleRunnerLock,
        *,
        poll_interval_s: float = 5.0,
        stop_grace_s: float = 5.0,
    ) -> None:
        if poll_interval_s <= 0 or stop_grace_s < 0:
            raise ValueError("poll_interval_s must be positive and stop_grace_s not negative")
        self._lock = lock
        self._poll_s = poll_interval_s
        self._lease_s = 2 * poll_interval_s
        self._stop_grace_s = stop_grace_s
        self._kinds: dict[str, _Kind] = {}
        self._leading = False
        self._trusted_until = 0.0
        self._state = "new"
        self._poll_task: asyncio.Task[None] | None = None
        url = sync_url(database_url)
        options = (
            {} if url.startswith("sqlite") else {"pool_size": 1, "max_overflow": 2, "pool_pre_ping": True}
        )
        store = SQLAlchemyJobStore(url=url, tablename=SCHEDULED_JOBS.name, engine_options=options)
        self._executor = _EffectExecutor(self)
        self._scheduler = _RunnerScheduler(
            self._may_run,
            poll_interval_s,
            jobstores={"default": store},
            executors={"default": self._executor},
            timezone=UTC,
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    @classmethod
    def from_settings(cls, settings: Settings) -> TimedWork:
        """The lock the configuration calls for, with a Redis expiry beyond the trusted lease."""
        poll = settings.scheduler_poll_s
        lock = lock_for(settings.database_url, settings.redis_url, settings.redis_prefix, ttl_s=3 * poll)
        return cls(settings.database_url, lock, poll_interval_s=poll)

    @property
    def is_runner(self) -> bool:
        """Whether this process holds the lock and runs the jobs."""
        return self._leading

    def register(self, kind: str, effect: Effect, policy: MisfirePolicy) -> None:
        """Bind ``kind`` to its effect and its misfire policy (the caller states both per kind)."""
        if not _KIND.fullmatch(kind):
            raise ValueError(f"a kind is 1-40 of a-z, 0-9, '_', '.', '-', starting with a letter: {kind!r}")
        self._kinds[kind] = _Kind(effect, policy)

    async def schedule(self, kind: str, subject_id: str, run_at: datetime) -> None:
        if kind not in self._kinds:
            raise ValueError(f"no effect registered for timed work of kind {kind!r}")
        policy = self._kinds[kind].policy
        if run_at.tzinfo is None:
            raise ValueError("run_at must be timezone-aware")
        self._require_started()
        add = functools.partial(
            self._scheduler.add_job,
            JOB_FUNCTION,
            trigger=DateTrigger(run_date=run_at, timezone=UTC),
            args=(kind, subject_id),
            id=job_id(kind, subject_id),
            name=kind,
            misfire_grace_time=policy.grace_s,
            coalesce=policy.coalesce,
            max_instances=1,
            replace_existing=True,
        )
        await asyncio.to_thread(add)

    async def cancel(self, kind: str, subject_id: str) -> None:
        self._require_started()
        await asyncio.to_thread(self._scheduler.remove_job, job_id(kind, subject_id))

    async def scheduled_at(self, kind: str, subject_id: str) -> datetime | None:
        """When ``kind`` runs for ``subject_id``, or None when nothing is scheduled."""
        self._require_started()
        job = await asyncio.to_thread(self._scheduler.get_job, job_id(kind, subject_id))
        return None if job is None else job.next_run_time

    async def start(self) -> None:
        """Open the store (paused), take the lock if free, and keep watching it every poll interval."""
        if self._state != "new":
            raise RuntimeError("a TimedWork starts once")
        self._scheduler.start(paused=True)
        self._state = "started"
        await self._try_lead()
        self._poll_task = asyncio.get_running_loop().create_task(self._poll(), name="timed-work-poll")

    async def stop(self) -> None:
        """Stop running jobs, give running effects ``stop_grace_s``, cancel the rest and release the lock."""
        if self._state != "started":
            return
        self._state = "stopped"
        if self._poll_task is not None:
            self._poll_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._poll_task
        self._leading = False
        self._scheduler.pause()
        try:  # the jobs a last scan handed out are started by now; a stuck scan must not hang shutdown
            await asyncio.wait_for(self._scheduler.scans_done(), timeout=self._stop_grace_s)
        except TimeoutError:
            log.warning("timed_work_scan_stuck", extra={"pid": os.getpid()})
        if running := self._executor.in_flight():
            await asyncio.wait(running, timeout=self._stop_grace_s)
        running = self._executor.in_flight()
        shut = asyncio.Event()
        self._scheduler.add_listener(lambda _event: shut.set(), EVENT_SCHEDULER_SHUTDOWN)
        self._scheduler.shutdown(wait=False)  # cancels what still runs, on the next loop turn
        with suppress(TimeoutError):
            await asyncio.wait_for(shut.wait(), timeout=self._stop_grace_s)
        if running:
            await asyncio.wait(running, timeout=self._stop_grace_s)
        try:
            await asyncio.wait_for(self._lock.release(), timeout=self._stop_grace_s + 5.0)
        except Exception:
            log.warning("timed_work_release_failed", exc_info=True, extra={"pid": os.getpid()})

    async def _perform(self, kind: str, subject_id: str) -> None:
        fields = {"kind": kind, "subject_id": subject_id, "pid": os.getpid()}
        entry = self._kinds.get(kind)
        if entry is None:
            log.error("timed_job_unknown_kind", extra=fields)
            return
        try:
            await entry.effect(subject_id)
        except Exception:
            log.exception("timed_job_failed", extra=fields)  # not retried; the other jobs go on
            return
        log_event(log, "timed_job_ran", **fields)

    def _on_missed(self, event: JobExecutionEvent) -> None:
        kind, _, subject_id = str(event.job_id).partition(":")
        fields = {"kind": kind, "subject_id": subject_id, "due": str(event.scheduled_run_time)}
        log.warning("timed_job_missed", extra={**fields, "pid": os.getpid()})

    def _require_started(self) -> None:
        if self._state != "started":
            raise RuntimeError("timed work is not running (start it first)")

    def _may_run(self) -> bool:
        return self._leading and time.monotonic() < self._trusted_until

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            if self._leading:
                await self._keep_lead()
            else:
                await self._try_lead()

    async def _try_lead(self) -> None:
        asked = time.monotonic()
        try:
            acquired = await self._lock.try_acquire()
        except Exception:
            log.warning("timed_work_lock_unreachable", exc_info=True, extra={"pid": os.getpid()})
            return
        if acquired:
            self._trusted_until = asked + self._lease_s
            self._leading = True
            log_event(log, "timed_work_runner", pid=os.getpid())
            self._scheduler.resume()

    async def _keep_lead(self) -> None:
        asked = time.monotonic()  # the lease counts from the question, not the answer
        try:
            held = await self._lock.renew()
        except Exception:
            held = False
        if held:
            self._trusted_until = asked + self._lease_s
            self._scheduler.wakeup()  # rescan: jobs other processes added are only in the store
            return
        self._leading = False
        self._scheduler.pause()
        log.warning("timed_work_lock_lost", extra={"pid": os.getpid()})
