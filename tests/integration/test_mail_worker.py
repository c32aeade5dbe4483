"""The mail worker against a real Dovecot: reconnects, quarantine, the dead mailbox, one reader."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from mailtests import async_sessions, customer_mail, eventually, migrated_sqlite, subject_of
from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import async_session_factory, make_async_engine
from core.models import InboundMail, StaffNotice
from mail.imap_source import ImapAccount, ImapSource
from mail.processing import Handler
from mail.worker import MailWorker

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sessions(databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with async_sessions(migrated_sqlite(databases)) as made:
        yield made


def worker_for(account, sessions, handle: Handler = subject_of, **options) -> MailWorker:
    source = ImapSource(
        ImapAccount("127.0.0.1", account.user, account.password, tls="none",
                    port=account.server.imap_port),
        sessions, timeout=3,
    )  # fmt: skip
    options.setdefault("retry_delay", timedelta(0))
    return MailWorker(source, sessions, handle, wait_seconds=1.0, **options)


async def outcomes(sessions) -> list[str | None]:
    async with sessions() as session:
        query = select(InboundMail.outcome).order_by(InboundMail.id)
        return list(await session.scalars(query))


async def count_done(sessions) -> int:
    async with sessions() as session:
        query = select(func.count()).where(InboundMail.status == "done")
        return int(await session.scalar(query.select_from(InboundMail)) or 0)


class Running:
    """A worker run as a task until the block ends."""

    def __init__(self, worker: MailWorker) -> None:
        self.worker = worker
        self.stop = asyncio.Event()

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.worker.run(self.stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def test_delivered_mail_is_read_within_seconds_through_idle(dovecot_server, sessions) -> None:
    account = dovecot_server.add_user()
    async with Running(worker_for(account, sessions, lease_ttl=timedelta(seconds=60))):
        await asyncio.sleep(0.5)  # connected, IDLE
        account.append(customer_mail(1))

        async def taken_in() -> bool:
            return await count_done(sessions) == 1

        await eventually(taken_in, timeout=5)
    assert "$Otasuke" in account.flags()[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["BYE", "killed"])
async def test_the_worker_reconnects_after_the_server_goes_away(
    own_dovecot, sessions, signum
) -> None:
    account = own_dovecot.add_user()
    async with Running(worker_for(account, sessions, first_backoff=0.2)):
        account.append(customer_mail(0))  # may arrive before the first connection: not read
        await asyncio.sleep(0.5)
        account.append(customer_mail(1))

        async def first() -> bool:
            return await count_done(sessions) >= 1

        await eventually(first)
        own_dovecot.stop(signum)  # SIGTERM: every session gets BYE; SIGKILL: nothing at all
        await asyncio.sleep(1.0)
        own_dovecot.start()
        account.append(customer_mail(2))

        async def second() -> bool:
            return "解約のお願い 2" in await outcomes(sessions)

        await eventually(second, timeout=30)
    assert (await outcomes(sessions))[-2:] == ["解約のお願い 1", "解約のお願い 2"]


async def test_a_mail_that_always_fails_is_quarantined_after_3_attempts_and_the_rest_go_on(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    async with Running(worker_for(account, sessions)):
        await asyncio.sleep(0.5)
        account.append(customer_mail(1))
        account.append(customer_mail(2, subject="壊れたメール"))
        account.append(customer_mail(3))

        async def settled() -> bool:
            async with sessions() as session:
                query = select(func.count()).where(InboundMail.status != "pending")
                return await session.scalar(query.select_from(InboundMail)) == 3

        await eventually(settled)
    async with sessions() as session:
        rows = list(await session.scalars(select(InboundMail).order_by(InboundMail.id)))
        notices = list(await session.scalars(select(StaffNotice)))
    assert [row.status for row in rows] == ["done", "quarantined", "done"]
    assert rows[1].attempts == 3
    assert "cannot understand" in (rows[1].last_error or "")
    [notice] = notices
    assert notice.kind == "mail_quarantined"
    assert "3 attempts" in notice.text
    # Staff find it unread in the mailbox; the others are marked processed.
    flags = account.flags()
    assert "$Otasuke" in flags[1]
    assert "$Otasuke" in flags[3]
    assert "\\Seen" not in flags[2]


async def test_a_mail_the_server_cannot_serve_is_skipped_after_3_tries_and_the_rest_go_on(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    worker = worker_for(account, sessions, first_backoff=0.1)
    await worker.source.fetch_new()  # the first connection: reading starts here
    await worker.source.close()
    for n in range(3):
        account.append(customer_mail(n))
    # Unreadable for Dovecot's mail process: it answers BYE to the FETCH and hangs up.
    [second] = [
        path
        for path in (dovecot_server.dir / "mail" / account.user).glob("*/*,S=*")
        if b"Message-ID: <m1." in path.read_bytes()
    ]
    second.chmod(0)
    async with Running(worker):

        async def others_in() -> bool:
            return await outcomes(sessions) == ["解約のお願い 0", "解約のお願い 2"]

        await eventually(others_in)
    async with sessions() as session:
        [notice] = list(await session.scalars(select(StaffNotice)))
    assert notice.kind == "mail_unreadable"
    assert "UID 2" in notice.text
    assert "\\Seen" not in account.flags()[2]  # it stays in the mailbox for staff


async def test_staff_are_told_once_when_the_mailbox_cannot_be_read_for_too_long(
    own_dovecot, sessions
) -> None:
    account = own_dovecot.add_user()
    own_dovecot.stop()
    worker = worker_for(account, sessions, dead_after=timedelta(seconds=0), first_backoff=0.1)
    async with Running(worker):

        async def told() -> bool:
            async with sessions() as session:
                return bool(list(await session.scalars(select(StaffNotice))))

        await eventually(told, timeout=10)
        await asyncio.sleep(1)  # more failed attempts: no more notices
    async with sessions() as session:
        [notice] = list(await session.scalars(select(StaffNotice)))
    assert notice.kind == "mailbox_dead"
    assert account.user in notice.text


async def test_two_instances_on_one_database_take_each_mail_in_once(
    dovecot_server, fresh_engine: Engine, backend: str
) -> None:
    account = dovecot_server.add_user()
    engines = [make_async_engine(fresh_engine.url) for _ in range(2)]
    factories = [async_session_factory(engine) for engine in engines]
    seen: list[str] = []

    def counting(session, raw, received_at):
        outcome = subject_of(session, raw, received_at)
        seen.append(outcome.text)
        return outcome

    workers = [
        worker_for(account, factory, handle=counting, lease_ttl=timedelta(seconds=3))
        for factory in factories
    ]
    try:
        async with Running(workers[0]), Running(workers[1]):
            await asyncio.sleep(0.5)
            for n in range(20):
                account.append(customer_mail(n))

            async def all_in() -> bool:
                return await count_done(factories[0]) == 20

            await eventually(all_in, timeout=30)
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(seen) == sorted(f"解約のお願い {n}" for n in range(20))
