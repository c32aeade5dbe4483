"""Webhook mode: Telegram POSTs each update; we store it, then answer 200, then handle it.

Telegram resends an update until it gets a 2xx, so answering only after the update is stored
means a crash loses nothing; the stored update_id recognises the resend. A small HTTP/1.1
server on the loop (no extra web framework): one JSON body per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Bot

from bot.context import Context
from core.chat_updates import store_updates

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class Webhook:
    """The webhook's parts: where to store, what to call once something was stored."""

    def __init__(
        self, ctx: Context, bot: Bot, schedule_stored: Callable[[], Awaitable[None]]
    ) -> None:
        self.ctx = ctx
        self.bot = bot
        self.schedule_stored = schedule_stored
        self.wake = asyncio.Event()
        self.port: int | None = None


async def serve_webhook(transport: Webhook, url: str, stop: asyncio.Event) -> None:
    """Listen on OTASUKE_TELEGRAM_WEBHOOK_LISTEN, set the webhook, handle until `stop`."""
    settings = transport.ctx.settings
    host, _, port = settings.telegram_webhook_listen.rpartition(":")
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else None
    )
    path = urlsplit(url).path or "/"

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status = await _one_request(reader, path, secret, transport)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            log.warning("webhook: bad request: %s", exc)
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, host or "127.0.0.1", int(port))
    transport.port = server.sockets[0].getsockname()[1]
    try:
        await transport.bot.set_webhook(
            url, secret_token=secret, allowed_updates=["message", "callback_query"]
        )
        log.info("telegram webhook at %s, listening on %s:%s", url, host, transport.port)
        await transport.schedule_stored()
        while not stop.is_set():
            waiter = asyncio.ensure_future(transport.wake.wait())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopped}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopped.cancel()
            transport.wake.clear()
            await transport.schedule_stored()
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()


async def _one_request(
    reader: asyncio.StreamReader, path: str, secret: str | None, transport: Webhook
) -> str:
    request_line = (await reader.readline()).decode("latin-1").split()
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length > MAX_BODY:
        return "413 Payload Too Large"
    body = await reader.readexactly(length) if length else b""
    if len(request_line) < 2 or request_line[0] != "POST" or request_line[1].split("?")[0] != path:
        return "404 Not Found"
    if secret is not None and not hmac.compare_digest(headers.get(SECRET_HEADER, ""), secret):
        return "403 Forbidden"
    try:
        update = json.loads(body)
        int(update["update_id"])
    except (ValueError, KeyError, TypeError):
        return "400 Bad Request"
    # Stored (committed) before the 200: Telegram resends whatever we did not confirm.
    await transport.ctx.db(store_updates, [update])
    transport.wake.set()
    return "200 OK"
