"""Notices the scheduler plans and sends: one per (customer, kind, about), whatever restarts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class Notice(Base):
    """`about` is the date or period it concerns; for `payment_overdue`, `2027-02-25#2`.

    A sweep claims a notice (`claimed_by`, `lease_until`) before it sends it; `sent_at` and
    `outbox_id` are set in the transaction that queues the mail, so a notice is sent once.
    """

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("customer_pk", "kind", "about"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    about: Mapped[str] = mapped_column(String(64))
    scheduled_on: Mapped[date] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]


class UtmReturn(Base):
    """Staff recorded that a customer's UTM came back (第12条6項): the reminders stop."""

    __tablename__ = "utm_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    returned_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
