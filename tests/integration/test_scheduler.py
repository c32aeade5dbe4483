"""The scheduler worker: APScheduler's traps (shared/notes/scheduler-and-claims.md), each tested."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from core.settings import load_settings
from core.workers import run_workers
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
