"""`customers import`: CSV rows checked one by one, then written by `core.customers` in bulk
(and the shared parts of every import: the report, row parsing, customer IDs)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.csvfile import (
    Row,
    RowError,
    parse_date,
    parse_member,
    parse_optional_date,
    read_rows,
    require,
)
from core.customers import (
    CUSTOMER_COLUMNS,
    UpsertCounts,
    normalize_customer_id,
    upsert_customers,
)
from core.models import Customer
from core.models.customers import CUSTOMER_STATUSES
from knowledge.rules.calendar import BusinessCalendar, CalendarRangeError, known_years
from knowledge.rules.contract import ContractDatesError, check_contract_dates, contract_terms

__all__ = ["CUSTOMER_COLUMNS", "ImportReport", "import_customers", "parse_customer"]

# The columns' sizes (core/models/customers.py), in characters as PostgreSQL counts them.
_LENGTHS = {
    name: Customer.__table__.c[name].type.length
    for name in ("company", "contact_name", "email", "telegram_user")
}

Progress = Callable[[int], None]


@dataclass
class ImportReport(UpsertCounts):
    """What an import did; `errors` are (line, reason), in file order."""

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
            "loaded": self.loaded,
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


def parse_customer_id(cells: dict[str, str]) -> str:
    """The row's customer_id, normalized; not like NIG-000123 → RowError."""
    raw = require(cells, "customer_id")
    normalized = normalize_customer_id(raw)
    if normalized is None:
        raise RowError(f"customer_id: {raw!r} is not like NIG-000123")
    return normalized


def parse_customer(cells: dict[str, str], calendar: BusinessCalendar) -> dict[str, Any]:
    """One customer row as column values; every bad cell is named in one RowError.

    The contract's dates are checked by the rules themselves (`contract_terms`, as `rules
    contract` does): dates no contract can have, or in years the calendar does not know.
    """
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
    if "lang" in cells:  # optional: a file without the column leaves the stored language
        values["lang"] = cell(lambda: parse_lang(cells["lang"]))
    applied, approved = values["applied_on"], values["approved_on"]
    if applied and approved:
        problems.extend(_contract_problems(applied, approved, values["member"], calendar))
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


# What staff write in the `lang` column for the notices' language (empty: Japanese).
_LANGS = {
    "": None, "ja": None, "jp": None, "japanese": None, "日本語": None,
    "en": "en", "english": "en", "英語": "en",
}  # fmt: skip


def parse_lang(raw: str) -> str | None:
    """The `lang` cell: "en" for English notices, None for Japanese (the default)."""
    key = raw.strip().casefold()
    if key not in _LANGS:
        raise RowError(f"lang: {raw.strip()!r} is not ja or en")
    return _LANGS[key]


def _contract_problems(
    applied: date, approved: date, member: bool | None, calendar: BusinessCalendar
) -> list[str]:
    """What the rules refuse in the contract's dates (none → the contract can be computed)."""
    try:
        if member is None:  # a bad member cell is reported already; the dates still are checked
            check_contract_dates(applied, approved)
        else:
            contract_terms(applied, approved, member, calendar)
    except ContractDatesError as exc:
        return [f"{exc.option}_on: {exc}"]
    except CalendarRangeError as exc:
        known = f"{known_years()[0]}-{known_years()[-1]}"
        return [
            f"applied_on: {applied}: the contract's dates fall in {exc.year}, whose national "
            f"holidays are not known (known: {known}), so its deadlines cannot be told"
        ]
    except (ValueError, OverflowError) as exc:  # a date past 9999-12-31, a month too closed
        return [
            f"applied_on, approved_on: {applied}, {approved}: the contract's dates cannot be "
            f"computed ({exc})"
        ]
    return []


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
        # `suspended` too (SPEC: a contract state like cancelled; otasuke sets it on approval).
        raise RowError(f"status: {cells['status']!r} is not one of {', '.join(CUSTOMER_STATUSES)}")
    return status


def parse_all(
    rows: Iterable[Row], parse: Callable[[dict[str, str]], dict[str, Any]], report: ImportReport
) -> list[tuple[int, dict[str, Any]]]:
    """(line, values) of each good row; each bad one goes to `report.errors`."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        if row.error is not None:
            report.errors.append((row.line, row.error))
            continue
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
    parse = functools.partial(parse_customer, calendar=calendar)
    for line, values in parse_all(rows, parse, report):
        seen = first_line.setdefault(values["customer_id"], line)
        if seen != line:
            report.errors.append((line, f"customer_id: {values['customer_id']} is on line {seen}"))
            continue
        good.append(values)
    if not overwrite:
        good = _without_conflicts(session, good, report, first_line)
    upsert_customers(
        session, good, today=today, calendar=calendar, counts=report, progress=progress
    )
    report.errors.sort()
    audit.record(session, actor, "customers.imported", str(path.name), report.as_dict())
    return report


def _without_conflicts(
    session: Session,
    rows: list[dict[str, Any]],
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
            ).where(Customer.status_action_id.is_not(None))
        )
    }
    kept = []
    for values in rows:
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
