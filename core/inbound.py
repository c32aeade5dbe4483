"""Inbound mail, exactly once: stored raw before anything happens, then taken in or set aside."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import InboundMail, MailCursor, utcnow
from core.outbox import storable_key
from core.quarantine import quarantine

# A mail that failed this often is quarantined (issue 13: not retried forever, not blocking).
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=1)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header of a mail (or of its header block alone), as a storable key."""
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID")
    except Exception:  # a header block too broken to parse: the bytes still identify the mail
        value = None
    text = " ".join(str(value).split()) if value is not None else ""
    return storable_key(text) if text else None


def message_key(raw: bytes) -> str:
    """The mail's Message-ID, or `<sha256-of-the-raw-bytes@otasuke.invalid>` when it has none."""
    return message_id_of(raw) or f"<{hashlib.sha256(raw).hexdigest()}@otasuke.invalid>"


def store(
    session: Session,
    raw: bytes,
    *,
    mailbox: str,
    uidvalidity: int | None = None,
    uid: int | None = None,
    received_at: datetime | None = None,
) -> int | None:
    """Record a mail read from `mailbox`: its id, or None when it was already stored."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    # Either key already there (the same UID read again, the same Message-ID under a new
    # UIDVALIDITY or in another file) means: seen, nothing to do.
    statement = (
        dialect.insert(InboundMail)
        .values(
            message_key=message_key(raw),
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            raw=raw,
            received_at=received_at,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            marked=False,
            stored_at=now,
        )
        .on_conflict_do_nothing()
        .returning(InboundMail.id)
    )
    return session.execute(statement).scalar()


def commit_without_waiting(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches disk (PostgreSQL only).

    Only for work nothing outside the database acts on before a later, ordinary commit: that
    commit flushes this one with it (the WAL is written in order), so a server crash loses
    both or neither. Reading IMAP mail qualifies: the server copy is marked only after the
    outcome's own commit; a lost row is read again and recognised by its keys.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


def stored_keys(session: Session, keys: list[str]) -> set[str]:
    """Those of `keys` (see `message_key`) whose mail is stored."""
    if not keys:
        return set()
    query = select(InboundMail.message_key).where(InboundMail.message_key.in_(keys))
    return set(session.scalars(query))


@dataclass(frozen=True)
class Cursor:
    """How far a folder has been read (see core.models.MailCursor)."""

    uidvalidity: int
    last_uid: int
    first_seen_at: datetime
    rescan_below_uid: int | None = None


def cursor(session: Session, folder: str) -> Cursor | None:
    """The folder's cursor; None before the first connection."""
    row = session.scalar(select(MailCursor).where(MailCursor.folder == folder))
    if row is None:
        return None
    return Cursor(row.uidvalidity, row.last_uid, row.first_seen_at, row.rescan_below_uid)


def start_cursor(session: Session, folder: str, uidvalidity: int, last_uid: int) -> Cursor:
    """The first connection: read from here on (old mail is not imported)."""
    now = utcnow()
    session.add(
        MailCursor(folder=folder, uidvalidity=uidvalidity, last_uid=last_uid, first_seen_at=now)
    )
    session.flush()
    return Cursor(uidvalidity, last_uid, now)


def reset_cursor(session: Session, folder: str, uidvalidity: int, uidnext: int) -> None:
    """A new UIDVALIDITY: rescan the folder from UID 1; UIDs below `uidnext` are the old mail."""
    session.execute(
        update(MailCursor)
        .where(MailCursor.folder == folder)
        .values(uidvalidity=uidvalidity, last_uid=0, rescan_below_uid=uidnext, updated_at=utcnow())
    )


def advance_cursor(session: Session, folder: str, uidvalidity: int, uid: int) -> None:
    """Everything up to `uid` was read (stored, a duplicate, or older than the first connection)."""
    session.execute(
        update(MailCursor)
        .where(
            MailCursor.folder == folder,
            MailCursor.uidvalidity == uidvalidity,
            MailCursor.last_uid < uid,
        )
        .values(last_uid=uid, updated_at=utcnow())
    )


def due(session: Session, now: datetime | None = None, limit: int = 50) -> list[tuple[int, int]]:
    """(id, attempts so far) of the stored mail waiting to be taken in, oldest first."""
    query = (
        select(InboundMail.id, InboundMail.attempts)
        .where(InboundMail.status == "pending", InboundMail.next_attempt_at <= (now or utcnow()))
        .order_by(InboundMail.id)
        .limit(limit)
    )
    return [(row.id, row.attempts) for row in session.execute(query)]


def begin_attempts(session: Session, mail_ids: list[int]) -> dict[int, int]:
    """Count an attempt before it is made (a mail that kills the worker counts too): id → number."""
    rows = session.execute(
        update(InboundMail)
        .where(InboundMail.id.in_(mail_ids), InboundMail.status == "pending")
        .values(attempts=InboundMail.attempts + 1)
        .returning(InboundMail.id, InboundMail.attempts)
        .execution_options(synchronize_session=False)
    )
    return {row.id: row.attempts for row in rows}


def settle(
    session: Session,
    mail_id: int,
    attempt: int,
    status: str,
    outcome: str,
    now: datetime | None = None,
) -> InboundMail | None:
    """Record the outcome of attempt `attempt`; None if it was settled meanwhile (do nothing)."""
    # First in the transaction on purpose: it takes the row, so whatever the caller then does
    # (the intake) commits together with the outcome, once, whoever else tries at the same time.
    won = session.execute(
        update(InboundMail)
        .where(
            InboundMail.id == mail_id,
            InboundMail.status == "pending",
            InboundMail.attempts == attempt,
        )
        .values(status=status, outcome=outcome, processed_at=now or utcnow(), last_error=None)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(InboundMail, mail_id, populate_existing=True)


def record_failure(
    session: Session,
    mail_id: int,
    error: str,
    *,
    now: datetime | None = None,
    retry_delay: timedelta = RETRY_DELAY,
) -> bool:
    """An attempt failed: retry later, or after MAX_ATTEMPTS quarantine it and tell staff (True)."""
    now = now or utcnow()
    mail = session.get_one(InboundMail, mail_id, populate_existing=True)
    if mail.status != "pending":
        return False
    mail.last_error = error
    if mail.attempts < MAX_ATTEMPTS:
        mail.next_attempt_at = now + retry_delay * mail.attempts
        session.flush()
        return False
    quarantine(session, mail, error, now)
    return True


def unmarked(session: Session, mailbox: str, uidvalidity: int) -> list[tuple[int, int]]:
    """(id, uid) of mail settled but not yet marked processed on the server."""
    query = select(InboundMail.id, InboundMail.uid).where(
        InboundMail.mailbox == mailbox,
        InboundMail.uidvalidity == uidvalidity,
        InboundMail.uid.is_not(None),
        InboundMail.status.in_(("done", "own")),
        InboundMail.marked.is_(False),
    )
    return [(row.id, row.uid) for row in session.execute(query)]


def set_marked(session: Session, ids: list[int]) -> None:
    """The server copies of these mails were marked (or moved)."""
    if ids:
        session.execute(
            update(InboundMail)
            .where(InboundMail.id.in_(ids))
            .values(marked=True)
            .execution_options(synchronize_session=False)
        )
