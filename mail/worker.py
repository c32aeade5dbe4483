"""The mail worker: one instance per mailbox (a lease), reading, taking in, reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
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
        # A wait never outlasts a third of the lease: an instance standing by tries for it as
        # often as the holder renews it.
        self._wait = min(wait_seconds, lease_ttl.total_seconds() / 3)
        self._lease_ttl = lease_ttl
        self._retry_delay = retry_delay
        self._dead_after = dead_after
        self._first_backoff = first_backoff
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = f"mailbox:{source.mailbox}"
        self._last_success = utcnow()
        self._renew_every = lease_ttl.total_seconds() / 3
        self._renewed_at = time.monotonic()
        self._renewal = asyncio.Lock()  # the timer and the pass never renew at once
        self._halt: asyncio.Event | None = None  # while the lease is held: set to end the pass

    async def run(self, stop: asyncio.Event) -> None:
        """Read until `stop`: connection trouble is retried with backoff, never fatal."""
        backoff = self._first_backoff
        try:
            while not stop.is_set():
                try:
                    if not await self._hold_lease():
                        await _sleep(stop, self._wait)
                        continue
                    async with self._renewing(stop) as halt:
                        await self.pass_once(halt)
                        backoff = self._first_backoff
                        if not halt.is_set():
                            await self.source.wait_for_mail(self._wait, halt)
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
                self._sessions,
                self._handle,
                retry_delay=self._retry_delay,
                stop=stop,
                between=self._between_batches,
            )
            taken += len(tally.settled)
            await self.source.mark_settled()
            if not tally.settled and not tally.failed:
                break
        return taken

    async def _hold_lease(self) -> bool:
        held = await self._acquire()
        if held:
            self._renewed_at = time.monotonic()
        else:
            await self.source.close()  # another instance reads this mailbox now
        return held

    async def _acquire(self) -> bool:
        async with self._sessions() as session, session.begin():
            return await session.run_sync(leases.acquire, self._lease, self.holder, self._lease_ttl)

    @contextlib.asynccontextmanager
    async def _renewing(self, stop: asyncio.Event) -> AsyncIterator[asyncio.Event]:
        """Keep the lease renewed while the block runs (a pass may outlast the lease); → an
        event set on `stop` or once the lease is lost to another instance."""
        halt = asyncio.Event()
        self._halt = halt
        relay = asyncio.create_task(_relay(stop, halt))
        renewer = asyncio.create_task(self._renew_every_third(halt))
        try:
            yield halt
        finally:
            relay.cancel()
            halt.set()
            # Awaited, not cancelled: a renewal in hand ends its transaction cleanly.
            await asyncio.gather(relay, renewer, return_exceptions=True)
            self._halt = None

    async def _renew_every_third(self, halt: asyncio.Event) -> None:
        # Covers the stretches without a transaction boundary (a slow fetch, the wait).
        while not await _sleep(halt, self._renew_every):
            await self._renew_if_due(halt)

    async def _between_batches(self) -> None:
        # On SQLite the pass's next transaction would win the write lock from the timer's
        # renewal again and again (its busy wait polls): so the pass renews here too.
        if self._halt is not None:
            await self._renew_if_due(self._halt)

    async def _renew_if_due(self, halt: asyncio.Event) -> None:
        async with self._renewal:
            if halt.is_set() or time.monotonic() - self._renewed_at < self._renew_every:
                return
            try:
                held = await self._acquire()
            except (OSError, TimeoutError, OperationalError) as exc:
                # The pass meets the same trouble and backs off; the lease may yet be renewed.
                log.warning("%s: the lease could not be renewed: %s", self.source.mailbox, exc)
                return
            if held:
                self._renewed_at = time.monotonic()
                return
            log.warning(
                "%s: another instance took the lease (it ran out before this one renewed it); "
                "this one stops after the mail in hand",
                self.source.mailbox,
            )
            halt.set()

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


async def _sleep(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop`; → whether `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
