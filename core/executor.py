"""The executor: staff's decision on an action, carried out exactly once (SPEC, Actions).

Whoever decides (`otasuke queue …`, a chat command, a button) calls these functions. The
decision is the queue's compare-and-set (`pending → approved`); its effect (the contract's
end, a suspension, the mail) runs in a savepoint of the same transaction, so it commits
together with `done`, or not at all and the action is `failed` with the error, which staff
are told. A second approver at the same moment gets an Outcome naming who decided and when.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core import audit, queue
from core.chat_outbox import enqueue_chat_message
from core.contracts import extend_periods
from core.customers import get_customer
from core.errors import UserError
from core.models import Action, Customer, OutboxMail, utcnow
from core.outbox import enqueue_mail
from core.settings import Settings, business_calendar
from core.staff_notices import tell_staff
from core.templates import render_mail
from knowledge.rules.calendar import jst_date, to_jst

log = logging.getLogger(__name__)

_RE_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd)\s*:\s*)+", re.IGNORECASE)

CANCELLATIONS = frozenset(
    {
        "cancel_at_term_end",
        "cancel_midterm",
        "cancel_before_start",
        "cancel_service_change",
        "refund_incompatible",
    }
)
# Kinds whose rejection is told to the customer (a suspension that is not carried out, and a
# question closed without an answer, are not).
_REJECTION_MAILED = CANCELLATIONS | {"identify"}


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


@dataclass
class _Effects:
    """What carrying out one action produced."""

    mails: list[OutboxMail] = field(default_factory=list)
    chat_ids: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Context:
    session: Session
    action: Action
    actor: str
    settings: Settings
    now: datetime


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
    if action.kind not in _CARRY_OUT:
        raise UserError(f"#{action_id}: otasuke cannot carry out a {action.kind!r} action")
    return _decide_and_do(session, action_id, actor, settings, now, _CARRY_OUT[action.kind])


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
    effects = _Effects()
    if action.kind in _REJECTION_MAILED:
        effects.mails.append(_rejection_mail(_Context(session, action, actor, settings, now)))
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

    def answer(context: _Context) -> _Effects:
        return _answer(context, text.strip())

    return _decide_and_do(session, action_id, actor, settings, now, answer, reason=text.strip())


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

    def decide_again(context: _Context) -> _Effects:
        request = context.action.request
        if request is None:
            raise UserError(f"#{action_id} has no stored request to decide again")
        facts = MailFacts.from_payload(request.payload)
        request.customer_pk = customer.id
        result = take_in(context.session, facts, context.settings, customer=customer, now=now)
        # The request decided again: its own action (and acknowledgement) for this customer.
        queued, ack = result.action, result.ack
        return _Effects(
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
    carry_out: Callable[[_Context], _Effects],
    reason: str | None = None,
) -> Outcome:
    """pending → approved (once), then the effect and `done` together, or `failed`."""
    now = now or utcnow()
    try:
        action = queue.approve(session, action_id, actor, reason, now=now)
    except queue.ActionAlreadyDecided:
        return _already_decided(session, action_id)
    context = _Context(session, action, actor, settings, now)
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
        return _outcome(failed, _Effects(), f"#{action_id} failed: {error}")
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


def _outcome(action: Action, effects: _Effects, message: str) -> Outcome:
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


def _audit_details(effects: _Effects) -> dict[str, Any]:
    details = dict(effects.details)
    if effects.mails:
        details["mail"] = [mail.id for mail in effects.mails]
    if effects.chat_ids:
        details["chat"] = effects.chat_ids
    return details


# --- carrying out each kind -------------------------------------------------------------------


def _customer_of(context: _Context) -> Customer:
    customer = context.action.customer
    if customer is None:
        raise UserError(f"#{context.action.id} names no customer")
    return customer


def _payload_date(payload: dict[str, Any], key: str) -> date | None:
    value = payload.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UserError(f"payload {key}: {value!r} is not a date") from None


def effective_date(payload: dict[str, Any]) -> date:
    """The day approving makes the contract end on: late → the first proposal (R10)."""
    effective = _payload_date(payload, "effective_date")
    if effective is not None:
        return effective
    proposals = payload.get("proposals") or []
    if payload.get("on_time") is False and proposals:
        return date.fromisoformat(str(proposals[0]))
    requested = _payload_date(payload, "requested_date")
    if requested is None:
        raise UserError("the action names no effective date (payload effective_date)")
    return requested


def _end_contract(context: _Context) -> _Effects:
    """A cancellation (or refund) approved: the contract ends on the effective date."""
    customer = _customer_of(context)
    payload = context.action.payload
    today = jst_date(context.now)
    if customer.status == "terminated":
        raise UserError(f"{customer.customer_id} is terminated: nothing to cancel")
    ends_on = effective_date(payload)
    if ends_on < customer.applied_on:
        raise UserError(
            f"effective date {ends_on} is before the application ({customer.applied_on})"
        )
    customer.status = "cancelled"
    customer.ended_on = ends_on
    customer.status_action_id = context.action.id
    context.session.flush()
    # Periods already billed beyond the new end are not owed (core.contracts).
    extend_periods(context.session, customer, today, business_calendar(context.settings))
    proposals = [date.fromisoformat(str(d)) for d in payload.get("proposals") or []]
    requested = _payload_date(payload, "requested_date")
    rendered = render_mail(
        "approval",
        _lang(payload),
        company=customer.company,
        contact_name=customer.contact_name,
        customer_id=customer.customer_id,
        request_kind=payload.get("request_kind") or context.action.kind,
        requested_date=requested,
        effective_date=ends_on,
        late=payload.get("on_time") is False,
        proposals=proposals,
        owed=_amount(payload, "owed"),
        refund=_amount(payload, "refund"),
    )
    mail = _mail_customer(context, "approval", customer.email, rendered.subject, rendered.body)
    details: dict[str, Any] = {"ended_on": ends_on.isoformat()}
    if payload.get("on_time") is False:
        details["accepted"] = "first proposal"  # R10: a late request ends on the first proposal
    return _Effects(mails=[mail], details=details)


def _suspend(context: _Context) -> _Effects:
    """第9条1項(1): the service is suspended for an unpaid fee; the customer is told."""
    customer = _customer_of(context)
    if customer.status != "active":
        raise UserError(
            f"{customer.customer_id} is {customer.status}: only an active one is suspended"
        )
    customer.status = "suspended"
    customer.status_action_id = context.action.id
    payload = context.action.payload
    rendered = render_mail(
        "suspension",
        _lang(payload),
        company=customer.company,
        contact_name=customer.contact_name,
        customer_id=customer.customer_id,
        due_on=_payload_date(payload, "due_on"),
        amount=_amount(payload, "amount"),
    )
    mail = _mail_customer(context, "suspension", customer.email, rendered.subject, rendered.body)
    return _Effects(mails=[mail], details={"status": "suspended"})


def _answer(context: _Context, text: str) -> _Effects:
    """A question answered: into the chat it came from, or as a reply to its mail."""
    payload = context.action.payload
    action_id = context.action.id
    chat_id = payload.get("chat_id")
    if chat_id is not None:
        message = enqueue_chat_message(
            context.session, f"reply:action:{action_id}", int(chat_id), text, action_id=action_id
        )
        return _Effects(chat_ids=[message.id])
    to = payload.get("from_address")
    if not to:
        raise UserError(f"#{action_id} has neither a chat nor a mail address to answer")
    # One "Re: " however many the customer's subject carried.
    subject = _RE_PREFIX.sub("", str(payload.get("subject") or "")).strip()
    rendered = render_mail(
        "reply",
        _lang(payload),
        text=text,
        question=payload.get("question"),
        subject=subject,
    )
    mail = _mail_customer(context, "reply", to, rendered.subject, rendered.body)
    return _Effects(mails=[mail])


def _rejection_mail(context: _Context) -> OutboxMail:
    """The `rejection` mail with staff's reason, to the customer (or the unknown sender)."""
    action, payload = context.action, context.action.payload
    customer = action.customer
    to = customer.email if customer is not None else payload.get("from_address")
    if not to:
        raise UserError(f"#{action.id} has no address to send the rejection to")
    rendered = render_mail(
        "rejection",
        _lang(payload),
        company=customer.company if customer is not None else None,
        contact_name=customer.contact_name if customer is not None else None,
        request_kind=payload.get("request_kind") or action.kind,
        requested_date=_payload_date(payload, "requested_date"),
        reason=action.reason or "",
    )
    return _mail_customer(context, "rejection", to, rendered.subject, rendered.body)


def _mail_customer(context: _Context, kind: str, to: str, subject: str, body: str) -> OutboxMail:
    """Queue the mail an action causes: once per action and kind, threaded under the request."""
    action, payload = context.action, context.action.payload
    headers: dict[str, str] = {}
    original = payload.get("message_id")
    if original:
        references = [str(ref) for ref in payload.get("references") or [] if ref]
        headers["In-Reply-To"] = str(original)
        headers["References"] = " ".join(dict.fromkeys([*references, str(original)]))
    return enqueue_mail(
        context.session,
        f"{kind}:action:{action.id}",
        kind,
        to,
        subject,
        body,
        headers=headers,
        action_id=action.id,
        customer_pk=action.customer_pk,
    )


def _lang(payload: dict[str, Any]) -> str:
    return "en" if payload.get("lang") == "en" else "ja"


def _amount(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"payload {key}: {value!r} is not an amount of yen")
    return value


_CARRY_OUT: dict[str, Callable[[_Context], _Effects]] = {
    **dict.fromkeys(CANCELLATIONS, _end_contract),
    "suspend": _suspend,
}
