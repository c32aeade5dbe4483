"""A mail worker in a process of its own, for the tests that SIGKILL it (see `main`'s arguments)."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.db import async_session_factory, make_async_engine
from mail.imap_source import ImapAccount, ImapSource
from mail.processing import Outcome
from mail.worker import MailWorker


def slowly(handle):  # type: ignore[no-untyped-def]
    """The handler, 50 ms slower per mail: a kill lands mid-batch."""

    def slow(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
        time.sleep(0.05)
        return handle(session, raw, received_at)

    return slow


async def main(url: str, port: int, user: str, password: str, handler: str) -> None:
    engine = make_async_engine(url)
    sessions = async_session_factory(engine)
    if handler == "intake":
        from core.settings import load_settings
        from mail.intake import intake_handler

        handle = intake_handler(load_settings())
    else:
        from mailtests import subject_of

        handle = subject_of
    source = ImapSource(ImapAccount("127.0.0.1", user, password, tls="none", port=port), sessions)
    # A short lease: the restarted worker takes over from the killed one within seconds.
    worker = MailWorker(
        source, sessions, slowly(handle), wait_seconds=1.0, lease_ttl=timedelta(seconds=2)
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("running", flush=True)
    await worker.run(stop)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]))
