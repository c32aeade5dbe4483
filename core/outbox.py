"""The mail outbox: each mail queued once by its key, then sent and retried by the mail worker."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, select, update
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


@dataclass(frozen=True)
class NewMail:
    """One mail to queue (`enqueue_all`): queued once by its `key`."""

    key: str
    kind: str
    to: str
    subject: str
    body: str
    headers: Mapping[str, str] | None = None
    action_id: int | None = None
    customer_pk: int | None = None
    # `<…@…>` only when the caller must know it now; otherwise the first claim gives the mail
    # its Message-ID, and every attempt after that keeps it.
    message_id: str | None = None


def enqueue_all(session: Session, mails: Sequence[NewMail]) -> list[int]:
    """Queue each mail unless one with its key exists → each mail's outbox id, in order.

    A key queued before (or earlier in `mails`) keeps its first mail, unchanged, and gives its
    id. One INSERT … ON CONFLICT DO NOTHING … RETURNING for them all (two workers queueing a
    key at once keep one row), and a SELECT only for the keys that were there already.
    """
    keys = [storable_key(mail.key) for mail in mails]
    now = utcnow()
    rows: dict[str, dict[str, object]] = {}
    for key, mail in zip(keys, mails, strict=True):
        if key in rows:
            continue  # the first mail of a key is the one queued
        headers = {"X-Otasuke-Kind": mail.kind, **(mail.headers or {})}
        if mail.action_id is not None:
            headers.setdefault("X-Otasuke-Action", str(mail.action_id))
        rows[key] = {
            "key": key,
            "kind": mail.kind,
            "to_address": mail.to,
            "subject": mail.subject,
            "body": mail.body,
            "headers": headers,
            "action_id": mail.action_id,
            "customer_pk": mail.customer_pk,
            "message_id": mail.message_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # The table, not the class: the ORM's bulk INSERT costs more than the INSERT itself here.
    table = OutboxMail.__table__
    insert = dialect.insert(table).on_conflict_do_nothing().returning(table.c.key, table.c.id)
    # In key order: two batches with keys in common take PostgreSQL's row locks in the same
    # order, so one waits for the other instead of both deadlocking.
    ordered = [rows[key] for key in sorted(rows)]
    ids: dict[str, int] = dict(session.execute(insert, ordered).all())
    there = [key for key in rows if key not in ids]
    if there:
        # Queued before, or by another worker a moment ago (its row is committed by now:
        # PostgreSQL's INSERT waited for it).
        found = session.execute(select(table.c.key, table.c.id).where(table.c.key.in_(there)))
        ids.update(found.all())
    if lost := [key for key in rows if key not in ids]:
        # Nothing else is unique but the Message-ID a caller may give.
        raise ValueError(f"outbox: mail {lost[0]!r} not queued: its Message-ID is another mail's")
    return [ids[key] for key in keys]


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
    message_id: str | None = None,
) -> OutboxMail:
    """One mail through `enqueue_all` → its row (the one queued first under `key`, unchanged)."""
    mail = NewMail(key, kind, to, subject, body, headers, action_id, customer_pk, message_id)
    [mail_id] = enqueue_all(session, [mail])
    return session.get_one(OutboxMail, mail_id)


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


def _free(now: datetime) -> object:
    """Pending and due: not sent, not given up, not leased to a sender right now."""
    return (OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)


def claim_due(
    session: Session,
    now: datetime | None = None,
    *,
    limit: int = 50,
    lease: timedelta = LEASE,
    ids: Collection[int] | None = None,
    domain: str = "localhost",
) -> list[OutboxMail]:
    """Lease up to `limit` due mails (only `ids` when given) to this caller, oldest first.

    Each mail leased is this caller's alone until `lease` runs out, and has its Message-ID
    from here on. Commit before sending them.
    """
    now = now or utcnow()
    free = _free(now)
    candidates = select(OutboxMail.id).where(free).order_by(OutboxMail.id).limit(limit)
    if ids is not None:
        candidates = candidates.where(OutboxMail.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        # Two senders take different mails instead of queueing behind each other's row locks.
        candidates = candidates.with_for_update(skip_locked=True)
    # Chosen by a statement of its own: as a subquery of the UPDATE, PostgreSQL may run the
    # LIMIT … SKIP LOCKED once per row, each run skipping the rows just updated, and one
    # claim leased every due mail.
    chosen = session.scalars(candidates).all()
    if not chosen:
        return []
    # The conditional UPDATE is the whole race: `free` is repeated because PostgreSQL
    # re-evaluates it on a row another sender changed meanwhile (read committed), and SQLite
    # runs one writer at a time (BEGIN IMMEDIATE). A sender that dies mid-send just lets the
    # lease run out: the mail is due again and goes out later, never lost.
    # A mail's first claim gives it its Message-ID, in the same statement: `<id.nonce.otasuke@
    # domain>`, unique by the row's id, and by the nonce across databases.
    first_id = literal("<") + cast(OutboxMail.id, String) + literal(_id_tail(domain))
    won = session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(chosen), free)
        .values(
            next_attempt_at=now + lease,
            message_id=func.coalesce(OutboxMail.message_id, first_id),
        )
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not won:
        return []
    return list(
        session.scalars(
            select(OutboxMail)
            .where(OutboxMail.id.in_(won))
            .order_by(OutboxMail.id)
            .execution_options(populate_existing=True)
        )
    )


def _id_tail(domain: str) -> str:
    return f".{uuid.uuid4().hex[:16]}.otasuke@{domain or 'localhost'}>"


def claim_mail(
    session: Session, mail_id: int, now: datetime | None = None, lease: timedelta = LEASE
) -> bool:
    """Take one due mail for `lease`; True for one caller only. Commit before sending it."""
    return bool(claim_due(session, now, limit=1, lease=lease, ids=[mail_id]))


def mark_sent(session: Session, mail_id: int, now: datetime | None = None) -> bool:
    """The mail went out; False when it was already recorded (another sender's lease ran out)."""
    return mark_all_sent(session, [mail_id], now) == 1


def mark_all_sent(session: Session, mail_ids: Collection[int], now: datetime | None = None) -> int:
    """These mails went out (one statement for a batch); → how many were still to record."""
    if not mail_ids:
        return 0
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(list(mail_ids)), OutboxMail.status == "pending")
        .values(status="sent", sent_at=now or utcnow(), attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def mark_attempt_failed(
    session: Session,
    mail_id: int,
    error: str,
    now: datetime | None = None,
    *,
    permanent: bool = False,
    remaining_to: str | None = None,
) -> OutboxMail:
    """Sending failed: try again later, or give up (`permanent`: a 5xx, or MAX_ATTEMPTS).

    `remaining_to` narrows the recipients of the next attempt (the others already have it);
    the mail itself, its To header included, stays the same.
    """
    mail = session.get_one(OutboxMail, mail_id, populate_existing=True)
    if mail.status != "pending":
        return mail  # recorded by another sender meanwhile: nothing to undo
    mail.attempts += 1
    mail.last_error = error
    if remaining_to is not None:
        mail.pending_to = remaining_to
    if permanent or mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
    else:
        delay = min(timedelta(minutes=2 ** (mail.attempts - 1)), _MAX_DELAY)
        mail.next_attempt_at = (now or utcnow()) + delay
    session.flush()
    return mail
