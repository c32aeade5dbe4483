"""Linking a chat to a contract: /link mails a code, the code sent back links the chat."""

from __future__ import annotations

import re

from bot.context import Context, chat_text
from bot.messages import Incoming, Reply, Response
from core import chat_links

CODE = re.compile(r"^\s*(\d{6})\s*$")


async def link(ctx: Context, msg: Incoming, args: list[str], lang: str) -> Response:
    """/link NIG-000123: a code is mailed to the customer's registered address."""
    if not args:
        return Response([Reply(chat_text("link", lang, outcome="usage"))])
    written = " ".join(args)
    outcome = await ctx.db(
        chat_links.start_link, msg.chat_id, msg.user_id, written, ctx.settings, lang, ctx.clock()
    )
    minutes = int(chat_links.CODE_LIFETIME.total_seconds() // 60)
    text = chat_text("link", lang, outcome=outcome, written=written, minutes=minutes)
    return Response([Reply(text)])


async def maybe_code(ctx: Context, msg: Incoming, text: str, lang: str) -> Response | None:
    """Six digits while a code is pending: the link code; otherwise None (a question)."""
    match = CODE.match(text)
    if match is None:
        return None
    if await ctx.db(chat_links.pending_code, msg.chat_id, ctx.clock()) is None:
        return None
    result = await ctx.db(chat_links.check_code, msg.chat_id, msg.user_id, match[1], ctx.clock())
    customer = result.customer
    text = chat_text(
        "link", lang, outcome=result.outcome, tries_left=result.tries_left,
        customer_id=customer.customer_id if customer else "",
        company=customer.company if customer else "",
    )  # fmt: skip
    return Response([Reply(text)])
