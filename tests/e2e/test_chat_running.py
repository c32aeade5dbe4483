"""Running for real: stored updates across a kill -9, SIGTERM, 409, 429 and the webhook."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from telegram_standin import TOKEN, BotApiStandIn

from core.db import make_engine
from core.models import ChatUpdate, StaffNotice

from .conftest import OTASUKE, user_env

SECRET = "X-Telegram-Bot-Api-Secret-Token"
QUESTION = "年間の利用料金はいくらですか？"


async def _start_otasuke(
    tmp_path: Path, api: BotApiStandIn, **more: str
) -> asyncio.subprocess.Process:
    env = user_env()
    env |= {
        "OTASUKE_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "OTASUKE_TELEGRAM_TOKEN": TOKEN,
        "OTASUKE_TELEGRAM_API_URL": api.url,
        "OTASUKE_STAFF_TELEGRAM_IDS": "9001",
        **more,
    }
    process = await asyncio.create_subprocess_exec(
        str(OTASUKE), "run", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    started = len(api.method_calls("getUpdates"))
    await api.wait_until(
        lambda: len(api.method_calls("getUpdates")) > started or process.returncode is not None,
        timeout=60, what="otasuke polling",
    )  # fmt: skip
    assert process.returncode is None
    return process


async def _wait_handled(tmp_path: Path, count: int) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'run.db'}")

    def handled() -> int:
        with engine.connect() as connection:
            query = select(func.count()).where(ChatUpdate.handled_at.is_not(None))
            return int(connection.scalar(query) or 0)

    try:
        deadline = time.monotonic() + 10
        while await asyncio.to_thread(handled) < count:
            assert time.monotonic() < deadline, "updates not recorded as handled"
            await asyncio.sleep(0.05)
    finally:
        engine.dispose()


async def test_a_kill_9_mid_batch_loses_nothing_and_answers_nothing_twice(tmp_path: Path) -> None:
    async with BotApiStandIn() as api:
        process = await _start_otasuke(tmp_path, api)
        api.hold[101] = 60.0  # the reply to 101 hangs: the process dies while sending it
        for chat in (101, 102, 103):
            await api.message(chat, QUESTION)
        await api.wait_until(
            lambda: any(p.get("chat_id") == 101 for p in api.method_calls("sendMessage")),
            what="the reply to 101 under way",
        )  # fmt: skip
        await api.wait_for(102)
        await api.wait_for(103)
        # Killed after 102 and 103 were recorded as handled (a kill between a reply and that
        # record is the one window no protocol closes: that reply would go out again).
        await _wait_handled(tmp_path, 2)
        process.kill()
        await process.wait()
        api.discard_held = True
        api.hold.clear()
        again = await _start_otasuke(tmp_path, api)
        try:
            await api.wait_for(101, timeout=30)
            await asyncio.sleep(1.5)  # anything answered twice would have come by now
        finally:
            again.send_signal(signal.SIGTERM)
            await asyncio.wait_for(again.wait(), 10)
    assert [len(api.to(chat)) for chat in (101, 102, 103)] == [1, 1, 1]


async def test_sigterm_stops_within_10_seconds_and_confirms_what_was_read(
    tmp_path: Path,
) -> None:
    async with BotApiStandIn() as api:
        process = await _start_otasuke(tmp_path, api)
        update_id = await api.message(201, QUESTION)
        await api.wait_for(201)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
        took = time.monotonic() - sent
    assert code == 0
    assert took < 10
    assert api.method_calls("getUpdates")[-1]["offset"] == update_id + 1


async def test_a_cancellation_mail_dropped_in_the_inbox_folder_reaches_staff_in_chat(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mail = Path(__file__).parents[1] / "data/mail/t03_utf8_base64_r9.eml"
    async with BotApiStandIn() as api:
        process = await _start_otasuke(
            tmp_path, api, OTASUKE_MAIL_INBOX_DIR=str(inbox),
            OTASUKE_MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), OTASUKE_POLL_INTERVAL_SECONDS="1",
        )  # fmt: skip
        try:
            (inbox / mail.name).write_bytes(mail.read_bytes())
            [told] = await api.wait_for(9001, timeout=60)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 10)
    assert "新しい承認待ち #1" in told.text
    assert "解約" in told.text or "cancel" in told.text


async def test_a_409_conflict_is_told_to_staff_not_looped(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        bot.api.conflict = True
        told = await bot.api.wait_for(9001, timeout=15)
        calls = len(bot.api.method_calls("getUpdates"))
        await asyncio.sleep(1.5)
        notices = await bot.db(lambda s: s.scalars(select(StaffNotice)).all())
    assert "409" in told[0].text
    assert [n.kind for n in notices] == ["telegram_conflict"]
    assert len(bot.api.method_calls("getUpdates")) == calls  # waiting, not hammering


async def test_a_429_is_waited_out_for_retry_after(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        bot.api.rate_limit_sends = 1
        bot.api.retry_after = 1
        asked = time.monotonic()
        await bot.api.message(301, QUESTION)
        [reply] = await bot.api.wait_for(301)
    assert reply.at - asked >= 1.0
    assert len([p for p in bot.api.method_calls("sendMessage") if p["chat_id"] == 301]) == 2


async def test_a_429_on_get_updates_is_waited_out(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        bot.api.retry_after = 1
        bot.api.rate_limit_polls = 1
        await bot.api.message(302, QUESTION)  # ends the long poll under way
        await bot.api.wait_for(302)
    [limited] = bot.api.polls_limited
    after = min(t for t in bot.api.call_times("getUpdates") if t > limited)
    assert after - limited >= 1.0


async def test_the_webhook_stores_before_answering_and_handles_each_update_once(
    start_bot: Callable[..., Any],
) -> None:
    env = {
        "OTASUKE_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg-hook",
        "OTASUKE_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:0",
        "OTASUKE_TELEGRAM_WEBHOOK_SECRET": "s3cret",
    }
    async with start_bot(**env) as bot:
        await bot.api.wait_until(lambda: bot.api.webhook, what="setWebhook")
        port = bot.worker.transport.webhook.port  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/tg-hook"
        update = {
            "update_id": 77,
            "message": {
                "message_id": 1, "date": 0, "text": QUESTION,
                "chat": {"id": 401, "type": "private"},
                "from": {"id": 401, "is_bot": False, "first_name": "客"},
            },
        }  # fmt: skip
        async with httpx.AsyncClient() as client:
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            )
            first = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
            again = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
        await bot.api.wait_for(401)
        await asyncio.sleep(0.5)
    assert [wrong.status_code, first.status_code, again.status_code] == [403, 200, 200]
    assert bot.api.webhook is not None
    assert bot.api.webhook["url"] == "https://bot.example.org/tg-hook"
    assert bot.api.webhook["secret_token"] == "s3cret"
    assert len(bot.api.to(401)) == 1
    assert bot.api.method_calls("getUpdates") == []


@pytest.mark.parametrize("length", [4096, 4097, 9000])
def test_long_messages_are_split_at_telegrams_limit(length: int) -> None:
    from bot.messages import MAX_TEXT, split_text

    text = ("あ" * 100 + "\n") * (length // 101) + "い" * (length % 101)
    parts = split_text(text)
    assert all(0 < len(part) <= MAX_TEXT for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
