"""Staff in chat: the queue, decisions typed or pressed, and who may make them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.relay import RELAY_INTERVAL_SECONDS
from core import queue
from core.chat_outbox import enqueue_chat_message
from core.models import Action, AuditEntry
from core.staff_notices import tell_staff

from .conftest import queue_cancellation

STAFF_A, STAFF_B = 9001, 9002
STRANGER = 5555


def _queue_two(session: Session) -> list[int]:
    first = queue_cancellation(session)
    second = queue.enqueue(session, "question", "チャットの質問: 料金は？", payload={"chat_id": 1})
    return [first, second.id]


async def test_staff_are_told_once_of_each_queued_action_and_list_the_queue(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        ids = await bot.db(_queue_two)
        told = await bot.api.wait_for(STAFF_A, 2)
        await bot.api.message(STAFF_A, "/queue")
        listing = (await bot.api.wait_for(STAFF_A, 3))[2]
    assert [f"#{ids[0]}" in told[0].text, f"#{ids[1]}" in told[1].text] == [True, True]
    lines = listing.text.splitlines()[1:]
    assert [line.split()[0] for line in lines] == [f"#{ids[0]}", f"#{ids[1]}"]
    # A restart (a second instance) does not tell them again.
    async with start_bot() as again:
        await again.api.message(STAFF_B, "/queue")
        await again.api.wait_for(STAFF_B, 1)
        await asyncio.sleep(2 * RELAY_INTERVAL_SECONDS)  # two relay rounds: nothing to announce
    assert len(again.api.to(STAFF_B)) == 1


async def test_someone_else_is_refused_politely_and_nothing_changes(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        [action_id, _] = await bot.db(_queue_two)
        await bot.api.message(STRANGER, f"/approve {action_id}")
        [refused] = await bot.api.wait_for(STRANGER)
        await bot.api.press(STRANGER, f"apc:{action_id}")
        await bot.api.wait_until(lambda: bot.api.callback_answers, what="press answered")
        action = await bot.db(lambda s: s.get_one(Action, action_id))
        tried = await bot.db(
            lambda s: s.scalars(select(AuditEntry).where(AuditEntry.event == "chat.refused")).all()
        )
    assert "担当者のみ" in refused.text
    assert "担当者のみ" in bot.api.callback_answers[0]["text"]
    assert action.status == "pending"
    assert [entry.actor for entry in tried] == [f"telegram:{STRANGER}"] * 2


async def test_the_approve_button_asks_first_then_decides_once(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        [action_id, _] = await bot.db(_queue_two)
        [told, _] = await bot.api.wait_for(STAFF_A, 2)
        await bot.api.press(STAFF_A, told.button("承認"))
        confirm = (await bot.api.wait_for(STAFF_A, 3))[2]
        assert (await bot.db(lambda s: s.get_one(Action, action_id))).status == "pending"
        yes = confirm.button("はい")
        await bot.api.press(STAFF_A, yes)
        await bot.api.press(STAFF_A, yes)  # Telegram redelivers; the second press changes nothing
        replies = await bot.api.wait_for(STAFF_A, 5)
        action = await bot.db(lambda s: s.get_one(Action, action_id))
    assert action.status == "done"
    assert action.decided_by == f"telegram:{STAFF_A}"
    assert "承認し、実行しました" in replies[3].text
    assert f"すでに決定済みです（telegram:{STAFF_A}" in replies[4].text


async def test_two_staff_approving_in_one_batch_decide_once(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        [action_id, _] = await bot.db(_queue_two)
        await bot.api.wait_for(STAFF_A, 2)
        first = bot.api.press_update(STAFF_A, f"apc:{action_id}")
        second = bot.api.press_update(STAFF_B, f"apc:{action_id}")
        await bot.api.push_all([first, second])
        await bot.api.wait_until(lambda: len(bot.api.callback_answers) == 2, what="both answered")
        action = await bot.db(lambda s: s.get_one(Action, action_id))
        decisions = await bot.db(
            lambda s: s.scalars(
                select(AuditEntry).where(AuditEntry.event == "action.approved")
            ).all()
        )
        mails = await bot.outbox("approval")
    notices = sorted(answer["text"] for answer in bot.api.callback_answers)
    assert len(decisions) == 1
    assert [mail.to_address for mail in mails] == ["a@example.jp"]  # one approval mail
    assert action.status == "done"
    assert action.decided_by in (f"telegram:{STAFF_A}", f"telegram:{STAFF_B}")
    assert sum("承認し、実行しました" in n for n in notices) == 1
    assert sum(f"すでに決定済みです（{action.decided_by}" in n for n in notices) == 1


async def test_staff_notices_and_queued_chat_messages_are_sent_once(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        await bot.db(lambda s: tell_staff(s, "mailbox_dead", "IMAP に接続できません"))
        await bot.db(lambda s: enqueue_chat_message(s, "reply:action:x", 777, "お待たせしました"))
        [notice] = await bot.api.wait_for(STAFF_B)
        [message] = await bot.api.wait_for(777)
    async with start_bot() as again:
        await again.api.wait_until(lambda: again.api.method_calls("getUpdates"))
        await asyncio.sleep(2 * RELAY_INTERVAL_SECONDS)  # two relay rounds: nothing to send
    assert "IMAP に接続できません" in notice.text
    assert message.text == "お待たせしました"
    assert again.api.sent == []


async def test_show_and_usage_for_staff(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        [action_id, question_id] = await bot.db(_queue_two)
        await bot.api.wait_for(STAFF_A, 2)
        await bot.api.message(STAFF_A, f"/show {question_id}")
        await bot.api.message(STAFF_A, "/reject")
        await bot.api.message(STAFF_A, f"/reject {action_id} 期限を過ぎています")
        await bot.api.message(STAFF_A, "/show 999")
        replies = await bot.api.wait_for(STAFF_A, 6)
        action = await bot.db(lambda s: s.get_one(Action, action_id))
        rejections = await bot.outbox("rejection")
    assert f"#{question_id} [question] pending" in replies[2].text
    assert "使い方：/reject N 理由" in replies[3].text
    assert "却下しました" in replies[4].text
    assert action.status == "rejected"
    assert action.reason == "期限を過ぎています"
    assert len(rejections) == 1
    assert "#999 はありません" in replies[5].text


async def test_someone_added_with_staff_add_may_use_the_staff_commands(
    start_bot: Callable[..., Any],
) -> None:
    from core.staff_members import add_staff, remove_staff

    async with start_bot() as bot:
        await bot.db(lambda s: add_staff(s, 9100, "佐藤", "cli:test"))
        await bot.api.message(9100, "/queue")
        [allowed] = await bot.api.wait_for(9100)
        await bot.db(lambda s: remove_staff(s, 9100, "cli:test"))
        await bot.api.message(9100, "/queue")
        refused = (await bot.api.wait_for(9100, 2))[1]
    assert "承認待ちはありません" in allowed.text
    assert "担当者のみ" in refused.text


async def test_a_flooding_chat_is_told_once_to_slow_down(start_bot: Callable[..., Any]) -> None:
    from bot.ratelimit import MESSAGES_PER_WINDOW

    async with start_bot() as bot:
        for n in range(MESSAGES_PER_WINDOW + 3):
            await bot.api.message(STRANGER, f"/help {n}")
        await bot.api.wait_for(STRANGER, MESSAGES_PER_WINDOW + 1)
        await asyncio.sleep(0.5)
    replies = bot.api.to(STRANGER)
    assert len(replies) == MESSAGES_PER_WINDOW + 1
    assert "少し時間をおいて" in replies[-1].text


def _queue_identify(session: Session) -> int:
    """A cancellation mail from an unknown address: staff must say whose it is."""
    from mailtests import queue_identify

    from core.customers import upsert_customer
    from knowledge.rules.calendar import DEFAULT_CALENDAR

    from .conftest import CUSTOMER, DESK_OPEN

    upsert_customer(session, CUSTOMER, DESK_OPEN.date(), DEFAULT_CALENDAR)
    _, action = queue_identify(
        session, DESK_OPEN, "A社", "誰からの解約か不明 (someone@example.org)"
    )
    return action.id


async def test_assign_names_the_customer_and_the_request_is_queued_again(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        action_id = await bot.db(_queue_identify)
        [told] = await bot.api.wait_for(STAFF_A)
        await bot.api.message(STAFF_A, f"/assign {action_id} nig000321")
        replies = await bot.api.wait_for(STAFF_A, 3)
        actions = await bot.db(lambda s: s.scalars(select(Action).order_by(Action.id)).all())
    assert f"/assign {action_id} NIG-000123" in told.text
    assert [b["text"] for row in told.buttons for b in row] == ["❌ 却下"]
    assert f"#{action_id} のお客様を NIG-000321 としました" in replies[1].text
    assert [(a.kind, a.status) for a in actions] == [
        ("identify", "done"), ("cancel_at_term_end", "pending"),
    ]  # fmt: skip
    assert f"#{actions[1].id}" in replies[2].text  # and the new action is announced


async def test_a_cancellation_mail_taken_in_by_the_mail_side_reaches_staff_in_chat(
    start_bot: Callable[..., Any],
) -> None:
    from pathlib import Path

    from core.intake import take_in
    from mail.reading import read_mail

    raw = (Path(__file__).parents[1] / "data/mail/t03_utf8_base64_r9.eml").read_bytes()
    async with start_bot() as bot:
        # What the mail worker does with each stored mail (read, then take in), on its own.
        result = await bot.db(lambda s: take_in(s, read_mail(raw), bot.settings))
        assert result.action is not None
        told = await bot.api.wait_for(STAFF_A)
        also = await bot.api.wait_for(STAFF_B)
    assert f"新しい承認待ち #{result.action.id} [{result.action.kind}]" in told[0].text
    assert told[0].text == also[0].text
