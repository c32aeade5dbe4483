"""Who is staff: the IDs in settings and those added with `otasuke staff add`."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import UserError
from core.models import Staff
from core.settings import Settings


def add_staff(session: Session, telegram_user_id: int, name: str | None, actor: str) -> Staff:
    """Add a staff member (again: the name is updated)."""
    if telegram_user_id <= 0:
        raise UserError(f"{telegram_user_id} is not a Telegram user id (a positive number)")
    member = session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
    if member is None:
        member = Staff(telegram_user_id=telegram_user_id, name=name, added_by=actor)
        session.add(member)
    elif name is not None:
        member.name = name
    session.flush()
    audit.record(session, actor, "staff.added", f"telegram:{telegram_user_id}", {"name": name})
    return member


def remove_staff(session: Session, telegram_user_id: int, actor: str) -> None:
    """Remove a staff member added with `staff add`; unknown → UserError."""
    result = session.execute(delete(Staff).where(Staff.telegram_user_id == telegram_user_id))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise UserError(f"{telegram_user_id} was not added with `otasuke staff add`")
    audit.record(session, actor, "staff.removed", f"telegram:{telegram_user_id}")


def added_staff(session: Session) -> list[Staff]:
    """Staff added with `otasuke staff add`, in the order they were added."""
    return list(session.scalars(select(Staff).order_by(Staff.id)))


def staff_ids(session: Session, settings: Settings) -> frozenset[int]:
    """Every staff member's Telegram user id: settings first, then the added ones."""
    added = session.scalars(select(Staff.telegram_user_id))
    return frozenset([*settings.staff_telegram_ids, *added])


def staff_name(session: Session, telegram_user_id: int) -> str | None:
    """The name given with `staff add`, if any."""
    return session.scalar(select(Staff.name).where(Staff.telegram_user_id == telegram_user_id))
