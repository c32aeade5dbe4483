"""Linking a chat to a customer: a 6-digit code mailed to the registered address, used once.

The code is stored hashed (a leaked database row does not link anyone), expires in 15 minutes,
allows 5 tries, and `/link` is rate-limited per chat and per customer, so someone guessing IDs
cannot flood customers with mail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.customers import find_customer, normalize_customer_id
from core.models import ChatLink, Customer, LinkCode, utcnow
from core.outbox import enqueue_mail
from core.settings import Settings
from core.templates import render_mail

CODE_LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5
RATE_WINDOW = timedelta(hours=1)
MAX_CODES_PER_CHAT = 3  # per RATE_WINDOW
MAX_CODES_PER_CUSTOMER = 3  # per RATE_WINDOW, whoever asks

LinkStart = Literal["mailed", "malformed", "limited", "already"]
LinkCheck = Literal["linked", "wrong", "exhausted", "none"]


@dataclass(frozen=True)
class CodeResult:
    """What a code sent back did; `customer` is set when the chat is now linked."""

    outcome: LinkCheck
    customer: Customer | None = None
    tries_left: int = 0


def _hash(code: str, salt: str) -> str:
    digest = hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(_hash(code, salt), stored)


def linked_customer(session: Session, telegram_user_id: int) -> Customer | None:
    """The customer this Telegram user is linked to: by a confirmed code, or by the CSV."""
    customer = session.scalar(
        select(Customer)
        .join(ChatLink, ChatLink.customer_pk == Customer.id)
        .where(ChatLink.telegram_user_id == telegram_user_id)
    )
    if customer is not None:
        return customer
    # SPEC: the CSV's `telegram_user` links that user's chat without a code.
    return session.scalar(
        select(Customer).where(Customer.telegram_user == str(telegram_user_id)).limit(1)
    )


def start_link(
    session: Session,
    chat_id: int,
    telegram_user_id: int,
    written_id: str,
    settings: Settings,
    lang: str,
    now: datetime | None = None,
) -> LinkStart:
    """Mail a code for `written_id` (if it is a customer: the answer does not tell which)."""
    now = now or utcnow()
    customer_id = normalize_customer_id(written_id)
    if customer_id is None:
        return "malformed"
    since = now - RATE_WINDOW
    by_chat = session.scalar(
        select(func.count()).where(LinkCode.chat_id == chat_id, LinkCode.created_at >= since)
    )
    # An unknown ID still counts against the chat, or guessing would be free.
    customer = find_customer(session, customer_id)
    if (by_chat or 0) >= MAX_CODES_PER_CHAT:
        audit.record(session, f"telegram:{telegram_user_id}", "link.limited", customer_id)
        return "limited"
    if customer is None:
        audit.record(session, f"telegram:{telegram_user_id}", "link.unknown", customer_id)
        session.add(_code_row(chat_id, telegram_user_id, None, "-", now))
        return "mailed"
    if linked_customer(session, telegram_user_id) is customer:
        return "already"
    by_customer = session.scalar(
        select(func.count()).where(
            LinkCode.customer_pk == customer.id, LinkCode.created_at >= since
        )
    )
    if (by_customer or 0) >= MAX_CODES_PER_CUSTOMER:
        audit.record(session, f"telegram:{telegram_user_id}", "link.limited", customer_id)
        return "limited"
    code = f"{secrets.randbelow(10**6):06d}"
    row = _code_row(chat_id, telegram_user_id, customer.id, _hash(code, secrets.token_hex(8)), now)
    session.add(row)
    session.flush()
    mail = render_mail(
        "link_code", lang, code=code, company=customer.company, customer_id=customer.customer_id,
        minutes=int(CODE_LIFETIME.total_seconds() // 60),
    )  # fmt: skip
    enqueue_mail(
        session, f"link_code:{row.id}", "link_code", customer.email, mail.subject, mail.body,
        customer_pk=customer.id,
    )  # fmt: skip
    audit.record(session, f"telegram:{telegram_user_id}", "link.code_mailed", customer_id)
    return "mailed"


def _code_row(
    chat_id: int, user_id: int, customer_pk: int | None, code_hash: str, now: datetime
) -> LinkCode:
    return LinkCode(
        chat_id=chat_id, telegram_user_id=user_id, customer_pk=customer_pk, code_hash=code_hash,
        created_at=now, expires_at=now + CODE_LIFETIME,
    )  # fmt: skip


def pending_code(session: Session, chat_id: int, now: datetime | None = None) -> LinkCode | None:
    """The chat's latest code still waiting to be sent back (unused, unexpired, tries left)."""
    now = now or utcnow()
    return session.scalar(
        select(LinkCode)
        .where(
            LinkCode.chat_id == chat_id,
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
            LinkCode.tries < MAX_TRIES,
        )
        .order_by(LinkCode.id.desc())
        .limit(1)
    )


def check_code(
    session: Session, chat_id: int, telegram_user_id: int, code: str, now: datetime | None = None
) -> CodeResult:
    """A code sent back as a plain message: link the chat's user, or count a wrong try."""
    now = now or utcnow()
    row = pending_code(session, chat_id, now)
    if row is None:
        return CodeResult("none")
    if row.customer_pk is None or not _matches(code, row.code_hash):
        row.tries += 1
        session.flush()
        left = MAX_TRIES - row.tries
        return CodeResult("exhausted" if left <= 0 else "wrong", tries_left=max(left, 0))
    row.used_at = now
    customer = session.get_one(Customer, row.customer_pk)
    link = session.scalar(select(ChatLink).where(ChatLink.telegram_user_id == telegram_user_id))
    if link is None:
        session.add(ChatLink(telegram_user_id=telegram_user_id, customer_pk=customer.id))
    else:
        link.customer_pk = customer.id
        link.linked_at = now
    session.flush()
    audit.record(session, f"telegram:{telegram_user_id}", "link.linked", customer.customer_id)
    return CodeResult("linked", customer)
