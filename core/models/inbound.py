"""Mail read from the mailbox, stored raw before anything else happens, with its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow

# pending: stored, not yet understood; done: taken in; own: our own mail (X-Otasuke-Kind),
# never answered; quarantined: failed MAX_ATTEMPTS times, set aside for staff.
INBOUND_STATUSES = ("pending", "done", "own", "quarantined")


class InboundMail(Base):
    """One mail as read, once: keyed by its Message-ID and, from IMAP, by UIDVALIDITY+UID."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'own', 'quarantined')", name="status"),
        UniqueConstraint("mailbox", "uidvalidity", "uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID (or `<sha256@otasuke.invalid>` of the raw bytes when there is none).
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    # Where it was read: `imap://user@host/INBOX` or `folder:/path/to/inbox`.
    mailbox: Mapped[str] = mapped_column(String(255))
    # IMAP UIDs are 32-bit unsigned (RFC 3501 2.3.1.1): beyond a signed INTEGER.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # The server's receipt time (INTERNALDATE); None for a file (its Received header serves).
    received_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the intake made of it (`request 12, action 7, ack queued`), for staff and tests.
    outcome: Mapped[str | None] = mapped_column(Text)
    # Whether the server copy was marked processed (\Seen $Otasuke, or moved).
    marked: Mapped[bool] = mapped_column(default=False)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
