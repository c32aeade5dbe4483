"""Answers for a known customer: their contract's facts, and the engine over the chamber's terms."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from core.errors import UserError
from core.question_dates import computed_sentence
from core.settings import Settings
from knowledge.faq.answers import Answer, AnswerEngine, default_engine
from knowledge.faq.faq import FaqError
from knowledge.rules.billing import debt_paid, due_by, paid_by, schedule
from knowledge.terms import Terms, TermsParseError, load_default_terms, parse_terms, read_terms_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.contracts import ContractView
    from knowledge.rules.calendar import BusinessCalendar

log = logging.getLogger(__name__)


def customer_facts(
    session: Session, customer_id: str, today: date, calendar: BusinessCalendar
) -> dict[str, object]:
    """The FAQ placeholders (knowledge/data/FAQ_SCHEMA.md) for a customer as of `today`;
    an unknown customer → UserError."""
    # Imported here: `otasuke ask` without --customer never touches the database, and the ORM
    # is a third of its start-up (benchmarks/bench_faq.py, start-up).
    from core.contracts import contract_view
    from core.customers import get_customer

    customer = get_customer(session, customer_id)
    view = contract_view(session, customer, today, calendar)
    terms, status = view.terms, view.status
    first = view.periods[0] if view.periods else None
    # None facts are left out, so a personal text needing a period or deadline an ended
    # contract no longer has is not shown; `ended_on`/`ends_on` say why (knowledge/faq/answers.py).
    ended = customer.ended_on if status.ended else None
    ends = customer.ended_on if customer.ended_on is not None and not status.ended else None
    payment = _payment_facts(view, customer.ended_on, customer.member, today)
    return {
        **payment,
        "customer_id": customer.customer_id,
        "company": customer.company,
        "member": customer.member,
        "start_date": terms.start_date,
        "free_period_end": terms.free_period_end,
        "period_start": status.period_start,
        "period_end": status.period_end,
        "cancel_deadline": status.cancel_deadline,
        "first_payment_due": terms.first_payment_due,
        "renewal_payment_due": status.renewal_payment_due,
        "annual_fee": view.annual_fee,
        "monthly_fee": view.monthly_fee,
        # The first period's fee as billed (stored), not recomputed.
        "first_fee": first.fee if first is not None and first.number == 1 else None,
        "refund_request_deadline": terms.refund_request_deadline,
        "insurance_start": status.insurance_start,
        "insurance_end": status.insurance_end,
        "insurance_causes_until": status.insurance_causes_until,
        "ended_on": ended,
        "ends_on": ends,
    }


def _payment_facts(
    view: ContractView, ended_on: date | None, member: bool, today: date
) -> dict[str, object]:
    """The next payment as `customers show` gives it (`ContractStatus`: the first one not yet
    covered by payments), what is overdue, and `states` naming which payment comes next
    (knowledge/data/FAQ_SCHEMA.md)."""
    status = view.status
    periods = schedule(view.terms, view.periods, ended_on, member)
    due = status.next_payment_due
    # Every period due up to the next payment (or today): the overdue ones and those it pays.
    last = max(today, due) if due is not None else today
    planned = list(takewhile(lambda p: p.due_on <= last, periods))
    states: list[str] = ["ended"] if status.ended else []
    facts: dict[str, object] = {}
    overdue = [p.due_on for p in planned if p.due_on < today and p.fee]
    if overdue and not debt_paid(planned, view.payments, overdue[-1], today):
        paid = paid_by(view.payments, today)
        facts["overdue_amount"] = due_by(planned, overdue[-1]) - paid
        facts["overdue_due"] = next(d for d in overdue if due_by(planned, d) > paid)
    if due is None:
        states.append("payment_none")
        return {**facts, "states": tuple(states)}
    paying = [p for p in planned if p.due_on == due and p.fee]
    first = any(p.number == 1 for p in paying)
    renewal = next((p for p in paying if p.number > 1), None)
    if first and renewal is not None:
        states.append("payment_first_and_renewal")  # 第13条3項 なお書き (R7)
    elif first:
        states.append("payment_first")
    else:
        states.append("payment_renewal")
    if status.next_payment_amount < status.next_payment_fee:
        # Part of it was paid: the sentence about the fee is followed by what is left.
        facts["next_payment_paid"] = status.next_payment_fee - status.next_payment_amount
        facts["next_payment_owed"] = status.next_payment_amount
    return {
        **facts,
        "states": tuple(states),
        "next_payment_due": due,
        "next_payment_amount": status.next_payment_fee,
        "next_period_start": renewal.starts_on if renewal is not None else None,
        "next_period_end": renewal.ends_on if renewal is not None else None,
        "renewal_fee": renewal.fee if renewal is not None else None,
    }


def answer_question(
    engine: AnswerEngine,
    question: str,
    today: date,
    calendar: BusinessCalendar,
    facts: Mapping[str, object] | None = None,
) -> Answer:
    """The engine's answer, led by the rule's result for a date the question names (R2, R10):
    "2026年5月3日に申し込んだら利用開始日は？" → 2026年6月5日, for anyone, linked or not."""

    def computed(entry, lang: str) -> str | None:  # type: ignore[no-untyped-def]
        return computed_sentence(entry, question, lang, today, calendar, facts)

    return engine.answer(question, facts, computed)


def load_terms(settings: Settings) -> Terms:
    """The chamber's terms: `terms_file` when set (UTF-8 or CP932), else the shipped ones."""
    if settings.terms_file is None:
        return load_default_terms()
    try:
        data = settings.terms_file.read_bytes()
    except OSError as exc:
        raise UserError(f"OTASUKE_TERMS_FILE: cannot read {settings.terms_file} ({exc})") from None
    try:
        return parse_terms(read_terms_text(data))
    except TermsParseError as exc:
        raise UserError(f"OTASUKE_TERMS_FILE: {settings.terms_file}: {exc}") from None


_READY_MAX = 4
_ready: dict[tuple[object, ...], AnswerEngine] = {}


def _stamp(path: Path | None) -> tuple[object, ...] | None:
    """What tells a file's versions apart without reading it: path, size, modification time."""
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return (str(path),)  # reading it will say what is wrong
    return (str(path), status.st_size, status.st_mtime_ns)


def answer_engine(settings: Settings) -> AnswerEngine:
    """The answer engine over the chamber's terms and FAQ: built once a process and reused by
    every caller (mail intake, chat, commands) until a file it was built from changes."""
    key = (_stamp(settings.terms_file), _stamp(settings.faq_file), settings.faq_handoff_threshold)
    engine = _ready.get(key)
    if engine is None:
        engine = _read_and_build(settings)
        if len(_ready) >= _READY_MAX:
            _ready.pop(next(iter(_ready)))
        _ready[key] = engine
    return engine


def _read_and_build(settings: Settings) -> AnswerEngine:
    """Read the chamber's terms and FAQ files and build (or reuse, `_built`) their engine."""
    terms = load_terms(settings) if settings.terms_file is not None else None
    faq_text = None
    if settings.faq_file is not None:
        try:
            faq_text = settings.faq_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"OTASUKE_FAQ_FILE: cannot read {settings.faq_file} ({exc})") from None
    try:
        engine = _built(terms, faq_text, settings.faq_handoff_threshold)
    except FaqError as exc:
        raise UserError(f"the FAQ cannot be used: {exc}") from None
    except yaml.YAMLError as exc:
        # A chamber's hand-edited FAQ that is not YAML at all (the shipped one always is).
        raise UserError(f"OTASUKE_FAQ_FILE: {settings.faq_file}: {_yaml_problem(exc)}") from None
    if engine.withheld:
        log.warning(
            "%d FAQ entries rest on clauses that read differently in %s and are not used: %s",
            len(engine.withheld), settings.terms_file, ", ".join(engine.withheld),
        )  # fmt: skip
    return engine


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """`line 2, column 1: did not find expected node content`, not PyYAML's four lines."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"not YAML ({where}{problem})"


@lru_cache(maxsize=4)
def _built(terms: Terms | None, faq_text: str | None, threshold: float | None) -> AnswerEngine:
    """`default_engine`, built once a process for the same terms, FAQ and threshold: building
    takes most of a second and an engine never changes once built (commands run in one process
    share it, as the tests' do)."""
    return default_engine(terms, faq_text, threshold=threshold)
