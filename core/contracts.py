"""A customer's contract as rows: its terms (knowledge) turned into periods, fees and due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.calendar import BusinessCalendar
from knowledge.contract import ContractTerms, contract_terms
from knowledge.periods import renewal_payment_due


@dataclass(frozen=True)
class Period:
    """One 契約期間 with what it costs and when that is due (R5–R7)."""

    number: int
    starts_on: date
    ends_on: date
    fee: int
    due_on: date
    member: bool


def terms_of(
    applied_on: date, approved_on: date, member: bool, calendar: BusinessCalendar
) -> ContractTerms:
    """The contract's first-period terms (R2–R7, R9, R12, R15)."""
    return contract_terms(applied_on, approved_on, member, calendar)


def periods_until(terms: ContractTerms, until: date, ended_on: date | None = None) -> list[Period]:
    """The periods begun by `until`, and the next renewal (billed before it starts, R7).

    Nothing that starts after `ended_on` (a contract that has ended, or will, does not renew).
    """
    periods = [
        Period(
            1,
            terms.start_date,
            terms.first_period_end,
            terms.first_fee,
            terms.first_payment_due,
            terms.member,
        )
    ]
    # 第4条2項, 第13条1項: each renewal runs 4/1–3/31 at the annual fee of the approval-date status.
    year = terms.first_period_end.year
    while periods[-1].starts_on <= until:
        starts_on = date(year, 4, 1)
        if ended_on is not None and starts_on > ended_on:
            break
        periods.append(
            Period(
                len(periods) + 1,
                starts_on,
                date(year + 1, 3, 31),
                terms.annual_fee,
                renewal_payment_due(date(year, 3, 31), terms.first_payment_due),
                terms.member,
            )
        )
        year += 1
    return periods


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
