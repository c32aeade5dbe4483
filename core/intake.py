"""Taking in one customer mail: identify, decide, record the request, queue the action and ack.

No network: the acknowledgement goes into the outbox; the caller commits (INTERFACES.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import takewhile
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import queue
from core.contracts import contract_view
from core.decisions import ContractFacts, Decision, decide
from core.identify import CustomerMatch, attributed, identify_customer, reply_to_elsewhere
from core.mailfacts import MailFacts
from core.models import Action, Customer, OutboxMail, Request, utcnow
from core.outbox import enqueue_mail
from core.settings import Settings, business_calendar
from core.staff_notices import tell_staff
from knowledge.rules.billing import schedule
from knowledge.rules.calendar import jst_date

if TYPE_CHECKING:
    from knowledge.faq.answers import Answer, AnswerEngine

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class IntakeResult:
    """What taking in a mail did: the request, the action queued and the ack queued, if any."""

    request: Request
    decision: Decision
    match: CustomerMatch
    action: Action | None
    ack: OutboxMail | None
    duplicate: bool = False  # the mail was taken in before: nothing was done again
    ack_withheld: str | None = None  # why no ack went out although one was written


def contract_facts(
    session: Session, customer: Customer, settings: Settings, on: datetime
) -> ContractFacts:
    """The customer's contract as `decide` needs it, as of the receipt time's JST date."""
    calendar = business_calendar(settings)
    day = jst_date(on)
    view = contract_view(session, customer, day, calendar)
    horizon = day.replace(year=day.year + 3, day=min(day.day, 28))
    periods = tuple(
        takewhile(
            lambda p: p.starts_on <= horizon,
            schedule(view.terms, view.periods, customer.ended_on, customer.member),
        )
    )
    return ContractFacts(
        customer_id=customer.customer_id,
        company=customer.company,
        status=customer.status,
        terms=view.terms,
        periods=periods,
        payments=tuple(view.payments),
        ended_on=customer.ended_on,
    )


def take_in(
    session: Session,
    facts: MailFacts,
    settings: Settings,
    *,
    customer: Customer | None = None,
    now: datetime | None = None,
    answers: AnswerEngine | None = None,
) -> IntakeResult:
    """Identify (unless `customer` is given), decide, store, queue the action and the ack."""
    now = now or utcnow()
    existing = session.scalar(select(Request).where(Request.message_id == facts.message_id))
    if existing is not None and customer is None:
        # Taken in before (a rescan, a second worker): nothing again, and never a second ack.
        match = CustomerMatch(None, None, False)
        return IntakeResult(existing, decide(facts, None, business_calendar(settings)), match,
                            None, None, duplicate=True)  # fmt: skip
    match = (
        CustomerMatch(customer, "assigned", True)
        if customer is not None
        else identify_customer(session, facts)
    )
    held = reply_to_elsewhere(match, facts) if facts.hold_reason is None else None
    if held is not None:
        # A spoof in the SPEC's sense: spam, held for staff, never answered.
        facts = replace(facts, intent="spam", reply_expected=False, hold_reason=held)
    contract = None
    if match.customer is not None and match.certain and facts.intent != "question":
        contract = contract_facts(session, match.customer, settings, facts.received_at)
    answer = _answer(session, facts, settings, match, answers)
    suggestion = match.customer.customer_id if match.customer is not None else None
    decision = decide(facts, contract, business_calendar(settings), certain=match.certain,
                      answer=answer, suggestion=suggestion)  # fmt: skip
    known = attributed(match, facts)
    request = _store_request(session, facts, known, existing)
    action = None
    if decision.action_kind is not None:
        action = queue.enqueue(
            session,
            decision.action_kind,
            decision.summary,
            payload=decision.payload,
            customer=known,
            request_id=request.id,
        )
    if decision.staff_notice is not None:
        tell_staff(session, "mail", decision.staff_notice, key=f"mail:{facts.message_id}", at=now)
    ack, withheld = _acknowledge(session, facts, settings, decision, action, known, customer, now)
    return IntakeResult(request, decision, match, action, ack, ack_withheld=withheld)


def _store_request(
    session: Session, facts: MailFacts, customer: Customer | None, existing: Request | None
) -> Request:
    if existing is not None:  # `queue assign`: the same mail, now with its customer
        existing.customer_pk = customer.id if customer is not None else existing.customer_pk
        session.flush()
        return existing
    request = Request(
        source="mail",
        customer_pk=customer.id if customer is not None else None,
        intent=facts.intent,
        received_at=facts.received_at,
        requested_date=facts.requested_date,
        message_id=facts.message_id,
        payload=facts.to_payload(),
        created_at=utcnow(),
    )
    session.add(request)
    session.flush()
    return request


def _acknowledge(
    session: Session,
    facts: MailFacts,
    settings: Settings,
    decision: Decision,
    action: Action | None,
    known: Customer | None,
    assigned: Customer | None,
    now: datetime,
) -> tuple[OutboxMail | None, str | None]:
    if decision.ack is None or not facts.reply_expected or facts.hold_reason is not None:
        return None, None
    sender = facts.from_address.lower()
    sent_today = session.scalar(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.kind == "ack",
            func.lower(OutboxMail.to_address) == sender,
            OutboxMail.created_at > now - _DAY,
        )
    )
    limit = settings.mail_max_replies_per_sender_per_day
    if (sent_today or 0) >= limit:
        # A loop with another robot, or a flood: staff still see the action; no more mail.
        reason = f"{sender} already got {sent_today} acknowledgements in 24 hours (limit {limit})"
        tell_staff(session, "mail_ack_limit", reason, key=f"ack-limit:{facts.message_id}", at=now)
        return None, reason
    key = f"ack:{facts.message_id}"
    if assigned is not None:
        key += f":assigned:{assigned.customer_id}"
    references = " ".join(dict.fromkeys([*facts.references, facts.message_id]))
    headers = {
        "In-Reply-To": facts.message_id,
        "References": references,
        "Auto-Submitted": "auto-replied",  # RFC 3834: other robots must not answer it
    }
    mail = enqueue_mail(
        session,
        key,
        "ack",
        facts.from_address,
        decision.ack.subject,
        decision.ack.body,
        headers=headers,
        action_id=action.id if action is not None else None,
        customer_pk=known.id if known is not None else None,
    )
    return mail, None


def _answer(
    session: Session,
    facts: MailFacts,
    settings: Settings,
    match: CustomerMatch,
    answers: AnswerEngine | None,
) -> Answer | None:
    """The FAQ's answer to a question mail (with the customer's own dates when certain)."""
    if facts.intent != "question" or not facts.reply_expected or not facts.text.strip():
        return None
    from core.answers import answer_engine, answer_question, customer_facts

    engine = answers or answer_engine(settings)
    personal = None
    calendar = business_calendar(settings)
    day = jst_date(facts.received_at)
    if match.customer is not None and match.certain:
        personal = customer_facts(session, match.customer.customer_id, day, calendar)
    return answer_question(engine, facts.text, day, calendar, personal)
