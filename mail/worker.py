"""The mail worker: one instance per mailbox (a lease), reading, taking in, reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound, leases
from core.models import utcnow
from core.staff_notices import tell_staff
from mail.processing import Handler, process_due
from mail.source import MailSource, SourceUnavailable

log = logging.getLogger(__name__)

# Issue 13: staff hear of a mailbox that has not been read successfully for this long.
DEAD_AFTER = timedelta(minutes=30)
LEASE_TTL = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 60.0


class MailWorker:
    """Reads `source` while holding its lease; takes each stored mail in with `handle`."""

    name = "mail"

    def __init__(
        self,
        source: MailSource,
        sessions: async_sessionmaker[AsyncSession],
        handle: Handler,
        *,
        wait_seconds: float,
        lease_ttl: timedelta = LEASE_TTL,
        retry_delay: timedelta = inbound.RETRY_DELAY,
        dead_after: timedelta = DEAD_AFTER,
        first_backoff: float = 1.0,
    ) -> None:
        self.source = source
        self._sessions = sessions
        self._handle = handle
        # A wait never outlasts a third of the lease: the lease is renewed between waits.
        self._wait = min(wait_seconds, lease_ttl.total_seconds() / 3)
        self._lease_ttl = lease_ttl
        self._retry_delay = retry_delay
        self._dead_after = dead_after
        self._first_backoff = first_backoff
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = f"mailbox:{source.mailbox}"
        self._last_success = utcnow()

    async def run(self, stop: asyncio.Event) -> None:
        """Read until `stop`: connection trouble is retried with backoff, never fatal."""
        backoff = self._first_backoff
        try:
            while not stop.is_set():
                try:
                    if not await self._hold_lease():
                        await _sleep(stop, self._wait)
                        continue
                    await self.pass_once(stop)
                    backoff = self._first_backoff
                    await self.source.wait_for_mail(self._wait, stop)
                except (SourceUnavailable, OSError, TimeoutError, OperationalError) as exc:
                    # OperationalError: the database is unreachable for now; both come back.
                    log.warning("%s: %s; again in %.0f s", self.source.mailbox, exc, backoff)
                    await self.source.close()
                    await self._tell_if_dead()
                    await _sleep(stop, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            await self.source.close()
            with contextlib.suppress(Exception):
                async with self._sessions() as session, session.begin():
                    await session.run_sync(leases.release, self._lease, self.holder)

    async def pass_once(self, stop: asyncio.Event | None = None) -> int:
        """Read new mail, take in what is stored, mark it on the server; → mails taken in.

        Once `stop` is set the pass ends after the transaction in hand: a backlog is left for
        the next start, so a clean stop releases the lease instead of being cancelled mid-batch.
        """
        try:
            await self.source.fetch_new()
            self._last_success = utcnow()
        finally:
            # Mail already stored is taken in even while the mailbox cannot be read.
            taken = await self._take_in_stored(stop)
        return taken

    async def _take_in_stored(self, stop: asyncio.Event | None) -> int:
        taken = 0
        while stop is None or not stop.is_set():
            tally = await process_due(
                self._sessions, self._handle, retry_delay=self._retry_delay, stop=stop
            )
            taken += len(tally.settled)
            await self.source.mark_settled()
            if not tally.settled and not tally.failed:
                break
        return taken

    async def _hold_lease(self) -> bool:
        async with self._sessions() as session, session.begin():
            held = await session.run_sync(leases.acquire, self._lease, self.holder, self._lease_ttl)
        if not held:
            await self.source.close()  # another instance reads this mailbox now
        return held

    async def _tell_if_dead(self) -> None:
        since = self._last_success
        if utcnow() - since < self._dead_after:
            return
        async with self._sessions() as session, session.begin():
            await session.run_sync(_tell_dead, self.source.mailbox, since)


def _tell_dead(session: Session, mailbox: str, since: datetime) -> None:
    tell_staff(
        session,
        "mailbox_dead",
        f"The mailbox {mailbox} has not been read successfully since "
        f"{since.astimezone().isoformat(timespec='minutes')}: customers' mail is waiting.",
        # Once per outage: the key names when the last good read was.
        key=f"mailbox-dead:{mailbox}:{since.isoformat(timespec='seconds')}",
    )


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
