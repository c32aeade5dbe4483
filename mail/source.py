"""The mail source port: where customers' mail is read from (an IMAP mailbox or a folder)."""

from __future__ import annotations

import asyncio
from typing import Protocol


class SourceUnavailable(Exception):
    """The source cannot be read now (server down, connection lost): try again later."""


class MailSource(Protocol):
    """Reads new mail into the store (each message saved on its own) and marks what was settled."""

    # Names the mailbox: the lease and the stored mail's `mailbox` column use it.
    mailbox: str

    async def fetch_new(self) -> int:
        """Store every mail that arrived since the last call; → how many were new."""
        ...

    async def mark_settled(self) -> None:
        """Mark the server copies of mail taken in as processed (never deleting them)."""
        ...

    async def wait_for_mail(self, timeout: float, stop: asyncio.Event) -> None:
        """Return when new mail may have arrived, `timeout` passed, or `stop` was set."""
        ...

    async def close(self) -> None:
        """Let go of connections (a later `fetch_new` reconnects)."""
        ...
