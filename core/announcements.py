"""Telling staff in chat about queued actions: each action once, whichever instance tells."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from core.models import Action, ActionAnnouncement, utcnow


def unannounced_actions(session: Session, limit: int = 50) -> list[Action]:
    """Pending actions staff have not been told about in chat, oldest first."""
    query = (
        select(Action)
        .options(selectinload(Action.customer))
        .outerjoin(ActionAnnouncement, ActionAnnouncement.action_id == Action.id)
        .where(ActionAnnouncement.action_id.is_(None), Action.status == "pending")
        .order_by(Action.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_announcement(session: Session, action_id: int) -> bool:
    """Claim telling staff about the action: True for the one caller that may send it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    row = {"action_id": action_id, "announced_at": utcnow()}
    statement = dialect.insert(ActionAnnouncement).values(row).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
    return session.scalar(statement.returning(ActionAnnouncement.action_id)) is not None
