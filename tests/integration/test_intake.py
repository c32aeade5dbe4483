"""Taking in a customer mail: identify, decide, record, queue the action and the ack (both DBs)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.identify import identify_customer
from core.intake import take_in
from core.mailfacts import MailFacts
from core.models import Action, Customer, OutboxMail, Request, StaffNotice
from core.settings import load_settings
from knowledge.rules.calendar import JST


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return load_settings({})


def _customer(session: Session, customer_id: str = "NIG-000123", **values: object) -> Customer:
    row = {
        "customer_id": customer_id, "company": "株式会社山田工業", "contact_name": "山田太郎",
        "email": "yamada@yamada-kogyo.co.jp", "member": True,
        "applied_on": date(2025, 5, 3), "approved_on": date(2025, 5, 10),
    } | values  # fmt: skip
    customer = Customer(**row)
    session.add(customer)
    session.flush()
    return customer


def _facts(**changes: object) -> MailFacts:
    received = datetime(2027, 1, 14, 10, 0, tzinfo=JST)
    facts = MailFacts(
        message_id="<m1@yamada-kogyo.co.jp>", from_address="yamada@yamada-kogyo.co.jp",
        from_name="山田太郎", reply_to=None, subject="解約のお願い",
        text="3月末をもって解約します。", language="ja", intent="cancel_at_term_end",
        customer_id=None, company="株式会社山田工業", requested_date=date(2027, 3, 31),
        received_at=received, written_at=received, reply_expected=True,
    )  # fmt: skip
    return replace(facts, **changes)


def test_a_registered_address_identifies_the_customer_with_certainty(session: Session) -> None:
    customer = _customer(session)
    match = identify_customer(session, _facts(from_address="YAMADA@yamada-kogyo.co.jp"))
    assert (match.customer, match.how, match.certain) == (customer, "address", True)


def test_a_customer_id_from_the_customers_own_domain_is_certain(session: Session) -> None:
    customer = _customer(session)
    facts = _facts(from_address="keiri@yamada-kogyo.co.jp", customer_id="NIG-000123")
    match = identify_customer(session, facts)
    assert (match.customer, match.how, match.certain) == (customer, "customer_id", True)


def test_a_customer_id_from_a_stranger_is_only_a_suggestion(session: Session) -> None:
    customer = _customer(session)
    facts = _facts(from_address="someone@gmail.example", customer_id="NIG-000123")
    match = identify_customer(session, facts)
    assert (match.customer, match.certain) == (customer, False)


def test_a_similar_company_name_alone_is_never_certain(session: Session) -> None:
    customer = _customer(session)
    facts = _facts(from_address="someone@other.example", company="(株)山田工業")
    match = identify_customer(session, facts)
    assert (match.customer, match.how, match.certain) == (customer, "company", False)


def test_an_unknown_sender_is_not_identified(session: Session) -> None:
    _customer(session)
    facts = _facts(from_address="who@nowhere.example", company="株式会社まるで別会社")
    match = identify_customer(session, facts)
    assert (match.customer, match.certain) == (None, False)


def test_an_on_time_term_end_request_queues_its_action_and_an_ack(
    session: Session, settings
) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(session)
    result = take_in(session, _facts(), settings)
    assert result.action is not None
    assert result.action.kind == "cancel_at_term_end"
    payload = result.action.payload
    assert payload["on_time"] is True
    assert payload["effective_date"] == "2027-03-31"
    assert payload["deadline"] == "2027-01-29"
    assert result.action.customer_pk == customer.id
    assert "NIG-000123" in result.action.summary
    assert "期限内" in result.action.summary
    ack = result.ack
    assert ack is not None
    assert ack.to_address == "yamada@yamada-kogyo.co.jp"
    assert ack.key == "ack:<m1@yamada-kogyo.co.jp>"
    assert ack.headers["In-Reply-To"] == "<m1@yamada-kogyo.co.jp>"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["X-Otasuke-Kind"] == "ack"
    assert ack.headers["X-Otasuke-Action"] == str(result.action.id)
    assert "2027年3月31日" in ack.body
    stored = session.scalars(select(Request)).one()
    assert MailFacts.from_payload(stored.payload) == _facts()


def test_the_same_mail_twice_is_taken_in_once(session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    take_in(session, _facts(), settings)
    again = take_in(session, _facts(), settings)
    assert again.duplicate
    assert again.action is None
    assert again.ack is None
    assert len(session.scalars(select(Action)).all()) == 1
    assert len(session.scalars(select(OutboxMail)).all()) == 1


def test_a_request_from_an_unknown_sender_becomes_identify_and_assign_reruns_it(
    session: Session, settings
) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(session)
    facts = _facts(from_address="yamada.private@gmail.example", message_id="<m2@gmail.example>")
    first = take_in(session, facts, settings)
    assert first.action is not None
    assert first.action.kind == "identify"
    assert first.action.payload["suggested_customer_id"] == "NIG-000123"
    assert first.action.customer_pk is None
    assigned = take_in(session, facts, settings, customer=customer)
    assert assigned.action is not None
    assert assigned.action.kind == "cancel_at_term_end"
    assert assigned.request.id == first.request.id
    assert assigned.request.customer_pk == customer.id


def test_a_spoof_is_held_for_staff_and_never_answered(session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    facts = _facts(intent="spam", reply_expected=False,
                   hold_reason="Reply-To x@evil.example differs from the sender")  # fmt: skip
    result = take_in(session, facts, settings)
    assert result.ack is None
    assert result.action is not None
    assert result.action.kind == "question"
    assert result.action.payload["held"] is True


@pytest.mark.parametrize("intent", ["auto_reply", "bounce"])
def test_machine_mail_gets_no_reply_and_no_action(session: Session, settings, intent: str) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(intent=intent, reply_expected=False, requested_date=None)
    result = take_in(session, facts, settings)
    assert (result.action, result.ack) == (None, None)
    assert session.scalars(select(Request)).one().intent == intent


def test_acknowledgements_to_one_sender_stop_at_the_daily_limit(session: Session) -> None:
    _customer(session)
    settings = load_settings({"OTASUKE_MAIL_MAX_REPLIES_PER_SENDER_PER_DAY": "2"})
    acks = [take_in(session, _facts(message_id=f"<loop{n}@x>"), settings).ack for n in range(3)]
    assert [ack is not None for ack in acks] == [True, True, False]
    assert session.scalars(select(StaffNotice).where(StaffNotice.kind == "mail_ack_limit")).one()


def test_other_mail_is_acknowledged_and_told_to_staff(session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    facts = _facts(intent="other", requested_date=None, subject="住所変更のお知らせ")
    result = take_in(session, facts, settings)
    assert result.action is None
    assert result.ack is not None
    assert "住所変更" in session.scalars(select(StaffNotice)).one().text


@pytest.fixture(scope="module")
def answers():  # type: ignore[no-untyped-def]
    from knowledge.faq.answers import default_engine

    return default_engine()


def test_a_question_the_faq_answers_gets_the_answer_by_mail(
    session: Session, settings, answers
) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    facts = _facts(intent="question", requested_date=None, subject="解約の期限",
                   text="満期で解約する場合、いつまでに連絡すればよいですか？")  # fmt: skip
    result = take_in(session, facts, settings, answers=answers)
    assert result.action is None
    assert result.ack is not None
    assert "第12条1項" in result.ack.body
    assert result.ack.subject == "Re: 解約の期限"


def test_a_question_the_faq_cannot_answer_becomes_a_question_action(
    session: Session, settings, answers
) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    facts = _facts(intent="question", requested_date=None, subject="電源",
                   text="UTMの電源ケーブルの色は何色ですか？")  # fmt: skip
    result = take_in(session, facts, settings, answers=answers)
    assert result.action is not None
    assert result.action.kind == "question"
    assert result.action.payload["question"] == "UTMの電源ケーブルの色は何色ですか？"
    assert result.action.payload["message_id"] == facts.message_id
    assert result.ack is not None


def test_a_reply_to_other_than_the_registered_address_is_held(session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    _customer(session)
    facts = _facts(reply_to="keiri@yamada-kogyo.co.jp", message_id="<rt@x>")
    result = take_in(session, facts, settings)
    assert result.ack is None
    assert result.action is not None
    assert result.action.kind == "question"
    assert "registered address" in result.action.payload["hold_reason"]
    assert result.action.customer_pk is None
    assert result.request.intent == "spam"
