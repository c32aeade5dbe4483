"""Link codes: hashed, 15 minutes, once, 5 tries; the code is only in the mail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.chat_links import check_code, linked_customer, start_link
from core.customers import upsert_customer
from core.models import LinkCode, OutboxMail
from core.settings import load_settings
from knowledge.rules.calendar import DEFAULT_CALENDAR

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
VALUES = {
    "customer_id": "NIG-000777", "company": "B社", "contact_name": "田中",
    "email": "b@example.jp", "member": False,
    "applied_on": date(2026, 4, 10), "approved_on": date(2026, 4, 20),
}  # fmt: skip


def _mailed_code(session: Session) -> str:
    mail = session.scalars(select(OutboxMail).where(OutboxMail.kind == "link_code")).one()
    return re.search(r"^\s+(\d{6})\s*$", mail.body, re.MULTILINE)[1]  # type: ignore[index]


def test_a_code_is_stored_hashed_and_expires_after_15_minutes(session: Session) -> None:
    upsert_customer(session, VALUES, NOW.date(), DEFAULT_CALENDAR)
    assert start_link(session, 7, 7, "NIG-000777", load_settings(env={}), "ja", NOW) == "mailed"
    code = _mailed_code(session)
    stored = session.scalars(select(LinkCode)).one()
    assert code not in stored.code_hash
    late = check_code(session, 7, 7, code, NOW + timedelta(minutes=15, seconds=1))
    assert late.outcome == "none"
    assert linked_customer(session, 7) is None


def test_a_code_links_once_and_only_the_chat_it_was_asked_in(session: Session) -> None:
    upsert_customer(session, VALUES, NOW.date(), DEFAULT_CALENDAR)
    start_link(session, 8, 8, "nig-000777", load_settings(env={}), "en", NOW)
    code = _mailed_code(session)
    elsewhere = check_code(session, 9, 9, code, NOW)
    linked = check_code(session, 8, 8, code, NOW + timedelta(minutes=14))
    again = check_code(session, 8, 8, code, NOW + timedelta(minutes=14))
    assert elsewhere.outcome == "none"
    assert linked.outcome == "linked"
    assert again.outcome == "none"
    customer = linked_customer(session, 8)
    assert customer is not None
    assert customer.customer_id == "NIG-000777"


def test_a_malformed_id_mails_nothing(session: Session) -> None:
    assert start_link(session, 7, 7, "hello", load_settings(env={}), "ja", NOW) == "malformed"
    assert session.scalars(select(OutboxMail)).all() == []
