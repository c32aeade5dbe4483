"""The folder source: a dropped .eml is read once, whole, and moved to processed/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from mailtests import async_sessions, customer_mail, eventually, migrated_sqlite, subject_of
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import InboundMail
from mail.folder_source import FolderSource
from mail.worker import MailWorker

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sessions(databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with async_sessions(migrated_sqlite(databases)) as made:
        yield made


async def stored(sessions) -> list[InboundMail]:
    async with sessions() as session:
        return list(await session.scalars(select(InboundMail).order_by(InboundMail.id)))


async def test_a_dropped_file_is_read_once_its_size_stands_still_then_moved(
    tmp_path: Path, sessions
) -> None:
    source = FolderSource(tmp_path / "inbox", sessions)
    raw = customer_mail(1)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.eml").write_bytes(raw)
    assert await source.fetch_new() == 0  # first look: maybe still being written
    assert await source.fetch_new() == 1
    assert not (tmp_path / "inbox" / "a.eml").exists()
    assert (tmp_path / "inbox" / "processed" / "a.eml").read_bytes() == raw
    [row] = await stored(sessions)
    assert row.raw == raw
    assert row.received_at is None  # a file's receipt time is its topmost Received header


async def test_a_file_still_growing_is_not_read_half(tmp_path: Path, sessions) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = FolderSource(inbox, sessions)
    raw = customer_mail(2)
    half = len(raw) // 2
    (inbox / "b.eml").write_bytes(raw[:half])
    assert await source.fetch_new() == 0
    with (inbox / "b.eml").open("ab") as growing:
        growing.write(raw[half:])
    assert await source.fetch_new() == 0  # it changed since the last look
    assert await source.fetch_new() == 1
    [row] = await stored(sessions)
    assert row.raw == raw


async def test_temporary_and_hidden_files_are_left_alone(tmp_path: Path, sessions) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = FolderSource(inbox, sessions)
    (inbox / ".c.eml").write_bytes(customer_mail(3))
    (inbox / "c.eml.tmp").write_bytes(customer_mail(3))
    await source.fetch_new()
    assert await source.fetch_new() == 0
    assert sorted(p.name for p in inbox.iterdir()) == [".c.eml", "c.eml.tmp"]


async def test_the_same_mail_dropped_twice_is_stored_once_and_both_files_kept(
    tmp_path: Path, sessions
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = FolderSource(inbox, sessions)
    raw = customer_mail(4)
    (inbox / "d.eml").write_bytes(raw)
    await source.fetch_new()
    await source.fetch_new()
    (inbox / "d.eml").write_bytes(raw)
    await source.fetch_new()
    assert await source.fetch_new() == 0
    assert len(await stored(sessions)) == 1
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["d.1.eml", "d.eml"]


async def test_the_worker_takes_in_a_dropped_mail_within_seconds(tmp_path: Path, sessions) -> None:
    inbox = tmp_path / "inbox"
    worker = MailWorker(
        FolderSource(inbox, sessions), sessions, subject_of, wait_seconds=0.2,
        retry_delay=timedelta(0),
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.3)
        (inbox / "e.eml").write_bytes(customer_mail(5))

        async def taken_in() -> bool:
            return [row.outcome for row in await stored(sessions)] == ["解約のお願い 5"]

        await eventually(taken_in, timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert (inbox / "processed" / "e.eml").exists()
