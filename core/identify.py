"""Who wrote a mail: the registered address, then a customer ID in it, then the company name.

Only the first two are ever acted on; a company name that merely resembles a customer's is a
suggestion for staff (an `identify` action, SPEC "Actions").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.mailfacts import MailFacts
from core.models import Customer

# Company names compared without their legal form: 株式会社山田工業 ≈ (株)山田工業 ≈ 山田工業.
_LEGAL_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|一般社団法人|医療法人|社会福祉法人|\(株\)|\(有\)|"
    r"\b(?:co\.?,?\s*ltd\.?|inc\.?|k\.?k\.?|corporation|corp\.?|llc|ltd\.?)",
    re.IGNORECASE,
)
# WRatio ≥ this is a resemblance worth showing staff; never enough to act on.
COMPANY_SCORE = 85.0


@dataclass(frozen=True)
class CustomerMatch:
    """The customer a mail is from, how we know, and whether that is certain enough to act on."""

    customer: Customer | None
    how: str | None  # "address" | "customer_id" | "company" | None
    certain: bool
    score: float | None = None  # the company match's similarity (0..100)


def reply_to_elsewhere(match: CustomerMatch, facts: MailFacts) -> str | None:
    """Why a mail from a registered address must be held: its Reply-To is another address."""
    # Issue 12: a Reply-To that differs from the registered address is held for staff, even
    # within the customer's own domain (the reader alone, without the register, sees only
    # another domain).
    customer = match.customer
    if match.how != "address" or customer is None or not facts.reply_to:
        return None
    if facts.reply_to.lower() == customer.email.lower():
        return None
    return f"Reply-To {facts.reply_to} differs from the registered address {customer.email}"


def attributed(match: CustomerMatch, facts: MailFacts) -> Customer | None:
    """The customer a mail may be acted on for: certain, and not a mail held as a spoof."""
    if not match.certain or facts.hold_reason is not None or reply_to_elsewhere(match, facts):
        return None
    return match.customer


def company_key(name: str) -> str:
    """A company name without its legal form, spaces or case (株式会社 山田工業 → 山田工業)."""
    text = unicodedata.normalize("NFKC", name)
    return utils.default_process(_LEGAL_FORMS.sub(" ", text)).replace(" ", "")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def identify_customer(session: Session, facts: MailFacts) -> CustomerMatch:
    """The customer by registered address, customer ID, or (never certain) company name."""
    sender = facts.from_address.lower()
    by_address = list(
        session.scalars(select(Customer).where(func.lower(Customer.email) == sender))
    ) if sender else []  # fmt: skip
    if len(by_address) == 1:
        return CustomerMatch(by_address[0], "address", True)
    by_id = None
    if facts.customer_id is not None:
        by_id = session.scalar(select(Customer).where(Customer.customer_id == facts.customer_id))
    if by_address:
        # One address for several customers (a group's office): the ID written decides.
        chosen = by_id if by_id in by_address else None
        return CustomerMatch(chosen, "address" if chosen else None, chosen is not None)
    if by_id is not None:
        # An ID anyone could copy: certain only from the customer's own mail domain.
        same_domain = bool(sender) and _domain(by_id.email) == _domain(sender)
        return CustomerMatch(by_id, "customer_id", same_domain)
    if facts.company:
        return _by_company(session, facts.company)
    return CustomerMatch(None, None, False)


def _by_company(session: Session, company: str) -> CustomerMatch:
    key = company_key(company)
    if not key:
        return CustomerMatch(None, None, False)
    rows = list(session.execute(select(Customer.id, Customer.company)))
    choices = {pk: company_key(name) for pk, name in rows}
    found = process.extractOne(key, choices, scorer=fuzz.WRatio, score_cutoff=COMPANY_SCORE)
    if found is None:
        return CustomerMatch(None, None, False)
    _, score, pk = found
    return CustomerMatch(session.get(Customer, pk), "company", False, score)
