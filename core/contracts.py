"""A customer's contract as rows: its terms (knowledge) turned into periods, fees and due dates."""

from __future__ import annotations

from datetime import date

from knowledge.billing import Period, periods_until
from knowledge.calendar import BusinessCalendar
from knowledge.contract import ContractTerms, contract_terms

__all__ = ["Period", "debt_paid", "due_by", "paid_by", "periods_until", "terms_of"]


def terms_of(
    applied_on: date, approved_on: date, member: bool, calendar: BusinessCalendar
) -> ContractTerms:
    """The contract's first-period terms (R2–R7, R9, R12, R15)."""
    return contract_terms(applied_on, approved_on, member, calendar)


def due_by(periods: list[Period], on: date) -> int:
    """Everything that fell due on or before `on`."""
    return sum(period.fee for period in periods if period.due_on <= on)


def paid_by(payments: list[tuple[date, int]], on: date) -> int:
    """Everything received on or before `on`."""
    return sum(amount for paid_on, amount in payments if paid_on <= on)


def debt_paid(
    periods: list[Period], payments: list[tuple[date, int]], due_on: date, on: date
) -> bool:
    """SPEC: a debt counts as paid on `on` when payments up to then cover all due up to `due_on`."""
    return paid_by(payments, on) >= due_by(periods, due_on)
