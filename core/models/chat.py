"""The bot's state: which Telegram user is which customer, and who is staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class ChatLink(Base):
    """A Telegram user linked to a customer after confirming the code mailed to them."""

    __tablename__ = "chat_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Staff(Base):
    """Staff added with `otasuke staff add` (besides OTASUKE_STAFF_TELEGRAM_IDS)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[str | None] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatMessage(Base):
    """A message for a customer's or staff member's chat, queued outside the bot, sent by it."""

    __tablename__ = "chat_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique like the mail outbox's key (`reply:action:12`): queued once, whoever queues it twice.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
