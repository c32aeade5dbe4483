"""Staff decisions from chat, carried out by core's one executor (the same as the CLI's).

Each returns what staff are told, in one line: done, failed (with the error), or — for whoever
came second — who decided first and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core import queue
from core.chat_outbox import enqueue_chat_message
from core.errors import UserError
from core.models import Action
from core.settings import Settings
from knowledge.rules.calendar import to_jst


@dataclass(frozen=True)
class Said:
    """What a decision came to, as staff read it."""

    action_id: int
    kind: str
    status: str
    decided: bool
    decided_by: str | None
    decided_at: datetime | None
    error: str | None = None
    reason: str | None = None

    def text(self) -> str:
        """One line in Japanese (staff read Japanese)."""
        n = f"#{self.action_id}"
        if not self.decided:
            when = f" {to_jst(self.decided_at):%m/%d %H:%M}" if self.decided_at else ""
            return f"{n} はすでに決定済みです（{self.decided_by or '?'}{when}、{self.status}）。"
        if self.status == "failed":
            return f"{n} を承認しましたが、実行に失敗しました：{self.error}"
        if self.status == "rejected":
            return f"{n} を却下しました（理由：{self.reason}）。"
        if self.kind == "question":
            return f"{n} に回答しました。お客様に送ります。"
        return f"{n} を承認しました（{self.kind}、{self.status}）。"


def _said(action: Action, decided: bool) -> Said:
    return Said(
        action.id, action.kind, action.status, decided, action.decided_by, action.decided_at,
        action.error, action.reason,
    )  # fmt: skip


def _second(session: Session, action_id: int) -> Said:
    return _said(queue.get_action(session, action_id), decided=False)


def approve(session: Session, action_id: int, actor: str, settings: Settings) -> str:
    """Approve and carry out."""
    try:
        action = queue.approve(session, action_id, actor)
    except queue.ActionAlreadyDecided:
        return _second(session, action_id).text()
    return _said(action, decided=True).text()


def reject(session: Session, action_id: int, actor: str, reason: str, settings: Settings) -> str:
    """Reject with a reason."""
    try:
        action = queue.reject(session, action_id, actor, reason)
    except queue.ActionAlreadyDecided:
        return _second(session, action_id).text()
    return _said(action, decided=True).text()


def reply(session: Session, action_id: int, actor: str, text: str, settings: Settings) -> str:
    """Answer a handed-off question: back into the customer's chat."""
    action = queue.get_action(session, action_id)
    if action.kind != "question":
        raise UserError(f"#{action_id} は {action.kind} です。/reply は質問にだけ使えます")
    chat_id = action.payload.get("chat_id")
    if chat_id is None:
        raise UserError(f"#{action_id} はメールの質問です（メールでの回答は実行部が必要です）")
    try:
        queue.approve(session, action_id, actor, text)
    except queue.ActionAlreadyDecided:
        return _second(session, action_id).text()
    enqueue_chat_message(
        session, f"reply:action:{action_id}", int(chat_id), text, action_id=action_id
    )
    done = queue.mark_done(session, action_id, actor, {"reply": text})
    return _said(done, decided=True).text()


def assign(
    session: Session, action_id: int, actor: str, customer_id: str, settings: Settings
) -> str:
    """Name the customer of an `identify` action."""
    raise UserError("/assign needs the executor of issue 13 (not on main yet)")
