"""The audit log: every decision and every bulk change, with who, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, utcnow


def record(
    session: Session,
    actor: str,
    event: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the session: written at its next flush, committed with what it records."""
    entry = AuditEntry(
        at=at or utcnow(), actor=actor, event=event, subject=subject, details=details or {}
    )
    session.add(entry)
    return entry


def entries(session: Session, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest entries, newest first; only those about `subject` (`action:12`) when given."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return list(session.scalars(query))
