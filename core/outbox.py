"""The mail outbox: each mail queued once by its key, then sent and retried by the mail worker."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import OutboxMail, utcnow

# Backoff between attempts: 1, 2, 4 … minutes, at most 6 hours; after MAX_ATTEMPTS it is failed.
MAX_ATTEMPTS = 10
_MAX_DELAY = timedelta(hours=6)
# How long a claimed mail is left to its sender before another may take it (SMTP's own timeouts
# are minutes at most).
LEASE = timedelta(minutes=10)
# The `key` column holds 255 characters; a Message-ID alone may run to 998 (RFC 5322).
KEY_LENGTH = 255
_HASH_MARK = "#sha256:"


def storable_key(key: str) -> str:
    """`key` itself when it fits the column, else its head and its SHA-256 (the same every time)."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key[: KEY_LENGTH - len(_HASH_MARK) - len(digest)] + _HASH_MARK + digest


def enqueue_mail(
    session: Session,
    key: str,
    kind: str,
    to: str,
    subject: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    action_id: int | None = None,
    customer_pk: int | None = None,
) -> OutboxMail:
    """Queue a mail unless one with `key` exists (then that one is returned, unchanged)."""
    key = storable_key(key)
    all_headers = {"X-Otasuke-Kind": kind, **(headers or {})}
    if action_id is not None:
        all_headers.setdefault("X-Otasuke-Action", str(action_id))
    values = {
        "key": key,
        "kind": kind,
        "to_address": to,
        "subject": subject,
        "body": body,
        "headers": all_headers,
        "action_id": action_id,
        "customer_pk": customer_pk,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    # INSERT … ON CONFLICT DO NOTHING: two workers queueing the same key at once keep one row.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(OutboxMail).values(values).on_conflict_do_nothing())
    # The row is there: inserted now, or by whoever queued the key first.
    return session.scalars(select(OutboxMail).where(OutboxMail.key == key)).one()


def due_mail(session: Session, now: datetime | None = None, limit: int = 50) -> list[OutboxMail]:
    """Pending mail whose next attempt is due, oldest first: candidates, each to `claim_mail`."""
    return list(
        session.scalars(
            select(OutboxMail)
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= (now or utcnow()))
            .order_by(OutboxMail.id)
            .limit(limit)
        )
    )


def claim_mail(
    session: Session, mail_id: int, now: datetime | None = None, lease: timedelta = LEASE
) -> bool:
    """Take a due mail for `lease`; True for one caller only. Commit before sending it."""
    # The conditional UPDATE is the whole race: a second sender (another instance, a restart)
    # finds the next attempt moved past `now` and gets no row. A sender that dies mid-send just
    # lets the lease run out: the mail is due again and goes out later, never lost.
    now = now or utcnow()
    result = session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.status == "pending",
            OutboxMail.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def mark_sent(session: Session, mail_id: int, now: datetime | None = None) -> None:
    """The mail went out."""
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .values(status="sent", sent_at=now or utcnow(), attempts=OutboxMail.attempts + 1)
    )


def mark_attempt_failed(
    session: Session, mail_id: int, error: str, now: datetime | None = None
) -> OutboxMail:
    """Sending failed: try again later, or give up after MAX_ATTEMPTS."""
    mail = session.get_one(OutboxMail, mail_id)
    mail.attempts += 1
    mail.last_error = error
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
    else:
        delay = min(timedelta(minutes=2 ** (mail.attempts - 1)), _MAX_DELAY)
        mail.next_attempt_at = (now or utcnow()) + delay
    session.flush()
    return mail
