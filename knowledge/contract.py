"""A contract's dates and fees from its application and approval (R2–R7, R9, R12, R15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.calendar import DEFAULT_CALENDAR, BusinessCalendar
from knowledge.cancellation import refund_request_deadline, term_end_cancel_deadline
from knowledge.insurance import insurance_year
from knowledge.money import annual_fee, monthly_fee
from knowledge.periods import (
    first_fee,
    first_payment_due,
    first_period_end,
    free_period_end,
    paid_months,
    renewal_payment_due,
    start_date,
)

__all__ = [
    "ContractStatus",
    "ContractTerms",
    "annual_fee",
    "contract_status",
    "contract_terms",
    "first_fee",
    "first_payment_due",
    "first_period_end",
    "free_period_end",
    "insurance_year",
    "monthly_fee",
    "paid_months",
    "renewal_payment_due",
    "start_date",
]


@dataclass(frozen=True)
class ContractTerms:
    """Everything a contract's first period fixes (the spec's `rules contract` fields and more)."""

    applied_on: date
    approved_on: date
    member: bool
    start_date: date
    free_period_end: date
    first_period_end: date
    paid_months: int
    annual_fee: int
    monthly_fee: int
    first_fee: int
    first_payment_due: date
    renewal_payment_due: date
    term_end_cancel_deadline: date
    term_end_cancellable: bool
    refund_request_deadline: date
    insurance_start: date
    insurance_end: date

    def to_json(self) -> dict[str, object]:
        """The spec's `otasuke rules contract --json` object (ISO dates, integer yen)."""
        return {
            "start_date": self.start_date.isoformat(),
            "free_period_end": self.free_period_end.isoformat(),
            "first_period_end": self.first_period_end.isoformat(),
            "paid_months": self.paid_months,
            "annual_fee": self.annual_fee,
            "first_fee": self.first_fee,
            "first_payment_due": self.first_payment_due.isoformat(),
            "renewal_payment_due": self.renewal_payment_due.isoformat(),
            "term_end_cancel_deadline": self.term_end_cancel_deadline.isoformat(),
            "refund_request_deadline": self.refund_request_deadline.isoformat(),
            "insurance_start": self.insurance_start.isoformat(),
            "insurance_end": self.insurance_end.isoformat(),
            "monthly_fee": self.monthly_fee,
            "term_end_cancellable": self.term_end_cancellable,
        }


def contract_terms(
    applied_on: date,
    approved_on: date,
    member: bool,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> ContractTerms:
    """Derive a contract's first-period dates and fees from its application and approval."""
    start = start_date(applied_on, calendar)
    period_end = first_period_end(start)
    first_due = first_payment_due(approved_on)
    deadline = term_end_cancel_deadline(period_end, calendar)
    insured_from, insured_to = insurance_year(start, start)
    return ContractTerms(
        applied_on=applied_on,
        approved_on=approved_on,
        member=member,
        start_date=start,
        free_period_end=free_period_end(start),
        first_period_end=period_end,
        paid_months=paid_months(start),
        annual_fee=annual_fee(member),
        monthly_fee=monthly_fee(member),
        first_fee=first_fee(start, member),
        first_payment_due=first_due,
        renewal_payment_due=renewal_payment_due(period_end, first_due),
        term_end_cancel_deadline=deadline,
        # R9: a February/March start's first deadline can precede the application itself.
        term_end_cancellable=deadline >= applied_on,
        refund_request_deadline=refund_request_deadline(start, calendar),
        insurance_start=insured_from,
        insurance_end=insured_to,
    )


@dataclass(frozen=True)
class ContractStatus:
    """A contract as of one day: its current period, deadlines, next payment and insurance."""

    today: date
    before_start: bool
    in_free_period: bool
    first_period: bool
    period_start: date
    period_end: date
    cancel_deadline: date
    term_end_cancellable: bool
    cancel_deadline_passed: bool
    next_period_start: date
    next_period_end: date
    renewal_fee: int
    renewal_payment_due: date
    next_payment_due: date
    next_payment_amount: int
    insurance_start: date
    insurance_end: date


def contract_status(
    terms: ContractTerms, today: date, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> ContractStatus:
    """The contract as of `today`: the period containing it (before the start, the first one)."""
    first = today <= terms.first_period_end
    if first:
        period_start, period_end = terms.start_date, terms.first_period_end
        deadline, cancellable = terms.term_end_cancel_deadline, terms.term_end_cancellable
    else:
        # 第12条2項: each renewal runs from 契約更新日 April 1 for one year.
        year = today.year if today.month >= 4 else today.year - 1
        period_start, period_end = date(year, 4, 1), date(year + 1, 3, 31)
        deadline, cancellable = term_end_cancel_deadline(period_end, calendar), True
    due, amount = _next_payment(terms, today)
    insured_from, insured_to = insurance_year(terms.start_date, today)
    return ContractStatus(
        today=today,
        before_start=today < terms.start_date,
        in_free_period=terms.start_date <= today <= terms.free_period_end,
        first_period=first,
        period_start=period_start,
        period_end=period_end,
        cancel_deadline=deadline,
        term_end_cancellable=cancellable,
        cancel_deadline_passed=today > deadline,
        next_period_start=date(period_end.year, 4, 1),
        next_period_end=date(period_end.year + 1, 3, 31),
        renewal_fee=terms.annual_fee,
        renewal_payment_due=renewal_payment_due(period_end, terms.first_payment_due),
        next_payment_due=due,
        next_payment_amount=amount,
        insurance_start=insured_from,
        insurance_end=insured_to,
    )


def _next_payment(terms: ContractTerms, today: date) -> tuple[date, int]:
    """The first due date on or after `today` that asks for money, with everything due then."""
    # A 0-yen first payment (a March start) owes nothing (R6); when it shares its date with the
    # first renewal (R7 なお書き), the two are one payment.
    dues: dict[date, int] = {}
    if terms.first_fee:
        dues[terms.first_payment_due] = terms.first_fee
    first_renewal_year = terms.first_period_end.year
    skip = max(0, today.year - first_renewal_year)
    for year in (first_renewal_year + skip, first_renewal_year + skip + 1):
        due = renewal_payment_due(date(year, 3, 31), terms.first_payment_due)
        dues[due] = dues.get(due, 0) + terms.annual_fee
    due = min(d for d in dues if d >= today)
    return due, dues[due]
