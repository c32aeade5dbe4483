"""A clean stop of the mail worker: the transaction in hand ends, the mailbox's lease is freed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mailtests import async_sessions, customer_mail, eventually, migrated_sqlite, subject_of
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound
from core.models import InboundMail, Lease
from mail.folder_source import FolderSource
from mail.processing import BATCH, Handler, Outcome
from mail.worker import MailWorker

pytestmark = pytest.mark.asyncio
BACKLOG = 3 * BATCH
# As long as `otasuke run` holds it: a restart that had to wait for it would wait a minute.
LEASE = timedelta(seconds=60)


@pytest.fixture
async def sessions(databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with async_sessions(migrated_sqlite(databases)) as made:
        yield made


def _worker(
    inbox: Path, sessions: async_sessionmaker[AsyncSession], handle: Handler = subject_of
) -> MailWorker:
    source = FolderSource(inbox, sessions)
    return MailWorker(source, sessions, handle, wait_seconds=1.0, lease_ttl=LEASE)


async def _count(sessions: async_sessionmaker[AsyncSession], query: Select[tuple[int]]) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_a_stop_during_a_backlog_ends_the_batch_frees_the_lease_and_a_restart_reads_at_once(
    tmp_path: Path, sessions
) -> None:
    inbox = tmp_path / "inbox"
    mailbox = FolderSource(inbox, sessions).mailbox
    async with sessions() as session, session.begin():
        for n in range(BACKLOG):  # stored, waiting to be taken in
            await session.run_sync(inbound.store, customer_mail(n), mailbox=mailbox)
    stop = asyncio.Event()
    handled: list[str] = []

    def stopped_midway(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
        outcome = subject_of(session, raw, received_at)
        handled.append(outcome.text)
        if len(handled) == 5:
            stop.set()  # SIGTERM arrives while the first batch is being taken in
        return outcome

    await asyncio.wait_for(_worker(inbox, sessions, stopped_midway).run(stop), 10)
    done = select(func.count()).where(InboundMail.status == "done").select_from(InboundMail)
    assert await _count(sessions, done) == BATCH  # the batch in hand, not the whole backlog
    assert await _count(sessions, select(func.count()).select_from(Lease)) == 0  # released

    restarted, again = _worker(inbox, sessions), asyncio.Event()
    task = asyncio.create_task(restarted.run(again))

    async def all_taken_in() -> bool:
        return await _count(sessions, done) == BACKLOG

    try:
        await eventually(all_taken_in, timeout=15)  # well within the minute the lease would hold
    finally:
        again.set()
        await asyncio.wait_for(task, 10)
    async with sessions() as session:
        outcomes = list(await session.scalars(select(InboundMail.outcome)))
    assert sorted(outcomes) == sorted(f"解約のお願い {n}" for n in range(BACKLOG))
