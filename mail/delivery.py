"""Draining core.outbox through a sender: lease a batch, send it on one connection, record each.

Each mail is recorded in its own transaction right after the server took it: the window in
which a crash makes it go out twice (with the same Message-ID) is that one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import outbox
from core.models import OutboxMail
from core.staff_notices import tell_staff
from mail.composing import compose, domain_of, recipients
from mail.sending import Connection, MailSender, Refusal, SendFailed

log = logging.getLogger(__name__)

BATCH = 50
# The runner looks for due mail this often: an enqueued mail leaves within it (SPEC: 5 s).
POLL_SECONDS = 1.0
# After the database itself failed, wait this long before trying again.
ERROR_PAUSE_SECONDS = 5.0


@dataclass
class DeliveryReport:
    """What one drain did: mails sent, to be retried, given up (with why)."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        """Count another drain's mails in."""
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.errors.extend(other.errors)


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    sender: MailSender,
    *,
    mail_from: str,
    ids: Collection[int] | None = None,
    now: datetime | None = None,
    batch: int = BATCH,
) -> DeliveryReport:
    """Send every due mail (only `ids`, when given) until none is left; → what happened."""
    report = DeliveryReport()
    domain = domain_of(mail_from)
    remaining = set(ids) if ids is not None else None
    while remaining is None or remaining:
        async with sessions.begin() as session:
            mails = await session.run_sync(
                _claim, now=now, batch=batch, ids=remaining, domain=domain
            )
        if not mails:
            break
        if remaining is not None:
            remaining -= {mail.id for mail in mails}
        async with sender.connect() as connection:
            for mail in mails:
                await _deliver_one(sessions, connection, mail, mail_from, now, report)
    return report


def _claim(
    session: Session, *, now: datetime | None, batch: int, ids: set[int] | None, domain: str
) -> list[OutboxMail]:
    return outbox.claim_due(session, now, limit=batch, ids=ids, domain=domain)


async def _deliver_one(
    sessions: async_sessionmaker[AsyncSession],
    connection: Connection,
    mail: OutboxMail,
    mail_from: str,
    now: datetime | None,
    report: DeliveryReport,
) -> None:
    to = recipients(mail.pending_to or mail.to_address)
    try:
        if not to:
            raise SendFailed(f"no mail address in {mail.to_address!r}", permanent=True)
        try:
            message = compose(mail, mail_from, now)
        except (ValueError, TypeError) as exc:  # a header that cannot be written
            raise SendFailed(f"cannot be written as a mail: {exc}", permanent=True) from exc
        refused = await connection.send(message, to)
    except SendFailed as exc:
        await _record(sessions, mail, _Outcome(False, str(exc), exc.permanent), now, report)
        return
    if not refused:
        await _record(sessions, mail, _Outcome(True), now, report)
        return
    # Some recipients refused: those who took it keep it; a 4xx one is tried again alone,
    # a 5xx one is given up and staff are told.
    temporary = [r for r in refused if not r.permanent]
    error = "; ".join(map(str, refused))
    taken = set(to) - {r.address for r in refused}
    if temporary:
        retry_to = ", ".join(r.address for r in temporary)
        await _record(sessions, mail, _Outcome(False, error, retry_to=retry_to), now, report)
    elif taken:
        await _record(sessions, mail, _Outcome(True, error), now, report)
    else:
        await _record(sessions, mail, _Outcome(False, error, permanent=True), now, report)
    permanent = [r for r in refused if r.permanent]
    if permanent and (taken or temporary):
        async with sessions.begin() as session:
            await session.run_sync(_tell_refused, mail, permanent)


async def _record(
    sessions: async_sessionmaker[AsyncSession],
    mail: OutboxMail,
    outcome: _Outcome,
    now: datetime | None,
    report: DeliveryReport,
) -> None:
    async with sessions.begin() as session:
        status = await session.run_sync(_settle, mail.id, outcome, now)
    if status == "sent":
        report.sent += 1
    elif status == "failed":
        report.failed += 1
        report.errors.append(f"mail {mail.id} to {mail.to_address}: {outcome.error}")
    elif status == "pending":
        report.retrying += 1
        report.errors.append(f"mail {mail.id} to {mail.to_address}: {outcome.error} (will retry)")


@dataclass(frozen=True)
class _Outcome:
    """How one attempt ended: taken (`sent`), or failed for good or for now."""

    sent: bool
    error: str = ""
    permanent: bool = False
    retry_to: str | None = None


def _settle(session: Session, mail_id: int, outcome: _Outcome, now: datetime | None) -> str:
    """Record the attempt; a mail given up is told to staff. → the mail's status now."""
    if outcome.sent:
        outbox.mark_sent(session, mail_id, now)
        return "sent"
    mail = outbox.mark_attempt_failed(
        session,
        mail_id,
        outcome.error,
        now,
        permanent=outcome.permanent,
        remaining_to=outcome.retry_to,
    )
    if mail.status == "failed":
        tell_staff(
            session,
            "mail_failed",
            f"mail #{mail.id} ({mail.kind}) to {mail.to_address} was not sent: {outcome.error}",
            key=f"mail-failed:{mail.id}",
        )
    return mail.status


def _tell_refused(session: Session, mail: OutboxMail, refused: list[Refusal]) -> None:
    for refusal in refused:
        tell_staff(
            session,
            "mail_failed",
            f"mail #{mail.id} ({mail.kind}) was refused for {refusal}",
            key=f"mail-refused:{mail.id}:{refusal.address}",
        )


class OutboxWorker:
    """The runner's sender: drains the outbox every POLL_SECONDS until asked to stop."""

    name = "outbox"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: MailSender,
        *,
        mail_from: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._mail_from = mail_from
        self._poll = poll_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver, wait, repeat; a database that fails is retried, not a reason to stop."""
        log.info("outbox: sending through %s", self._sender.name)
        while not stop.is_set():
            pause = self._poll
            try:
                report = await deliver(self._sessions, self._sender, mail_from=self._mail_from)
            except Exception:  # the database went away: log, wait, try again
                log.exception("outbox: delivery failed")
                pause = ERROR_PAUSE_SECONDS
            else:
                if report.sent or report.errors:
                    log.info(
                        "outbox: %d sent, %d to retry, %d failed",
                        report.sent,
                        report.retrying,
                        report.failed,
                    )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
