"""Draining core.outbox through a sender: lease a batch, send it on one connection, record each.

Each attempt is recorded by mail.recording: the batch's in one commit at its end, as a rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import outbox
from core.models import OutboxMail
from mail.composing import compose, domain_of, recipients
from mail.recording import Attempt, DeliveryReport, Recorder
from mail.sending import Connection, MailSender, SendFailed

log = logging.getLogger(__name__)

BATCH = 50
# The runner looks for due mail this often: an enqueued mail leaves within it (SPEC: 5 s).
POLL_SECONDS = 1.0
# After the database itself failed, wait this long before trying again.
ERROR_PAUSE_SECONDS = 5.0


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
        recorder = Recorder(sessions, now, report)
        try:
            async with sender.connect() as connection:
                for mail in mails:
                    recorder.add(mail, await _attempt(connection, mail, mail_from, now))
        finally:
            await recorder.flush()
    report.elsewhere = len(remaining or ())
    return report


def _claim(
    session: Session, *, now: datetime | None, batch: int, ids: set[int] | None, domain: str
) -> list[OutboxMail]:
    return outbox.claim_due(session, now, limit=batch, ids=ids, domain=domain)


async def _attempt(
    connection: Connection, mail: OutboxMail, mail_from: str, now: datetime | None
) -> Attempt:
    """Hand one mail to the sender; → what became of it (nothing recorded yet)."""
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
        return Attempt(False, str(exc), exc.permanent)
    if not refused:
        return Attempt(True)
    # Some recipients refused: those who took it keep it; a 4xx one is tried again alone,
    # a 5xx one is given up and staff are told.
    error = "; ".join(map(str, refused))
    temporary = [r for r in refused if not r.permanent]
    taken = set(to) - {r.address for r in refused}
    told = tuple(r for r in refused if r.permanent) if (taken or temporary) else ()
    if temporary:
        retry_to = ", ".join(r.address for r in temporary)
        return Attempt(False, error, retry_to=retry_to, refused_for_good=told)
    if taken:
        return Attempt(True, error, refused_for_good=told)
    return Attempt(False, error, permanent=True)


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
