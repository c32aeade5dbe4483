"""Customers in chat, through PTB's real HTTP stack against the Bot API stand-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.chat_answers import labelled_questions
from core.models import Action, ChatAnswer
from knowledge.rules.calendar import JST

CUSTOMER_CHAT = 4242


async def test_a_question_is_answered_with_its_clause_cited(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(
            CUSTOMER_CHAT, "満期で解約したい場合、いつまでに申し出ればいいですか？"
        )
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
    assert "根拠：規約第12条1項" in reply.text
    assert "confidence" not in reply.text
    assert "0." not in reply.text
    labels = [b["text"] for row in reply.buttons for b in row]
    assert any("全文" in label for label in labels)
    assert any("👍" in label for label in labels)
    assert any("👎" in label for label in labels)


async def test_a_long_clause_is_quoted_by_what_carries_the_answer(
    start_bot: Callable[..., Any],
) -> None:
    # 第4条1項(3) opens with a sentence of about 470 characters.
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "保険はある？")
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
    quote = reply.text.split("根拠：規約第4条1項(3)「")[1].rsplit("」", 1)[0]
    assert quote.endswith("保険金をお支払いします。…")
    assert len(quote) < 260


async def test_the_full_article_is_behind_a_button(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(
            CUSTOMER_CHAT, "満期で解約したい場合、いつまでに申し出ればいいですか？"
        )
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
        await bot.api.press(CUSTOMER_CHAT, reply.button("全文"))
        article = (await bot.api.wait_for(CUSTOMER_CHAT, 2))[1]
    assert article.text.startswith("第12条")
    assert len(article.text) > len(reply.text)


async def test_a_date_in_the_question_gets_the_rules_result(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "2026年5月3日に申し込んだら利用開始日は？")
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
    assert "利用開始日は2026年6月5日です" in reply.text  # R2, 第4条2項①


async def test_an_english_question_is_answered_in_english(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(
            CUSTOMER_CHAT, "By when must I ask to cancel at the end of the term?", lang="en"
        )
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
    assert "Source: terms of use, 第12条1項" in reply.text
    assert not re.search(r"[ぁ-ん]", reply.text.split("「")[0])


async def test_thumbs_down_is_recorded_on_the_answer(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "年間の利用料金はいくらですか？")
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
        await bot.api.press(CUSTOMER_CHAT, reply.button("👎"))
        await bot.api.wait_until(lambda: bot.api.callback_answers, what="the press answered")
        answer = await bot.db(lambda s: s.scalars(select(ChatAnswer)).one())
    assert answer.vote == -1
    assert "ありがとう" in bot.api.callback_answers[0]["text"]


async def test_a_hand_off_says_when_a_person_answers_and_staff_reply_comes_back(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "御社の社長の趣味は何ですか？")
        [unsure] = await bot.api.wait_for(CUSTOMER_CHAT)
        assert "確かなことは申し上げられません" in unsure.text
        assert (
            sum(1 for row in unsure.buttons for b in row if b["callback_data"].startswith("sug:"))
            == 3
        )
        await bot.api.press(CUSTOMER_CHAT, unsure.button("担当者に聞く"))
        handed = (await bot.api.wait_for(CUSTOMER_CHAT, 2))[1]
        assert "受付時間内" in handed.text
        action_id = int(re.search(r"#(\d+)", handed.text)[1])  # type: ignore[index]
        told = await bot.api.wait_for(9001)
        assert f"#{action_id}" in told[0].text
        assert "[question]" in told[0].text
        await bot.api.message(9001, f"/reply {action_id} 社長の趣味はお答えしておりません。")
        answered = (await bot.api.wait_for(CUSTOMER_CHAT, 3))[2]
        action = await bot.db(lambda s: s.get_one(Action, action_id))
        # Staff then say which article answers it (none here): a labelled question to learn from.
        prompt = (await bot.api.wait_for(9001, 3))[2]
        await bot.api.press(9001, prompt.button("該当する条なし"))
        await bot.api.wait_for(9001, 4)
        labelled = await bot.db(labelled_questions)
    assert answered.text == "社長の趣味はお答えしておりません。"
    assert action.status == "done"
    assert action.payload["chat_id"] == CUSTOMER_CHAT
    assert action.payload["question"]
    assert labelled == [{"q": "御社の社長の趣味は何ですか？", "article": None, "lang": "ja"}]


async def test_at_night_the_hand_off_names_the_next_opening(start_bot: Callable[..., Any]) -> None:
    friday_night = datetime(2026, 12, 4, 21, 0, tzinfo=JST)
    async with start_bot(clock=lambda: friday_night) as bot:
        await bot.api.message(CUSTOMER_CHAT, "御社の社長の趣味は何ですか？")
        [unsure] = await bot.api.wait_for(CUSTOMER_CHAT)
        await bot.api.press(CUSTOMER_CHAT, unsure.button("担当者に聞く"))
        await bot.api.press(CUSTOMER_CHAT, unsure.button("担当者に聞く"))
        replies = await bot.api.wait_for(CUSTOMER_CHAT, 3)
        actions = await bot.db(lambda s: s.scalars(select(Action)).all())
    assert "2026年12月7日(月) 09:00以降" in replies[1].text
    assert len(actions) == 1  # pressed twice, queued once


async def test_a_cancellation_request_is_sent_to_mail_with_the_address(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "解約したいです")
        [reply] = await bot.api.wait_for(CUSTOMER_CHAT)
    assert "第12条1項" in reply.text
    assert "otasuke@chamber.example" in reply.text


async def test_start_and_help_speak_japanese_and_english(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(CUSTOMER_CHAT, "/start")
        await bot.api.message(CUSTOMER_CHAT + 1, "/help", lang="en")
        [ja] = await bot.api.wait_for(CUSTOMER_CHAT)
        [en] = await bot.api.wait_for(CUSTOMER_CHAT + 1)
    assert "お助け隊" in ja.text
    assert "/link" in ja.text
    assert "How to use" in en.text
    assert "/queue" not in en.text
