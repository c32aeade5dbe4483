"""Integration fixtures beside tests/conftest.py: async sessions, and a real aiosmtpd."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import async_session_factory, make_async_engine
from integration.smtpd import SmtpServer, start_smtpd


@pytest.fixture
async def async_sessions(
    fresh_engine: Engine, empty_url: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Async sessions on the test's fresh database (what the runner's workers use)."""
    engine = make_async_engine(empty_url)
    yield async_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def smtpd() -> AsyncIterator[SmtpServer]:
    """aiosmtpd on the test's own loop, recording what it receives."""
    server = await start_smtpd()
    yield server
    await server.stop()
