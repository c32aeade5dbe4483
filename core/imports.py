"""`customers import`: CSV rows checked one by one, written in bulk chunks (and the shared parts
of every import: the report, chunks, customer IDs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core import audit
from core.contracts import ContractInputs, extend_contracts
from core.csvfile import (
    Row,
    RowError,
    parse_date,
    parse_member,
    parse_optional_date,
    read_rows,
    require,
)
from core.customers import normalize_customer_id
from core.models import Customer, utcnow
from core.models.customers import CUSTOMER_STATUSES
from knowledge.rules.calendar import BusinessCalendar

CUSTOMER_COLUMNS = (
    "customer_id", "company", "contact_name", "email", "member",
    "applied_on", "approved_on", "status", "ended_on", "telegram_user",
)  # fmt: skip
# Rows per round trip: large enough to amortise it, small enough for SQLite's variable limit.
CHUNK = 1000
_FIELDS = CUSTOMER_COLUMNS[1:]
_CONTRACT_DATES = ("applied_on", "approved_on")
# The columns' sizes (core/models/customers.py), in characters as PostgreSQL counts them.
_LENGTHS = {
    name: Customer.__table__.c[name].type.length
    for name in ("company", "contact_name", "email", "telegram_user")
}

Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass
class ImportReport:
    """What an import did; `errors` are (line, reason), in file order."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Rows that would undo what otasuke recorded (a cancellation, a suspension): not applied.
    conflicts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Rows that are now in the database as the file has them."""
        return self.inserted + self.updated + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        summary: dict[str, Any] = {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
        }
        if self.conflicts:
            summary["conflicts"] = [
                {"line": line, "reason": reason} for line, reason in self.conflicts
            ]
        return summary


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_customer_id(cells: dict[str, str]) -> str:
    """The row's customer_id, normalized; not like NIG-000123 → RowError."""
    raw = require(cells, "customer_id")
    normalized = normalize_customer_id(raw)
    if normalized is None:
        raise RowError(f"customer_id: {raw!r} is not like NIG-000123")
    return normalized


def parse_customer(cells: dict[str, str]) -> dict[str, Any]:
    """One customer row as column values; every bad cell is named in one RowError."""
    problems: list[str] = []

    def cell(parse: Callable[[], Any]) -> Any:
        # Staff fix a whole row at once: collect every bad cell instead of stopping at the first.
        try:
            return parse()
        except RowError as exc:
            problems.append(str(exc))
            return None

    values = {
        "customer_id": cell(lambda: parse_customer_id(cells)),
        "company": cell(lambda: _fits(require(cells, "company"), "company")),
        "contact_name": cell(lambda: _fits(require(cells, "contact_name"), "contact_name")),
        "email": cell(lambda: _fits(_email(cells), "email")),
        "member": cell(lambda: parse_member(cells.get("member", ""))),
        "applied_on": cell(lambda: parse_date(cells.get("applied_on", ""), "applied_on")),
        "approved_on": cell(lambda: parse_date(cells.get("approved_on", ""), "approved_on")),
        "status": cell(lambda: _status(cells)),
        "ended_on": cell(lambda: parse_optional_date(cells.get("ended_on", ""), "ended_on")),
        "telegram_user": cell(lambda: _fits(cells.get("telegram_user") or None, "telegram_user")),
    }
    applied, approved = values["applied_on"], values["approved_on"]
    if applied and approved and approved < applied:
        problems.append("approved_on: before applied_on")
    status, ended = values["status"], values["ended_on"]
    # A cancelled or terminated contract has a last day; without it, it would renew forever.
    bad_end = any(problem.startswith("ended_on") for problem in problems)
    if status in ("cancelled", "terminated") and ended is None and not bad_end:
        problems.append(f"ended_on: required when status is {status}")
    if ended and applied and ended < applied:
        problems.append("ended_on: before applied_on")
    if problems:
        raise RowError("; ".join(problems))
    return values


def _fits(value: str | None, column: str) -> str | None:
    """The value if it fits its column; PostgreSQL would fail the whole import on it."""
    limit = _LENGTHS[column]
    if value is not None and len(value) > limit:
        raise RowError(f"{column}: {len(value)} characters, at most {limit}")
    return value


def _email(cells: dict[str, str]) -> str:
    email = require(cells, "email")
    if "@" not in email or any(ch.isspace() for ch in email):
        raise RowError(f"email: {email!r} is not a mail address")
    return email


def _status(cells: dict[str, str]) -> str:
    status = cells.get("status", "").lower() or "active"
    if status not in CUSTOMER_STATUSES:
        raise RowError(f"status: {cells['status']!r} is not active, cancelled or terminated")
    return status


def parse_all(
    rows: Iterable[Row], parse: Callable[[dict[str, str]], dict[str, Any]], report: ImportReport
) -> list[tuple[int, dict[str, Any]]]:
    """(line, values) of each good row; each bad one goes to `report.errors`."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        try:
            parsed.append((row.line, parse(row.cells)))
        except RowError as exc:
            report.errors.append((row.line, str(exc)))
    return parsed


def import_customers(
    session: Session,
    path: Path,
    *,
    today: date,
    calendar: BusinessCalendar,
    actor: str = "cli",
    progress: Progress | None = None,
    overwrite: bool = False,
) -> ImportReport:
    """Insert or update every good row (by customer_id) with its contract; report the bad ones.

    A row that would undo what otasuke recorded is a conflict, not applied unless `overwrite`.
    """
    _, rows = read_rows(path, CUSTOMER_COLUMNS)
    report = ImportReport()
    first_line: dict[str, int] = {}
    good: list[dict[str, Any]] = []
    for line, values in parse_all(rows, parse_customer, report):
        seen = first_line.setdefault(values["customer_id"], line)
        if seen != line:
            report.errors.append((line, f"customer_id: {values['customer_id']} is on line {seen}"))
            continue
        good.append(values)
    upsert_customers(
        session, good, today=today, calendar=calendar, report=report, progress=progress,
        overwrite=overwrite, lines=first_line,
    )  # fmt: skip
    report.errors.sort()
    audit.record(session, actor, "customers.imported", str(path.name), report.as_dict())
    return report


def upsert_customers(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    today: date,
    calendar: BusinessCalendar,
    report: ImportReport | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
    lines: Mapping[str, int] | None = None,
) -> ImportReport:
    """Insert or update customers (values as `parse_customer` returns them) with their contracts."""
    report = report if report is not None else ImportReport()
    for chunk in chunks(rows):
        if not overwrite:
            chunk = _without_conflicts(session, chunk, report, lines or {})
        _upsert_chunk(session, chunk, report, today, calendar)
        if progress:
            progress(len(chunk))
    return report


def _upsert_chunk(
    session: Session,
    chunk: list[dict[str, Any]],
    report: ImportReport,
    today: date,
    calendar: BusinessCalendar,
) -> None:
    columns = [getattr(Customer, name) for name in ("id", *CUSTOMER_COLUMNS, "status_action_id")]
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
        elif any(getattr(row, name) != values[name] for name in _FIELDS):
            # A status or end the file changes (--overwrite) is the file's from now on.
            ours = (row.status, row.ended_on) == (values["status"], values["ended_on"])
            recorded_by = row.status_action_id if ours else None
            updates.append(
                values | {"id": row.id, "updated_at": now, "status_action_id": recorded_by}
            )
            if any(getattr(row, name) != values[name] for name in _CONTRACT_DATES):
                contract_changed.append(row.id)
        else:
            report.unchanged += 1
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
    report.inserted += len(inserts)
    report.updated += len(updates)
    # Different dates make a different contract (a correction): it is written afresh. A member
    # change alone keeps the periods billed (their fees stand) and applies from the next one.
    inputs = {pks[v["customer_id"]]: _inputs(v) for v in inserts}
    inputs |= {
        existing[v["customer_id"]].id: _inputs(v) for v in chunk if v["customer_id"] in existing
    }
    extend_contracts(session, inputs, today, calendar, rewrite=contract_changed)


def _without_conflicts(
    session: Session,
    chunk: list[dict[str, Any]],
    report: ImportReport,
    lines: Mapping[str, int],
) -> list[dict[str, Any]]:
    """The rows that leave what otasuke recorded alone; the others go to `report.conflicts`."""
    # SPEC "What otasuke recorded wins over a re-import": an approved cancellation or a
    # suspension (customers.status_action_id) is undone only with --overwrite.
    recorded = {
        row.customer_id: row
        for row in session.execute(
            select(
                Customer.customer_id, Customer.status, Customer.ended_on, Customer.status_action_id
            ).where(
                Customer.customer_id.in_([v["customer_id"] for v in chunk]),
                Customer.status_action_id.is_not(None),
            )
        )
    }
    kept = []
    for values in chunk:
        row = recorded.get(values["customer_id"])
        if row is None or (values["status"], values["ended_on"]) == (row.status, row.ended_on):
            kept.append(values)
            continue
        ended = f" (ended_on {row.ended_on})" if row.ended_on else ""
        report.conflicts.append(
            (
                lines.get(values["customer_id"], 0),
                f"{values['customer_id']}: otasuke recorded {row.status}{ended} by action "
                f"#{row.status_action_id}; the file says {values['status']}: not applied "
                "(--overwrite applies it)",
            )
        )
    return kept


def _inputs(values: dict[str, Any]) -> ContractInputs:
    return ContractInputs(
        values["applied_on"], values["approved_on"], values["member"], values["ended_on"]
    )
