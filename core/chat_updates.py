"""Chat updates stored before Telegram is told they were read, handled once afterwards.

Telegram forgets an update once a later getUpdates confirms it (or a webhook call returns 200):
storing it first means a crash between reading and handling loses nothing, and the stored
`update_id` recognises what Telegram delivers twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import ChatUpdate, utcnow


def store_updates(session: Session, updates: list[dict[str, Any]]) -> int:
    """Store updates by `update_id` (a redelivered one is ignored); → how many were new."""
    if not updates:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    new = 0
    now = utcnow()
    for payload in updates:
        statement = dialect.insert(ChatUpdate).values(
            update_id=int(payload["update_id"]), payload=payload, received_at=now
        )
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
        stored = session.scalar(statement.on_conflict_do_nothing().returning(ChatUpdate.id))
        new += stored is not None
    return new


def unhandled_updates(session: Session, limit: int = 100) -> list[ChatUpdate]:
    """Stored updates not handled yet, in Telegram's order."""
    query = (
        select(ChatUpdate)
        .where(ChatUpdate.handled_at.is_(None))
        .order_by(ChatUpdate.update_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_handled(
    session: Session, update_id: int, error: str | None = None, now: datetime | None = None
) -> bool:
    """Record that the update was handled: True for the one caller that recorded it."""
    result = session.execute(
        update(ChatUpdate)
        .where(ChatUpdate.update_id == update_id, ChatUpdate.handled_at.is_(None))
        .values(handled_at=now or utcnow(), error=error)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def last_update_id(session: Session) -> int | None:
    """The highest update_id ever stored: polling resumes after it."""
    return session.scalar(select(func.max(ChatUpdate.update_id)))
