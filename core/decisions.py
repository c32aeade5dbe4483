"""Deciding a customer's mail: facts + contract + rules + receipt time → action, summary, ack.

Pure (no database, no clock): `core.intake` gathers the inputs, `queue assign` re-runs it with
the customer staff named. The rules are knowledge.rules'; the calendar the caller's (settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from core.mailfacts import REQUEST_INTENTS, SILENT_INTENTS, MailFacts
from core.templates import RenderedMail, render_mail, render_text
from knowledge.rules.billing import Period, paid_by
from knowledge.rules.calendar import BusinessCalendar, jst_date
from knowledge.rules.cancellation import (
    earliest_on_time_date,
    incompatible_utm_refund,
    midterm_cancel_deadline,
    refund_request_deadline,
    service_change_deadline,
    service_change_refund,
)
from knowledge.rules.contract import ContractTerms

if TYPE_CHECKING:
    from knowledge.faq.answers import Answer

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ContractFacts:
    """A customer's contract as the rules need it (built by core.intake from the database)."""

    customer_id: str
    company: str
    status: str  # active | cancelled | terminated (| suspended)
    terms: ContractTerms
    periods: tuple[Period, ...]  # the schedule: billed periods with their fixed fees, then planned
    payments: tuple[tuple[date, int], ...]  # (paid_on, amount)
    ended_on: date | None = None


@dataclass(frozen=True)
class Decision:
    """What to do about one mail (INTERFACES.md): the action for staff, its summary, the ack."""

    action_kind: str | None  # None: nothing for staff
    summary: str
    payload: dict[str, Any]
    ack: RenderedMail | None
    lang: str
    staff_notice: str | None = None  # a line for staff when no action is queued (other mail)
    notes: list[str] = field(default_factory=list)


def decide(
    facts: MailFacts,
    contract: ContractFacts | None,
    calendar: BusinessCalendar,
    *,
    certain: bool = True,
    answer: Answer | None = None,
    suggestion: str | None = None,
) -> Decision:
    """The decision on a mail; `contract` None or `certain` False for a request → `identify`."""
    lang = facts.language if facts.language in ("ja", "en") else "ja"
    if facts.intent in SILENT_INTENTS or not facts.reply_expected:
        return _silent(facts, lang)
    if facts.intent == "question":
        return _question(facts, lang, answer)
    if facts.intent not in REQUEST_INTENTS:
        return _other(facts, lang)
    if contract is None or not certain:
        return _identify(facts, lang, suggestion)
    return _request(facts, contract, calendar, lang)


def _base(facts: MailFacts) -> dict[str, Any]:
    return {
        "message_id": facts.message_id,
        "from_address": facts.from_address,
        "subject": facts.subject,
        "references": [*facts.references, facts.message_id],
        "lang": facts.language,
    }


def _silent(facts: MailFacts, lang: str) -> Decision:
    if facts.hold_reason is None:
        return Decision(None, "", {}, None, lang)
    # SPEC: a spoof is held for staff, never answered; closing the question answers nothing.
    summary = _line("held", lang="ja", facts=facts, reason=facts.hold_reason)
    payload = {**_base(facts), "question": facts.text, "held": True,
               "hold_reason": facts.hold_reason, "intent": facts.intent}  # fmt: skip
    return Decision("question", summary, payload, None, lang)


def _question(facts: MailFacts, lang: str, answer: Answer | None) -> Decision:
    question = facts.text or facts.subject
    if answer is not None and not answer.handoff:
        ack = render_mail("answer", lang, facts=facts, answer=answer.answer,
                          citation=answer.citation)  # fmt: skip
        return Decision(None, "", {}, ack, lang)
    summary = _line("question", lang="ja", facts=facts, question=" ".join(question.split()))
    payload = {**_base(facts), "question": question}
    ack = render_mail("ack_question", lang, facts=facts)
    return Decision("question", summary, payload, ack, lang)


def _other(facts: MailFacts, lang: str) -> Decision:
    notice = _line("other", lang="ja", facts=facts)
    return Decision(None, "", {}, render_mail("ack_other", lang, facts=facts), lang, notice)


def _identify(facts: MailFacts, lang: str, suggestion: str | None) -> Decision:
    summary = _line("identify", lang="ja", facts=facts, suggestion=suggestion)
    payload = {
        **_base(facts),
        "request_kind": facts.intent,
        "requested_date": _iso(facts.requested_date),
        "received_at": facts.received_at.isoformat(),
        "suggested_customer_id": suggestion,
        "company": facts.company,
        "customer_id_written": facts.customer_id,
    }
    return Decision("identify", summary, payload, render_mail("ack_identify", lang, facts=facts),
                    lang)  # fmt: skip


@dataclass(frozen=True)
class _Verdict:
    kind: str
    requested: date | None
    deadline: date | None
    on_time: bool | None
    effective: date
    proposals: list[date]
    refund: int | None
    notes: list[str]


def _request(
    facts: MailFacts, contract: ContractFacts, calendar: BusinessCalendar, lang: str
) -> Decision:
    received = jst_date(facts.received_at)
    verdict = _judge(facts, contract, calendar, received)
    owed = _owed(contract, verdict.effective, received)
    payload = {
        **_base(facts),
        "request_kind": verdict.kind,
        "requested_date": _iso(verdict.requested),
        "received_at": facts.received_at.isoformat(),
        "deadline": _iso(verdict.deadline),
        "on_time": verdict.on_time,
        "effective_date": verdict.effective.isoformat(),
        "proposals": [d.isoformat() for d in verdict.proposals],
        "refund": verdict.refund,
        "owed": owed,
        "customer_id": contract.customer_id,
    }
    context = {"facts": facts, "contract": contract, "v": verdict, "owed": owed,
               "received": received}  # fmt: skip
    summary = _line("request", lang="ja", **context)
    ack = render_mail("ack_request", lang, **context)
    return Decision(verdict.kind, summary, payload, ack, lang, notes=verdict.notes)


def _period_end(contract: ContractFacts, day: date) -> date:
    """The end of the contract period `day` falls in (before the start: the first)."""
    if day <= contract.terms.first_period_end:
        return contract.terms.first_period_end
    return date(day.year if day.month <= 3 else day.year + 1, 3, 31)


def request_kind(facts: MailFacts, terms: ContractTerms) -> str:
    """What a request is once the contract is known: before its start it is R11's, whatever the
    words; a "before the start" request on a running contract is an ordinary cancellation."""
    received = jst_date(facts.received_at)
    if facts.intent in ("refund_incompatible", "cancel_service_change"):
        return facts.intent
    if received < terms.start_date:
        return "cancel_before_start"
    asked = facts.requested_date
    if asked is not None:
        return "cancel_at_term_end" if (asked.month, asked.day) == (3, 31) else "cancel_midterm"
    return "cancel_midterm" if facts.intent == "cancel_before_start" else facts.intent


def _judge(
    facts: MailFacts, contract: ContractFacts, calendar: BusinessCalendar, received: date
) -> _Verdict:
    terms, asked = contract.terms, facts.requested_date
    notes: list[str] = []
    kind = request_kind(facts, terms)
    if kind == "refund_incompatible":
        # R12 (第12条4項 with 第5条5項): by the 15th of the month after the start month.
        paid = paid_by(contract.payments, received)
        refund = incompatible_utm_refund(facts.received_at, terms.start_date, paid,
                                         terms.monthly_fee, calendar)  # fmt: skip
        deadline = refund_request_deadline(terms.start_date, calendar)
        effective = asked if asked is not None and asked >= received else received
        return _Verdict("refund_incompatible", asked, deadline, refund is not None, effective,
                        [], refund, notes)  # fmt: skip
    if kind == "cancel_before_start":
        # R11 (第8条6項): before the start date it is always a staff decision.
        effective = asked if asked is not None and asked < terms.start_date else received
        notes.append(f"received before the start date {terms.start_date}: R11")
        return _Verdict("cancel_before_start", asked, terms.start_date - _ONE_DAY, None,
                        effective, [], None, notes)  # fmt: skip
    if kind == "cancel_service_change":
        return _service_change(facts, contract, calendar, received, notes)
    desired = asked
    if desired is None:
        if kind == "cancel_at_term_end":
            desired = _period_end(contract, received)
            notes.append(f"no date given: the period end {desired}")
        else:
            desired = earliest_on_time_date(received, calendar)
            notes.append(f"no date given: the earliest on-time date {desired}")
    deadline = midterm_cancel_deadline(desired, calendar)  # R8; for 3/31 also R9's
    first_period_locked = desired == terms.first_period_end and not terms.term_end_cancellable
    on_time = received <= deadline and not first_period_locked
    proposals: list[date] = []
    if not on_time:
        # R10: the earliest on-time date; a late term-end request also the next March 31.
        proposals.append(earliest_on_time_date(received, calendar))
        if kind == "cancel_at_term_end":
            proposals.append(date(desired.year + 1, 3, 31))
    effective = desired if on_time else proposals[0]
    return _Verdict(kind, asked, deadline, on_time, effective, proposals, None, notes)


def _service_change(
    facts: MailFacts,
    contract: ContractFacts,
    calendar: BusinessCalendar,
    received: date,
    notes: list[str],
) -> _Verdict:
    # R13 (第12条5項): within two months of the change notice; refund the months after.
    asked = facts.requested_date
    desired = asked if asked is not None and asked >= received else received
    notified = facts.change_notified_on
    deadline = service_change_deadline(notified, calendar) if notified else None
    on_time = received <= deadline if deadline is not None else None
    if notified is None:
        notes.append("the change notice's date is not in the mail: staff check R13's deadline")
    refund = None
    if on_time is not False:
        paid = paid_by(contract.payments, received)
        refund = service_change_refund(desired, _period_end(contract, desired), paid,
                                       contract.terms.monthly_fee)  # fmt: skip
    proposals = [] if on_time is not False else [earliest_on_time_date(received, calendar)]
    effective = desired if on_time is not False else proposals[0]
    return _Verdict("cancel_service_change", asked, deadline, on_time, effective, proposals,
                    refund, notes)  # fmt: skip


def _owed(contract: ContractFacts, effective: date, received: date) -> int:
    """Fees of every period begun by the effective date, less what was paid (第12条3項)."""
    due = sum(p.fee for p in contract.periods if p.starts_on <= effective)
    return max(0, due - paid_by(contract.payments, received))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _line(name: str, *, lang: str, **context: Any) -> str:
    """A summary line from core/templates/summary/<name>.<lang>.j2, on one line."""
    return " ".join(render_text("summary", name, lang, **context).split())
