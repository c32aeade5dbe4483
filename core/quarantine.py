"""Mail set aside after failing MAX_ATTEMPTS times: staff are told, list it, and release it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import UserError
from core.models import AuditEntry, InboundMail, utcnow
from core.staff_notices import tell_staff

RELEASED = "mail.released"


def quarantine(session: Session, mail: InboundMail, error: str, now: datetime) -> None:
    """Set `mail` aside after its last failed attempt and tell staff, once each time."""
    mail.status = "quarantined"
    mail.processed_at = now
    session.flush()
    # A mail released and quarantined again is news again: the key counts the releases.
    releases = _releases(session, mail.id)
    tell_staff(
        session,
        "mail_quarantined",
        f"A mail could not be read after {mail.attempts} attempts and was set aside "
        f"(inbound #{mail.id}, {mail.message_key}, from {mail.mailbox}): {error}. "
        f"`otasuke mail release {mail.id}` tries it again once the cause is fixed.",
        key=f"mail-quarantined:{mail.id}" + (f":{releases}" if releases else ""),
        at=now,
    )


def quarantined(session: Session) -> list[InboundMail]:
    """The mail set aside, oldest first."""
    query = select(InboundMail).where(InboundMail.status == "quarantined")
    return list(session.scalars(query.order_by(InboundMail.id)))


def release(session: Session, mail_id: int, actor: str, now: datetime | None = None) -> InboundMail:
    """Put a quarantined mail back to be taken in, with fresh attempts; audited.

    An unknown id, or a mail not quarantined (taken in, waiting, released by someone else just
    now), → UserError naming what it is.
    """
    now = now or utcnow()
    mail = session.get(InboundMail, mail_id)
    if mail is None:
        raise UserError(f"inbound mail #{mail_id}: no such mail")
    attempts, error = mail.attempts, mail.last_error
    # Compare-and-set: of two staff releasing at once, one does it.
    won = session.execute(
        update(InboundMail)
        .where(InboundMail.id == mail_id, InboundMail.status == "quarantined")
        .values(status="pending", attempts=0, next_attempt_at=now, processed_at=None)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(mail)
        raise UserError(f"inbound mail #{mail_id} is not quarantined (it is {_state(mail)})")
    audit.record(
        session, actor, RELEASED, f"inbound:{mail_id}",
        {"attempts": attempts, "last_error": error}, at=now,
    )  # fmt: skip
    session.flush()
    session.refresh(mail)
    return mail


def _releases(session: Session, mail_id: int) -> int:
    query = select(func.count()).where(
        AuditEntry.event == RELEASED, AuditEntry.subject == f"inbound:{mail_id}"
    )
    return int(session.scalar(query.select_from(AuditEntry)) or 0)


def _state(mail: InboundMail) -> str:
    if mail.status == "pending":
        return "waiting to be taken in"
    if mail.status in ("done", "own"):
        return "taken in already"
    return mail.status
