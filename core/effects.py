"""What approving (or rejecting) each kind of action does: the SPEC's Actions table.

core.executor decides; these functions carry the decision out inside its savepoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.chat_outbox import enqueue_chat_message
from core.contracts import extend_periods
from core.errors import UserError
from core.models import Action, Customer, OutboxMail
from core.outbox import enqueue_mail
from core.settings import Settings, business_calendar
from core.templates import render_mail
from knowledge.rules.calendar import jst_date

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
REJECTION_MAILED = CANCELLATIONS | {"identify"}

_RE_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd)\s*:\s*)+", re.IGNORECASE)


@dataclass
class Effects:
    """What carrying out one action produced: mail and chat messages queued, audit details."""

    mails: list[OutboxMail] = field(default_factory=list)
    chat_ids: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """One decision being carried out: by whom, when, with which settings."""

    session: Session
    action: Action
    actor: str
    settings: Settings
    now: datetime


def _customer_of(context: Context) -> Customer:
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


def end_contract(context: Context) -> Effects:
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
    return Effects(mails=[mail], details=details)


def suspend(context: Context) -> Effects:
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
        # The scheduler's action covers every unpaid due date since `due_on` (core.notices).
        several_due=bool(payload.get("several_due")),
    )
    mail = _mail_customer(context, "suspension", customer.email, rendered.subject, rendered.body)
    return Effects(mails=[mail], details={"status": "suspended"})


def answer(context: Context, text: str) -> Effects:
    """A question answered: into the chat it came from, or as a reply to its mail."""
    payload = context.action.payload
    action_id = context.action.id
    chat_id = payload.get("chat_id")
    if chat_id is not None:
        message = enqueue_chat_message(
            context.session, f"reply:action:{action_id}", int(chat_id), text, action_id=action_id
        )
        return Effects(chat_ids=[message.id])
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
    return Effects(mails=[mail])


def rejection_mail(context: Context) -> OutboxMail:
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


def _mail_customer(context: Context, kind: str, to: str, subject: str, body: str) -> OutboxMail:
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


# What approving each kind carries out (question and identify: reply and assign instead).
CARRY_OUT: dict[str, Callable[[Context], Effects]] = {
    **dict.fromkeys(CANCELLATIONS, end_contract),
    "suspend": suspend,
}
