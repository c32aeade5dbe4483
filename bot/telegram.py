"""The Telegram transport: python-telegram-bot's Application driven inside `otasuke run`'s loop.

PTB's own Updater confirms a batch to Telegram before its handlers run, so a crash mid-batch
would lose customers' messages. Here each update is stored (by update_id) before the next
getUpdates confirms it, then handled from the store and marked handled: after a kill -9 the
stored, unhandled ones are handled on start, and a redelivered one is recognised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.chat import Chat
from bot.context import Context
from bot.messages import DeliveryError, Incoming, Reply, split_text
from bot.relay import Relay
from bot.stored import StoredUpdates
from bot.webhook import Webhook, serve_webhook
from core.chat_updates import last_update_id, store_updates
from core.staff_notices import tell_staff

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
ALLOWED_UPDATES = ["message", "callback_query"]
SEND_ATTEMPTS = 4


def build_application(token: str, api_url: str | None) -> Application:  # type: ignore[type-arg]
    """The Application without PTB's Updater and JobQueue (we poll and schedule ourselves)."""
    # PTB ≥22.2 reads RetryAfter.retry_after through a deprecation shim that turns into an error
    # under `-W error`; as timedeltas (the future default) it does not (shared/notes/telegram.md).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    builder = ApplicationBuilder().token(token).updater(None).job_queue(None)
    if api_url:
        builder = builder.base_url(api_url)
    return builder.build()


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons
    ]
    return InlineKeyboardMarkup(rows)


def incoming(update: Update) -> Incoming | None:
    """A message's text or a button press, as the handlers read it; anything else → None."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    common: dict[str, Any] = {
        "chat_id": chat.id, "user_id": user.id, "user_name": user.full_name,
        "language_code": user.language_code,
    }  # fmt: skip
    if update.callback_query is not None:
        return Incoming(data=update.callback_query.data or "", **common)
    if update.message is not None and update.message.text is not None:
        return Incoming(text=update.message.text, **common)
    return None


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramTransport:
    """Polls (or takes a webhook), stores, handles through the shared Chat, and sends."""

    conflict_backoff = 30.0
    network_backoff = 2.0

    def __init__(self, ctx: Context, chat: Chat, application: Application) -> None:  # type: ignore[type-arg]
        self.ctx = ctx
        self.chat = chat
        self.app = application
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.stored = StoredUpdates(ctx, self._handle_payload)
        self.webhook = Webhook(ctx, application.bot, self.stored.schedule)

    async def run(self, stop: asyncio.Event) -> None:
        """Initialise, start, poll until `stop`, then stop in reverse order."""
        async with self.app:  # initialize(): getMe (a wrong token fails here)
            await self.app.start()
            relay = asyncio.create_task(Relay(self.ctx, self).run(stop), name="chat-relay")
            try:
                webhook = self.ctx.settings.telegram_webhook_url
                if webhook:
                    await serve_webhook(self.webhook, webhook, stop)
                else:
                    await self._poll(stop)
            finally:
                await self.stored.drain()
                if not stop.is_set():  # failed: the relay needs no clean end
                    relay.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay
                await self.app.stop()

    async def _poll(self, stop: asyncio.Event) -> None:
        await self.app.bot.delete_webhook()
        last = await self.ctx.db(last_update_id)
        offset = last + 1 if last is not None else None
        await self.stored.schedule()
        conflict_told = False
        while not stop.is_set():
            try:
                updates = await self._get_updates(offset, stop)
            except RetryAfter as exc:
                await _sleep(stop, _seconds(exc.retry_after))
                continue
            except Conflict as exc:
                if not conflict_told:
                    conflict_told = True
                    await self._tell_conflict(exc)
                await _sleep(stop, self.conflict_backoff)
                continue
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except NetworkError as exc:
                log.warning("telegram: getUpdates failed (%s): retrying", exc)
                await _sleep(stop, self.network_backoff)
                continue
            if updates is None:
                break
            conflict_told = False
            if updates:
                try:
                    await self.ctx.db(store_updates, [u.to_dict() for u in updates])
                except Exception:
                    # Not stored → not confirmed: the same offset asks Telegram for them again.
                    log.exception("telegram: storing %d update(s) failed: retrying", len(updates))
                    await _sleep(stop, self.network_backoff)
                    continue
                offset = max(u.update_id for u in updates) + 1
                await self.stored.schedule()
        if offset is not None:
            # Confirm what was read, so Telegram does not send it again (it is stored anyway).
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=offset, timeout=0)

    async def _get_updates(
        self, offset: int | None, stop: asyncio.Event
    ) -> tuple[Update, ...] | None:
        """One long poll, cancelled at once when `stop` is set (→ None)."""
        fetch = asyncio.ensure_future(
            self.app.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES
            )
        )
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return None
        stopped.cancel()
        return fetch.result()

    async def _tell_conflict(self, exc: Conflict) -> None:
        log.error("telegram: another bot instance polls with this token: %s", exc.message)
        text = (
            "Telegram 409 Conflict: 同じトークンで別のボットが動いています（二重起動）。"
            f"どちらかを止めてください。({exc.message})"
        )
        day = self.ctx.today().isoformat()
        await self.ctx.db(tell_staff, "telegram_conflict", text, key=f"telegram-conflict:{day}")

    async def _handle_payload(self, payload: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one PTB handler: every message and press goes through the shared Chat."""
        msg = incoming(update)
        if msg is None:
            return
        response = await self.chat.handle(msg)
        for reply in response.replies:
            await self.send(msg.chat_id, reply)
        if update.callback_query is not None:
            # Answered after handling so the notice ("#12 was approved by …") is what shows.
            with contextlib.suppress(BadRequest):  # too old: Telegram redelivered the press
                await update.callback_query.answer(response.notice)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: handling an update failed", exc_info=context.error)

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send a reply (split at Telegram's limit); 429 waits retry_after, network errors retry."""
        parts = split_text(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            await self._send_one(chat_id, part, markup)

    async def _send_one(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await self.app.bot.send_message(chat_id, text, reply_markup=markup)
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except (Forbidden, BadRequest) as exc:
                raise DeliveryError(str(exc), permanent=True) from exc
            except NetworkError as exc:  # TimedOut included
                if attempt == SEND_ATTEMPTS:
                    raise DeliveryError(str(exc), permanent=False) from exc
                await asyncio.sleep(self.network_backoff * attempt)
        raise DeliveryError(f"still rate-limited after {SEND_ATTEMPTS} tries", permanent=False)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
