"""`alerts import`: the monitoring portal's alerts (JSON lines or CSV), each stored once.

A repeated `alert_id` (portals re-export overlapping files) is counted and skipped; a bad row is
reported with its line and the others still load. An alert for a contract that had ended is
stored but never mailed: staff are told (core.staff_notices).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import audit
from core.csvfile import Row, RowError, read_rows, require
from core.customers import normalize_customer_id
from core.errors import UserError
from core.models import Alert, Customer, utcnow
from core.notice_state import alert_for_ended_contract
from core.staff_notices import tell_staff
from knowledge.rules.calendar import JST
from knowledge.rules.notices import dispatch_window_end, is_critical_alert
from knowledge.textfile import TextFileError, decode_text

COLUMNS = ("alert_id", "customer_id", "at", "severity", "title", "detail")
SEVERITIES = ("critical", "high", "medium", "low")
_KEY_LENGTH = Alert.__table__.c.source_key.type.length


@dataclass
class AlertReport:
    """What an import did; `errors` are (line, reason) in file order."""

    inserted: int = 0
    duplicates: int = 0
    ended: list[str] = field(default_factory=list)  # alert_ids for ended contracts: not mailed
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        return {
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "ended_contracts": self.ended,
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
        }


def read_alert_rows(path: Path) -> Iterator[Row | tuple[int, str]]:
    """Rows of a JSON-lines or CSV file (told apart by the first character); bad lines as errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror or exc}") from None
    try:
        # JSON is UTF-8 by definition: never guessed as CP932, a line that is not is a bad line.
        lines = decode_text(data, cp932=False).lines
    except TextFileError as exc:
        raise UserError(f"{path}: {exc}") from None
    first = next((line.text for line in lines if line.text.strip()), "")
    if not first.lstrip().startswith("{"):
        _, rows = read_rows(path, COLUMNS[:-1])
        for row in rows:
            yield (row.line, row.error) if row.error is not None else row
        return
    for line in lines:
        if line.error is not None:
            yield (line.number, line.error)
            continue
        if not line.text.strip():
            continue
        try:
            data = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield (line.number, f"not a JSON object ({exc.msg})")
            continue
        if not isinstance(data, dict):
            yield (line.number, "not a JSON object")
            continue
        yield Row(line.number, {k: "" if v is None else str(v).strip() for k, v in data.items()})


def parse_alert(cells: dict[str, str]) -> dict[str, Any]:
    """One alert's values; every bad cell named in one RowError."""
    problems = []
    alert_id = cells.get("alert_id", "")
    if not alert_id:
        problems.append("alert_id: empty")
    elif len(alert_id) > _KEY_LENGTH:
        problems.append(f"alert_id: {len(alert_id)} characters, at most {_KEY_LENGTH}")
    customer_id = normalize_customer_id(cells.get("customer_id", ""))
    if customer_id is None:
        problems.append(f"customer_id: {cells.get('customer_id', '')!r} is not like NIG-000123")
    at = None
    try:
        at = datetime.fromisoformat(require(cells, "at"))
        # SPEC: an ISO date-time without an offset is JST.
        if at.tzinfo is None or at.utcoffset() is None:
            at = at.replace(tzinfo=JST)
    except RowError as exc:
        problems.append(str(exc))
    except ValueError:
        problems.append(f"at: {cells['at']!r} is not an ISO date-time")
    severity = cells.get("severity", "").lower()
    if severity not in SEVERITIES:
        problems.append(
            f"severity: {cells.get('severity', '')!r} is not one of {', '.join(SEVERITIES)}"
        )
    title = cells.get("title", "")
    if not title:
        problems.append("title: empty")
    if problems:
        raise RowError("; ".join(problems))
    return {
        "alert_id": alert_id,
        "customer_id": customer_id,
        "at": at,
        "severity": severity,
        "title": title,
        "detail": cells.get("detail", ""),
    }


def import_alerts(
    session: Session, path: Path, *, actor: str = "cli", now: datetime | None = None
) -> AlertReport:
    """Store every good, new alert; count repeats; report bad rows (the caller commits). `now`:
    when they came in (the clock by default), the day the alert sweep mails them on."""
    report = AlertReport()
    good: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for row in read_alert_rows(path):
        if isinstance(row, tuple):
            report.errors.append(row)
            continue
        try:
            values = parse_alert(row.cells)
        except RowError as exc:
            report.errors.append((row.line, str(exc)))
            continue
        if values["alert_id"] in seen:
            report.duplicates += 1
            continue
        seen.add(values["alert_id"])
        good.append((row.line, values))
    customers = {
        c.customer_id: c
        for c in session.scalars(
            select(Customer).where(Customer.customer_id.in_({v["customer_id"] for _, v in good}))
        )
    }
    rows, ended = [], {}
    now = now or utcnow()
    for line, values in good:
        customer = customers.get(values["customer_id"])
        if customer is None:
            report.errors.append((line, f"customer_id: no customer {values['customer_id']}"))
            continue
        critical = values["severity"] == "critical" or is_critical_alert(values["title"])
        rows.append(
            {
                "customer_pk": customer.id,
                "received_at": values["at"],
                "subject": values["title"],
                "critical": critical,
                # R16 (第4条1項(3)): ★★★ opens a 30-day window to request dispatch.
                "dispatch_window_end": dispatch_window_end(values["at"]) if critical else None,
                "source_key": values["alert_id"],
                "severity": values["severity"],
                "detail": values["detail"],
                "created_at": now,
            }
        )
        if alert_for_ended_contract(customer.ended_on, values["at"]):
            ended[values["alert_id"]] = customer
    inserted = _insert_new(session, rows)
    report.inserted = len(inserted)
    report.duplicates += len(rows) - len(inserted)
    for alert_id in sorted(inserted & set(ended)):
        customer = ended[alert_id]
        tell_staff(
            session,
            "alert_ended_contract",
            f"{customer.customer_id} {customer.company}: alert {alert_id} came in after the "
            f"contract ended on {customer.ended_on}; it was not mailed (is the UTM back?)",
            key=f"alert-ended:{alert_id}",
        )
        report.ended.append(alert_id)
    report.errors.sort()
    audit.record(session, actor, "alerts.imported", path.name, report.as_dict())
    return report


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the alerts whose id is new → the ids inserted (RETURNING, not rowcount)."""
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted: set[str] = set()
    for start in range(0, len(rows), 500):
        stmt = (
            dialect.insert(Alert)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["source_key"])
            .returning(Alert.source_key)
        )
        inserted.update(session.scalars(stmt))
    return inserted
