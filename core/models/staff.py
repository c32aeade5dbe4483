"""What staff must be told: quarantined mail, a dead mailbox, failed mail, chat conflicts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class StaffNotice(Base):
    """One thing staff must know; `announced_at` is set once the chat has told them."""

    __tablename__ = "staff_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    text: Mapped[str] = mapped_column(Text)
    # A notice with a key is recorded once (`mailbox-dead:INBOX:2026-12-03`): a worker that
    # notices the same trouble every minute tells staff once, not every minute.
    key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    announced_at: Mapped[datetime | None]
