"""The mailbox's lease while a pass runs: renewed through a long pass, a lost one ends the pass."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mailtests import customer_mail, eventually, subject_of
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound, leases
from core.models import InboundMail, Lease, utcnow
from mail.folder_source import FolderSource
from mail.processing import BATCH, Handler, Outcome
from mail.worker import MailWorker

pytestmark = pytest.mark.asyncio


def _worker(inbox: Path, sessions: async_sessionmaker[AsyncSession], handle: Handler,
            lease: timedelta) -> MailWorker:  # fmt: skip
    source = FolderSource(inbox, sessions)
    return MailWorker(source, sessions, handle, wait_seconds=1.0, lease_ttl=lease)


async def _store_backlog(sessions: async_sessionmaker[AsyncSession], mailbox: str, n: int) -> None:
    async with sessions() as session, session.begin():
        for number in range(n):
            await session.run_sync(inbound.store, customer_mail(number), mailbox=mailbox)


async def _done(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count()).where(InboundMail.status == "done")
        return int(await session.scalar(query.select_from(InboundMail)) or 0)


def _recording(into: list[str], *, slow: float = 0.0) -> Handler:
    def handle(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
        outcome = subject_of(session, raw, received_at)
        time.sleep(slow)  # a slow database or answer engine: the pass outlasts the lease
        into.append(outcome.text)
        return outcome

    return handle


class SlowFolder(FolderSource):
    """A folder read as slowly as a slow IMAP server: nothing held in the database meanwhile."""

    def __init__(self, inbox: Path, sessions: async_sessionmaker[AsyncSession], delay: float):
        super().__init__(inbox, sessions)
        self.delay = delay

    async def fetch_new(self) -> int:
        await asyncio.sleep(self.delay)
        return await super().fetch_new()


async def test_a_pass_longer_than_the_lease_keeps_it_and_a_second_instance_stands_by(
    tmp_path: Path, async_sessions: async_sessionmaker[AsyncSession]
) -> None:
    lease, backlog = timedelta(seconds=1.2), 8 * BATCH
    inbox = tmp_path / "inbox"
    await _store_backlog(async_sessions, FolderSource(inbox, async_sessions).mailbox, backlog)
    first: list[str] = []
    second: list[str] = []
    # Slow to fetch, then slow to take in: both longer than the lease.
    source = SlowFolder(inbox, async_sessions, delay=1.5 * lease.total_seconds())
    reader = MailWorker(source, async_sessions, _recording(first, slow=0.01),
                        wait_seconds=1.0, lease_ttl=lease)  # fmt: skip
    rival = _worker(inbox, async_sessions, _recording(second), lease)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(reader.run(stop))]

    async def leased() -> bool:
        async with async_sessions() as session:
            return await session.scalar(select(Lease.holder)) == reader.holder

    try:
        await eventually(leased, timeout=10)
        started = time.monotonic()
        tasks.append(asyncio.create_task(rival.run(stop)))  # tries for it every 0.4 s

        async def all_in() -> bool:
            return await _done(async_sessions) == backlog

        await eventually(all_in, timeout=60)
        took = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert second == []  # never read while the first held the lease
    assert took > 2 * lease.total_seconds()  # the premise: one pass outlasted the lease
    assert sorted(first) == sorted(f"解約のお願い {n}" for n in range(backlog))


async def test_a_reader_whose_lease_was_taken_stops_after_the_batch_in_hand(
    tmp_path: Path, async_sessions: async_sessionmaker[AsyncSession], caplog
) -> None:
    lease, backlog = timedelta(seconds=0.3), 3 * BATCH
    inbox = tmp_path / "inbox"
    mailbox = FolderSource(inbox, async_sessions).mailbox
    await _store_backlog(async_sessions, mailbox, backlog)
    handled: list[str] = []
    taker_holder = "another-instance"

    def taken_midway(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
        outcome = _recording(handled, slow=0.01)(session, raw, received_at)
        if len(handled) == 5:
            # Another instance found the lease expired (its clock an hour on) and took it.
            later = utcnow() + timedelta(hours=1)
            assert leases.acquire(session, f"mailbox:{mailbox}", taker_holder, lease, now=later)
        return outcome

    reader = _worker(inbox, async_sessions, taken_midway, lease)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="mail.worker"):
        task = asyncio.create_task(reader.run(stop))
        try:

            async def told() -> bool:
                return "another instance took the lease" in caplog.text

            await eventually(told, timeout=10)
            await asyncio.sleep(1.0)  # standing by: it reads no more
            done = await _done(async_sessions)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    # Whole batches, the one in hand when it found out at most: never the whole backlog.
    assert done in (BATCH, 2 * BATCH)
    assert len(handled) == done
    async with async_sessions() as session:
        [holder] = list(await session.scalars(select(Lease.holder)))
    assert holder == taker_holder  # its stop did not give up a lease that was no longer its

    # The instance that holds the lease takes the rest in: each mail once in all.
    taker = _worker(inbox, async_sessions, _recording(handled), lease)
    taker.holder = taker_holder
    again = asyncio.Event()
    task = asyncio.create_task(taker.run(again))

    async def all_in() -> bool:
        return await _done(async_sessions) == backlog

    try:
        await eventually(all_in, timeout=15)
    finally:
        again.set()
        await asyncio.wait_for(task, 10)
    assert sorted(handled) == sorted(f"解約のお願い {n}" for n in range(backlog))
