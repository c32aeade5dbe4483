"""Messages for chats queued outside the bot: once per key, sent once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.chat_outbox import enqueue_chat_message, mark_chat_sent, unsent_chat_messages


def test_a_chat_message_is_queued_once_per_key_and_sent_once(session: Session) -> None:
    first = enqueue_chat_message(session, "reply:action:7", 4242, "ご質問への回答です。")
    again = enqueue_chat_message(session, "reply:action:7", 4242, "二度目")
    assert again.id == first.id
    assert again.text == "ご質問への回答です。"
    assert [m.id for m in unsent_chat_messages(session)] == [first.id]
    assert mark_chat_sent(session, first.id) is True
    assert mark_chat_sent(session, first.id) is False
    assert unsent_chat_messages(session) == []
