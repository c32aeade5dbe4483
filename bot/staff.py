"""Staff's side of the chat: the queue, decisions typed or pressed (with a confirmation)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot import decisions
from bot.context import Context, chat_text, labels
from bot.messages import Button, Incoming, Reply, Response
from core import chat_answers, queue
from core.errors import UserError
from core.models import Action
from knowledge.rules.calendar import to_jst

log = logging.getLogger(__name__)

LABEL_CHOICES = 3

USAGE = {
    "show": "/show N",
    "approve": "/approve N",
    "reject": "/reject N 理由",
    "reply": "/reply N 回答",
    "assign": "/assign N NIG-000123",
}


def say(which: str, **context: Any) -> str:
    """A staff text (staff read Japanese)."""
    return chat_text("staff", "ja", which=which, **context)


# Kinds that are not approved but answered (/reply) or assigned (/assign): only a reject button.
TYPED_ONLY = frozenset({"question", "identify"})


def decision_buttons(action: Action) -> tuple[tuple[Button, ...], ...]:
    """Approve / reject, each asking for a confirmation first."""
    label = labels("ja")
    reject = Button(label["reject"], f"rj:{action.id}")
    if action.kind in TYPED_ONLY:
        return ((reject,),)
    return ((Button(label["approve"], f"ap:{action.id}"), reject),)


async def command(ctx: Context, msg: Incoming, name: str, args: list[str]) -> Response:
    """A staff command typed in chat (the caller checked the sender is staff)."""
    actor = f"telegram:{msg.user_id}"
    if name == "queue":
        actions = await ctx.db(queue.list_actions, "pending")
        return Response([Reply(say("queue", actions=actions))])
    if not args or not args[0].lstrip("#").isdigit():
        return Response([Reply(say("usage", usage=USAGE[name]))])
    action_id = int(args[0].lstrip("#"))
    rest = " ".join(args[1:]).strip()
    if name == "show":
        return await _show(ctx, action_id)
    if name == "approve":
        return await _decide(ctx, decisions.approve, action_id, actor, ctx.settings)
    if name in ("reject", "reply", "assign") and not rest:
        return Response([Reply(say("usage", usage=USAGE[name]))])
    decide = {"reject": decisions.reject, "reply": decisions.reply, "assign": decisions.assign}
    response = await _decide(ctx, decide[name], action_id, actor, rest, ctx.settings)
    if name == "reply":
        response.replies += await _label_prompt(ctx, action_id)
    return response


async def _label_prompt(ctx: Context, action_id: int) -> list[Reply]:
    """After answering a chat hand-off: which article answers it? (the FAQ learns from it)."""
    action = await ctx.db(queue.get_action, action_id)
    answer_id = action.payload.get("chat_answer_id")
    if action.status != "done" or action.kind != "question" or answer_id is None:
        return []
    ranked = ctx.engine.answer(str(action.payload.get("question") or "?")).articles[:LABEL_CHOICES]
    row = tuple(Button(f"第{n}条", f"lbl:{answer_id}:{n}") for n in ranked)
    none = (Button(labels("ja")["no_article"], f"lbl:{answer_id}:0"),)
    return [Reply(say("label", action_id=action_id), (row, none) if row else (none,))]


async def _show(ctx: Context, action_id: int) -> Response:
    try:
        action = await ctx.db(queue.get_action, action_id)
    except UserError:
        return Response([Reply(say("no_action", action_id=action_id))])
    return Response([_show_reply(action)])


def _show_reply(action: Action) -> Reply:
    customer = action.customer.customer_id if action.customer is not None else None
    text = say(
        "show", a=action, customer=customer, created=_when(action.created_at),
        decided=_when(action.decided_at) if action.decided_at else "",
        question=action.payload.get("question") if action.kind == "question" else None,
    )  # fmt: skip
    buttons = decision_buttons(action) if action.status == "pending" else ()
    return Reply(text, buttons)


def _when(moment: Any) -> str:
    return to_jst(moment).strftime("%Y-%m-%d %H:%M")


async def _decide(ctx: Context, fn: Callable[..., str], *args: Any) -> Response:
    """Run one decision: exactly once; whoever comes second is told who decided first."""
    try:
        text = await ctx.db(fn, *args)
    except UserError as exc:  # ActionAlreadyDecided included: the executor's own words
        text = str(exc)
    log.info("staff %s: %s", args[1] if len(args) > 1 else "?", text)
    return Response([Reply(say("outcome", text=text))], notice=text[:190])


async def button(ctx: Context, msg: Incoming, kind: str, args: list[str]) -> Response:
    """ap/rj ask for a confirmation; apc/rjc carry it out; no: leave it as it is."""
    if not args or not args[0].isdigit():
        return Response(notice="?")
    action_id = int(args[0])
    actor = f"telegram:{msg.user_id}"
    if kind == "no":
        return Response([Reply(say("cancelled", action_id=action_id))])
    if kind in ("ap", "rj"):
        try:
            action = await ctx.db(queue.get_action, action_id)
        except UserError:
            return Response(notice=say("no_action", action_id=action_id))
        if action.status != "pending":
            return Response([_show_reply(action)], notice=f"#{action_id}: {action.status}")
        label = labels("ja")
        yes = ("confirm_approve", "apc") if kind == "ap" else ("confirm_reject", "rjc")
        row = (
            Button(label[yes[0]], f"{yes[1]}:{action_id}"),
            Button(label["cancel"], f"no:{action_id}"),
        )
        return Response([Reply(say(yes[0], a=action), (row,))])
    if kind == "lbl":
        article = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
        answer_id = action_id  # lbl:<chat answer id>:<article, 0 for none>
        labelled = await ctx.db(chat_answers.label, answer_id, article or None, actor)
        if labelled is None:
            return Response(notice="?")
        return Response([Reply(say("labelled", article=article))])
    if kind == "apc":
        return await _decide(ctx, decisions.approve, action_id, actor, ctx.settings)
    if kind == "rjc":
        reason = "担当者の判断（チャットのボタン）"
        return await _decide(ctx, decisions.reject, action_id, actor, reason, ctx.settings)
    return Response(notice="?")


def announcement(action: Action) -> Reply:
    """What staff are told when an action is queued."""
    return Reply(say("announce", a=action), decision_buttons(action))
