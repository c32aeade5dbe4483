"""An asyncio worker calls a sync service with core.async_services.call_service, on both
backends' asyncio drivers (aiosqlite, psycopg async): committed, or rolled back on error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core.async_services import call_service
from core.db import async_session_factory, make_async_engine, make_engine, session_factory
from core.models import StaffNotice
from core.staff_notices import tell_staff


@pytest.fixture
async def sessions(fresh_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The runner's async sessions on this test's migrated database."""
    engine = make_async_engine(fresh_url)
    yield async_session_factory(engine)
    await engine.dispose()


def _stored(url: str) -> list[str]:
    """The notices committed, read through a sync engine of its own."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(StaffNotice.text).order_by(StaffNotice.id)))
    finally:
        engine.dispose()


async def test_a_service_called_from_a_worker_commits_when_it_returns(
    sessions: async_sessionmaker[AsyncSession], fresh_url: str
) -> None:
    notice = await call_service(sessions, tell_staff, "mailbox", "IMAP down", key="imap:1")
    assert notice is not None
    assert (notice.kind, notice.text) == ("mailbox", "IMAP down")  # readable after the commit
    assert _stored(fresh_url) == ["IMAP down"]
    assert await call_service(sessions, tell_staff, "mailbox", "again", key="imap:1") is None


async def test_a_service_that_raises_leaves_nothing_and_the_worker_gets_the_error(
    sessions: async_sessionmaker[AsyncSession], fresh_url: str
) -> None:
    def tell_then_fail(session: Session, text: str) -> None:
        tell_staff(session, "mailbox", text)
        raise LookupError("no such customer")

    with pytest.raises(LookupError, match="no such customer"):
        await call_service(sessions, tell_then_fail, "half done")
    assert _stored(fresh_url) == []


async def test_concurrent_tasks_each_commit_their_own_call(
    sessions: async_sessionmaker[AsyncSession], fresh_url: str
) -> None:
    texts = [f"notice {i}" for i in range(8)]
    await asyncio.gather(*(call_service(sessions, tell_staff, "digest", t) for t in texts))
    assert sorted(_stored(fresh_url)) == texts
