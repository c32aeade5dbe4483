"""The scheduler worker: APScheduler 3.x on `otasuke run`'s loop, driving core's sweeps.

The daily sweep runs at start (catch-up: what is due comes from the database, never from
replayed runs) and each morning; the alert sweep every minute. Exactly once is the database's
doing (core.notices): two `otasuke run` on one database are safe, and the job store is only
memory (shared/notes/scheduler-and-claims.md §2: it cannot be shared between processes).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.db import make_engine, session_factory
from core.models import utcnow
from core.settings import Settings
from core.sweep import alert_sweep, daily_sweep
from knowledge.rules.calendar import jst_date, to_jst

log = logging.getLogger(__name__)

# APScheduler's default grace is 1 s: a loop that stalls across 07:00 would skip the day
# (the note, §2). A late sweep is still right: it sends what is due by today.
DAILY_GRACE_SECONDS = 6 * 3600
ALERT_GRACE_SECONDS = 60
# The morning sweep (JST): notices before the working day, the digest as staff arrive.
DAILY_HOUR = 7

Job = Callable[[threading.Event], object]


class NoticeScheduler:
    """A worker (core.workers.Worker) running the daily sweep and the one-minute alert sweep."""

    name = "scheduler"

    def __init__(
        self,
        settings: Settings,
        *,
        daily: Job | None = None,
        alerts: Job | None = None,
        daily_trigger: BaseTrigger | None = None,
        alert_trigger: BaseTrigger | None = None,
    ) -> None:
        self._settings = settings
        self._me = f"{socket.gethostname()}:{os.getpid()}:scheduler"
        self._daily = daily or self._daily_sweep
        self._alerts = alerts or self._alert_sweep
        self._daily_trigger = daily_trigger or CronTrigger(
            hour=DAILY_HOUR, minute=0, timezone="Asia/Tokyo"
        )
        self._alert_trigger = alert_trigger or IntervalTrigger(minutes=1)
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = threading.Event()
        self._engine: Any = None
        # The JST day of the last daily sweep that finished; one daily sweep at a time.
        self._swept_on: date | None = None
        self._daily_failed = False
        self._daily_lock = threading.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule the sweeps until `stop`, then let a running sweep end its batch."""
        # One engine for both jobs' threads (nothing connects until a sweep runs).
        self._engine = make_engine(self._settings.database_url)
        scheduler = AsyncIOScheduler(timezone="Asia/Tokyo")
        now = datetime.now(UTC)
        scheduler.add_job(
            self._job, self._daily_trigger, args=[self._daily_once], id="daily_sweep",
            misfire_grace_time=DAILY_GRACE_SECONDS, coalesce=True, max_instances=1,
            next_run_time=now,  # at start too: the catch-up
        )  # fmt: skip
        scheduler.add_job(
            self._job, self._alert_trigger, args=[self._minutely], id="alert_sweep",
            misfire_grace_time=ALERT_GRACE_SECONDS, coalesce=True, max_instances=1,
            next_run_time=now,
        )  # fmt: skip
        scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.start()
        try:
            await stop.wait()
        finally:
            # shutdown() cancels running coroutine jobs even with wait=True (the note, §1): the
            # sweeps run as shielded tasks of our own, told to stop after their current batch.
            self._stopping.set()
            scheduler.shutdown(wait=False)
            await asyncio.gather(*self._inflight, return_exceptions=True)
            if self._engine is not None:
                self._engine.dispose()

    async def _job(self, work: Job) -> None:
        # A thread: a sweep over 50,000 customers must not hold up the bot or the mail worker.
        task = asyncio.create_task(asyncio.to_thread(work, self._stopping))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.shield(task)

    def _daily_once(self, stopping: threading.Event, *, retry: bool = False) -> object:
        """The daily sweep, unless one runs in this process; a `retry` only when the last one
        failed, or when the morning has come and today's has not run."""
        if not self._daily_lock.acquire(blocking=False):
            return None
        try:
            now = to_jst(utcnow())
            late = self._swept_on is not None and self._swept_on < now.date()
            if retry and not (self._daily_failed or (late and now.hour >= DAILY_HOUR)):
                return None
            try:
                result = self._daily(stopping)
            except Exception:
                self._daily_failed = True
                raise
            self._daily_failed = False
            if not stopping.is_set():
                self._swept_on = now.date()
            return result
        finally:
            self._daily_lock.release()

    def _minutely(self, stopping: threading.Event) -> object:
        """The alert sweep; and the daily sweep again if today's failed or never ran (a
        database down at 07:00 must not cost the day: the cron job fires once a day)."""
        result = self._alerts(stopping)
        if not stopping.is_set():
            self._daily_once(stopping, retry=True)
        return result

    def _sessions(self) -> Any:
        return session_factory(self._engine)

    def _daily_sweep(self, stopping: threading.Event) -> object:
        # The day from the clock now; each batch reads the clock for its own lease.
        report = daily_sweep(
            self._sessions(), self._settings, jst_date(utcnow()), me=self._me,
            should_stop=stopping.is_set,
        )  # fmt: skip
        log.info(
            "daily sweep %s: %d notice(s) sent, %d taken elsewhere, %d suspend action(s), "
            "%d digest(s)", report.on, report.notices.sent, report.notices.taken,
            len(report.notices.actions), len(report.digests),
        )  # fmt: skip
        if report.notices.skipped:
            log.warning(
                "daily sweep %s: %d notice(s) older than %d days not sent (staff told)",
                report.on, len(report.notices.skipped), self._settings.notice_catch_up_days,
            )  # fmt: skip
        for failure in report.notices.failed:
            log.error("notice not sent: %s", failure)
        return report

    def _alert_sweep(self, stopping: threading.Event) -> object:
        now = utcnow()
        report = alert_sweep(self._sessions(), self._settings, jst_date(now), me=self._me, now=now)
        if report.sent:
            log.info("%d alert mail(s) queued", report.sent)
        return report

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
        else:
            log.error("job %s failed: %r", event.job_id, event.exception)
