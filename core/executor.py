"""The executor: staff's decision on an action, carried out exactly once (SPEC, Actions).

Whoever decides (`otasuke queue …`, a chat command, a button) calls these functions. The
decision is the queue's compare-and-set (`pending → approved`); its effect (the contract's
end, a suspension, the mail) runs in a savepoint of the same transaction, so it commits
together with `done`, or not at all and the action is `failed` with the error, which staff
are told. A second approver at the same moment gets an Outcome naming who decided and when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import audit, queue
from core.customers import get_customer
from core.effects import CARRY_OUT, REJECTION_MAILED, Context, Effects, answer, rejection_mail
from core.errors import UserError
from core.models import Action, Customer, utcnow
from core.settings import Settings
from core.staff_notices import tell_staff
from knowledge.rules.calendar import to_jst

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a decision did: `decided` is False when someone else had decided first."""

    action_id: int
    kind: str
    status: str
    decided: bool
    message: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    error: str | None = None
    mail_ids: tuple[int, ...] = ()
    chat_message_ids: tuple[int, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """This call decided, and what it decided was carried out."""
        return self.decided and self.status in ("done", "rejected")


def approve(
    session: Session,
    action_id: int,
    actor: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Outcome:
    """Approve and carry out an action (SPEC Actions table); the caller commits."""
    action = queue.get_action(session, action_id)
    if action.kind == "question":
        raise UserError(
            f'#{action_id} is a question: answer it with `otasuke queue reply {action_id} "…"`'
        )
    if action.kind == "identify":
        raise UserError(
            f"#{action_id} asks who the customer is: `otasuke queue assign {action_id} NIG-000123`"
        )
    if action.kind not in CARRY_OUT:
        raise UserError(f"#{action_id}: otasuke cannot carry out a {action.kind!r} action")
    return _decide_and_do(session, action_id, actor, settings, now, CARRY_OUT[action.kind])


def reject(
    session: Session,
    action_id: int,
    actor: str,
    reason: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Outcome:
    """Reject an action with staff's reason; the customer is told when the SPEC says so."""
    now = now or utcnow()
    try:
        action = queue.reject(session, action_id, actor, reason, now=now)
    except queue.ActionAlreadyDecided:
        return _already_decided(session, action_id)
    effects = Effects()
    if action.kind in REJECTION_MAILED:
        effects.mails.append(rejection_mail(Context(session, action, actor, settings, now)))
    return _outcome(action, effects, f"#{action_id} rejected")


def reply(
    session: Session,
    action_id: int,
    actor: str,
    text: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Outcome:
    """Answer a `question` action: a mail reply, or a chat message for a chat hand-off; done."""
    if not text.strip():
        raise UserError("a reply needs a text")
    action = queue.get_action(session, action_id)
    if action.kind != "question":
        raise UserError(f"#{action_id} is a {action.kind}, not a question: nothing to reply to")

    def respond(context: Context) -> Effects:
        return answer(context, text.strip())

    return _decide_and_do(session, action_id, actor, settings, now, respond, reason=text.strip())


def assign(
    session: Session,
    action_id: int,
    actor: str,
    customer_id: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Outcome:
    """Name the customer of an `identify` action: the request is decided again for them."""
    action = queue.get_action(session, action_id)
    if action.kind != "identify":
        raise UserError(f"#{action_id} is a {action.kind}: only an identify action is assigned")
    customer = get_customer(session, customer_id)
    try:  # core.intake and core.mailfacts come with issue 12 (branch i12-mail)
        from core.intake import take_in  # type: ignore[import-not-found, unused-ignore]
        from core.mailfacts import MailFacts  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise UserError("queue assign needs the mail intake (core.intake), not here yet") from None

    def decide_again(context: Context) -> Effects:
        request = context.action.request
        if request is None:
            raise UserError(f"#{action_id} has no stored request to decide again")
        facts = MailFacts.from_payload(request.payload)
        request.customer_pk = customer.id
        result = take_in(context.session, facts, context.settings, customer=customer, now=now)
        # The request decided again: its own action (and acknowledgement) for this customer.
        queued, ack = result.action, result.ack
        return Effects(
            mails=[ack] if ack is not None else [],
            details={
                "customer_id": customer.customer_id,
                "action": queued.id if queued is not None else None,
            },
        )

    return _decide_and_do(
        session, action_id, actor, settings, now, decide_again, reason=customer.customer_id
    )


def resume(session: Session, customer_id: str, actor: str) -> Customer:
    """Lift a suspension (`otasuke customers resume ID`): the customer is active again."""
    customer = get_customer(session, customer_id)
    if customer.status != "suspended":
        raise UserError(f"{customer.customer_id} is {customer.status}, not suspended")
    customer.status = "active"
    customer.status_action_id = None
    audit.record(session, actor, "customer.resumed", f"customer:{customer.customer_id}")
    session.flush()
    return customer


def _decide_and_do(
    session: Session,
    action_id: int,
    actor: str,
    settings: Settings,
    now: datetime | None,
    carry_out: Callable[[Context], Effects],
    reason: str | None = None,
) -> Outcome:
    """pending → approved (once), then the effect and `done` together, or `failed`."""
    now = now or utcnow()
    try:
        action = queue.approve(session, action_id, actor, reason, now=now)
    except queue.ActionAlreadyDecided:
        return _already_decided(session, action_id)
    context = Context(session, action, actor, settings, now)
    try:
        with session.begin_nested():
            effects = carry_out(context)
    except Exception as exc:  # whatever went wrong is the action's error, shown to staff
        log.warning("action #%s failed", action_id, exc_info=True)
        error = str(exc) or type(exc).__name__
        failed = queue.mark_failed(session, action_id, actor, error)
        tell_staff(
            session,
            "action_failed",
            f"#{action_id} {action.kind} failed: {error}",
            key=f"action-failed:{action_id}",
        )
        return _outcome(failed, Effects(), f"#{action_id} failed: {error}")
    done = queue.mark_done(session, action_id, actor, _audit_details(effects))
    message = f"#{action_id} done"
    if "ended_on" in effects.details:
        message += f": the contract ends on {effects.details['ended_on']}"
        if effects.details.get("accepted"):
            message += " (late: the first proposal accepted)"
    return _outcome(done, effects, message)


def _already_decided(session: Session, action_id: int) -> Outcome:
    """The Outcome for the one who came second: who decided, when, and where it stands."""
    action = queue.get_action(session, action_id)
    when = f" at {to_jst(action.decided_at):%Y-%m-%d %H:%M} JST" if action.decided_at else ""
    who = f" by {action.decided_by}" if action.decided_by else ""
    return Outcome(
        action_id=action.id,
        kind=action.kind,
        status=action.status,
        decided=False,
        message=f"#{action_id} was already decided{who}{when}: it is {action.status}",
        decided_by=action.decided_by,
        decided_at=action.decided_at,
        error=action.error,
    )


def _outcome(action: Action, effects: Effects, message: str) -> Outcome:
    return Outcome(
        action_id=action.id,
        kind=action.kind,
        status=action.status,
        decided=True,
        message=message,
        decided_by=action.decided_by,
        decided_at=action.decided_at,
        error=action.error,
        mail_ids=tuple(mail.id for mail in effects.mails),
        chat_message_ids=tuple(effects.chat_ids),
        details=effects.details,
    )


def _audit_details(effects: Effects) -> dict[str, Any]:
    details = dict(effects.details)
    if effects.mails:
        details["mail"] = [mail.id for mail in effects.mails]
    if effects.chat_ids:
        details["chat"] = effects.chat_ids
    return details
