"""`payments import`: the payments the chamber received, each recorded once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import audit
from core.csvfile import parse_amount, parse_date, read_rows
from core.db import chunks
from core.imports import ImportReport, Progress, parse_all, parse_customer_id
from core.models import Customer, Payment, utcnow

PAYMENT_COLUMNS = ("customer_id", "paid_on", "amount")


def parse_payment(cells: dict[str, str]) -> dict[str, Any]:
    """One payment row as values; a bad cell → RowError naming the column."""
    return {
        "customer_id": parse_customer_id(cells),
        "paid_on": parse_date(cells.get("paid_on", ""), "paid_on"),
        "amount": parse_amount(cells.get("amount", "")),
    }


def import_payments(
    session: Session, path: Path, *, actor: str = "cli", progress: Progress | None = None
) -> ImportReport:
    """Add the payments not yet recorded; a row seen before (same natural key) is `unchanged`."""
    _, rows = read_rows(path, PAYMENT_COLUMNS)
    report = ImportReport()
    parsed = parse_all(rows, parse_payment, report)
    # Two equal payments on one day are both real: the n-th occurrence in the file is `seq` n,
    # so the same file (or a longer one that repeats it) imported again adds nothing.
    occurrences: Counter[tuple[str, date, int]] = Counter()
    for _, values in parsed:
        key = (values["customer_id"], values["paid_on"], values["amount"])
        occurrences[key] += 1
        values["seq"] = occurrences[key]
    for chunk in chunks(parsed):
        _insert_payments(session, chunk, report)
        if progress:
            progress(len(chunk))
    report.errors.sort()
    audit.record(session, actor, "payments.imported", str(path.name), report.as_dict())
    return report


def _insert_payments(
    session: Session, chunk: list[tuple[int, dict[str, Any]]], report: ImportReport
) -> None:
    ids = {values["customer_id"] for _, values in chunk}
    pks = dict(
        session.execute(
            select(Customer.customer_id, Customer.id).where(Customer.customer_id.in_(ids))
        ).all()
    )
    keys = [
        (pks[v["customer_id"]], v["paid_on"], v["amount"], v["seq"])
        for _, v in chunk
        if v["customer_id"] in pks
    ]
    key_columns = (Payment.customer_pk, Payment.paid_on, Payment.amount, Payment.seq)
    present = (
        set(
            session.execute(
                select(*key_columns).where(Payment.customer_pk.in_(set(pks.values())))
            ).all()
        )
        if keys
        else set()
    )
    now = utcnow()
    new = []
    for line, values in chunk:
        pk = pks.get(values["customer_id"])
        if pk is None:
            report.errors.append((line, f"customer_id: no customer {values['customer_id']}"))
            continue
        key = (pk, values["paid_on"], values["amount"], values["seq"])
        if key in present:
            report.unchanged += 1
            continue
        present.add(key)
        new.append(dict(zip(("customer_pk", "paid_on", "amount", "seq"), key, strict=True)))
        new[-1]["imported_at"] = now
    if new:
        session.execute(insert(Payment.__table__), new)
    report.inserted += len(new)
