"""Mails per second end to end through a real Dovecot, beside a bare aioimaplib fetch loop.

Run: .venv/bin/python benchmarks/bench_mail_e2e.py [MAILS]   (needs dovecot, run as root; see
tests/mailservers.py). End to end: MAILS customer mails are APPENDed, then one worker pass reads
them (UID SEARCH, FETCH BODY.PEEK[] in batches, each saved with the cursor in its own
transaction), reads and takes each in (mail.reading + core.intake: request, action, ack in the
outbox) and flags them \\Seen $Otasuke on the server. Baseline in the same run: aioimaplib alone,
one login, SELECT, then `UID FETCH n BODY.PEEK[]` per mail (the floor for reading the mailbox).
Target (issue 13): at least 50 mails/s end to end, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aioimaplib import IMAP4
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from mailservers import Dovecot
from mailtests import customer_mail
from scratch_db import scratch_databases, usable

from core import migrate
from core.db import async_session_factory, make_async_engine, make_engine
from core.models import InboundMail, OutboxMail
from core.settings import load_settings
from mail.imap_source import ImapAccount, ImapSource
from mail.intake import intake_handler
from mail.worker import MailWorker

MAILS = int(sys.argv[1]) if len(sys.argv) > 1 else 300


def fill(account, count: int) -> None:
    connection = account.imap()
    try:
        for n in range(count):
            connection.append("INBOX", None, None, customer_mail(n))
    finally:
        connection.logout()


async def bare_fetch_loop(server: Dovecot, account) -> float:
    """aioimaplib alone: fetch every mail's body, one UID FETCH each; → mails per second."""
    client = IMAP4("127.0.0.1", server.imap_port, timeout=30)
    await client.wait_hello_from_server()
    await client.login(account.user, account.password)
    await client.select("INBOX")
    started = time.perf_counter()
    for uid in range(1, MAILS + 1):
        response = await client.uid("fetch", str(uid), "(UID BODY.PEEK[])")
        if response.result != "OK":
            raise RuntimeError(response)
    elapsed = time.perf_counter() - started
    await client.logout()
    return MAILS / elapsed


async def end_to_end(server: Dovecot, account, url: str) -> tuple[float, int]:
    """A worker pass over MAILS new mails; → mails per second, acks queued."""
    engine = make_async_engine(url)
    sessions = async_session_factory(engine)
    settings = load_settings({"OTASUKE_DATABASE_URL": url})
    source = ImapSource(
        ImapAccount("127.0.0.1", account.user, account.password, tls="none",
                    port=server.imap_port),
        sessions, timeout=30,
    )  # fmt: skip
    worker = MailWorker(source, sessions, intake_handler(settings), wait_seconds=1.0)
    await source.fetch_new()  # the first connection: reading starts here
    fill(account, MAILS)
    started = time.perf_counter()
    await worker.pass_once()
    elapsed = time.perf_counter() - started
    await source.close()
    async with sessions() as session:
        done = await session.scalar(
            select(func.count()).select_from(InboundMail).where(InboundMail.status == "done")
        )
        acks = await session.scalar(select(func.count()).select_from(OutboxMail))
    await engine.dispose()
    if done != MAILS:
        raise RuntimeError(f"{done} of {MAILS} mails taken in")
    return MAILS / elapsed, int(acks or 0)


def fresh_database(backend: str, folder: Path, new: Callable[[], str]) -> str:
    """A migrated empty database: a file in `folder`, or a scratch PostgreSQL one from `new`."""
    url = f"sqlite:///{folder / 'bench.db'}" if backend == "sqlite" else new()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def main() -> None:
    import tempfile

    server = Dovecot()
    server.start()
    try:
        account = server.add_user()
        fill(account, MAILS)
        bare = asyncio.run(bare_fetch_loop(server, account))
        print(f"bare aioimaplib fetch loop     {bare:8.1f} mails/s  ({MAILS} mails, 1 FETCH each)")
        with tempfile.TemporaryDirectory() as folder, scratch_databases() as new:
            for backend in usable(("sqlite", "postgresql")):
                url = fresh_database(backend, Path(folder), new)
                rate, acks = asyncio.run(end_to_end(server, server.add_user(), url))
                verdict = "meets" if rate >= 50 else "MISSES"
                print(
                    f"end to end, {backend:<10}       {rate:8.1f} mails/s  ({acks} acks queued; "
                    f"{verdict} the 50/s target; {rate / bare:.0%} of the bare loop)"
                )
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
