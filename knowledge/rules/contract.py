"""A contract's dates and fees from its application and approval (R2–R7, R9, R12, R15)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import takewhile, tee

from knowledge.rules.billing import Payments, Period, next_payment, plan_periods
from knowledge.rules.calendar import DEFAULT_CALENDAR, BusinessCalendar
from knowledge.rules.cancellation import refund_request_deadline, term_end_cancel_deadline
from knowledge.rules.insurance import insurance_year
from knowledge.rules.money import annual_fee, monthly_fee
from knowledge.rules.periods import (
    first_fee,
    first_payment_due,
    first_period_end,
    free_period_end,
    paid_months,
    renewal_payment_due,
    start_date,
)

__all__ = [
    "ContractDatesError",
    "ContractStatus",
    "ContractTerms",
    "annual_fee",
    "check_contract_dates",
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


class ContractDatesError(ValueError):
    """Dates no contract can have; `option` names the one at fault (`approved`)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def check_contract_dates(applied_on: date, approved_on: date) -> None:
    """The one check of a contract's own dates, for every caller: approval follows application."""
    # 第8条: the chamber approves an application it has received; the contract forms then.
    if approved_on < applied_on:
        raise ContractDatesError(
            "approved", f"{approved_on} is before the application date {applied_on}"
        )


def contract_terms(
    applied_on: date,
    approved_on: date,
    member: bool,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> ContractTerms:
    """Derive a contract's first-period dates and fees from its application and approval.

    Dates no contract can have → ContractDatesError; dates in years whose holidays are not
    known → CalendarRangeError (both ValueErrors).
    """
    check_contract_dates(applied_on, approved_on)
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


# How far ahead the next payment is looked for: payments beyond that are a mistake to fix.
PREPAID_YEARS_SHOWN = 50


@dataclass(frozen=True)
class ContractStatus:
    """A contract as of one day: its current period, deadlines, next payment and insurance.

    After the contract's end (`ended`) there is no current period, deadline, renewal or next
    payment: those fields are None. Insurance: see `contract_status`.
    """

    today: date
    ended_on: date | None
    ended: bool
    before_start: bool
    in_free_period: bool
    first_period: bool
    period_start: date | None
    period_end: date | None
    cancel_deadline: date | None
    term_end_cancellable: bool
    cancel_deadline_passed: bool
    next_period_start: date | None
    next_period_end: date | None
    renewal_fee: int
    renewal_payment_due: date | None
    # The first due date from `today` on not covered by the payments received (`next_payment`):
    # what is still to pay then, and the whole of that date's fees (more after a partial payment).
    next_payment_due: date | None
    next_payment_amount: int
    next_payment_fee: int
    insurance_start: date | None
    insurance_end: date | None
    # 第4条3項但し書: when the contract ends inside an insurance year, only causes that arose by
    # its end are covered; None when the whole insurance year is covered.
    insurance_causes_until: date | None


def contract_status(
    terms: ContractTerms,
    today: date,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
    ended_on: date | None = None,
    periods: Iterable[Period] | None = None,
    payments: Payments = (),
) -> ContractStatus:
    """The contract as of `today`: the period containing it (before the start, the first one).

    `ended_on` is the contract's last day (cancelled or terminated); `periods` the contract's
    periods in order (default: `plan_periods`), e.g. those billed with their fixed fees first;
    `payments` those received, (paid_on, amount) oldest first (a debt they cover is not next).
    """
    ended = ended_on is not None and today > ended_on
    # A contract ended before its start never had a period (第8条6項).
    never = ended_on is not None and ended_on < terms.start_date
    first = today <= terms.first_period_end
    if first:
        period_start, period_end = terms.start_date, terms.first_period_end
        deadline, cancellable = terms.term_end_cancel_deadline, terms.term_end_cancellable
    else:
        # 第12条2項: each renewal runs from 契約更新日 April 1 for one year.
        year = today.year if today.month >= 4 else today.year - 1
        period_start, period_end = date(year, 4, 1), date(year + 1, 3, 31)
        deadline, cancellable = term_end_cancel_deadline(period_end, calendar), True
    # An end already fixed inside this period leaves nothing to cancel and nothing to renew.
    ends_now = ended_on is not None and ended_on <= period_end
    renewal_due = renewal_payment_due(period_end, terms.first_payment_due)
    # The periods are read only as far as needed: to the next period for its fee, and to the
    # first debt the payments do not cover (years ahead after payments made early; none left
    # when an ended contract is paid up, or within PREPAID_YEARS_SHOWN of an overpaid one).
    horizon = date(period_end.year + PREPAID_YEARS_SHOWN, 4, 1)
    listed = takewhile(
        lambda p: p.starts_on <= horizon,
        plan_periods(terms, ended_on) if periods is None else periods,
    )
    for_fee, for_payment = tee(listed)
    next_start = date(period_end.year, 4, 1)
    upcoming = takewhile(lambda p: p.starts_on <= next_start, for_fee)
    renewal_fee = next((p.fee for p in upcoming if p.starts_on == next_start), terms.annual_fee)
    payment = next_payment(for_payment, today, payments)
    insured = _insurance(terms, today, ended_on)
    current = not (ended or never)
    return ContractStatus(
        today=today,
        ended_on=ended_on,
        ended=ended,
        before_start=today < terms.start_date,
        in_free_period=current and terms.start_date <= today <= terms.free_period_end,
        first_period=first,
        period_start=period_start if current else None,
        period_end=(min(period_end, ended_on) if ends_now else period_end) if current else None,
        cancel_deadline=None if ends_now or not current else deadline,
        term_end_cancellable=cancellable and current and not ends_now,
        cancel_deadline_passed=current and not ends_now and today > deadline,
        next_period_start=None if ends_now or not current else next_start,
        next_period_end=None if ends_now or not current else date(period_end.year + 1, 3, 31),
        renewal_fee=renewal_fee,
        renewal_payment_due=None if ends_now or not current else renewal_due,
        next_payment_due=payment.due_on if payment else None,
        next_payment_amount=payment.amount if payment else 0,
        next_payment_fee=payment.fee if payment else 0,
        insurance_start=insured[0] if insured else None,
        insurance_end=insured[1] if insured else None,
        insurance_causes_until=insured[2] if insured else None,
    )


def _insurance(
    terms: ContractTerms, today: date, ended_on: date | None
) -> tuple[date, date, date | None] | None:
    """The insurance year that applies on `today`, and the last day a covered cause may arise.

    第4条3項: the insurance year runs one year from the 1st of the month after the start,
    whatever the usage period; 但し書: once the contract has ended (not renewed), causes that
    arise after its end are not covered. Our reading: the insurance year in which the contract
    ends still runs to its own end for causes that arose by the contract's end (a dispatch
    after the end for an earlier ★★★ alert is paid), and is no longer shown once it is over;
    no further insurance year follows (第4条4項 extends it only at a renewal).
    """
    if ended_on is None or today <= ended_on:
        begin, end = insurance_year(terms.start_date, today)
    elif ended_on < terms.insurance_start:
        return None  # ended before any insurance began
    else:
        begin, end = insurance_year(terms.start_date, ended_on)
        if today > end:
            return None
    if ended_on is not None and ended_on < begin:
        return None
    return begin, end, ended_on if ended_on is not None and ended_on < end else None
