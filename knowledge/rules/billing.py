"""A contract's periods over the years, what each costs and when it is due (R3, R5–R7)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain, groupby
from typing import NamedTuple, Protocol

from knowledge.rules.money import annual_fee
from knowledge.rules.periods import renewal_payment_due


class FirstPeriod(Protocol):
    """What the periods follow from: the first period as formed at approval (a ContractTerms)."""

    @property
    def member(self) -> bool: ...
    @property
    def start_date(self) -> date: ...
    @property
    def first_period_end(self) -> date: ...
    @property
    def first_fee(self) -> int: ...
    @property
    def first_payment_due(self) -> date: ...


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
    terms: FirstPeriod, ended_on: date | None = None, member: bool | None = None
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


def billed_by(period: Period, on: date) -> bool:
    """Whether a period exists as of `on`: the first always (formed at approval, 第8条3項),
    a renewal once it has begun or its fee has fallen due (R7: billed before it starts)."""
    return period.number == 1 or period.starts_on <= on or period.due_on <= on


def periods_until(
    terms: FirstPeriod, until: date, ended_on: date | None = None, member: bool | None = None
) -> list[Period]:
    """The periods that exist by `until` (`billed_by`), none starting after `ended_on`."""
    out = []
    for period in plan_periods(terms, ended_on, member):
        if not billed_by(period, until):
            break
        out.append(period)
    return out


def periods_of_ended(terms: FirstPeriod, ended_on: date) -> int:
    """How many periods a contract that ends on `ended_on` has (none after it, 第12条)."""
    return sum(1 for _ in plan_periods(terms, ended_on))


def billed_periods(
    terms: FirstPeriod,
    stored: Iterable[Period],
    today: date,
    ended_on: date | None = None,
    member: bool | None = None,
) -> list[Period]:
    """The periods billed by `today`: those stored (their fees fixed, 第13条2項), none after
    the contract's end, then those the plan adds that are not stored yet (`periods_until`)."""
    kept = list(stored)
    if ended_on is not None:
        last = periods_of_ended(terms, ended_on)
        kept = [period for period in kept if period.number <= last]
    after = kept[-1].number if kept else 0
    return kept + [p for p in periods_until(terms, today, ended_on, member) if p.number > after]


def schedule(
    terms: FirstPeriod,
    billed: Iterable[Period] = (),
    ended_on: date | None = None,
    member: bool | None = None,
) -> Iterator[Period]:
    """The periods already billed (their fees fixed, 第13条2項), then the plan after them."""
    billed = list(billed)
    after = billed[-1].number if billed else 0
    planned = (p for p in plan_periods(terms, ended_on, member) if p.number > after)
    return chain(billed, planned)


# (paid_on, amount) of each payment the chamber received, oldest first.
Payments = Sequence[tuple[date, int]]


def due_by(periods: Iterable[Period], on: date) -> int:
    """Everything that fell due on or before `on`."""
    return sum(period.fee for period in periods if period.due_on <= on)


def paid_by(payments: Payments, on: date) -> int:
    """Everything received on or before `on`."""
    return sum(amount for paid_on, amount in payments if paid_on <= on)


def debt_paid(periods: Iterable[Period], payments: Payments, due_on: date, on: date) -> bool:
    """SPEC: a debt counts as paid on `on` when payments up to then cover all due up to `due_on`."""
    return paid_by(payments, on) >= due_by(periods, due_on)


class NextPayment(NamedTuple):
    """The next due date that asks for money, what is still to pay then, and its whole fee."""

    due_on: date
    amount: int  # the fees due that day less what payments received beyond earlier debts cover
    fee: int  # every fee that falls due that day


def next_payment(periods: Iterable[Period], today: date, payments: Payments) -> NextPayment | None:
    """The first due date on or after `today` whose debt the payments received by `today` do not
    cover (SPEC: paid when they cover everything due up to it), with what is left of it.

    Payments settle the oldest debts first: one paid early covers its due date (the next payment
    is then the one after it), a partial one leaves the rest of that date's fees due.
    """
    # A 0-yen first payment (a March start) owes nothing (R6); when it shares its date with the
    # first renewal (R7 なお書き), the two are one payment. Due dates never decrease.
    paid = paid_by(payments, today)
    owed_by = 0
    for due_on, group in groupby(periods, key=lambda period: period.due_on):
        fee = sum(period.fee for period in group)
        owed_by += fee
        if fee and due_on >= today and owed_by > paid:
            return NextPayment(due_on, min(fee, owed_by - paid), fee)
    return None
