"""Staff decisions from chat, carried out by core's one executor (the same as the CLI's).

Each returns what staff are told, in one line: done, failed (with the error), or — for whoever
came second — who decided first and when.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import executor
from core.executor import Outcome
from core.settings import Settings
from knowledge.rules.calendar import to_jst


@dataclass(frozen=True)
class Said:
    """What a decision came to, as staff read it."""

    outcome: Outcome
    reason: str | None = None

    def text(self) -> str:
        """One line in Japanese (staff read Japanese), the executor's own words after it."""
        o = self.outcome
        n = f"#{o.action_id}"
        if not o.decided:
            when = f" {to_jst(o.decided_at):%m/%d %H:%M}" if o.decided_at else ""
            return f"{n} はすでに決定済みです（{o.decided_by or '?'}{when}、{o.status}）。"
        if o.status == "failed":
            return f"{n} を承認しましたが、実行に失敗しました：{o.error}"
        if o.status == "rejected":
            return f"{n} を却下しました（理由：{self.reason}）。"
        if o.kind == "question":
            return f"{n} に回答しました。お客様に送ります。"
        if o.kind == "identify":
            queued = o.details.get("action")
            then = f"改めて #{queued} として受け付けました" if queued else "受け付け直しました"
            return f"{n} のお客様を {o.details.get('customer_id')} としました（{then}）。"
        return f"{n} を承認し、実行しました（{o.kind}: {o.message}）。"


def approve(session: Session, action_id: int, actor: str, settings: Settings) -> str:
    """Approve and carry out (the contract ends, the approval mail is queued, …)."""
    return Said(executor.approve(session, action_id, actor, settings=settings)).text()


def reject(session: Session, action_id: int, actor: str, reason: str, settings: Settings) -> str:
    """Reject with a reason (the rejection mail, where the SPEC sends one)."""
    outcome = executor.reject(session, action_id, actor, reason, settings=settings)
    return Said(outcome, reason).text()


def reply(session: Session, action_id: int, actor: str, text: str, settings: Settings) -> str:
    """Answer a handed-off question: into the customer's chat, or as a reply to the mail."""
    return Said(executor.reply(session, action_id, actor, text, settings=settings)).text()


def assign(
    session: Session, action_id: int, actor: str, customer_id: str, settings: Settings
) -> str:
    """Name the customer of an `identify` action: the request is decided again for them."""
    return Said(executor.assign(session, action_id, actor, customer_id, settings=settings)).text()
