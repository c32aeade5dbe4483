"""Reading a contract writes nothing: the view shows what is stored plus what the rules bill."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contracts import contract_view, extend_periods
from core.customers import upsert_customer
from core.models import Contract, ContractPeriod
from knowledge.rules.calendar import DEFAULT_CALENDAR

# Applied 2026-04-10 → start 2026-06-05, first period to 2027-03-31; renewals due 2/25.
VALUES = {
    "customer_id": "NIG-000321", "company": "A社", "contact_name": "山田",
    "email": "a@example.jp", "member": True,
    "applied_on": date(2026, 4, 10), "approved_on": date(2026, 4, 20),
}  # fmt: skip


def _rows(session: Session) -> tuple[int, list[tuple[int, int]]]:
    contracts = session.scalar(select(func.count()).select_from(Contract)) or 0
    periods = session.execute(
        select(ContractPeriod.number, ContractPeriod.fee).order_by(ContractPeriod.number)
    )
    return contracts, [(number, fee) for number, fee in periods]


def test_viewing_a_contract_two_years_on_writes_no_row(session: Session) -> None:
    customer = upsert_customer(session, VALUES, date(2026, 5, 1), DEFAULT_CALENDAR)
    before = _rows(session)
    view = contract_view(session, customer, date(2028, 3, 1), DEFAULT_CALENDAR)
    assert [(p.number, p.fee) for p in view.periods] == [(1, 59_400), (2, 79_200), (3, 79_200)]
    assert [len(session.new), len(session.dirty), len(session.deleted)] == [0, 0, 0]
    assert _rows(session) == before == (1, [(1, 59_400)])


def test_the_view_before_the_sweep_is_the_view_after_it(session: Session) -> None:
    customer = upsert_customer(session, VALUES, date(2026, 5, 1), DEFAULT_CALENDAR)
    today = date(2028, 3, 1)
    unswept = contract_view(session, customer, today, DEFAULT_CALENDAR)
    extend_periods(session, customer, today, DEFAULT_CALENDAR)
    assert _rows(session)[1] == [(1, 59_400), (2, 79_200), (3, 79_200)]
    assert contract_view(session, customer, today, DEFAULT_CALENDAR) == unswept


def test_periods_stored_past_an_end_learnt_later_are_not_shown_and_not_deleted(
    session: Session,
) -> None:
    customer = upsert_customer(session, VALUES, date(2028, 3, 1), DEFAULT_CALENDAR)
    # The end is recorded without the import (which would remove the unowed renewals).
    customer.ended_on = date(2027, 3, 31)
    session.flush()
    view = contract_view(session, customer, date(2028, 3, 1), DEFAULT_CALENDAR)
    assert [p.number for p in view.periods] == [1]
    assert view.status.ended
    assert [number for number, _ in _rows(session)[1]] == [1, 2, 3]
    extend_periods(session, customer, date(2028, 3, 1), DEFAULT_CALENDAR)
    assert [number for number, _ in _rows(session)[1]] == [1]
    assert contract_view(session, customer, date(2028, 3, 1), DEFAULT_CALENDAR) == view


def test_a_customer_whose_contract_is_not_stored_is_shown_as_the_rules_form_it(
    session: Session,
) -> None:
    customer = upsert_customer(session, VALUES, date(2026, 5, 1), DEFAULT_CALENDAR)
    stored = contract_view(session, customer, date(2026, 11, 1), DEFAULT_CALENDAR)
    session.execute(Contract.__table__.delete())
    formed = contract_view(session, customer, date(2026, 11, 1), DEFAULT_CALENDAR)
    assert formed == stored
    assert _rows(session) == (0, [])
