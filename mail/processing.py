"""Taking stored mail in, each once: attempts counted first, outcome committed with the intake."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What handling one mail came to: `done` (taken in) or `own` (our own mail, not answered)."""

    status: str
    text: str


# Handles one stored mail inside the transaction that records its outcome; raises on failure.
Handler = Callable[[Session, bytes, datetime | None], Outcome]


@dataclass
class Tally:
    """What one pass over the stored mail did."""

    settled: list[int] = field(default_factory=list)
    failed: int = 0
    quarantined: int = 0


async def process_due(
    sessions: async_sessionmaker[AsyncSession],
    handle: Handler,
    *,
    limit: int = 50,
    retry_delay: timedelta = inbound.RETRY_DELAY,
) -> Tally:
    """Take in the stored mail that is due, one transaction each; a failure never stops the rest."""
    tally = Tally()
    async with sessions() as session:
        ids = await session.run_sync(inbound.due, limit=limit)
    for mail_id in ids:
        async with sessions() as session, session.begin():
            # Counted durably by the outcome's commit; a crash before that may undercount one.
            await session.run_sync(inbound.commit_without_waiting)
            attempt = await session.run_sync(inbound.begin_attempt, mail_id)
        if attempt is None:
            continue
        if attempt > inbound.MAX_ATTEMPTS:
            # Counted but never settled: the worker died with this mail in hand each time.
            error = f"the worker stopped while reading it, {attempt - 1} times"
            if await _fail(sessions, mail_id, error, retry_delay):
                tally.quarantined += 1
            continue
        try:
            async with sessions() as session, session.begin():
                settled = await session.run_sync(_handle_once, mail_id, attempt, handle)
        except Exception as exc:
            log.warning("inbound mail #%d, attempt %d failed: %r", mail_id, attempt, exc)
            tally.failed += 1
            if await _fail(sessions, mail_id, f"{type(exc).__name__}: {exc}", retry_delay):
                tally.quarantined += 1
            continue
        if settled:
            tally.settled.append(mail_id)
    return tally


def _handle_once(session: Session, mail_id: int, attempt: int, handle: Handler) -> bool:
    mail = inbound.settle(session, mail_id, attempt, "done", "")
    if mail is None:
        return False  # settled by someone else meanwhile
    outcome = handle(session, mail.raw, mail.received_at)
    mail.status = outcome.status
    mail.outcome = outcome.text
    session.flush()
    return True


async def _fail(
    sessions: async_sessionmaker[AsyncSession], mail_id: int, error: str, retry_delay: timedelta
) -> bool:
    async with sessions() as session, session.begin():
        quarantined = await session.run_sync(
            inbound.record_failure, mail_id, error, retry_delay=retry_delay
        )
    if quarantined:
        log.error("inbound mail #%d quarantined: %s", mail_id, error)
    return quarantined
