"""The SMTP adapter of the sender port (aiosmtplib): one connection per batch."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

import aiosmtplib

from mail.sending import Connection, Refusal, SendFailed

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"implicit": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect (OTASUKE_SMTP_*)."""

    host: str
    port: int | None = None
    tls: Literal["implicit", "starttls", "none"] = "starttls"
    user: str | None = None
    password: str | None = None
    envelope_from: str = "otasuke@localhost"
    timeout: float = 30.0
    # A private CA (a test server's own certificate); None → the system's CAs.
    ca_file: Path | None = None


class SmtpSender:
    """Sends through an SMTP server; STARTTLS or implicit TLS and login as configured."""

    name = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        """A connection opened at the first mail and closed after the batch."""
        connection = _SmtpConnection(self.config)
        try:
            yield connection
        finally:
            await connection.close()


class _SmtpConnection:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._client: aiosmtplib.SMTP | None = None
        # Once the server could not be reached (or dropped us), the rest of the batch waits for
        # the next one: no new connection attempt per mail against a server that is down.
        self._unreachable: str | None = None

    async def send(self, message: EmailMessage, recipients: Sequence[str]) -> list[Refusal]:
        client = await self._open()
        try:
            refused, _ = await client.send_message(
                message, sender=self._config.envelope_from, recipients=list(recipients)
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # Every recipient refused: the caller sees each one, as for a partial refusal.
            return [Refusal(r.recipient, r.code, r.message) for r in exc.recipients]
        except aiosmtplib.SMTPResponseException as exc:
            # 421 or 550 at MAIL FROM or DATA: the connection stays usable after a reset.
            await self._reset()
            raise SendFailed(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # A server that drops or stalls the connection is not asked again in this batch:
            # each further mail could cost a whole timeout and outlast the batch's lease.
            await self.close()
            self._unreachable = f"SMTP {self._config.host}: connection lost: {_describe(exc)}"
            raise SendFailed(self._unreachable, permanent=False) from exc
        # aiosmtplib raises nothing when only some recipients were refused: they are here.
        return [Refusal(address, reply.code, reply.message) for address, reply in refused.items()]

    async def _open(self) -> aiosmtplib.SMTP:
        if self._unreachable is not None:
            raise SendFailed(self._unreachable, permanent=False)
        if self._client is not None and self._client.is_connected:
            return self._client
        config = self._config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port or DEFAULT_PORTS[config.tls],
            use_tls=config.tls == "implicit",
            start_tls=config.tls == "starttls",
            username=config.user,
            password=config.password,
            timeout=config.timeout,
            tls_context=_tls_context(config.ca_file) if config.tls != "none" else None,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # A login refused (535) is a setting to fix, not a reason to give the mail up.
            self._unreachable = f"SMTP {config.host}: {_describe(exc)}"
            with suppress(Exception):
                client.close()
            raise SendFailed(self._unreachable, permanent=False) from exc
        self._client = client
        return client

    async def _reset(self) -> None:
        if self._client is None or not self._client.is_connected:
            return
        try:
            await self._client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await self.close()

    async def close(self) -> None:
        """QUIT politely; a connection already gone is just dropped."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
