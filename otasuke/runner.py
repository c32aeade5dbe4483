"""The composition root: settings, database and workers built once, run on one asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.worker import ChatWorker
from core.db import async_session_factory, make_async_engine
from core.migrate import open_engine
from core.settings import Settings
from core.workers import Worker, run_workers

log = logging.getLogger("otasuke.runner")


def build_workers(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[Worker]:
    """The workers to run: the mail reader, the outbox sender, the scheduler and the chat."""
    from otasuke.mailbox import mail_worker
    from otasuke.mailing import outbox_worker
    from scheduler.sweeper import NoticeScheduler

    return [
        mail_worker(settings, sessions),
        outbox_worker(settings, sessions),
        NoticeScheduler(settings),
        ChatWorker(settings, sessions),
    ]


def prepare_database(settings: Settings) -> None:
    """Create or migrate the database first: `otasuke run` needs no separate upgrade."""
    engine = open_engine(settings.database_url, upgrade_first=True)
    engine.dispose()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop`); 0 on a clean stop, 1 when a worker crashed."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _on_signal, signum, stop)
    engine = make_async_engine(settings.database_url)
    try:
        workers = build_workers(settings, async_session_factory(engine))
        names = ", ".join(worker.name for worker in workers) or "no workers yet"
        log.info("otasuke running (%s); SIGTERM or Ctrl-C stops it", names)
        crashed = await run_workers(workers, stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await engine.dispose()
    log.info("otasuke stopped")
    return 1 if crashed else 0


def _on_signal(signum: int, stop: asyncio.Event) -> None:
    log.info("%s received: stopping", signal.Signals(signum).name)
    stop.set()


def run(settings: Settings) -> int:
    """`otasuke run`: migrate, then serve on a fresh event loop."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    prepare_database(settings)
    return asyncio.run(serve(settings))
