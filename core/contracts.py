"""Customers' contracts as rows: the stored periods are the record of what each costs and when.

A period's fee is fixed when its row is created (第13条2項: a year's fee, once set, is not
changed), from the member status on record then (第13条1項: the first period's at approval,
when the contract row is made; each renewal's when it is billed — a customer who left the
chamber, 第19条, pays the non-member fee from the next renewal on). `extend_contracts` creates
the rows idempotently: the import, and the daily sweep that bills what fell due. Reading
(`contract_view`) writes nothing: it shows the rows stored, and the periods the rules bill by
the day asked about that are not stored yet, as the sweep would store them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import takewhile
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.models import Contract, ContractPeriod, Customer, Payment, utcnow
from knowledge.rules.billing import (
    Period,
    billed_by,
    billed_periods,
    periods_of_ended,
    periods_until,
    schedule,
)
from knowledge.rules.calendar import BusinessCalendar
from knowledge.rules.contract import ContractStatus, ContractTerms, contract_status, contract_terms
from knowledge.rules.money import annual_fee, monthly_fee

__all__ = [
    "ContractInputs",
    "ContractView",
    "Period",
    "contract_view",
    "extend_contracts",
    "extend_periods",
    "payments_of",
]


class ContractInputs(NamedTuple):
    """What a customer's contract follows from (the import's columns)."""

    applied_on: date
    approved_on: date
    member: bool
    ended_on: date | None


def extend_periods(
    session: Session, customer: Customer, today: date, calendar: BusinessCalendar
) -> None:
    """Create the contract and the periods begun or fallen due by `today`; idempotent."""
    inputs = ContractInputs(
        customer.applied_on, customer.approved_on, customer.member, customer.ended_on
    )
    extend_contracts(session, {customer.id: inputs}, today, calendar)


def extend_contracts(
    session: Session,
    inputs: Mapping[int, ContractInputs],
    today: date,
    calendar: BusinessCalendar,
    rewrite: Collection[int] = (),
) -> None:
    """`extend_periods` for many customers (by primary key) at once; `rewrite` starts afresh.

    Rows already stored keep their fees; periods stored beyond the contract's end are removed.
    """
    if not inputs:
        return
    if rewrite:
        session.execute(delete(Contract).where(Contract.customer_pk.in_(rewrite)))
    stored = {
        pk: (contract_id, last or 0)
        for pk, contract_id, last in session.execute(
            select(Contract.customer_pk, Contract.id, func.max(ContractPeriod.number))
            .outerjoin(ContractPeriod, ContractPeriod.contract_id == Contract.id)
            .where(Contract.customer_pk.in_(inputs))
            .group_by(Contract.customer_pk, Contract.id)
        )
    }
    terms = {
        pk: contract_terms(given.applied_on, given.approved_on, given.member, calendar)
        for pk, given in inputs.items()
    }
    _create_contracts(session, [pk for pk in inputs if pk not in stored], terms, stored)
    rows: list[dict[str, object]] = []
    for pk, given in inputs.items():
        contract_id, last = stored[pk]
        for period in periods_until(terms[pk], today, given.ended_on, given.member):
            if period.number > last:
                rows.append({"contract_id": contract_id, **vars(period)})
        if given.ended_on is not None and last:
            # An end date learnt after renewals were billed: those periods are not owed.
            kept = periods_of_ended(terms[pk], given.ended_on)
            if last > kept:
                session.execute(
                    delete(ContractPeriod).where(
                        ContractPeriod.contract_id == contract_id, ContractPeriod.number > kept
                    )
                )
    if rows:
        session.execute(insert(ContractPeriod.__table__), rows)


def _create_contracts(
    session: Session,
    pks: list[int],
    terms: Mapping[int, ContractTerms],
    stored: dict[int, tuple[int, int]],
) -> None:
    if not pks:
        return
    now = utcnow()
    session.execute(
        insert(Contract.__table__),
        [
            {
                "customer_pk": pk,
                "applied_on": terms[pk].applied_on,
                "approved_on": terms[pk].approved_on,
                "member": terms[pk].member,
                "start_date": terms[pk].start_date,
                "free_period_end": terms[pk].free_period_end,
                "annual_fee": terms[pk].annual_fee,
                "updated_at": now,
            }
            for pk in pks
        ],
    )
    # RETURNING in parameter order would fall back to one INSERT per row on SQLite: select instead.
    for pk, contract_id in session.execute(
        select(Contract.customer_pk, Contract.id).where(Contract.customer_pk.in_(pks))
    ):
        stored[pk] = (contract_id, 0)


SCHEDULE_AHEAD = timedelta(days=800)  # two renewals ahead of any day


@dataclass(frozen=True)
class ContractView:
    """One customer's contract as of a day, computed once for `customers show` and `ask`."""

    terms: ContractTerms  # as formed at approval (the stored contract)
    status: ContractStatus
    periods: list[Period]  # the periods that exist as of `today`, fees as billed
    payments: list[tuple[date, int]]
    annual_fee: int  # what a renewal billed now costs (the member status on record)
    monthly_fee: int
    # The periods billed, then those the rules will bill, due up to SCHEDULE_AHEAD from `today`
    # (a contract that never ends has no last one).
    schedule: list[Period] = field(default_factory=list)


def contract_view(
    session: Session, customer: Customer, today: date, calendar: BusinessCalendar
) -> ContractView:
    """The contract as of `today`: what is stored, and what the rules bill by then that the
    daily sweep (`extend_contracts`) has not stored yet. Writes nothing."""
    contract = session.scalar(select(Contract).where(Contract.customer_pk == customer.id))
    if contract is None:  # not stored yet: as the import would form it from the customer's row
        terms = contract_terms(customer.applied_on, customer.approved_on, customer.member, calendar)
        stored = []
    else:
        terms = contract_terms(contract.applied_on, contract.approved_on, contract.member, calendar)
        stored = [
            Period(row.number, row.starts_on, row.ends_on, row.fee, row.due_on, row.member)
            for row in session.scalars(
                select(ContractPeriod)
                .where(ContractPeriod.contract_id == contract.id)
                .order_by(ContractPeriod.number)
            )
        ]
    periods = billed_periods(terms, stored, today, customer.ended_on, customer.member)
    planned = schedule(terms, periods, customer.ended_on, customer.member)
    payments = payments_of(session, customer)
    status = contract_status(terms, today, calendar, customer.ended_on, planned, payments)
    return ContractView(
        terms=terms,
        status=status,
        periods=[period for period in periods if billed_by(period, today)],
        payments=payments,
        annual_fee=annual_fee(customer.member),
        monthly_fee=monthly_fee(customer.member),
        schedule=list(
            takewhile(
                lambda period: period.due_on <= today + SCHEDULE_AHEAD,
                schedule(terms, periods, customer.ended_on, customer.member),
            )
        ),
    )


def payments_of(session: Session, customer: Customer) -> list[tuple[date, int]]:
    """(paid_on, amount) of every payment received from the customer, oldest first."""
    rows = session.execute(
        select(Payment.paid_on, Payment.amount)
        .where(Payment.customer_pk == customer.id)
        .order_by(Payment.paid_on, Payment.id)
    )
    return [(paid_on, amount) for paid_on, amount in rows]
