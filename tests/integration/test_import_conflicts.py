"""What otasuke recorded wins over a re-import, unless staff say --overwrite (SPEC)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import executor, queue
from core.imports import CUSTOMER_COLUMNS, import_customers
from core.models import Customer
from core.settings import load_settings
from knowledge.rules.calendar import DEFAULT_CALENDAR

HEADER = ",".join(CUSTOMER_COLUMNS)
ROW = "NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,2025-05-03,2025-05-10,{status},{ended},"
TODAY = date(2026, 12, 3)


def _import(session: Session, tmp_path: Path, *rows: str, overwrite: bool = False):
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return import_customers(
        session, path, today=TODAY, calendar=DEFAULT_CALENDAR, overwrite=overwrite
    )


def _customer(session: Session) -> Customer:
    return session.scalars(select(Customer).execution_options(populate_existing=True)).one()


def _cancel(session: Session) -> int:
    customer = _customer(session)
    action_id = queue.enqueue(
        session, "cancel_midterm", "中途解約", customer=customer,
        payload={"effective_date": "2027-01-31", "on_time": True, "lang": "ja"},
    ).id  # fmt: skip
    assert executor.approve(session, action_id, "cli:a", settings=load_settings({})).ok
    return action_id


def test_a_reimport_that_would_undo_an_approved_cancellation_is_a_conflict_not_applied(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path, ROW.format(status="active", ended=""))
    action_id = _cancel(session)
    other = "NIG-000002,別会社,佐藤,b@example.jp,0,2025-06-03,2025-06-10,active,,"
    report = _import(session, tmp_path, ROW.format(status="active", ended=""), other)
    assert report.inserted == 1
    assert report.conflicts == [
        (2, f"NIG-000001: otasuke recorded cancelled (ended_on 2027-01-31) by action "
            f"#{action_id}; the file says active: not applied (--overwrite applies it)")
    ]  # fmt: skip
    customer = session.scalars(
        select(Customer)
        .where(Customer.customer_id == "NIG-000001")
        .execution_options(populate_existing=True)
    ).one()
    assert (customer.status, customer.ended_on) == ("cancelled", date(2027, 1, 31))
    assert report.as_dict()["conflicts"][0]["line"] == 2


def test_a_row_that_agrees_with_otasuke_is_applied_and_the_record_still_wins_later(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path, ROW.format(status="active", ended=""))
    _cancel(session)
    agreeing = ROW.format(status="cancelled", ended="2027-01-31").replace("山田太郎", "山田花子")
    report = _import(session, tmp_path, agreeing)
    assert (report.updated, report.conflicts) == (1, [])
    assert _customer(session).contact_name == "山田花子"
    stale = _import(session, tmp_path, ROW.format(status="active", ended=""))
    assert len(stale.conflicts) == 1


def test_overwrite_applies_the_row_and_the_file_decides_from_then_on(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path, ROW.format(status="active", ended=""))
    _cancel(session)
    report = _import(session, tmp_path, ROW.format(status="active", ended=""), overwrite=True)
    assert (report.updated, report.conflicts) == (1, [])
    customer = _customer(session)
    assert (customer.status, customer.ended_on, customer.status_action_id) == (
        "active", None, None,
    )  # fmt: skip
    again = _import(session, tmp_path, ROW.format(status="cancelled", ended="2026-12-31"))
    assert (again.updated, again.conflicts) == (1, [])


def test_a_suspension_is_not_lifted_by_a_reimport(session: Session, tmp_path: Path) -> None:
    _import(session, tmp_path, ROW.format(status="active", ended=""))
    action_id = queue.enqueue(session, "suspend", "停止", customer=_customer(session)).id
    assert executor.approve(session, action_id, "cli:a", settings=load_settings({})).ok
    report = _import(session, tmp_path, ROW.format(status="active", ended=""))
    assert "otasuke recorded suspended by action" in report.conflicts[0][1]
    assert _customer(session).status == "suspended"
