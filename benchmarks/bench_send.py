"""The send rate through the outbox to a local aiosmtpd, beside a bare aiosmtplib loop.

Run: .venv/bin/python benchmarks/bench_send.py [MAILS] [--backend sqlite|postgresql|both]
Both in the same run, in alternating rounds (best of three each: the machine is shared), to
the same aiosmtpd on this loop, the same Japanese mail:
- baseline: one aiosmtplib connection, `send_message` in a loop (no database at all);
- otasuke: the mails queued in core.outbox (SQLite file, then PostgreSQL when reachable),
  drained by mail.delivery.deliver through the SMTP adapter: claimed in batches, composed,
  sent on one connection per batch, recorded sent at the batch's end (mail.recording).
Also the crash window, per mail: from the server's OK to the end of the commit that records
it sent (a crash inside it resends the mail after the lease, with the same Message-ID), as
median, 99th percentile and maximum, and how many mails a record commit holds.
TARGET: otasuke within 2x of the baseline (mails/s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP
from scratch_db import BACKENDS, add_backend_option, scratch_databases, usable
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import migrate
from core.db import async_session_factory, make_async_engine, make_engine
from core.models import OutboxMail, utcnow
from mail import delivery, recording
from mail.sending import MailSender
from mail.smtp_sender import SmtpConfig, SmtpSender

ROUNDS = 3
SUBJECT = "【お助け隊サービス】満期解約のお申し出を承りました（NIG-000123）"
BODY = ("山田 太郎 様\n\n解約日は2027年3月31日(水)です。UTM装置をご返送ください。\n" * 12) + "\n"
MAIL_FROM = "otasuke@chamber.example"


class Counter:
    """aiosmtpd handler that takes every mail and counts it."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


async def baseline(port: int, mails: int) -> float:
    """Bare aiosmtplib: one connection, the same message built and sent `mails` times."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for n in range(mails):
        message = EmailMessage()
        message["From"] = MAIL_FROM
        message["To"] = f"c{n}@example.jp"
        message["Subject"] = SUBJECT
        message["Message-ID"] = f"<{uuid.uuid4().hex}@chamber.example>"
        message.set_content(BODY, charset="utf-8", cte="base64")
        await client.send_message(message)
    elapsed = time.perf_counter() - started
    await client.quit()
    return mails / elapsed


def fill_outbox(url: str, mails: int) -> None:
    """`mails` pending rows, as enqueue_mail leaves them (written in bulk: not what we time)."""
    engine = make_engine(url, create_dir=True)
    migrate.upgrade(engine)
    now = utcnow()
    rows = [
        {"key": f"bench:{n}", "kind": "approval", "to_address": f"c{n}@example.jp",
         "subject": SUBJECT, "body": BODY, "headers": {"X-Otasuke-Kind": "approval"},
         "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
        for n in range(mails)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(OutboxMail.__table__), rows)
    engine.dispose()


class CrashWindow:
    """Per mail, the crash window: from the server's OK to the end of the commit recording it.

    A wrapper round the sender stamps each OK (by Message-ID), one round `sessions.begin()`
    stamps each commit's end, and `mail.recording._settle_all` (wrapped) says which mails the
    committing transaction records.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], sender: MailSender) -> None:
        self.sessions, self.inner_sender = sessions, sender
        self.name = sender.name
        self.ok_at: dict[str, float] = {}
        self.recording: list[str] = []  # Message-IDs the open transaction records
        self.seconds: list[float] = []
        self.commits = 0

    def connect(self) -> Any:
        window, inner = self, self.inner_sender.connect()

        class _Stamped:
            async def __aenter__(self) -> Any:
                connection = await inner.__aenter__()

                class _Connection:
                    async def send(self, message: EmailMessage, to: Sequence[str]) -> Any:
                        refused = await connection.send(message, to)
                        window.ok_at[str(message["Message-ID"])] = time.perf_counter()
                        return refused

                return _Connection()

            async def __aexit__(self, *exc: object) -> Any:
                return await inner.__aexit__(*exc)

        return _Stamped()

    def begin(self) -> Any:
        window, inner = self, self.sessions.begin()

        class _Timed:
            async def __aenter__(self) -> AsyncSession:
                return await inner.__aenter__()

            async def __aexit__(self, *exc: object) -> Any:
                result = await inner.__aexit__(*exc)
                done = time.perf_counter()
                window.seconds += [done - window.ok_at[mid] for mid in window.recording]
                window.commits += bool(window.recording)
                window.recording = []
                return result

        return _Timed()

    @contextmanager
    def watching(self) -> Iterator[None]:
        original = recording._settle_all

        def settle_all(session: Session, records: list[Any], now: datetime | None) -> list[str]:
            self.recording += [mail.message_id for mail, _ in records]
            return original(session, records, now)

        recording._settle_all = settle_all  # type: ignore[assignment]
        try:
            yield
        finally:
            recording._settle_all = original  # type: ignore[assignment]


async def through_outbox(url: str, port: int, mails: int) -> tuple[float, CrashWindow]:
    """Drain `mails` queued mails through the SMTP adapter; → mails/s and the crash windows."""
    fill_outbox(url, mails)
    engine = make_async_engine(url)
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, tls="none"))
    window = CrashWindow(async_session_factory(engine), sender)
    with window.watching():
        started = time.perf_counter()
        report = await delivery.deliver(window, window, mail_from=MAIL_FROM)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
    await engine.dispose()
    if report.sent != mails:
        raise SystemExit(f"only {report.sent} of {mails} sent: {report.errors[:3]}")
    return mails / elapsed, window


async def main(mails: int, backends: tuple[str, ...]) -> None:
    handler = Counter()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="bench"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"{mails} mails (Japanese subject, {len(BODY)}-character body) to aiosmtpd on this loop;")
    print(f"{ROUNDS} rounds, the sides alternating (a shared machine's load moves); best of each")
    await baseline(port, 50)  # warm up imports and the server
    rates: dict[str, list[float]] = {}
    windows: dict[str, list[CrashWindow]] = {}
    with tempfile.TemporaryDirectory() as folder, scratch_databases() as new_database:
        for round_ in range(ROUNDS):
            rates.setdefault("baseline", []).append(await baseline(port, mails))
            for name in backends:
                if name == "sqlite":
                    url = f"sqlite:///{Path(folder) / f'bench{round_}.db'}"
                else:
                    url = new_database()
                rate, window = await through_outbox(url, port, mails)
                rates.setdefault(name, []).append(rate)
                windows.setdefault(name, []).append(window)
    bare = max(rates.pop("baseline"))
    print(f"baseline  bare aiosmtplib loop, one connection: {bare:8.0f} mails/s")
    for name, values in rates.items():
        rate = max(values)
        seconds = sorted(s for window in windows[name] for s in window.seconds)
        commits = sum(window.commits for window in windows[name])
        print(
            f"otasuke   outbox → SMTP adapter ({name:10}): {rate:8.0f} mails/s "
            f"({bare / rate:.2f}x the baseline's time; TARGET <= 2x)"
        )
        print(
            f"          crash window a mail (server's OK → its record committed): median "
            f"{statistics.median(seconds) * 1000:.0f} ms, p99 "
            f"{seconds[int(len(seconds) * 0.99) - 1] * 1000:.0f} ms, max "
            f"{seconds[-1] * 1000:.0f} ms; {len(seconds) / commits:.1f} mails a record commit"
        )
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mails", nargs="?", type=int, default=1000)
    add_backend_option(parser, default="both")
    args = parser.parse_args()
    asyncio.run(main(args.mails, usable(BACKENDS[args.backend])))
