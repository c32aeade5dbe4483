"""Customers: their IDs as customers write them, lookups, writing them in bulk with their
contracts, and one customer's whole picture."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.contracts import ContractInputs, contract_view, extend_contracts
from core.db import chunks
from core.errors import UserError
from core.models import Customer, utcnow
from knowledge.rules.billing import debt_paid, paid_by
from knowledge.rules.calendar import BusinessCalendar

# What the chamber's list says of a customer (the import's columns, SPEC "Customers").
CUSTOMER_COLUMNS = (
    "customer_id", "company", "contact_name", "email", "member",
    "applied_on", "approved_on", "status", "ended_on", "telegram_user",
)  # fmt: skip
# Columns a file may have or leave out: when it leaves one out, the stored value stays.
OPTIONAL_COLUMNS = ("lang",)
_FIELDS = (*CUSTOMER_COLUMNS[1:], *OPTIONAL_COLUMNS)
_CONTRACT_DATES = ("applied_on", "approved_on")

# Dashes customers type in place of '-' (after NFKC, which already folds the full-width one).
_DASHES = "‐‑‒–—―−ー－ｰ"
# [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic ٠١٢…) that NFKC keeps.
_CUSTOMER_ID = re.compile(r"^([A-Z]{3})-?([0-9]{6})$")


def normalize_customer_id(text: str) -> str | None:
    """`ＮＩＧ－０００１２３`, `nig000123`, ` NIG-000123 ` → `NIG-000123`; anything else → None."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    value = value.translate({ord(dash): "-" for dash in _DASHES}).replace(" ", "")
    match = _CUSTOMER_ID.match(value)
    return f"{match[1]}-{match[2]}" if match else None


def find_customer(session: Session, customer_id: str) -> Customer | None:
    """The customer with this ID (written any way `normalize_customer_id` accepts), or None."""
    normalized = normalize_customer_id(customer_id)
    if normalized is None:
        return None
    return session.scalar(select(Customer).where(Customer.customer_id == normalized))


def get_customer(session: Session, customer_id: str) -> Customer:
    """The customer with this ID; unknown or malformed → UserError."""
    if normalize_customer_id(customer_id) is None:
        raise UserError(f"{customer_id!r} is not a customer ID like NIG-000123")
    customer = find_customer(session, customer_id)
    if customer is None:
        raise UserError(f"no customer {normalize_customer_id(customer_id)}")
    return customer


def upsert_customer(
    session: Session, values: dict[str, Any], today: date, calendar: BusinessCalendar
) -> Customer:
    """Create or update one customer (the import's columns as values) and its contract."""
    normalized = normalize_customer_id(values["customer_id"])
    if normalized is None:
        raise UserError(f"{values['customer_id']!r} is not a customer ID like NIG-000123")
    row = {"status": "active", "ended_on": None, "telegram_user": None} | values
    upsert_customers(session, [row | {"customer_id": normalized}], today=today, calendar=calendar)
    return session.scalars(
        select(Customer)
        .where(Customer.customer_id == normalized)
        .execution_options(populate_existing=True)
    ).one()


@dataclass
class UpsertCounts:
    """How many customers an upsert inserted, updated, or found as they were."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_customers(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    today: date,
    calendar: BusinessCalendar,
    counts: UpsertCounts | None = None,
    progress: Callable[[int], None] | None = None,
) -> UpsertCounts:
    """Insert or update customers (checked values of every column) with their contracts.

    The counts are added to `counts` when given (an import's report); `progress` is told the
    size of each chunk written.
    """
    counts = counts if counts is not None else UpsertCounts()
    for chunk in chunks(rows):
        _upsert_chunk(session, chunk, counts, today, calendar)
        if progress:
            progress(len(chunk))
    return counts


def _upsert_chunk(
    session: Session,
    chunk: list[dict[str, Any]],
    counts: UpsertCounts,
    today: date,
    calendar: BusinessCalendar,
) -> None:
    columns = [
        getattr(Customer, name)
        for name in ("id", *CUSTOMER_COLUMNS, *OPTIONAL_COLUMNS, "status_action_id")
    ]
    existing = {
        row.customer_id: row
        for row in session.execute(
            select(*columns).where(Customer.customer_id.in_([v["customer_id"] for v in chunk]))
        )
    }
    now = utcnow()
    inserts, updates, contract_changed = [], [], []
    for values in chunk:
        row = existing.get(values["customer_id"])
        if row is None:
            inserts.append(values | {"created_at": now, "updated_at": now})
        elif any(getattr(row, name) != values[name] for name in _FIELDS if name in values):
            # A status or end the file changes (import --overwrite) is the file's from now on.
            ours = (row.status, row.ended_on) == (values["status"], values["ended_on"])
            recorded_by = row.status_action_id if ours else None
            updates.append(
                values | {"id": row.id, "updated_at": now, "status_action_id": recorded_by}
            )
            if any(getattr(row, name) != values[name] for name in _CONTRACT_DATES):
                contract_changed.append(row.id)
        else:
            counts.unchanged += 1
    pks: dict[str, int] = {}
    if inserts:
        # Core executemany, not the ORM: no per-row unit-of-work bookkeeping for 50,000 rows.
        session.execute(insert(Customer.__table__), inserts)
        pks = dict(
            session.execute(
                select(Customer.customer_id, Customer.id).where(
                    Customer.customer_id.in_([v["customer_id"] for v in inserts])
                )
            ).all()
        )
    if updates:
        session.execute(update(Customer), updates)
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    # Different dates make a different contract (a correction): it is written afresh. A member
    # change alone keeps the periods billed (their fees stand) and applies from the next one.
    inputs = {pks[v["customer_id"]]: _inputs(v) for v in inserts}
    inputs |= {
        existing[v["customer_id"]].id: _inputs(v) for v in chunk if v["customer_id"] in existing
    }
    extend_contracts(session, inputs, today, calendar, rewrite=contract_changed)


def _inputs(values: dict[str, Any]) -> ContractInputs:
    return ContractInputs(
        values["applied_on"], values["approved_on"], values["member"], values["ended_on"]
    )


def customer_overview(
    session: Session, customer: Customer, today: date, calendar: BusinessCalendar
) -> dict[str, Any]:
    """Everything about one customer's contract as of `today`, as JSON-ready values."""
    view = contract_view(session, customer, today, calendar)
    terms, status, periods, payments = view.terms, view.status, view.periods, view.payments
    return {
        "customer_id": customer.customer_id,
        "company": customer.company,
        "contact_name": customer.contact_name,
        "email": customer.email,
        "member": customer.member,
        "lang": customer.lang or "ja",
        "annual_fee": view.annual_fee,
        "status": customer.status,
        "applied_on": customer.applied_on.isoformat(),
        "approved_on": customer.approved_on.isoformat(),
        "ended_on": _iso(customer.ended_on),
        "ended": status.ended,
        "today": today.isoformat(),
        "contract": terms.to_json(),
        "before_start": status.before_start,
        "in_free_period": status.in_free_period,
        "current_period": (
            {
                "start": status.period_start.isoformat(),
                "end": status.period_end.isoformat(),
                "first": status.first_period,
            }
            if status.period_start and status.period_end
            else None
        ),
        "cancel_deadline": _iso(status.cancel_deadline),
        "term_end_cancellable": status.term_end_cancellable,
        "cancel_deadline_passed": status.cancel_deadline_passed,
        "insurance": (
            {
                "start": status.insurance_start.isoformat(),
                "end": status.insurance_end.isoformat(),
            }
            if status.insurance_start and status.insurance_end
            else None
        ),
        # 第4条3項但し書: a contract's end inside the insurance year limits what it covers.
        "insurance_causes_until": _iso(status.insurance_causes_until),
        "dues": [
            {
                "period": period.number,
                "period_start": period.starts_on.isoformat(),
                "period_end": period.ends_on.isoformat(),
                "due_on": period.due_on.isoformat(),
                "amount": period.fee,
                # R6: a 0-yen first payment owes nothing; it is paid by definition.
                "paid": debt_paid(periods, payments, period.due_on, today),
            }
            for period in periods
        ],
        "total_paid": paid_by(payments, today),
        # The first due date not covered by the payments received: what is still to pay then
        # (`amount`; less than `fee`, that day's fees, when part of it was paid).
        "next_payment": (
            {
                "due_on": status.next_payment_due.isoformat(),
                "amount": status.next_payment_amount,
                "fee": status.next_payment_fee,
            }
            if status.next_payment_due
            else None
        ),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
