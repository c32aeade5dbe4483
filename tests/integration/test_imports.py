"""CSV import of customers and payments: encodings, updates, bad rows by line, no duplicates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.imports import CUSTOMER_COLUMNS, import_customers
from core.models import AuditEntry, Contract, ContractPeriod, Customer, Payment
from core.payments_import import import_payments
from knowledge.rules.calendar import DEFAULT_CALENDAR

HEADER = ",".join(CUSTOMER_COLUMNS)
TODAY = date(2026, 5, 1)


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def _import(session: Session, path: Path):
    return import_customers(session, path, today=TODAY, calendar=DEFAULT_CALENDAR)


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_utf8_file_with_a_bom_loads_with_its_contract(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    rows = [
        HEADER,
        "NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,2025-05-03,2025-05-10,active,,",
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode())
    report = _import(session, path)
    assert (report.inserted, report.errors) == (1, [])
    customer = session.scalar(select(Customer).where(Customer.customer_id == "NIG-000001"))
    assert customer.company == "株式会社テスト"
    assert customer.member is True
    contract = session.scalar(select(Contract).where(Contract.customer_pk == customer.id))
    assert contract.start_date == date(2025, 6, 6)  # R2: applied 5/3 → 5th business day of June
    periods = session.scalars(
        select(ContractPeriod).where(ContractPeriod.contract_id == contract.id).order_by("number")
    ).all()
    # The first period and the renewal that began 2026-04-01; the next one exists once it is
    # billed (due 2027-02-25).
    assert [(p.starts_on, p.fee, p.due_on) for p in periods] == [
        (date(2025, 6, 6), 59_400, date(2025, 5, 25)),
        (date(2026, 4, 1), 79_200, date(2026, 2, 25)),
    ]


def test_a_cp932_file_from_excel_keeps_its_special_characters(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        "nig000002,㈱サンプル①,佐藤花子,b@example.jp,非会員,2025/6/10,2025/6/20,active,,@sato",
    ]
    report = _import(session, _write(tmp_path / "c.csv", rows, "cp932"))
    assert (report.inserted, report.errors) == (1, [])
    customer = session.scalar(select(Customer).where(Customer.customer_id == "NIG-000002"))
    assert (customer.company, customer.member) == ("㈱サンプル①", False)
    assert (customer.applied_on, customer.telegram_user) == (date(2025, 6, 10), "@sato")


def test_reimporting_updates_and_never_duplicates(session: Session, tmp_path: Path) -> None:
    first = [HEADER, "NIG-000001,旧社名,山田,a@example.jp,yes,2025-05-03,2025-05-10,active,,"]
    _import(session, _write(tmp_path / "a.csv", first))
    again = _import(session, _write(tmp_path / "a.csv", first))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    second = [
        HEADER,
        "NIG-000001,新社名,山田,a@example.jp,no,2025-05-03,2025-05-10,cancelled,2026-03-31,",
    ]
    report = _import(session, _write(tmp_path / "b.csv", second))
    assert (report.inserted, report.updated) == (0, 1)
    assert _count(session, Customer) == 1
    customer = session.scalar(select(Customer))
    assert (customer.company, customer.status, customer.ended_on) == (
        "新社名",
        "cancelled",
        date(2026, 3, 31),
    )
    # The member change does not rewrite what was billed (第13条2項): the contract formed as a
    # member keeps its first fee; the end date removed the renewal begun after it.
    contract = session.scalar(select(Contract))
    assert (contract.member, contract.annual_fee) == (True, 79_200)
    assert _count(session, Contract) == 1
    assert session.scalars(select(ContractPeriod.fee)).all() == [59_400]


def test_bad_rows_are_reported_by_line_and_good_rows_still_load(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        "NIG-000001,A社,山田,a@example.jp,1,2025-05-03,2025-05-10,active,,",
        "NIG-1,B社,佐藤,b@example.jp,1,2025-05-03,2025-05-10,active,,",
        "NIG-000003,C社,鈴木,c@example.jp,maybe,2025-05-03,2025-05-10,active,,",
        "",
        "NIG-000004,D社,高橋,d@example.jp,1,2025-02-30,2025-05-10,active,,",
        "NIG-000005,E社,田中,e@example.jp,1,2025-05-03,2025-05-10,paused,,",
        'NIG-000006,"F社, 本店",伊藤,f@example.jp,会員,2025-05-03,2025-05-10,active,,',
        "NIG-000001,A社,山田,a@example.jp,1,2025-05-03,2025-05-10,active,,",
    ]
    report = _import(session, _write(tmp_path / "c.csv", rows))
    assert report.inserted == 2
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 6, 7, 9]
    assert "customer_id" in lines[3]
    assert "member" in lines[4]
    assert "applied_on" in lines[6]
    assert "status" in lines[7]
    assert "line 2" in lines[9]
    assert (
        session.scalar(select(Customer.company).where(Customer.customer_id == "NIG-000006"))
        == "F社, 本店"
    )


def _customers(session: Session, tmp_path: Path, *ids: str) -> None:
    rows = [HEADER] + [f"{i},社,人,x@example.jp,1,2025-05-03,2025-05-10,active,," for i in ids]
    _import(session, _write(tmp_path / "customers.csv", rows))


def test_payments_imported_twice_are_recorded_once(session: Session, tmp_path: Path) -> None:
    _customers(session, tmp_path, "NIG-000001", "NIG-000002")
    rows = [
        "customer_id,paid_on,amount",
        'NIG-000001,2025-05-20,"59,400"',
        "NIG-000001,2025-05-20,59400",  # a second, equal payment the same day is real
        'nig000002,2025/5/21,"¥59,400"',
        "NIG-000009,2025-05-21,100",
        "NIG-000002,2025-05-21,-5",
    ]
    path = _write(tmp_path / "p.csv", rows)
    report = import_payments(session, path)
    assert report.inserted == 3
    assert [line for line, _ in report.errors] == [5, 6]
    again = import_payments(session, path)
    assert (again.inserted, again.unchanged) == (0, 3)
    assert _count(session, Payment) == 3
    assert session.scalars(select(Payment.amount).order_by(Payment.id)).all() == [59_400] * 3


def test_an_unquoted_comma_in_an_amount_is_a_row_error_not_a_smaller_payment(
    session: Session, tmp_path: Path
) -> None:
    # Read cell by cell, `¥59,400` is the amount `¥59` and a stray cell `400`: 59 yen.
    _customers(session, tmp_path, "NIG-000001")
    rows = ["customer_id,paid_on,amount", "NIG-000001,2025/5/21,¥59,400", "NIG-000001,2025-05-22,1"]
    report = import_payments(session, _write(tmp_path / "p.csv", rows))
    assert report.errors == [
        (2, '4 cells, the header has 3 (a cell holding a comma must be quoted: "79,200")')
    ]
    assert session.scalars(select(Payment.amount)).all() == [1]


def test_an_import_is_in_the_audit_log(session: Session, tmp_path: Path) -> None:
    _customers(session, tmp_path, "NIG-000001")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.event == "customers.imported"))
    assert entry.details["inserted"] == 1


def test_upsert_customer_creates_then_updates_one_customer(session: Session) -> None:
    from core.customers import upsert_customer

    values = {
        "customer_id": "nig000777", "company": "A社", "contact_name": "山田",
        "email": "a@example.jp",
        "member": True, "applied_on": date(2025, 5, 3), "approved_on": date(2025, 5, 10),
    }  # fmt: skip
    created = upsert_customer(session, values, TODAY, DEFAULT_CALENDAR)
    assert (created.customer_id, created.company, created.status) == ("NIG-000777", "A社", "active")
    updated = upsert_customer(session, values | {"company": "B社"}, TODAY, DEFAULT_CALENDAR)
    assert (updated.id, updated.company) == (created.id, "B社")
    assert _count(session, Contract) == 1


def test_an_import_that_dies_midway_leaves_nothing_and_a_rerun_loads_all_once(
    fresh_engine, tmp_path: Path
) -> None:
    from core.db import session_factory

    rows = [
        f"NIG-{n:06d},会社{n},担当{n},c{n}@example.jp,1,2026-01-10,2026-01-20,active,,"
        for n in range(1, 2501)
    ]
    path = _write(tmp_path / "c.csv", [HEADER, *rows])
    chunks: list[int] = []

    def die_after_the_first_chunk(done: int) -> None:
        chunks.append(done)
        if len(chunks) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a crash, mid-file

    sessions = session_factory(fresh_engine)
    try:
        with sessions.begin() as session:
            import_customers(
                session, path, today=TODAY, calendar=DEFAULT_CALENDAR,
                progress=die_after_the_first_chunk,
            )  # fmt: skip
    except KeyboardInterrupt:
        pass
    assert chunks, "the import never reported progress: the test proves nothing"
    with sessions() as session:
        assert _count(session, Customer) == 0
        assert _count(session, Contract) == 0

    with sessions.begin() as session:
        report = _import(session, path)
    assert report.inserted == 2500
    with sessions() as session:
        assert _count(session, Customer) == 2500
        assert _count(session, Contract) == 2500


def test_a_payment_for_an_unknown_customer_is_reported_and_the_rest_load(
    session: Session, tmp_path: Path
) -> None:
    _import(
        session,
        _write(
            tmp_path / "c.csv",
            [HEADER, "NIG-000001,会社,担当,a@example.jp,1,2026-01-10,2026-01-20,active,,"],
        ),
    )
    payments = _write(
        tmp_path / "p.csv",
        ["customer_id,paid_on,amount", "NIG-000001,2026-01-25,79200", "NIG-999999,2026-01-25,1000"],
    )
    report = import_payments(session, payments)
    assert report.inserted == 1
    assert report.errors == [(3, "customer_id: no customer NIG-999999")]


def test_a_cancelled_or_terminated_row_without_an_end_date_is_a_row_error(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        "NIG-000001,A社,山田,a@example.jp,1,2025-05-03,2025-05-10,cancelled,,",
        "NIG-000002,B社,佐藤,b@example.jp,1,2025-05-03,2025-05-10,terminated,,",
        "NIG-000003,C社,鈴木,c@example.jp,1,2025-05-03,2025-05-10,cancelled,2026-03-31,",
        "NIG-000004,D社,高橋,d@example.jp,1,2025-05-03,2025-05-10,cancelled,2026-02-30,",
    ]
    report = _import(session, _write(tmp_path / "c.csv", rows))
    assert report.inserted == 1
    assert report.errors[:2] == [
        (2, "ended_on: required when status is cancelled"),
        (3, "ended_on: required when status is terminated"),
    ]
    # A bad end date is reported once, as a bad date, not also as a missing one.
    (line, reason), *rest = report.errors[2:]
    assert (line, rest) == (5, [])
    assert reason.startswith("ended_on: '2026-02-30'")
    assert "required" not in reason


def test_a_cell_longer_than_its_column_is_a_row_error_and_the_rest_load(
    session: Session, tmp_path: Path
) -> None:
    # PostgreSQL would refuse the whole import (DataError); SQLite would store it silently.
    long_mail = "a" * 310 + "@example.jp"
    rows = [
        HEADER,
        f"NIG-000001,{'社' * 201},山田,a@example.jp,1,2025-05-03,2025-05-10,active,,",
        f"NIG-000002,B社,{'佐' * 201},b@example.jp,1,2025-05-03,2025-05-10,active,,",
        f"NIG-000003,C社,鈴木,{long_mail},1,2025-05-03,2025-05-10,active,,",
        f"NIG-000004,D社,高橋,d@example.jp,1,2025-05-03,2025-05-10,active,,@{'x' * 64}",
        f"NIG-000005,{'社' * 200},田中,e@example.jp,1,2025-05-03,2025-05-10,active,,@{'x' * 63}",
    ]
    report = _import(session, _write(tmp_path / "c.csv", rows))
    assert report.errors == [
        (2, "company: 201 characters, at most 200"),
        (3, "contact_name: 201 characters, at most 200"),
        (4, "email: 321 characters, at most 320"),
        (5, "telegram_user: 65 characters, at most 64"),
    ]
    assert report.inserted == 1
    assert _count(session, Customer) == 1
