"""Messages for chats queued from outside the bot (`otasuke queue reply` to a chat hand-off).

Like the mail outbox: whoever queues enqueues, the bot alone sends, each message once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import ChatMessage, utcnow
from core.outbox import storable_key


def enqueue_chat_message(
    session: Session, key: str, chat_id: int, text: str, *, action_id: int | None = None
) -> ChatMessage:
    """Queue `text` for `chat_id` unless a message with `key` exists (then that one is returned)."""
    key = storable_key(key)
    existing = session.scalar(select(ChatMessage).where(ChatMessage.key == key))
    if existing is not None:
        return existing
    message = ChatMessage(key=key, chat_id=chat_id, text=text, action_id=action_id)
    session.add(message)
    session.flush()
    return message


def unsent_chat_messages(session: Session, limit: int = 50) -> list[ChatMessage]:
    """Messages the bot has not sent yet, oldest first."""
    query = (
        select(ChatMessage)
        .where(ChatMessage.sent_at.is_(None))
        .order_by(ChatMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_chat_sent(session: Session, message_id: int, now: datetime | None = None) -> bool:
    """Record that the message went out: True for the one caller that recorded it."""
    result = session.execute(
        update(ChatMessage)
        .where(ChatMessage.id == message_id, ChatMessage.sent_at.is_(None))
        .values(sent_at=now or utcnow())
    )
    return result.rowcount == 1
