"""The IMAP source (aioimaplib 2.0.3): fetch with BODY.PEEK[], save per message, IDLE or poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any, TypeVar

from aioimaplib import IMAP4, IMAP4_SSL
from aioimaplib.aioimaplib import AioImapException, Command
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core import inbound
from core.errors import UserError
from core.settings import Settings
from core.staff_notices import tell_staff
from mail.imap_parse import FetchedMessage, parse_fetch, parse_search, parse_select
from mail.source import SourceUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# Processed mail keeps its place in INBOX with these flags (SPEC "The mailbox"): never deleted.
PROCESSED_FLAGS = r"(\Seen $Otasuke)"
BATCH = 50
CLOCK_MARGIN = timedelta(minutes=2)
# Enough to tell which mails need their body: the receipt time and the dedup key.
_HEADS = "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT)])"
# PEEK: reading must not set \Seen before the mail is saved (issue 13).
_BODIES = "(UID INTERNALDATE BODY.PEEK[])"


@dataclass(frozen=True)
class ImapAccount:
    """The chamber's mailbox, from the OTASUKE_IMAP_* settings."""

    host: str
    user: str
    password: str
    tls: str = "implicit"
    port: int | None = None
    folder: str = "INBOX"
    processed_folder: str | None = None
    ca_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapAccount:
        """The account the settings name (OTASUKE_IMAP_HOST must be set)."""
        if not settings.imap_host:
            raise ValueError("OTASUKE_IMAP_HOST is not set")
        return cls(
            host=settings.imap_host,
            user=settings.imap_user or "",
            password=settings.imap_password.get_secret_value() if settings.imap_password else "",
            tls=settings.imap_tls,
            port=settings.imap_port,
            folder=settings.imap_folder,
            processed_folder=settings.imap_processed_folder,
            ca_file=settings.imap_ca_file,
        )

    @property
    def effective_port(self) -> int:
        """The port given, else 993 for implicit TLS and 143 otherwise."""
        return self.port or (993 if self.tls == "implicit" else 143)

    @property
    def mailbox(self) -> str:
        """The name the lease, the cursor and the stored mail use."""
        return f"imap://{self.user}@{self.host}:{self.effective_port}/{self.folder}"


@dataclass(frozen=True)
class Candidate:
    """A mail a backfill would import (or has imported)."""

    uid: int
    received_at: datetime | None
    sender: str
    subject: str
    stored: bool


class ImapSource:
    """Reads one IMAP folder; every await is time-limited and a lost connection fails fast."""

    def __init__(
        self,
        account: ImapAccount,
        sessions: async_sessionmaker[AsyncSession],
        *,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        use_idle: bool = True,
    ) -> None:
        self.account = account
        self.mailbox = account.mailbox
        self._sessions = sessions
        self._timeout = timeout
        self._ssl = ssl_context or _verifying_context(account.ca_file)
        self._use_idle = use_idle
        self._client: IMAP4 | None = None
        self._lost = asyncio.Event()
        self._uidvalidity = 0
        # UIDs whose Message-ID was already stored (read before under other UIDs): to mark.
        self._duplicates: list[int] = []
        # A mail the server cannot serve (Dovecot answers BYE and hangs up) must not block the
        # rest: after a failed batch, mail is fetched one by one; one that fails 3 times is
        # skipped (it stays in the mailbox) and staff are told.
        self._one_by_one = False
        self._failures: dict[tuple[int, int], int] = {}
        self._skipped: set[tuple[int, int]] = set()

    # -- connection -------------------------------------------------------------------------

    async def _connect(self) -> None:
        account = self.account
        self._lost = asyncio.Event()
        lost = self._lost

        def on_lost(_exc: Exception | None) -> None:
            lost.set()

        if account.tls == "implicit":
            context = self._ssl
            client: IMAP4 = IMAP4_SSL(
                account.host, account.effective_port, timeout=self._timeout, ssl_context=context
            )
            # IMAP4_SSL takes no conn_lost_cb (mail-servers.md): set it on the protocol.
            client.protocol.conn_lost_cb = on_lost
        else:
            client = IMAP4(
                account.host, account.effective_port, timeout=self._timeout, conn_lost_cb=on_lost
            )
        self._client = client
        await self._call(client.wait_hello_from_server())
        if account.tls == "starttls":
            await self._starttls(client)
        response = await self._call(client.login(account.user, account.password))
        if response.result != "OK":
            raise SourceUnavailable(f"login refused: {_text(response.lines)}")
        if account.processed_folder:
            await self._call(client.create(account.processed_folder))  # NO [ALREADYEXISTS]: fine
        response = await self._call(client.select(account.folder))
        if response.result != "OK":
            raise SourceUnavailable(f"cannot open {account.folder}: {_text(response.lines)}")
        try:
            uidvalidity, uidnext = parse_select(response.lines)
        except ValueError as exc:
            raise SourceUnavailable(f"{account.folder}: {exc}") from None
        if uidnext is None:  # RFC 3501 requires it; a server that omits it: the highest UID + 1
            every = await self._call(client.uid_search("ALL", charset=None))
            uidnext = max(parse_search(every.lines), default=0) + 1
        async with self._sessions() as session, session.begin():
            await session.run_sync(_open_cursor, self.mailbox, uidvalidity, uidnext)
        self._uidvalidity = uidvalidity
        self._duplicates = []

    async def _starttls(self, client: IMAP4) -> None:
        # aioimaplib 2.0.3 has no STARTTLS: through its internals, as mail-servers.md shows.
        protocol = client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise SourceUnavailable("the server offers no STARTTLS (OTASUKE_IMAP_TLS=starttls)")
        response = await self._call(
            protocol.execute(Command("STARTTLS", protocol.new_tag(), loop=protocol.loop))
        )
        if response.result != "OK":
            raise SourceUnavailable(f"STARTTLS refused: {_text(response.lines)}")
        context = self._ssl
        loop = asyncio.get_running_loop()
        protocol.transport = await self._call(
            loop.start_tls(protocol.transport, protocol, context, server_hostname=self.account.host)
        )
        await self._call(protocol.capability())

    async def _call(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """Await with a time limit, failing at once when the connection goes."""
        task = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            done, _ = await asyncio.wait(
                {task, lost}, timeout=timeout or self._timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:  # stopping: nothing may keep running behind us
            task.cancel()
            raise
        finally:
            lost.cancel()
        if task in done:
            try:
                return task.result()
            except AioImapException as exc:  # Abort, CommandTimeout…: the session is unusable
                raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise SourceUnavailable("connection lost" if lost in done else "the server did not answer")

    async def close(self) -> None:
        """Log out if the connection is healthy; drop it either way."""
        client, self._client = self._client, None
        if client is None:
            return
        protocol = client.protocol
        if not self._lost.is_set() and not client.has_pending_idle():
            with contextlib.suppress(Exception):
                await self._call(client.logout(), timeout=2)
        for task in [*client.tasks, *protocol.tasks]:
            task.cancel()
        if protocol.transport is not None:
            protocol.transport.close()

    async def _connected(self) -> IMAP4:
        if self._client is None or self._lost.is_set():
            await self.close()
            await self._connect()
        if self._client is None:
            raise SourceUnavailable("not connected")
        return self._client

    # -- reading ----------------------------------------------------------------------------

    async def fetch_new(self) -> int:
        """Store what arrived after the cursor, one transaction per mail, the cursor with it."""
        client = await self._connected()
        async with self._sessions() as session:
            cursor = await session.run_sync(inbound.cursor, self.mailbox)
        if cursor is None:  # removed behind our back: the next connection starts it afresh
            await self.close()
            raise SourceUnavailable("the mailbox's read position is missing")
        # Dovecot makes mail delivered meanwhile visible at a NOOP, not at the SEARCH itself.
        await self._call(client.noop())
        response = await self._call(
            client.uid_search("UID", f"{cursor.last_uid + 1}:*", charset=None)
        )
        # `N:*` always matches the last mail, even below N (RFC 3501 6.4.8): filter.
        uids = sorted(uid for uid in parse_search(response.lines) if uid > cursor.last_uid)
        new = 0
        for chunk in _chunks(uids, BATCH):
            new += await self._read(client, chunk, cursor)
        self._one_by_one = False
        return new

    async def _read(self, client: IMAP4, uids: list[int], cursor: inbound.Cursor) -> int:
        readable = [uid for uid in uids if (self._uidvalidity, uid) not in self._skipped]
        heads = await self._fetch_each(client, readable, _HEADS)
        keys = _message_ids(heads)
        async with self._sessions() as session:
            stored = await session.run_sync(inbound.stored_keys, list(keys.values()))
        wanted = []
        for uid in uids:
            head = heads.get(uid)
            rescanning = cursor.rescan_below_uid is not None and uid < cursor.rescan_below_uid
            if head is None or (rescanning and _older(head, cursor.first_seen_at)):
                continue  # expunged meanwhile, or older than the first connection
            if keys.get(uid) in stored:
                self._duplicates.append(uid)
                continue
            wanted.append(uid)
        bodies = await self._fetch_each(client, wanted, _BODIES, per_mail_timeout=True)
        new = 0
        async with self._sessions() as session:
            for uid in uids:
                # Saved per message (getmail6 re-reads everything after a crash otherwise).
                async with session.begin():
                    await session.run_sync(inbound.commit_without_waiting)
                    new += await self._store(session, uid, bodies.get(uid))
                    await session.run_sync(
                        inbound.advance_cursor, self.mailbox, self._uidvalidity, uid
                    )
        return new

    async def _store(self, session: AsyncSession, uid: int, body: FetchedMessage | None) -> bool:
        """Store one fetched mail (in the caller's transaction); False: none, or known already."""
        if body is None or body.literal is None:
            return False
        stored = await session.run_sync(
            inbound.store,
            body.literal,
            mailbox=self.mailbox,
            uidvalidity=self._uidvalidity,
            uid=uid,
            received_at=body.internal_date,
        )
        return stored is not None

    async def _fetch_each(
        self, client: IMAP4, uids: list[int], items: str, *, per_mail_timeout: bool = False
    ) -> dict[int, FetchedMessage]:
        """FETCH `uids` together, or one by one after a failed batch to find the mail at fault."""
        groups = [[uid] for uid in uids] if self._one_by_one else [uids] if uids else []
        found: dict[int, FetchedMessage] = {}
        for group in groups:
            try:
                found.update(
                    await self._fetch(client, group, items, per_mail_timeout=per_mail_timeout)
                )
            except SourceUnavailable as exc:
                if len(group) > 1:
                    self._one_by_one = True
                else:
                    await self._failed(group[0], str(exc))
                raise
        return found

    async def _failed(self, uid: int, error: str) -> None:
        key = (self._uidvalidity, uid)
        self._failures[key] = self._failures.get(key, 0) + 1
        if self._failures[key] < inbound.MAX_ATTEMPTS:
            return
        self._skipped.add(key)
        log.error("%s: UID %d cannot be fetched: skipped (%s)", self.mailbox, uid, error)
        async with self._sessions() as session, session.begin():
            await session.run_sync(_tell_unreadable, self.mailbox, self._uidvalidity, uid, error)

    async def _fetch(
        self, client: IMAP4, uids: list[int], items: str, *, per_mail_timeout: bool = False
    ) -> dict[int, FetchedMessage]:
        timeout = self._timeout * (len(uids) if per_mail_timeout else 1)
        response = await self._call(
            client.uid("fetch", ",".join(map(str, uids)), items), timeout=timeout
        )
        if response.result != "OK":
            raise SourceUnavailable(f"FETCH failed: {_text(response.lines)}")
        return parse_fetch(response.lines)

    async def mark_settled(self) -> None:
        """Flag (or move) the server copies of mail taken in; a crash before this repeats it."""
        if self._client is None or self._lost.is_set():
            return
        async with self._sessions() as session:
            rows = await session.run_sync(inbound.unmarked, self.mailbox, self._uidvalidity)
        uids = sorted({uid for _, uid in rows} | set(self._duplicates))
        for chunk in _chunks(uids, 500):
            await self._mark(self._client, ",".join(map(str, chunk)))
        async with self._sessions() as session, session.begin():
            await session.run_sync(inbound.set_marked, [mail_id for mail_id, _ in rows])
        self._duplicates = []

    async def _mark(self, client: IMAP4, uid_set: str) -> None:
        target = self.account.processed_folder
        response = await self._call(client.uid("store", uid_set, "+FLAGS.SILENT", PROCESSED_FLAGS))
        if response.result != "OK":
            raise SourceUnavailable(f"STORE failed: {_text(response.lines)}")
        if target and client.has_capability("MOVE"):
            response = await self._call(client.uid("move", uid_set, target))
        elif target:  # no MOVE: a copy there, the original stays flagged (never deleted)
            response = await self._call(client.uid("copy", uid_set, target))
        if response.result != "OK":
            raise SourceUnavailable(f"moving to {target} failed: {_text(response.lines)}")

    async def wait_for_mail(self, timeout: float, stop: asyncio.Event) -> None:
        """IDLE until a push, `timeout` or `stop`; without IDLE, just wait (the next poll looks)."""
        client = self._client
        if client is None or not self._use_idle or not client.has_capability("IDLE"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout)
            return
        idle = await self._call(client.idle_start(timeout=timeout + self._timeout))
        push = asyncio.ensure_future(client.wait_server_push(timeout))
        stopped = asyncio.ensure_future(stop.wait())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({push, stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (push, stopped, lost):
                task.cancel()
        pushed: list[Any] = []
        if push.done() and not push.cancelled() and push.exception() is None:
            pushed = push.result()
        bye = any(isinstance(line, bytes) and line.startswith(b"BYE") for line in pushed)
        if self._lost.is_set() or bye:
            idle.cancel()  # after a BYE the IDLE task never ends (mail-servers.md)
            self._lost.set()
            raise SourceUnavailable("the server closed the connection")
        client.idle_done()
        try:
            await self._call(asyncio.shield(idle))
        except SourceUnavailable:
            idle.cancel()
            raise
        while not client.protocol.idle_queue.empty():  # pushes are hints: the next search looks
            client.protocol.idle_queue.get_nowait()

    # -- backfill ---------------------------------------------------------------------------

    async def backfill(self, since: date, *, apply: bool) -> list[Candidate]:
        """Mail received since `since` that is not stored; with `apply`, store it now."""
        client = await self._connected()
        response = await self._call(
            client.uid_search("SINCE", since.strftime("%d-%b-%Y"), charset=None)
        )
        candidates: list[Candidate] = []
        for chunk in _chunks(sorted(parse_search(response.lines)), BATCH):
            heads = await self._fetch(client, chunk, _HEADS)
            keys = _message_ids(heads)
            async with self._sessions() as session:
                stored = await session.run_sync(inbound.stored_keys, list(keys.values()))
            for uid, head in sorted(heads.items()):
                sender, subject = _from_and_subject(head.literal or b"")
                candidates.append(
                    Candidate(uid, head.internal_date, sender, subject, keys.get(uid) in stored)
                )
            if apply:
                wanted = [c.uid for c in candidates if c.uid in heads and not c.stored]
                bodies = (
                    await self._fetch(client, wanted, _BODIES, per_mail_timeout=True)
                    if wanted
                    else {}
                )
                for uid, body in bodies.items():
                    async with self._sessions() as session, session.begin():
                        await self._store(session, uid, body)
        return candidates


def _open_cursor(session: Session, mailbox: str, uidvalidity: int, uidnext: int) -> None:
    cursor = inbound.cursor(session, mailbox)
    if cursor is None:
        # The first connection starts at UIDNEXT: years of old mail are not imported.
        inbound.start_cursor(session, mailbox, uidvalidity, uidnext - 1)
    elif cursor.uidvalidity != uidvalidity:
        log.warning(
            "%s: UIDVALIDITY changed (%d → %d): rescanning, skipping mail from before %s",
            mailbox, cursor.uidvalidity, uidvalidity, cursor.first_seen_at.isoformat(),
        )  # fmt: skip
        inbound.reset_cursor(session, mailbox, uidvalidity, uidnext)


def _verifying_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificates verified against `ca_file`, else the system's CAs; a bad file is refused."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"OTASUKE_IMAP_CA_FILE: cannot use {ca_file} ({exc})") from None


def _tell_unreadable(
    session: Session, mailbox: str, uidvalidity: int, uid: int, error: str
) -> None:
    tell_staff(
        session,
        "mail_unreadable",
        f"The mail with UID {uid} in {mailbox} could not be fetched "
        f"{inbound.MAX_ATTEMPTS} times ({error}): it was skipped and stays in the mailbox.",
        key=f"mail-unreadable:{mailbox}:{uidvalidity}:{uid}",
    )


def _message_ids(heads: dict[int, FetchedMessage]) -> dict[int, str]:
    """The Message-IDs in the fetched headers (a mail without one is keyed by its body later)."""
    ids = {uid: inbound.message_id_of(head.literal or b"") for uid, head in heads.items()}
    return {uid: key for uid, key in ids.items() if key is not None}


def _older(head: FetchedMessage, first_seen_at: datetime) -> bool:
    # INTERNALDATE has whole seconds and the server's clock: a margin, so that mail delivered
    # just after the first connection is never taken for older (the dedup key covers overlap).
    return head.internal_date is not None and head.internal_date < first_seen_at - CLOCK_MARGIN


def _from_and_subject(header: bytes) -> tuple[str, str]:
    try:
        parsed = BytesHeaderParser(policy=default).parsebytes(header)
        return str(parsed.get("From", "")), str(parsed.get("Subject", ""))
    except Exception:  # a broken header still gets listed
        return "?", "?"


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _text(lines: list[Any]) -> str:
    return " ".join(
        bytes(line).decode("utf-8", "replace") for line in lines if isinstance(line, bytes)
    )[:300]
