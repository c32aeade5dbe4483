"""Recording delivery attempts in the outbox: one commit per connection batch, as a rule.

The mails a connection batch sent are recorded together when the batch ends (one UPDATE for
the sent ones, `core.outbox.mark_all_sent`), or sooner, beside the sending, once the first of
them has waited RECORD_SECONDS (a slow server: the batch could take minutes). A crash after
the server's OK and before that commit resends at most those mails, after the lease and with
the same Message-IDs: the window is the batch's sending time, at most RECORD_SECONDS, and one
or two commits.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import outbox
from core.models import OutboxMail
from core.staff_notices import tell_staff
from mail.sending import Refusal

# A sent mail waits at most this long for the end of its batch before it is recorded anyway.
# A batch on a live server takes less (50 mails at 2-7 ms each), so it costs one commit.
RECORD_SECONDS = 0.5


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


@dataclass(frozen=True)
class Attempt:
    """How one attempt ended: taken (`sent`), or failed for good or for now."""

    sent: bool
    error: str = ""
    permanent: bool = False
    retry_to: str | None = None
    refused_for_good: tuple[Refusal, ...] = ()


class Recorder:
    """Records a batch's attempts at its end (`flush`), or those that waited RECORD_SECONDS."""

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
        self._waiting: list[tuple[OutboxMail, Attempt]] = []
        self._first_waiting_at = 0.0
        self._in_flight: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def add(self, mail: OutboxMail, outcome: Attempt) -> None:
        """Queue one attempt's record: committed at `flush`, or after RECORD_SECONDS."""
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
        due = self._first_waiting_at + RECORD_SECONDS
        if self._loop.time() >= due:
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

    async def _commit(self, records: list[tuple[OutboxMail, Attempt]]) -> None:
        async with self._sessions.begin() as session:
            statuses = await session.run_sync(_settle_all, records, self._now)
        for (mail, outcome), status in zip(records, statuses, strict=True):
            self._count(mail, outcome, status)

    def _count(self, mail: OutboxMail, outcome: Attempt, status: str) -> None:
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
    session: Session, records: list[tuple[OutboxMail, Attempt]], now: datetime | None
) -> list[str]:
    """Record attempts in one transaction (the sent ones in one statement); → their statuses."""
    outbox.mark_all_sent(session, [mail.id for mail, outcome in records if outcome.sent], now)
    return [_settle(session, mail, outcome, now) for mail, outcome in records]


def _settle(session: Session, mail: OutboxMail, outcome: Attempt, now: datetime | None) -> str:
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
