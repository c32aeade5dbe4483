"""The scheduler worker: APScheduler's traps (shared/notes/scheduler-and-claims.md), each tested."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select

from core.alerts import import_alerts
from core.customers import upsert_customer
from core.db import session_factory
from core.models import OutboxMail
from core.settings import load_settings
from core.workers import run_workers
from knowledge.rules.calendar import DEFAULT_CALENDAR
from scheduler.sweeper import NoticeScheduler

SETTINGS = load_settings({"OTASUKE_DATABASE_URL": "sqlite:///unused.db"})


class Recorder:
    """A sweep that records its runs (and can take its time)."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.started: list[float] = []
        self.finished: list[float] = []

    def __call__(self, stopping: threading.Event) -> None:
        self.started.append(time.monotonic())
        time.sleep(self.seconds)
        self.finished.append(time.monotonic())


async def _until(check: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.02)


async def test_the_daily_sweep_runs_at_start_for_the_catch_up() -> None:
    daily, alerts = Recorder(), Recorder()
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_workers([NoticeScheduler(SETTINGS, daily=daily, alerts=alerts)], stop)
    )
    await _until(lambda: daily.finished and alerts.finished)
    stop.set()
    await running
    assert (len(daily.finished), len(alerts.finished)) == (1, 1)


async def test_stopping_lets_a_running_sweep_finish_instead_of_cancelling_it() -> None:
    # APScheduler's shutdown() cancels a running coroutine job even with wait=True.
    daily = Recorder(seconds=0.8)
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_workers([NoticeScheduler(SETTINGS, daily=daily, alerts=Recorder())], stop)
    )
    await _until(lambda: daily.started)
    stop.set()
    assert await running == []
    assert len(daily.finished) == 1


async def test_a_loop_stalled_across_the_fire_time_still_runs_the_daily_sweep() -> None:
    # With APScheduler's default 1 s misfire grace this run would be skipped until tomorrow.
    daily = Recorder()
    fire_at = datetime.now(UTC) + timedelta(seconds=2)  # once a minute, at that second
    trigger = CronTrigger(second=fire_at.second, timezone=UTC)
    scheduler = NoticeScheduler(SETTINGS, daily=daily, alerts=Recorder(), daily_trigger=trigger)
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers([scheduler], stop))
    await _until(lambda: daily.finished)  # the catch-up run at start
    time.sleep(4.0)  # the loop stalls across the fire time
    await _until(lambda: len(daily.finished) == 2)
    stop.set()
    await running
    assert len(daily.finished) == 2


async def test_an_alert_imported_while_the_scheduler_runs_is_queued_by_the_alert_sweep(
    fresh_engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    sessions = session_factory(fresh_engine)
    with sessions.begin() as session:
        values = {
            "customer_id": "NIG-000001", "company": "A社", "contact_name": "山田",
            "email": "a@example.jp", "member": True,
            "applied_on": date(2026, 5, 10), "approved_on": date(2026, 5, 20),
        }  # fmt: skip
        upsert_customer(session, values, date(2026, 5, 20), DEFAULT_CALENDAR)
    settings = load_settings({"OTASUKE_DATABASE_URL": empty_url})
    # The one-minute job, every half second here.
    scheduler = NoticeScheduler(settings, alert_trigger=IntervalTrigger(seconds=0.5))
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers([scheduler], stop))
    await asyncio.sleep(1)
    path = tmp_path / "a.jsonl"
    row = {"alert_id": "R-1", "customer_id": "NIG-000001", "at": datetime.now(UTC).isoformat(),
           "severity": "high", "title": "不審な通信"}  # fmt: skip
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with sessions.begin() as session:
        import_alerts(session, path)

    def queued() -> list[str]:
        with sessions.begin() as session:
            return list(session.scalars(select(OutboxMail.key).where(OutboxMail.kind == "alert")))

    await _until(queued)
    stop.set()
    await running
    assert queued() == ["notice:NIG-000001:alert:R-1"]


async def test_a_daily_sweep_that_failed_is_run_again_by_the_minute_job() -> None:
    # A database down at 07:00 (or at start) must not cost the day's notices.
    attempts: list[float] = []

    def daily(stopping: threading.Event) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise ConnectionError("database unreachable")

    scheduler = NoticeScheduler(
        SETTINGS, daily=daily, alerts=Recorder(), alert_trigger=IntervalTrigger(seconds=0.3)
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers([scheduler], stop))
    await _until(lambda: len(attempts) >= 2)
    await asyncio.sleep(1)  # done for today now: the minute job leaves it alone
    stop.set()
    await running
    assert len(attempts) == 2
