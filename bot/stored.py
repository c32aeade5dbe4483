"""Stored updates handled in order: chats in parallel, each chat's updates one after another.

Every update is in the database before Telegram is told it was read (polling) or answered 200
(the webhook); this schedules the stored, unhandled ones and records each handled, so that a
restart handles what a crash left and nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Context
from core.chat_updates import mark_handled, unhandled_updates
from core.models import ChatUpdate

log = logging.getLogger(__name__)

STORED_BATCH = 1000
REMEMBERED = 10_000  # update ids known to be scheduled or handled by this process
# SPEC: stopped within 10 s of SIGTERM; handlers still running get this long.
DRAIN_SECONDS = 4.0


class StoredUpdates:
    """Schedules stored updates for `handle`, one chain of tasks per chat."""

    def __init__(self, ctx: Context, handle: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.ctx = ctx
        self.handle = handle
        self._chains: dict[object, asyncio.Task[None]] = {}  # the last task of each chat
        self._scheduled: set[int] = set()

    async def schedule(self) -> None:
        """Schedule every stored, unhandled update: chats in parallel, each chat in order.

        Polling goes on meanwhile: a slow chat does not hold up the others' next messages.
        """
        for row in await self.ctx.db(unhandled_updates, STORED_BATCH):
            # Ids stay in `_scheduled` after handling: this query may have read a row just
            # before its handler recorded it handled (it is handled again only after a restart).
            if row.update_id in self._scheduled:
                continue
            self._remember(row.update_id)
            chat = _chat_of(row.payload)
            previous = self._chains.get(chat)
            task = asyncio.create_task(self._handle_after(previous, row))
            self._chains[chat] = task
            task.add_done_callback(lambda done, chat=chat: self._forget(chat, done))

    def _remember(self, update_id: int) -> None:
        self._scheduled.add(update_id)
        if len(self._scheduled) > 2 * REMEMBERED:  # update ids only grow: drop the oldest
            self._scheduled = set(sorted(self._scheduled)[-REMEMBERED:])

    def _forget(self, chat: object, task: asyncio.Task[None]) -> None:
        if self._chains.get(chat) is task:
            del self._chains[chat]

    async def _handle_after(self, previous: asyncio.Task[None] | None, row: ChatUpdate) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        try:
            await self.handle(row.payload)
            await self.ctx.db(mark_handled, row.update_id)
        except Exception:
            log.exception("chat: update %s not handled (tried again on restart)", row.update_id)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait for the updates being handled; what is left stays stored for the next start."""
        pending = list(self._chains.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)


def _chat_of(payload: dict[str, Any]) -> object:
    for key in ("message", "edited_message", "callback_query"):
        part = payload.get(key)
        if isinstance(part, dict):
            message = part.get("message", part)
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict):
                return chat.get("id")
    return payload.get("update_id")
