"""Taking stored mail in, each once: attempts counted first, outcome committed with the intake."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound

log = logging.getLogger(__name__)

# First attempts taken in per transaction: one commit for the lot, each mail in a savepoint.
BATCH = 20


@dataclass(frozen=True)
class Outcome:
    """What handling one mail came to: `done` (taken in) or `own` (our own mail, not answered)."""

    status: str
    text: str
    mail_ids: tuple[int, ...] = ()  # the outbox mail it queued (the acknowledgement)


# Handles one stored mail inside the transaction that records its outcome; raises on failure.
Handler = Callable[[Session, bytes, datetime | None], Outcome]


@dataclass
class Tally:
    """What one pass over the stored mail did."""

    settled: list[int] = field(default_factory=list)
    failed: int = 0
    quarantined: int = 0
    queued_mail: list[int] = field(default_factory=list)  # outbox ids the settled mail queued


async def process_due(
    sessions: async_sessionmaker[AsyncSession],
    handle: Handler,
    *,
    limit: int = 50,
    batch: int = BATCH,
    retry_delay: timedelta = inbound.RETRY_DELAY,
    stop: asyncio.Event | None = None,
    between: Callable[[], Awaitable[None]] | None = None,
) -> Tally:
    """Take in the stored mail that is due; a failure never stops the rest, `stop` does (after
    the transaction in hand). `between` runs before each transaction, outside any (the worker
    renews its lease there).

    A first attempt runs in a batch: one transaction, each mail in its own savepoint (a mail
    that fails rolls back alone). A retry runs alone: if the worker died with a batch in hand,
    the mail that killed it is found and the others settle on their second attempt.
    """
    tally = Tally()
    async with sessions() as session:
        due = await session.run_sync(inbound.due, limit=limit)
    fresh = [mail_id for mail_id, attempts in due if attempts == 0]
    groups = [fresh[start : start + batch] for start in range(0, len(fresh), batch)]
    groups += [[mail_id] for mail_id, attempts in due if attempts > 0]
    for group in groups:
        if between is not None:
            await between()
        if stop is not None and stop.is_set():
            break
        await _attempt(sessions, group, handle, retry_delay, tally)
    return tally


async def process_now(
    sessions: async_sessionmaker[AsyncSession],
    mail_id: int,
    handle: Handler,
    *,
    retry_delay: timedelta = inbound.RETRY_DELAY,
) -> Tally:
    """Take in one stored, pending mail at once (`otasuke mail release`), as a retry is: alone,
    its attempt counted first, its outcome committed once whoever else tries it meanwhile."""
    tally = Tally()
    await _attempt(sessions, [mail_id], handle, retry_delay, tally)
    return tally


async def _attempt(
    sessions: async_sessionmaker[AsyncSession],
    mail_ids: list[int],
    handle: Handler,
    retry_delay: timedelta,
    tally: Tally,
) -> None:
    async with sessions() as session, session.begin():
        # Counted durably by the outcome's commit; a crash before that may undercount one.
        await session.run_sync(inbound.commit_without_waiting)
        attempts = await session.run_sync(inbound.begin_attempts, mail_ids)
    async with sessions() as session, session.begin():
        results = await session.run_sync(_handle_all, attempts, handle, retry_delay, tally)
    for mail_id, result in results.items():
        if result == "settled":
            tally.settled.append(mail_id)
        elif result == "quarantined":
            tally.quarantined += 1
        if (
            result != "settled"
            and mail_id in attempts
            and attempts[mail_id] <= inbound.MAX_ATTEMPTS
        ):
            tally.failed += 1


def _handle_all(
    session: Session,
    attempts: dict[int, int],
    handle: Handler,
    retry_delay: timedelta,
    tally: Tally,
) -> dict[int, str]:
    results: dict[int, str] = {}
    for mail_id, attempt in sorted(attempts.items()):
        if attempt > inbound.MAX_ATTEMPTS:
            # Counted but never settled: the worker died with this mail in hand each time.
            error = f"the worker stopped while reading it, {attempt - 1} times"
            results[mail_id] = _failed(session, mail_id, error, retry_delay)
            continue
        try:
            with session.begin_nested():
                outcome = _handle_once(session, mail_id, attempt, handle)
        except Exception as exc:
            log.warning("inbound mail #%d, attempt %d failed: %r", mail_id, attempt, exc)
            results[mail_id] = _failed(
                session, mail_id, f"{type(exc).__name__}: {exc}", retry_delay
            )
            continue
        if outcome is not None:
            results[mail_id] = "settled"
            tally.queued_mail.extend(outcome.mail_ids)
    return results


def _handle_once(session: Session, mail_id: int, attempt: int, handle: Handler) -> Outcome | None:
    mail = inbound.settle(session, mail_id, attempt, "done", "")
    if mail is None:
        return None  # settled by someone else meanwhile
    outcome = handle(session, mail.raw, mail.received_at)
    mail.status = outcome.status
    mail.outcome = outcome.text
    session.flush()
    return outcome


def _failed(session: Session, mail_id: int, error: str, retry_delay: timedelta) -> str:
    if inbound.record_failure(session, mail_id, error, retry_delay=retry_delay):
        log.error("inbound mail #%d quarantined: %s", mail_id, error)
        return "quarantined"
    return "failed"
