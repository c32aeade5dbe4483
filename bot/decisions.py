"""Staff decisions from chat, carried out by core's one executor (the same as the CLI's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import queue
from core.chat_outbox import enqueue_chat_message
from core.errors import UserError
from core.settings import Settings


def approve(session: Session, action_id: int, actor: str, settings: Settings) -> str:
    """Approve and carry out; → what staff are told (who decided first, when someone did)."""
    action = queue.approve(session, action_id, actor)
    return f"#{action.id} を承認しました（{action.kind}）。"


def reject(session: Session, action_id: int, actor: str, reason: str, settings: Settings) -> str:
    """Reject with a reason."""
    action = queue.reject(session, action_id, actor, reason)
    return f"#{action.id} を却下しました（理由：{reason}）。"


def reply(session: Session, action_id: int, actor: str, text: str, settings: Settings) -> str:
    """Answer a handed-off question: back into the customer's chat."""
    action = queue.get_action(session, action_id)
    if action.kind != "question":
        raise UserError(f"#{action_id} is a {action.kind}, not a question")
    chat_id = action.payload.get("chat_id")
    if chat_id is None:
        raise UserError(f"#{action_id} came by mail: its reply needs the mail executor")
    queue.approve(session, action_id, actor, "answered")
    enqueue_chat_message(
        session, f"reply:action:{action_id}", int(chat_id), text, action_id=action_id
    )
    queue.mark_done(session, action_id, actor, {"reply": text})
    return f"#{action_id} に回答しました。お客様のチャットに送ります。"


def assign(
    session: Session, action_id: int, actor: str, customer_id: str, settings: Settings
) -> str:
    """Name the customer of an `identify` action."""
    raise UserError("assigning a customer needs the mail executor (not available yet)")
