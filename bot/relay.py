"""What the bot sends unasked: queued actions and staff notices to staff, queued chat messages.

Announcements are claimed in the database before they are sent, so a restart or a second
instance never repeats one; a customer's queued message is marked sent only once it went out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from bot.context import Context
from bot.messages import DeliveryError, Reply
from bot.staff import announcement, say
from core import staff_notices
from core.announcements import claim_announcement, unannounced_actions
from core.chat_outbox import mark_chat_sent, unsent_chat_messages

log = logging.getLogger(__name__)

RELAY_INTERVAL_SECONDS = 1.0


class Transport(Protocol):
    """Where replies go: Telegram or the console."""

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Deliver one reply (split as needed); DeliveryError when it cannot."""
        ...


class Relay:
    """Every second: announce new actions and staff notices, send queued chat messages."""

    def __init__(self, ctx: Context, transport: Transport) -> None:
        self.ctx = ctx
        self.transport = transport

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop`; a failing round is logged and tried again next time."""
        while not stop.is_set():
            try:
                await self.once()
            except Exception:
                log.exception("chat relay: a round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RELAY_INTERVAL_SECONDS)

    async def once(self) -> int:
        """One round; → how many messages went out."""
        sent = 0
        staff = sorted(await self.ctx.staff())
        if staff:
            for action in await self.ctx.db(unannounced_actions):
                if await self.ctx.db(claim_announcement, action.id):
                    sent += await self._to_staff(staff, announcement(action))
            for notice in await self.ctx.db(staff_notices.unannounced):
                if await self.ctx.db(staff_notices.mark_announced, notice.id):
                    text = say("notice", kind=notice.kind, text=notice.text)
                    sent += await self._to_staff(staff, Reply(text))
        for message in await self.ctx.db(unsent_chat_messages):
            try:
                await self.transport.send(message.chat_id, Reply(message.text))
            except DeliveryError as exc:
                if not exc.permanent:
                    log.warning("chat relay: message %s not sent yet: %s", message.id, exc)
                    continue
                log.error("chat relay: message %s cannot be delivered: %s", message.id, exc)
                text = (
                    f"チャット {message.chat_id} に送れませんでした（{exc}）: {message.text[:200]}"
                )
                await self.ctx.db(staff_notices.tell_staff, "chat_undeliverable", text)
            else:
                sent += 1
            await self.ctx.db(mark_chat_sent, message.id)
        return sent

    async def _to_staff(self, staff: list[int], reply: Reply) -> int:
        sent = 0
        for chat_id in staff:
            try:
                await self.transport.send(chat_id, reply)
                sent += 1
            except DeliveryError as exc:
                log.warning("chat relay: staff chat %s not told: %s", chat_id, exc)
        return sent
