"""What customers asked for (requests) and what staff must decide (actions, the approval queue)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, utcnow
from core.models.customers import Customer

ACTION_STATUSES = ("pending", "approved", "rejected", "done", "failed")


class Request(Base):
    """One mail or chat message that asked for something, as the intake understood it."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # mail | chat | cli
    customer_pk: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    intent: Mapped[str] = mapped_column(String(40))
    # The server's receipt time (IMAP INTERNALDATE): every deadline is judged by it.
    received_at: Mapped[datetime]
    requested_date: Mapped[date | None]
    message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer | None] = relationship(lazy="raise")


class Action(Base):
    """A step staff approve or reject; `version` makes two decisions at once resolve to one."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'done', 'failed')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    customer_pk: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    request: Mapped[Request | None] = relationship(lazy="raise")
