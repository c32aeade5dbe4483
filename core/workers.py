"""Workers: long-running tasks the runner starts on one loop and stops with one event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

# SPEC: `otasuke run` exits within 10 s of SIGTERM; the rest of that budget is for teardown.
STOP_GRACE_SECONDS = 7.0


@runtime_checkable
class Worker(Protocol):
    """A worker returns from `run` soon after `stop` is set (and cleans up before returning)."""

    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set."""
        ...


async def run_workers(
    workers: Sequence[Worker], stop: asyncio.Event, grace: float = STOP_GRACE_SECONDS
) -> list[str]:
    """Run every worker until `stop`; one that crashes sets `stop` for all. → the crashed names."""
    crashed: list[str] = []
    tasks = {
        asyncio.create_task(_guard(worker, stop, crashed), name=worker.name): worker
        for worker in workers
    }
    for worker in workers:
        log.info("started %s", worker.name)
    await stop.wait()
    if not tasks:
        return crashed
    done, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        log.warning("%s did not stop within %.0f s: cancelled", tasks[task].name, grace)
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    log.info("stopped %d worker(s)", len(done))
    return crashed


async def _guard(worker: Worker, stop: asyncio.Event, crashed: list[str]) -> None:
    try:
        await worker.run(stop)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s crashed: stopping everything", worker.name)
        crashed.append(worker.name)
        stop.set()
        return
    if not stop.is_set():
        log.warning("%s returned before it was asked to stop", worker.name)
