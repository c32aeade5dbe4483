"""Stored contract periods: created once by `extend_periods`, their fees fixed when billed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import contract_view, extend_periods
from core.customers import upsert_customer
from core.models import ContractPeriod
from knowledge.rules.calendar import DEFAULT_CALENDAR

# Applied 2026-04-10 → start 2026-06-05; approved 4/20 → first fee due 5/25, renewals 2/25.
VALUES = {
    "customer_id": "NIG-000321", "company": "A社", "contact_name": "山田",
    "email": "a@example.jp", "member": True,
    "applied_on": date(2026, 4, 10), "approved_on": date(2026, 4, 20),
}  # fmt: skip


def _stored(session: Session) -> list[tuple[int, int, date]]:
    rows = session.execute(
        select(ContractPeriod.number, ContractPeriod.fee, ContractPeriod.due_on).order_by(
            ContractPeriod.number
        )
    )
    return [tuple(row) for row in rows]


def test_extending_creates_each_period_once_as_it_falls_due(session: Session) -> None:
    customer = upsert_customer(session, VALUES, date(2026, 5, 1), DEFAULT_CALENDAR)
    assert _stored(session) == [(1, 59_400, date(2026, 5, 25))]
    for _ in range(2):
        extend_periods(session, customer, date(2027, 2, 25), DEFAULT_CALENDAR)
    assert _stored(session) == [(1, 59_400, date(2026, 5, 25)), (2, 79_200, date(2027, 2, 25))]


def test_a_fee_is_fixed_when_its_period_is_billed(session: Session) -> None:
    customer = upsert_customer(session, VALUES, date(2027, 3, 1), DEFAULT_CALENDAR)
    # The customer leaves the chamber (第19条): billed periods keep their fees (第13条2項),
    # the next renewal is billed at the non-member fee.
    customer = upsert_customer(
        session, VALUES | {"member": False}, date(2027, 3, 1), DEFAULT_CALENDAR
    )
    view = contract_view(session, customer, date(2028, 3, 1), DEFAULT_CALENDAR)
    assert [(p.number, p.fee) for p in view.periods] == [(1, 59_400), (2, 79_200), (3, 99_000)]
    assert view.status.next_payment_due == date(2029, 2, 25)
    assert (view.status.next_payment_amount, view.annual_fee) == (99_000, 99_000)


def test_the_view_reads_the_stored_fee_not_a_recomputed_one(session: Session) -> None:
    customer = upsert_customer(session, VALUES, date(2026, 5, 1), DEFAULT_CALENDAR)
    # A fee the chamber set on the stored period (e.g. a negotiated one) is what is owed.
    row = session.scalars(select(ContractPeriod).where(ContractPeriod.number == 1)).one()
    row.fee = 50_000
    session.flush()
    view = contract_view(session, customer, date(2026, 5, 20), DEFAULT_CALENDAR)
    assert [p.fee for p in view.periods] == [50_000]
    assert (view.status.next_payment_due, view.status.next_payment_amount) == (
        date(2026, 5, 25), 50_000,
    )  # fmt: skip
