"""The runner's worker loop: every worker runs until the stop event, and stops in time."""

from __future__ import annotations

import asyncio

from core.workers import Worker, run_workers


class Ticker:
    """Counts ticks until asked to stop."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ticks = 0
        self.stopped = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.ticks += 1
            await asyncio.sleep(0.01)
        self.stopped = True


class Stubborn:
    """Ignores the stop event."""

    name = "stubborn"
    cancelled = False

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


class Crasher:
    """Fails at once."""

    name = "crasher"

    async def run(self, stop: asyncio.Event) -> None:
        raise RuntimeError("boom")


async def test_every_worker_runs_until_stop_and_then_returns() -> None:
    workers = [Ticker("a"), Ticker("b")]
    assert all(isinstance(worker, Worker) for worker in workers)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, stop.set)
    assert await run_workers(workers, stop) == []
    assert all(worker.stopped and worker.ticks > 0 for worker in workers)


async def test_a_worker_that_ignores_stop_is_cancelled_after_the_grace() -> None:
    stubborn = Stubborn()
    stop = asyncio.Event()
    stop.set()
    assert await asyncio.wait_for(run_workers([stubborn], stop, grace=0.2), 30) == []
    assert stubborn.cancelled


async def test_a_crash_stops_the_others_and_is_reported() -> None:
    ticker = Ticker("a")
    stop = asyncio.Event()
    assert await asyncio.wait_for(run_workers([ticker, Crasher()], stop), 5) == ["crasher"]
    assert ticker.stopped
