"""Draining core.outbox through a sender: lease a batch, send it on one connection, record each.

A mail is recorded soon after the server took it, in a group commit that runs while the
following mails are sent: the window in which a crash makes it go out twice, always with the
same Message-ID, is at most GROUP_SECONDS and that commit (and the one in flight before it).
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
# A sent mail is recorded in a group: at most this many, or after this long (the crash window).
GROUP_MAILS = 8
GROUP_SECONDS = 0.02
# After the database itself failed, wait this long before trying again.
ERROR_PAUSE_SECONDS = 5.0


@dataclass
class DeliveryReport:
    """What one drain did: mails sent, to be retried, given up (with why)."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # Mails asked for (`ids`) that another sender had leased, or that were no longer due.
    elsewhere: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        """Count another drain's mails in."""
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.elsewhere += other.elsewhere
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
        recorder = _Recorder(sessions, now, report)
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


@dataclass(frozen=True)
class _Outcome:
    """How one attempt ended: taken (`sent`), or failed for good or for now."""

    sent: bool
    error: str = ""
    permanent: bool = False
    retry_to: str | None = None
    refused_for_good: tuple[Refusal, ...] = ()


async def _attempt(
    connection: Connection, mail: OutboxMail, mail_from: str, now: datetime | None
) -> _Outcome:
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
        return _Outcome(False, str(exc), exc.permanent)
    if not refused:
        return _Outcome(True)
    # Some recipients refused: those who took it keep it; a 4xx one is tried again alone,
    # a 5xx one is given up and staff are told.
    error = "; ".join(map(str, refused))
    temporary = [r for r in refused if not r.permanent]
    taken = set(to) - {r.address for r in refused}
    told = tuple(r for r in refused if r.permanent) if (taken or temporary) else ()
    if temporary:
        retry_to = ", ".join(r.address for r in temporary)
        return _Outcome(False, error, retry_to=retry_to, refused_for_good=told)
    if taken:
        return _Outcome(True, error, refused_for_good=told)
    return _Outcome(False, error, permanent=True)


class _Recorder:
    """Records attempts while the next mails are sent: one commit in flight at a time.

    A mail the server took is recorded in the next commit, which starts once the one in flight
    is done and GROUP_MAILS mails wait or the first of them has waited GROUP_SECONDS: the crash
    window is that wait and one or two commits, and sending does not wait for the disk.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        now: datetime | None,
        report: DeliveryReport,
    ) -> None:
        self._sessions = sessions
        self._now = now
        self._report = report
        self._loop = asyncio.get_running_loop()
        self._waiting: list[tuple[OutboxMail, _Outcome]] = []
        self._first_waiting_at = 0.0
        self._in_flight: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def add(self, mail: OutboxMail, outcome: _Outcome) -> None:
        """Queue one attempt's record; it is committed soon, in a group."""
        if not self._waiting:
            self._first_waiting_at = self._loop.time()
        self._waiting.append((mail, outcome))
        self._maybe_start()

    def _maybe_start(self) -> None:
        if not self._waiting:
            return
        if self._in_flight is not None:
            if not self._in_flight.done():
                return  # its done-callback comes back here
            self._in_flight.result()  # a failed commit is not lost silently
        due = self._first_waiting_at + GROUP_SECONDS
        if len(self._waiting) >= GROUP_MAILS or self._loop.time() >= due:
            self._start()
        elif self._timer is None:
            self._timer = self._loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._maybe_start()

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        records, self._waiting = self._waiting, []
        self._in_flight = asyncio.create_task(self._commit(records))
        self._in_flight.add_done_callback(self._after)

    def _after(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is None:
            self._maybe_start()

    async def flush(self) -> None:
        """Commit what waits and wait until every attempt is recorded."""
        while True:
            task = self._in_flight
            if task is not None and not task.done():
                await task
                continue
            if task is not None:
                task.result()
            if not self._waiting:
                break
            self._start()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _commit(self, records: list[tuple[OutboxMail, _Outcome]]) -> None:
        async with self._sessions.begin() as session:
            statuses = await session.run_sync(_settle_all, records, self._now)
        for (mail, outcome), status in zip(records, statuses, strict=True):
            self._count(mail, outcome, status)

    def _count(self, mail: OutboxMail, outcome: _Outcome, status: str) -> None:
        report = self._report
        if status == "sent":
            report.sent += 1
        elif status == "failed":
            report.failed += 1
            report.errors.append(f"mail {mail.id} to {mail.to_address}: {outcome.error}")
        elif status == "pending":
            report.retrying += 1
            report.errors.append(
                f"mail {mail.id} to {mail.to_address}: {outcome.error} (will retry)"
            )


def _settle_all(
    session: Session, records: list[tuple[OutboxMail, _Outcome]], now: datetime | None
) -> list[str]:
    """Record attempts in one transaction (the sent ones in one statement); → their statuses."""
    outbox.mark_all_sent(session, [mail.id for mail, outcome in records if outcome.sent], now)
    return [_settle(session, mail, outcome, now) for mail, outcome in records]


def _settle(session: Session, mail: OutboxMail, outcome: _Outcome, now: datetime | None) -> str:
    """Record one attempt beyond `sent`; what is given up is told to staff. → its status now."""
    for refusal in outcome.refused_for_good:
        tell_staff(
            session,
            "mail_failed",
            f"mail #{mail.id} ({mail.kind}) was refused for {refusal}",
            key=f"mail-refused:{mail.id}:{refusal.address}",
        )
    if outcome.sent:
        return "sent"
    row = outbox.mark_attempt_failed(
        session,
        mail.id,
        outcome.error,
        now,
        permanent=outcome.permanent,
        remaining_to=outcome.retry_to,
    )
    if row.status == "failed":
        tell_staff(
            session,
            "mail_failed",
            f"mail #{row.id} ({row.kind}) to {row.to_address} was not sent: {outcome.error}",
            key=f"mail-failed:{row.id}",
        )
    return row.status


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
