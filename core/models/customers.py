"""Customers, their contracts and periods, and the payments the chamber received."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, utcnow

# `suspended` (第9条1項(1)): set by an approved `suspend` action, lifted by `customers resume`.
CUSTOMER_STATUSES = ("active", "cancelled", "terminated", "suspended")


class Customer(Base):
    """A business that applied for the service; `customer_id` is the chamber's `NIG-000123`."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'cancelled', 'terminated', 'suspended')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(10), unique=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    member: Mapped[bool]
    applied_on: Mapped[date]
    approved_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="active")
    ended_on: Mapped[date | None]
    telegram_user: Mapped[str | None] = mapped_column(String(64))
    # The language of the notices mailed to the customer: "en", or None for Japanese (the
    # optional `lang` column of `customers import`). Replies to a mail follow that mail's.
    lang: Mapped[str | None] = mapped_column(String(2))
    # The approved action that set `status`/`ended_on` (a cancellation, a suspension): what
    # otasuke recorded wins over a re-import (SPEC); None when the CSV set them. No foreign
    # key: actions already point at customers, and actions are never deleted.
    status_action_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contract: Mapped[Contract | None] = relationship(back_populates="customer", lazy="raise")


class Contract(Base):
    """The contract formed at approval (第8条3項): its start and its first-period terms."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    applied_on: Mapped[date]
    approved_on: Mapped[date]
    # 第13条1項: the fee follows member status as of the approval date.
    member: Mapped[bool]
    start_date: Mapped[date]
    free_period_end: Mapped[date]
    annual_fee: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="contract", lazy="raise")
    periods: Mapped[list[ContractPeriod]] = relationship(
        back_populates="contract",
        lazy="raise",
        order_by="ContractPeriod.starts_on",
        cascade="all, delete-orphan",
    )


class ContractPeriod(Base):
    """One 契約期間 (第4条2項): number 1 is the first period, then one per renewal on April 1."""

    __tablename__ = "contract_periods"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    number: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    fee: Mapped[int]
    due_on: Mapped[date]
    member: Mapped[bool]

    contract: Mapped[Contract] = relationship(back_populates="periods", lazy="raise")


class Payment(Base):
    """Money received; natural key: customer, date, amount and `seq` (n-th such row in its file)."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("customer_pk", "paid_on", "amount", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[date]
    amount: Mapped[int]
    seq: Mapped[int] = mapped_column(default=1)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
