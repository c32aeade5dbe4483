"""Mail delivered to Dovecot is read, taken in (request, action), acknowledged into the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from mailtests import customer_mail, eventually
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import async_session_factory, make_async_engine
from core.models import Action, InboundMail, OutboxMail, Request
from core.settings import load_settings
from mail.imap_source import ImapAccount, ImapSource
from mail.intake import intake_handler
from mail.worker import MailWorker

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sessions(fresh_engine: Engine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_async_engine(fresh_engine.url)
    yield async_session_factory(engine)
    await engine.dispose()


async def test_a_delivered_request_is_taken_in_queued_and_acknowledged_once(
    dovecot_server, sessions, fresh_engine: Engine
) -> None:
    account = dovecot_server.add_user()
    settings = load_settings({"OTASUKE_DATABASE_URL": str(fresh_engine.url)})
    source = ImapSource(
        ImapAccount("127.0.0.1", account.user, account.password, tls="none",
                    port=dovecot_server.imap_port),
        sessions, timeout=5,
    )  # fmt: skip
    worker = MailWorker(
        source, sessions, intake_handler(settings), wait_seconds=0.5, retry_delay=timedelta(0)
    )
    request = customer_mail(1, subject="解約のお願い")
    own = customer_mail(2, subject="受付のお知らせ")
    own = own.replace(b"Subject:", b"X-Otasuke-Kind: ack\r\nSubject:", 1)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.5)
        account.append(request)
        account.append(own)

        async def settled() -> bool:
            async with sessions() as session:
                rows = list(await session.scalars(select(InboundMail.status)))
            return sorted(rows) == ["done", "own"]

        await eventually(settled)
        account.append(request)  # the same mail again (a resend, a copy): nothing twice

        async def marked() -> bool:
            return all("$Otasuke" in flags for flags in account.flags().values())

        await eventually(marked)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    async with sessions() as session:
        requests = list(await session.scalars(select(Request)))
        actions = list(await session.scalars(select(Action)))
        acks = list(await session.scalars(select(OutboxMail)))
        inbound = list(await session.scalars(select(InboundMail).order_by(InboundMail.id)))
    assert len(requests) == 1
    assert requests[0].received_at == inbound[0].received_at  # INTERNALDATE: the receipt time
    assert len(actions) == 1
    [ack] = acks
    assert ack.kind == "ack"
    assert ack.to_address == "customer1@example.jp"
    assert ack.headers["In-Reply-To"] == requests[0].message_id
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert f"action {actions[0].id}" in (inbound[0].outcome or "")
    assert inbound[1].status == "own"
    assert len(inbound) == 2
