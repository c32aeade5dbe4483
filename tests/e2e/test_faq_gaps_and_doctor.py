"""`otasuke faq gaps` (what the chat's FAQ did not serve) and `otasuke doctor` (the settings)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from telegram_standin import TOKEN, standin_in_thread

from core import chat_answers
from core.session import unit_of_work
from core.settings import load_settings


def _answer(session: Any, question: str, *, handoff: bool, vote: int | None = None) -> None:
    answer = chat_answers.record_answer(
        session, 1, 1, question, "ja", handoff=handoff, entry_id=None, citation=None,
        article=None, suggestions=[],
    )  # fmt: skip
    if vote is not None:
        chat_answers.vote(session, answer, vote)


def test_faq_gaps_lists_hand_offs_and_thumbs_down_most_frequent_first(
    otasuke: Callable[..., Any],
) -> None:
    assert otasuke("db", "upgrade").code == 0
    with unit_of_work(load_settings()) as session:
        _answer(session, "社長の趣味は？", handoff=True)
        _answer(session, "料金は？", handoff=False, vote=-1)
        _answer(session, "社長の趣味は？ ", handoff=True)
        _answer(session, "料金は？", handoff=False, vote=1)
    result = otasuke("faq", "gaps", "--json")
    assert result.code == 0
    assert [json.loads(line) for line in result.out.splitlines()] == [
        {"question": "社長の趣味は？", "count": 2, "handed_off": 2, "thumbs_down": 0},
        {"question": "料金は？", "count": 1, "handed_off": 0, "thumbs_down": 1},
    ]


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_doctor_names_a_wrong_token_and_a_dead_imap_server(
    otasuke: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert otasuke("db", "upgrade").code == 0
    with standin_in_thread() as api:
        monkeypatch.setenv("OTASUKE_TELEGRAM_TOKEN", "999:WRONG")
        monkeypatch.setenv("OTASUKE_TELEGRAM_API_URL", api.url)
        monkeypatch.setenv("OTASUKE_IMAP_HOST", "127.0.0.1")
        monkeypatch.setenv("OTASUKE_IMAP_PORT", str(_dead_port()))
        wrong = otasuke("doctor")
        monkeypatch.setenv("OTASUKE_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.delenv("OTASUKE_IMAP_HOST")
        right = otasuke("doctor")
    lines = {line.split(":")[0]: line for line in wrong.out.splitlines()}
    assert wrong.code == 1
    assert lines["ok    database"]
    assert "Telegram rejected OTASUKE_TELEGRAM_TOKEN" in lines["FAIL  telegram"]
    assert "cannot connect to 127.0.0.1" in lines["FAIL  imap"]
    assert right.code == 0
    assert "token accepted: @otasuke_bot" in right.out


def test_faq_asked_exports_staff_labels_in_the_asked_format(otasuke: Callable[..., Any]) -> None:
    from knowledge.faq.asked import parse_asked

    assert otasuke("db", "upgrade").code == 0
    with unit_of_work(load_settings()) as session:
        _answer(session, "UTMを返す送料は誰が払う？", handoff=True)
        _answer(session, "社長の趣味は？", handoff=True)
        _answer(session, "未ラベル", handoff=True)
        chat_answers.label(session, 1, 12, "telegram:9001")
        chat_answers.label(session, 2, None, "telegram:9001")
    result = otasuke("faq", "asked")
    asked = parse_asked(result.out, "chat")
    assert [(q.question, q.article) for q in asked] == [
        ("UTMを返す送料は誰が払う？", 12),
        ("社長の趣味は？", None),
    ]
