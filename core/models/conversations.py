"""The bot's own records: updates read from Telegram, answers given, link codes, announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class ChatUpdate(Base):
    """One Telegram update, stored before it is confirmed to Telegram, handled once after."""

    __tablename__ = "chat_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Telegram's update_id: redelivered updates (after a crash, a webhook retry) are recognised.
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    error: Mapped[str | None] = mapped_column(Text)


class ChatAnswer(Base):
    """An answer the bot gave: its buttons point here (full article, suggestions, 👍/👎, staff)."""

    __tablename__ = "chat_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    handoff: Mapped[bool]
    entry_id: Mapped[str | None] = mapped_column(String(100))
    citation: Mapped[str | None] = mapped_column(String(40))
    article: Mapped[int | None]
    suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    vote: Mapped[int | None]  # +1 👍, -1 👎 (the latest press counts)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staff's label for a handed-off question: the article that answers it, or none (NULL with
    # `labelled_by` set); exported in knowledge/data/asked/'s format for the refit.
    label_article: Mapped[int | None]
    labelled_by: Mapped[str | None] = mapped_column(String(100))


class LinkCode(Base):
    """A one-time code mailed to a customer to link a chat (stored hashed, never the code)."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    # None: the ID asked for is no customer (the row still counts against the chat's limit).
    customer_pk: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class ActionAnnouncement(Base):
    """That staff were told in chat about an action: one row, so no restart or twin repeats it."""

    __tablename__ = "action_announcements"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    announced_at: Mapped[datetime] = mapped_column(default=utcnow)
