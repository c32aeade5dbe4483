"""Answers for a known customer: their contract's facts, and the engine over the chamber's terms."""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import yaml

from core.errors import UserError
from core.settings import Settings
from knowledge.faq.answers import AnswerEngine, default_engine
from knowledge.faq.faq import FaqError
from knowledge.terms import Terms, TermsParseError, load_default_terms, parse_terms, read_terms_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    return {
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
        "ended_on": ended,
        "ends_on": ends,
    }


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


def answer_engine(settings: Settings) -> AnswerEngine:
    """The answer engine over the chamber's terms and FAQ (built once a process: `_built`)."""
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
