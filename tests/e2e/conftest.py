"""End-to-end fixtures: the command tests' database, and the chat worker against the Bot API
stand-in on a real database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from telegram_standin import TOKEN, BotApiStandIn

from bot.worker import ChatWorker
from core.customers import upsert_customer
from core.db import async_session_factory, make_async_engine
from core.models import OutboxMail
from core.settings import Settings, load_settings
from knowledge.faq.answers import AnswerEngine
from knowledge.rules.calendar import DEFAULT_CALENDAR, JST
from otasuke.mailing import outbox_worker

T = TypeVar("T")
STAFF = (9001, 9002)
# A Thursday morning in JST: the desk (R19) is open.
DESK_OPEN = datetime(2026, 12, 3, 10, 0, tzinfo=JST)
CUSTOMER = {
    "customer_id": "NIG-000321", "company": "A社", "contact_name": "山田",
    "email": "a@example.jp", "member": True,
    "applied_on": date(2026, 4, 10), "approved_on": date(2026, 4, 20),
}  # fmt: skip


# The `otasuke` command this test run installed, as a user would type it.
OTASUKE = Path(sys.executable).with_name("otasuke")


def user_env() -> dict[str, str]:
    """This process's environment without any OTASUKE_ setting: a newcomer's defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OTASUKE_")}


def start_run(cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`otasuke run` started in `cwd` as a user would, its output in one text pipe."""
    return subprocess.Popen(
        [str(OTASUKE), "run"], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.fixture
def database(
    cli_env: Path,
    databases,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> str:
    """A database migrated to head with no row in it: SQLite, unless the test is parametrized
    indirectly with the backends (`pytest.mark.parametrize("database", [...], indirect=True)`)."""
    url = databases.fresh(getattr(request, "param", "sqlite"))
    monkeypatch.setenv("OTASUKE_DATABASE_URL", url)
    return url


@pytest.fixture
def db(database: str) -> Iterator[Engine]:
    """An engine on that database, to read what the commands stored."""
    from core.db import make_engine

    engine = make_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def shared_answer_engine() -> AnswerEngine:
    """The answer engine, built once for the session (as the worker builds it once a process)."""
    from core.answers import answer_engine

    return answer_engine(load_settings(env={}))


@dataclass
class RunningBot:
    """A chat worker running against the stand-in."""

    api: BotApiStandIn
    settings: Settings
    engine: Engine
    worker: ChatWorker
    stop: asyncio.Event

    async def db(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a committed sync session, in a thread (SQLite's lock must not block the
        loop the bot runs on)."""

        def work() -> T:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                return fn(session)

        return await asyncio.to_thread(work)

    async def add_customer(self, **changes: Any) -> None:
        """Register the test customer (with `changes`)."""
        await self.db(
            lambda s: upsert_customer(s, CUSTOMER | changes, DESK_OPEN.date(), DEFAULT_CALENDAR)
        )

    async def outbox(self, kind: str) -> list[OutboxMail]:
        """Mail queued in the outbox of one kind."""
        query = select(OutboxMail).where(OutboxMail.kind == kind)
        return await self.db(lambda s: list(s.scalars(query)))


@pytest.fixture
def start_bot(
    fresh_engine: Engine, empty_url: str, shared_answer_engine: AnswerEngine, tmp_path: Path
) -> Callable[..., contextlib.AbstractAsyncContextManager[RunningBot]]:
    """`async with start_bot(env…, clock=…) as bot:` runs the chat worker until the block ends."""

    @contextlib.asynccontextmanager
    async def start(
        clock: Callable[[], datetime] = lambda: DESK_OPEN, **env: str
    ) -> AsyncIterator[RunningBot]:
        async with BotApiStandIn() as api:
            settings = load_settings(
                env={
                    "OTASUKE_DATABASE_URL": empty_url,
                    "OTASUKE_TELEGRAM_TOKEN": TOKEN,
                    "OTASUKE_TELEGRAM_API_URL": api.url,
                    "OTASUKE_STAFF_TELEGRAM_IDS": ",".join(map(str, STAFF)),
                    "OTASUKE_MAIL_FROM": "otasuke@chamber.example",
                    "OTASUKE_MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
                    **env,
                }
            )
            engine = make_async_engine(empty_url)
            sessions = async_session_factory(engine)
            worker = ChatWorker(settings, sessions, engine=shared_answer_engine, clock=clock)
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop))
            # The runner's mail sender too: mail the chat queues is written to the outbox folder.
            sender = asyncio.create_task(outbox_worker(settings, sessions).run(stop))
            try:
                await api.wait_until(lambda: api.method_calls("getMe") or task.done(), what="getMe")
                yield RunningBot(api, settings, fresh_engine, worker, stop)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(task, sender), 10)
                await engine.dispose()

    return start


def queue_cancellation(session: Session) -> int:
    """The test customer asks on time to end the contract on 2027-03-31: a pending action."""
    from core import queue

    customer = upsert_customer(session, CUSTOMER, DESK_OPEN.date(), DEFAULT_CALENDAR)
    payload = {
        "request_kind": "cancel_midterm", "requested_date": "2027-03-31",
        "effective_date": "2027-03-31", "on_time": True, "proposals": [], "refund": None,
        "owed": 0, "lang": "ja",
    }  # fmt: skip
    summary = "NIG-000321 A社 中途解約 希望日2027-03-31 期限内"
    action = queue.enqueue(session, "cancel_midterm", summary, payload=payload, customer=customer)
    return action.id
