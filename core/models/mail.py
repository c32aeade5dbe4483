"""Mail state: the outbox (each mail once), imported UTM alerts, and the IMAP read cursor."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMail(Base):
    """An outgoing mail; its unique `key` (e.g. `ack:<message-id>`) means it is queued only once."""

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set once, at the first claim at the latest: every retry, and a resend after a crash, goes
    # out with this Message-ID, so a duplicate is recognisably the same mail.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # After a partial refusal, the recipients still to be tried (the others have the mail);
    # the To header stays `to_address`. None: everyone in `to_address`.
    pending_to: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    customer_pk: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Alert(Base):
    """A UTM alert for a customer; a critical one (★★★) opens a dispatch window (第4条1項(3))."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(Text)
    critical: Mapped[bool] = mapped_column(default=False)
    dispatch_window_end: Mapped[date | None]
    source_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The portal's fields (SPEC "Alerts and staff"): `subject` holds its `title`, `source_key`
    # its `alert_id`, `received_at` its `at`.
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    detail: Mapped[str] = mapped_column(Text, default="")


class MailCursor(Base):
    """How far the mail worker has read a folder; a new UIDVALIDITY means start over."""

    __tablename__ = "mail_cursors"
    __table_args__ = (UniqueConstraint("folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str] = mapped_column(String(255))
    # UIDs and UIDVALIDITY are 32-bit unsigned (RFC 3501 2.3.1.1).
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The first connection: a rescan after a UIDVALIDITY change skips mail older than this.
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # After a UIDVALIDITY change: UIDs below this are rescanned, skipping mail received before
    # `first_seen_at` (the Message-ID dedup recognises what was read under the old UIDs).
    rescan_below_uid: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
