"""One set of handlers for both transports: a message or a button press in, replies out."""

from __future__ import annotations

import logging

from bot import customer, linking, staff, status
from bot.context import Context, chat_text, language_of
from bot.messages import Incoming, Reply, Response
from bot.ratelimit import ChatRateLimit
from core.chat_answers import audit_refusal
from core.staff_notices import tell_staff

log = logging.getLogger(__name__)

STAFF_COMMANDS = frozenset({"queue", "show", "approve", "reject", "reply", "assign"})
STAFF_BUTTONS = frozenset({"ap", "rj", "apc", "rjc", "no", "lbl"})
CUSTOMER_BUTTONS = frozenset({"art", "sug", "up", "down", "ask"})


class Chat:
    """Routes what arrives to the customer's or staff's handlers; staff-only means staff only."""

    def __init__(self, ctx: Context, limit: ChatRateLimit | None = None) -> None:
        self.ctx = ctx
        self.limit = limit or ChatRateLimit()

    async def handle(self, msg: Incoming) -> Response:
        """Handle one message or press; a failure is logged, told to staff, and apologised for."""
        verdict = self.limit.check(msg.chat_id)
        if verdict != "ok":
            lang = language_of(msg.text, msg.language_code)
            text = chat_text("notices", lang, which="slow_down")
            return Response([Reply(text)] if verdict == "warn" else [])
        try:
            if msg.data is not None:
                return await self._press(msg)
            return await self._message(msg)
        except Exception as exc:
            log.exception("chat: handling a message from %s failed", msg.user_id)
            # Keyed by the hour: a failure that repeats tells staff once an hour, not per message.
            hour = self.ctx.clock().strftime("%Y-%m-%dT%H")
            text = f"チャットの処理に失敗しました: {type(exc).__name__}: {exc}"
            key = f"chat-error:{type(exc).__name__}:{hour}"
            await self.ctx.db(tell_staff, "chat_error", text, key=key)
            lang = language_of(msg.text, msg.language_code)
            return Response([Reply(chat_text("notices", lang, which="error"))])

    async def _message(self, msg: Incoming) -> Response:
        text = (msg.text or "").strip()
        if not text:
            return Response()
        if not text.startswith("/"):
            lang = language_of(text, msg.language_code)
            code = await linking.maybe_code(self.ctx, msg, text, lang)
            return code or await customer.question(self.ctx, msg, text, lang)
        head, *args = text.split()
        name = head[1:].split("@", 1)[0].lower()
        lang = language_of(None, msg.language_code)
        if len(args) > 0 and name in ("start", "help") and args[0].lower() in ("en", "ja"):
            lang = args[0].lower()
        if name in STAFF_COMMANDS:
            if not await self._is_staff(msg, f"/{name}"):
                return Response([Reply(chat_text("notices", lang, which="refused"))])
            if name in ("reject", "reply"):
                # Keep the staff member's line breaks in a reason or an answer.
                args = _args_keeping_lines(text)
            return await staff.command(self.ctx, msg, name, args)
        if name == "start":
            return await customer.start(self.ctx, msg, lang)
        if name == "help":
            return await customer.help_(self.ctx, msg, lang)
        if name == "link":
            return await linking.link(self.ctx, msg, args, lang)
        if name == "status":
            return await status.status(self.ctx, msg, lang)
        return Response([Reply(chat_text("notices", lang, which="unknown_command"))])

    async def _press(self, msg: Incoming) -> Response:
        kind, *args = (msg.data or "").split(":")
        if kind in STAFF_BUTTONS:
            # Gate by the presser's id: filters.User looks at the message's author (the bot).
            if not await self._is_staff(msg, f"button {msg.data}"):
                lang = language_of(None, msg.language_code)
                return Response(notice=chat_text("notices", lang, which="refused"))
            return await staff.button(self.ctx, msg, kind, args)
        if kind in CUSTOMER_BUTTONS:
            return await customer.button(self.ctx, msg, kind, args)
        return Response(notice=chat_text("notices", "ja", which="gone"))

    async def _is_staff(self, msg: Incoming, what: str) -> bool:
        if msg.user_id in await self.ctx.staff():
            return True
        log.warning(
            "chat: %s (user %s) is not staff and tried %s", msg.user_name, msg.user_id, what
        )
        await self.ctx.db(audit_refusal, msg.user_id, what)
        return False


def _args_keeping_lines(text: str) -> list[str]:
    """`/reply 12 text…` → ['12', 'text…'] with the text's own line breaks."""
    parts = text.split(maxsplit=2)
    return parts[1:]
