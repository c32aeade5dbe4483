"""Model behaviour both backends must share: aware datetimes, foreign keys, unique keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import AuditEntry, Customer, Payment


def _customer(customer_id: str = "NIG-000001") -> Customer:
    return Customer(
        customer_id=customer_id, company="株式会社テスト", contact_name="山田",
        email="a@example.jp",
        member=True, applied_on=date(2025, 5, 3), approved_on=date(2025, 5, 10), status="active",
    )  # fmt: skip


def test_datetimes_come_back_aware_and_in_utc(session: Session) -> None:
    jst = timezone(timedelta(hours=9))
    entry = AuditEntry(actor="t", event="e", at=datetime(2026, 1, 15, 9, 0, tzinfo=jst))
    session.add(entry)
    session.flush()
    session.expire_all()
    stored = session.get_one(AuditEntry, entry.id)
    assert stored.at == datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    assert stored.at.tzinfo is not None


def test_a_naive_datetime_is_refused(session: Session) -> None:
    session.add(AuditEntry(actor="t", event="e", at=datetime(2026, 1, 15, 9, 0)))
    with pytest.raises(Exception, match="naive"):
        session.flush()


def test_a_payment_for_a_missing_customer_is_refused(session: Session) -> None:
    session.add(Payment(customer_pk=999_999, paid_on=date(2026, 1, 1), amount=1, seq=1))
    with pytest.raises(IntegrityError):
        session.flush()


def test_two_customers_cannot_share_an_id(session: Session) -> None:
    session.add_all([_customer(), _customer()])
    with pytest.raises(IntegrityError):
        session.flush()


def test_status_must_be_one_the_spec_names(session: Session) -> None:
    customer = _customer()
    customer.status = "paused"
    session.add(customer)
    with pytest.raises(IntegrityError):
        session.flush()
