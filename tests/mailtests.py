"""Helpers for the mail tests: mails to deliver, a handler for the mechanics, waiting, and a
request from a sender no customer is registered for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import migrate, queue
from core.db import async_session_factory, make_async_engine, make_engine
from core.mailfacts import MailFacts
from core.models import Action, Request
from mail.processing import Outcome


def customer_mail(n: int, *, message_id: bool = True, subject: str | None = None) -> bytes:
    """A customer's mail, numbered."""
    message = EmailMessage()
    message["From"] = f"customer{n}@example.jp"
    message["To"] = "otasuke@example.jp"
    message["Subject"] = subject or f"解約のお願い {n}"
    message["Date"] = "Thu, 03 Dec 2026 09:00:00 +0900"
    if message_id:
        message["Message-ID"] = f"<m{n}.{time.time_ns()}@example.jp>"
    message.set_content(f"お世話になっております。{n}")
    return bytes(message)


def subject_of(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
    """Records the subject it read: the reading mechanics tested without the intake's rules."""
    subject = str(message_from_bytes(raw, policy=default)["Subject"])
    if "壊れた" in subject:
        raise ValueError(f"cannot understand {subject!r}")
    return Outcome("done", subject)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Wait until `check()` holds (polling); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {check.__name__}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def async_sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Async sessions on the database at `url` (disposed after the block)."""
    engine = make_async_engine(url)
    try:
        yield async_session_factory(engine)
    finally:
        await engine.dispose()


def migrated_sqlite(databases: Any) -> str:
    """A new SQLite database at head: the reading mechanics do not depend on the backend."""
    url = databases.new("sqlite")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def queue_identify(
    session: Session, received: datetime, company: str, summary: str
) -> tuple[Request, Action]:
    """A term-end cancellation for 2027-03-31 from someone@example.org, signed `company`, stored
    as the mail worker stores it, and the `identify` action staff are to decide."""
    facts = MailFacts(
        message_id="<who@example.org>", from_address="someone@example.org", from_name=None,
        reply_to=None, subject="解約のお願い", text=f"2027年3月末で解約します。{company}",
        language="ja", intent="cancel_at_term_end", customer_id=None, company=company,
        requested_date=date(2027, 3, 31), received_at=received, written_at=received,
        reply_expected=True,
    )  # fmt: skip
    request = Request(
        source="mail", intent=facts.intent, received_at=received,
        requested_date=facts.requested_date, message_id=facts.message_id,
        payload=facts.to_payload(),
    )  # fmt: skip
    session.add(request)
    session.flush()
    payload = {"request_kind": "cancel_at_term_end", "from_address": facts.from_address}
    action = queue.enqueue(session, "identify", summary, request_id=request.id, payload=payload)
    return request, action
