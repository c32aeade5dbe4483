"""When the sender records a mail sent: with its batch, in one commit; sooner on a slow server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import outbox
from core.db import session_factory
from core.models import OutboxMail
from integration.smtpd import SmtpServer
from mail import recording
from mail.delivery import deliver
from mail.sending import Connection, Refusal
from mail.smtp_sender import SmtpConfig, SmtpSender

MAIL_FROM = "otasuke@chamber.example"


def _enqueue(engine: Engine, count: int) -> list[int]:
    mails = [outbox.NewMail(f"k{n}", "ack", f"c{n}@x.jp", "件名", "本文") for n in range(count)]
    with session_factory(engine).begin() as session:
        return outbox.enqueue_all(session, mails)


def _records(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """Collects each UPDATE that records mails sent (outbox.mark_all_sent)."""
    engine = sessions.kw["bind"].sync_engine
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE outbox SET status"):
            seen.append(statement)

    return seen


class Slow:
    """The SMTP sender, each mail taking `seconds` after the server's OK (a distant server);
    `statuses` holds the first mail's status as the database has it when each mail goes."""

    name = "smtp"

    def __init__(
        self, inner: SmtpSender, sessions: async_sessionmaker[AsyncSession], first: int
    ) -> None:
        self.inner, self.sessions, self.first = inner, sessions, first
        self.statuses: list[str] = []
        self.seconds = 0.2

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        async with self.inner.connect() as connection:
            yield _SlowConnection(self, connection)


class _SlowConnection:
    def __init__(self, slow: Slow, inner: Connection) -> None:
        self.slow, self.inner = slow, inner

    async def send(self, message: EmailMessage, recipients: Sequence[str]) -> list[Refusal]:
        async with self.slow.sessions() as session:
            row = await session.get_one(OutboxMail, self.slow.first)
            self.slow.statuses.append(row.status)
        refused = await self.inner.send(message, recipients)
        await asyncio.sleep(self.slow.seconds)
        return refused


def _sender(port: int) -> SmtpSender:
    return SmtpSender(SmtpConfig(host="127.0.0.1", port=port, tls="none"))


async def test_a_batch_sent_to_a_live_server_is_recorded_in_one_commit(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    ids = _enqueue(fresh_engine, 12)
    records = _records(async_sessions)
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, batch=50)
    assert report.sent == 12
    assert len(records) == 1  # groups of 8 before: two or more
    with session_factory(fresh_engine)() as session:
        rows = session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids))).all()
        assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


async def test_each_batch_is_recorded_before_the_next_is_claimed(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    _enqueue(fresh_engine, 12)
    records = _records(async_sessions)
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, batch=5)
    assert (report.sent, len(records)) == (12, 3)
    assert smtpd.handler.connections == 3


async def test_on_a_slow_server_mails_are_recorded_while_the_batch_is_still_sending(
    fresh_engine: Engine,
    async_sessions: async_sessionmaker[AsyncSession],
    smtpd: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each mail takes 0.2 s: the first has waited RECORD_SECONDS (0.3 s here) before the third
    # goes, so it is recorded then, not when the whole batch ends.
    monkeypatch.setattr(recording, "RECORD_SECONDS", 0.3)
    ids = _enqueue(fresh_engine, 5)
    slow = Slow(_sender(smtpd.port), async_sessions, first=min(ids))
    records = _records(async_sessions)
    report = await deliver(async_sessions, slow, mail_from=MAIL_FROM)
    assert report.sent == 5
    assert slow.statuses[:2] == ["pending", "pending"]
    assert slow.statuses[-1] == "sent"  # before the batch ended
    assert 2 <= len(records) <= 3
