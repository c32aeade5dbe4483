"""Telling staff: the one way every worker records what staff must know (the SPEC's staff notice).

The chat announces each unannounced notice to the staff chats once, the morning digest lists
the day's, and `otasuke staff notices` shows them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import StaffNotice, utcnow
from core.outbox import storable_key


def tell_staff(
    session: Session, kind: str, text: str, *, key: str | None = None, at: datetime | None = None
) -> StaffNotice | None:
    """Record a notice (flushed, committed with the caller's work); a repeated `key` → None."""
    created_at = at or utcnow()
    if key is None:
        notice = StaffNotice(kind=kind, text=text, created_at=created_at)
        session.add(notice)
        session.flush()
        return notice
    # INSERT … ON CONFLICT DO NOTHING RETURNING: two workers noticing the same trouble at the
    # same moment record it once, and neither fails (a check-then-insert raced on PostgreSQL).
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"kind": kind, "text": text, "key": storable_key(key), "created_at": created_at}
    inserted = session.scalar(
        dialect.insert(StaffNotice)
        .values(values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(StaffNotice.id)
    )
    return None if inserted is None else session.get_one(StaffNotice, inserted)


def recent(
    session: Session, *, since: datetime | None = None, limit: int = 100
) -> list[StaffNotice]:
    """The latest notices, newest first; only those from `since` on when given."""
    query = select(StaffNotice).order_by(StaffNotice.id.desc()).limit(limit)
    if since is not None:
        query = query.where(StaffNotice.created_at >= since)
    return list(session.scalars(query))


def unannounced(session: Session, limit: int = 50) -> list[StaffNotice]:
    """Notices the chat has not told staff yet, oldest first."""
    query = (
        select(StaffNotice)
        .where(StaffNotice.announced_at.is_(None))
        .order_by(StaffNotice.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_announced(session: Session, notice_id: int, now: datetime | None = None) -> bool:
    """Claim the announcement of one notice: True for the one caller that may send it."""
    result = session.execute(
        update(StaffNotice)
        .where(StaffNotice.id == notice_id, StaffNotice.announced_at.is_(None))
        .values(announced_at=now or utcnow())
    )
    return result.rowcount == 1
