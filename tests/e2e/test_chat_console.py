"""The console chat (no token): stdin in, stdout out, through the same handlers as Telegram."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.worker import ChatWorker
from core.customers import upsert_customer
from core.db import async_session_factory, make_async_engine
from core.models import Action, OutboxMail
from core.settings import load_settings
from knowledge.faq.answers import AnswerEngine
from knowledge.rules.calendar import DEFAULT_CALENDAR

from .conftest import CUSTOMER, DESK_OPEN, OTASUKE, queue_cancellation, user_env


class Console:
    """A console chat worker fed line by line."""

    def __init__(self, url: str, engine: AnswerEngine) -> None:
        self.stdin = asyncio.StreamReader()
        self.out = io.StringIO()
        settings = load_settings(env={"OTASUKE_DATABASE_URL": url})
        self.async_engine = make_async_engine(url)
        self.worker = ChatWorker(
            settings, async_session_factory(self.async_engine), engine=engine,
            stdin=self.stdin, stdout=self.out, clock=lambda: DESK_OPEN,
        )  # fmt: skip
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.worker.run(self.stop))

    async def type(self, line: str, expect: str, timeout: float = 10.0) -> str:
        """Type a line; wait until the output shows `expect`; → the output since the line."""
        start = len(self.out.getvalue())
        self.stdin.feed_data((line + "\n").encode())
        deadline = time.monotonic() + timeout
        while expect not in self.out.getvalue()[start:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{expect!r} not in {self.out.getvalue()[start:]!r}")
            await asyncio.sleep(0.01)
        return self.out.getvalue()[start:]

    async def close(self) -> None:
        """Close stdin and stop."""
        self.stdin.feed_eof()
        self.stop.set()
        await asyncio.wait_for(self.task, 10)
        await self.async_engine.dispose()


async def _in_thread(engine: Engine, fn):  # type: ignore[no-untyped-def]
    def work():  # type: ignore[no-untyped-def]
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return fn(session)

    return await asyncio.to_thread(work)


async def test_the_console_answers_links_and_lets_a_newcomer_approve(
    fresh_engine: Engine, empty_url: str, shared_answer_engine: AnswerEngine
) -> None:
    console = Console(empty_url, shared_answer_engine)
    try:
        answer = await console.type("年間の利用料金はいくらですか？", "根拠：規約第13条1項")
        assert "[1] 📖" in answer
        await console.type("3", "ありがとう")  # [3] is 👎
        await _in_thread(
            fresh_engine,
            lambda s: upsert_customer(s, CUSTOMER, DESK_OPEN.date(), DEFAULT_CALENDAR),
        )
        await console.type("/link NIG-000321", "6桁の確認コード")
        mail = await _in_thread(
            fresh_engine,
            lambda s: s.scalars(select(OutboxMail).where(OutboxMail.kind == "link_code")).one(),
        )
        code = re.search(r"^\s+(\d{6})\s*$", mail.body, re.MULTILINE)[1]  # type: ignore[index]
        await console.type(code, "連携しました（NIG-000321 A社）")
        action_id = await _in_thread(fresh_engine, queue_cancellation)
        await console.type(f"/approve {action_id}", "担当者のみ")
        await console.type("/as staff", "(staff now)")
        await console.type("/queue", f"#{action_id} [cancel_midterm]")
        await console.type(f"/approve {action_id}", "承認し、実行しました")
        action = await _in_thread(fresh_engine, lambda s: s.get_one(Action, action_id))
    finally:
        await console.close()
    assert action.status == "done"
    assert action.decided_by == "telegram:1"


async def test_otasuke_run_without_a_token_is_a_console_chat(tmp_path: Path) -> None:
    env = user_env()
    env["OTASUKE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    process = await asyncio.create_subprocess_exec(
        str(OTASUKE), "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"How much is the annual fee?\n")
    process.stdin.close()  # stdin closed: it answers, then just serves
    out = ""
    try:
        while "Source: terms of use" not in out:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, f"otasuke run ended: {out}"
            out += line.decode()
        await asyncio.sleep(0.5)
        assert process.returncode is None  # still serving
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
    assert code == 0
    assert "Source: terms of use, 第13条1項" in out


@pytest.mark.parametrize("stdin", ["questions", "devnull"])
async def test_otasuke_run_with_stdin_from_a_file_or_dev_null_serves_without_a_traceback(
    tmp_path: Path, stdin: str
) -> None:
    # epoll refuses a file or /dev/null as a pipe: such a stdin is read whole, then "closed".
    env = user_env()
    env["OTASUKE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    source = tmp_path / "typed.txt"
    source.write_bytes(b"How much is the annual fee?\n")
    path = source if stdin == "questions" else Path(os.devnull)
    with path.open("rb") as handle:
        process = await asyncio.create_subprocess_exec(
            str(OTASUKE), "run", cwd=tmp_path, env=env, stdin=handle,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    assert process.stdout is not None
    out = ""
    try:
        while "stdin closed" not in out:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            if not line:
                break
            out += line.decode()
            if stdin == "devnull" and "Buttons are numbered" in out:
                break
            if "Source: terms of use" in out:
                break
        await asyncio.sleep(1.0)
        assert process.returncode is None  # still serving
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
        err = (await process.stderr.read()).decode() if process.stderr else ""
    assert code == 0
    assert "Traceback" not in err, err
    if stdin == "questions":
        assert "Source: terms of use, 第13条1項" in out
