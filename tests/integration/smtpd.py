"""A real aiosmtpd server on the test's own loop that records what it receives."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    """One mail the server took: its envelope and its parsed message."""

    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """Parsed as a mail reader would (decoded headers, `get_content()`)."""
        parsed = message_from_bytes(self.raw, policy=policy.default)
        return parsed  # type: ignore[return-value]


@dataclass
class Recorder:
    """aiosmtpd's handler: answers DATA from `replies` first (then 250), refuses `refuse`."""

    replies: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    attempts: list[bytes] = field(default_factory=list)
    connections: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts.append(envelope.content)
        if self.replies:
            reply = self.replies.pop(0)
            if not reply.startswith("250"):
                return reply
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK"


@dataclass
class SmtpServer:
    """The running server: its port and what it recorded."""

    port: int
    handler: Recorder
    server: asyncio.Server

    async def stop(self) -> None:
        """Close the listening socket and every session."""
        self.server.close()
        await self.server.wait_closed()


async def start_smtpd(
    handler: Recorder | None = None,
    port: int = 0,
    *,
    tls_context: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    **smtp_options: Any,
) -> SmtpServer:
    """Serve SMTP on 127.0.0.1 in the running loop (STARTTLS or implicit TLS when given)."""
    handler = handler or Recorder()
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        handler.connections += 1
        starttls = None if implicit_tls else tls_context
        return SMTP(handler, hostname="test.local", tls_context=starttls, **smtp_options)

    server = await loop.create_server(
        factory, "127.0.0.1", port, ssl=tls_context if implicit_tls else None
    )
    return SmtpServer(server.sockets[0].getsockname()[1], handler, server)
