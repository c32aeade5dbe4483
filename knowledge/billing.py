"""A contract's periods over the years, what each costs and when it is due (R3, R5–R7)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from knowledge.money import annual_fee
from knowledge.periods import renewal_payment_due

if TYPE_CHECKING:
    from knowledge.contract import ContractTerms


@dataclass(frozen=True)
class Period:
    """One 契約期間 with what it costs and when that is due (R5–R7)."""

    number: int
    starts_on: date
    ends_on: date
    fee: int
    due_on: date
    member: bool


def plan_periods(
    terms: ContractTerms, ended_on: date | None = None, member: bool | None = None
) -> Iterator[Period]:
    """Every period the contract has, in order: the first, then one renewal a year (endless).

    None starts after `ended_on` (an ended contract does not renew; one ended before its start
    has no period at all). Renewals cost the annual fee of `member` (default: the terms' status).
    """
    if ended_on is not None and ended_on < terms.start_date:
        return
    yield Period(
        1,
        terms.start_date,
        terms.first_period_end,
        terms.first_fee,
        terms.first_payment_due,
        terms.member,
    )
    member = terms.member if member is None else member
    fee = annual_fee(member)
    # 第4条2項②, 第12条2項: each renewal runs from 契約更新日 4/1 to 3/31.
    year, number = terms.first_period_end.year, 2
    while ended_on is None or date(year, 4, 1) <= ended_on:
        due = renewal_payment_due(date(year, 3, 31), terms.first_payment_due)
        yield Period(number, date(year, 4, 1), date(year + 1, 3, 31), fee, due, member)
        year, number = year + 1, number + 1


def next_payment(periods: Iterable[Period], today: date) -> tuple[date, int] | None:
    """The first due date on or after `today` that asks for money, with everything due then."""
    # A 0-yen first payment (a March start) owes nothing (R6); when it shares its date with the
    # first renewal (R7 なお書き), the two are one payment. Due dates never decrease.
    found: date | None = None
    amount = 0
    for period in periods:
        if found is not None and period.due_on > found:
            break
        if period.fee and period.due_on >= today:
            found = period.due_on
            amount += period.fee
    return (found, amount) if found is not None else None
