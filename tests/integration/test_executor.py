"""The executor: an approval carries the action out once, a rejection tells the customer why."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import executor, queue
from core.db import session_factory
from core.errors import UserError
from core.models import AuditEntry, ChatMessage, Customer, OutboxMail, StaffNotice
from core.settings import Settings, load_settings

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 10:00 JST


@pytest.fixture
def settings() -> Settings:
    return load_settings({})


def _customer(session: Session, customer_id: str = "NIG-000123") -> Customer:
    customer = Customer(
        customer_id=customer_id, company="株式会社テスト", contact_name="山田 太郎",
        email=f"{customer_id.lower()}@example.jp", member=True,
        applied_on=date(2025, 5, 3), approved_on=date(2025, 5, 10),
    )  # fmt: skip
    session.add(customer)
    session.flush()
    return customer


def _cancellation(session: Session, customer: Customer, **payload: object) -> int:
    base = {
        "request_kind": "cancel_at_term_end",
        "requested_date": "2027-03-31",
        "on_time": True,
        "effective_date": "2027-03-31",
        "proposals": [],
        "refund": None,
        "owed": 0,
        "lang": "ja",
        "message_id": "<req-1@example.jp>",
        "from_address": customer.email,
        "subject": "解約のお願い",
        "references": [],
    }
    kind = str(payload.pop("kind", "cancel_at_term_end"))
    return queue.enqueue(
        session, kind, "NIG-000123 満期解約 2027-03-31", customer=customer, payload=base | payload
    ).id


def _mails(session: Session) -> list[OutboxMail]:
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_approving_a_term_end_cancellation_ends_the_contract_and_mails_the_approval(
    session: Session, settings: Settings
) -> None:
    customer = _customer(session)
    action_id = _cancellation(session, customer)
    outcome = executor.approve(session, action_id, "cli:alice", settings=settings, now=NOW)
    assert (outcome.ok, outcome.status, outcome.decided_by) == (True, "done", "cli:alice")
    session.refresh(customer)
    assert (customer.status, customer.ended_on) == ("cancelled", date(2027, 3, 31))
    assert customer.status_action_id == action_id
    [mail] = _mails(session)
    assert outcome.mail_ids == (mail.id,)
    assert (mail.kind, mail.to_address, mail.action_id) == ("approval", customer.email, action_id)
    assert mail.subject == "【お助け隊サービス】満期解約のお申し出を承りました（NIG-000123）"
    assert "■ 契約終了日: 2027年3月31日(水)" in mail.body
    assert "第12条6項" in mail.body
    assert "お支払い残額はございません" in mail.body
    assert mail.headers == {
        "X-Otasuke-Kind": "approval",
        "X-Otasuke-Action": str(action_id),
        "In-Reply-To": "<req-1@example.jp>",
        "References": "<req-1@example.jp>",
    }
    events = session.scalars(
        select(AuditEntry.event).where(AuditEntry.subject == f"action:{action_id}")
    ).all()
    assert events == ["action.queued", "action.approved", "action.done"]


def test_approving_a_late_request_accepts_the_first_proposal_and_says_so(
    session: Session, settings: Settings
) -> None:
    customer = _customer(session)
    action_id = _cancellation(
        session, customer, on_time=False, effective_date=None,
        proposals=["2027-05-31", "2028-03-31"], owed=79200,
    )  # fmt: skip
    outcome = executor.approve(session, action_id, "cli:alice", settings=settings, now=NOW)
    assert "2027-05-31 (late: the first proposal accepted)" in outcome.message
    session.refresh(customer)
    assert customer.ended_on == date(2027, 5, 31)
    [mail] = _mails(session)
    assert "期日に間に合う最も早い日である2027年5月31日(月)をもって解約" in mail.body
    assert "2028年3月31日(金)での解約をご希望の場合" in mail.body
    assert "79,200円" in mail.body


def test_approving_a_refund_for_an_incompatible_utm_states_the_refund_in_english(
    session: Session, settings: Settings
) -> None:
    customer = _customer(session)
    action_id = _cancellation(
        session, customer, kind="refund_incompatible", request_kind="refund_incompatible",
        effective_date="2025-07-15", refund=59400, owed=None, lang="en",
    )  # fmt: skip
    assert executor.approve(session, action_id, "cli:a", settings=settings, now=NOW).ok
    [mail] = _mails(session)
    assert "cancellation and refund for an incompatible UTM" in mail.subject
    assert "- Refund: ¥59,400" in mail.body
    assert "Article 12, paragraph 6" in mail.body


def test_a_suspension_suspends_the_customer_mails_them_and_resume_lifts_it(
    session: Session, settings: Settings
) -> None:
    customer = _customer(session)
    action_id = queue.enqueue(
        session, "suspend", "NIG-000123 利用停止", customer=customer,
        payload={"due_on": "2026-02-25", "amount": 79200, "lang": "ja"},
    ).id  # fmt: skip
    assert executor.approve(session, action_id, "cli:a", settings=settings, now=NOW).ok
    session.refresh(customer)
    assert customer.status == "suspended"
    [mail] = _mails(session)
    assert mail.kind == "suspension"
    assert "2026年2月25日(水)が支払期日のご利用料金（79,200円）" in mail.body
    executor.resume(session, "nig000123", "cli:a")
    session.refresh(customer)
    assert (customer.status, customer.status_action_id) == ("active", None)
    with pytest.raises(UserError, match="not suspended"):
        executor.resume(session, "NIG-000123", "cli:a")


def test_a_rejection_mails_staffs_reason_but_a_rejected_suspension_sends_nothing(
    session: Session, settings: Settings
) -> None:
    customer = _customer(session)
    cancel_id = _cancellation(session, customer)
    suspend_id = queue.enqueue(session, "suspend", "停止", customer=customer).id
    outcome = executor.reject(
        session, cancel_id, "cli:bob", "契約が見つかりません", settings=settings
    )
    assert (outcome.ok, outcome.status) == (True, "rejected")
    assert executor.reject(session, suspend_id, "cli:bob", "入金済み", settings=settings).ok
    [mail] = _mails(session)
    assert (mail.kind, mail.action_id) == ("rejection", cancel_id)
    assert "■ 理由\n契約が見つかりません" in mail.body
    session.refresh(customer)
    assert customer.status == "active"


def test_a_question_is_answered_by_mail_in_its_thread_or_in_its_chat(
    session: Session, settings: Settings
) -> None:
    by_mail = queue.enqueue(
        session, "question", "質問", payload={
            "question": "UTMの返送先は？", "lang": "ja", "message_id": "<q1@example.jp>",
            "from_address": "q@example.jp", "subject": "Re: RE: 質問",
        },
    ).id  # fmt: skip
    by_chat = queue.enqueue(
        session, "question", "質問", payload={
            "question": "What is R12?", "lang": "en", "chat_id": 555, "telegram_user_id": 555,
        },
    ).id  # fmt: skip
    assert executor.reply(session, by_mail, "cli:a", "別途ご案内します。", settings=settings).ok
    assert executor.reply(session, by_chat, "cli:a", "See Article 12.", settings=settings).ok
    [mail] = _mails(session)
    assert (mail.kind, mail.to_address, mail.subject) == ("reply", "q@example.jp", "Re: 質問")
    assert mail.headers["In-Reply-To"] == "<q1@example.jp>"
    assert "別途ご案内します。" in mail.body
    [message] = session.scalars(select(ChatMessage)).all()
    assert (message.chat_id, message.text, message.action_id) == (555, "See Article 12.", by_chat)
    assert queue.get_action(session, by_mail).status == "done"


def test_a_question_is_not_approved_and_only_a_question_is_replied_to(
    session: Session, settings: Settings
) -> None:
    question = queue.enqueue(session, "question", "質問", payload={"chat_id": 1}).id
    customer = _customer(session)
    cancel_id = _cancellation(session, customer)
    with pytest.raises(UserError, match="queue reply"):
        executor.approve(session, question, "cli:a", settings=settings)
    with pytest.raises(UserError, match="not a question"):
        executor.reply(session, cancel_id, "cli:a", "はい", settings=settings)
    assert queue.get_action(session, question).status == "pending"


def test_an_action_that_cannot_be_carried_out_fails_with_its_error_and_staff_are_told(
    session: Session, settings: Settings
) -> None:
    action_id = queue.enqueue(
        session, "cancel_midterm", "解約", payload={"effective_date": "2027-01-31"}
    ).id
    outcome = executor.approve(session, action_id, "cli:a", settings=settings, now=NOW)
    assert (outcome.ok, outcome.status) == (False, "failed")
    assert outcome.error == f"#{action_id} names no customer"
    assert _mails(session) == []
    notice = session.scalars(select(StaffNotice)).one()
    assert notice.kind == "action_failed"
    assert f"#{action_id}" in notice.text
    assert queue.get_action(session, action_id).error == outcome.error


def test_a_failed_effect_leaves_nothing_half_done(session: Session, settings: Settings) -> None:
    customer = _customer(session)
    # The mail cannot be rendered (an amount that is not one): the contract must stay as it was.
    action_id = _cancellation(session, customer, owed="lots")
    outcome = executor.approve(session, action_id, "cli:a", settings=settings, now=NOW)
    assert outcome.status == "failed"
    assert "owed" in (outcome.error or "")
    session.refresh(customer)
    assert (customer.status, customer.ended_on) == ("active", None)
    assert _mails(session) == []


def test_two_staff_approving_at_the_same_moment_end_the_contract_once_with_one_mail(
    fresh_engine: Engine, settings: Settings
) -> None:
    sessions = session_factory(fresh_engine)
    with sessions.begin() as db:
        action_id = _cancellation(db, _customer(db))
    start = threading.Barrier(4)
    outcomes: list[executor.Outcome | BaseException] = []

    def approve(who: str) -> None:
        try:
            start.wait()
            with sessions.begin() as db:
                outcomes.append(executor.approve(db, action_id, who, settings=settings))
        except BaseException as exc:  # the main thread asserts on it
            outcomes.append(exc)

    threads = [threading.Thread(target=approve, args=(f"staff:{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(o, executor.Outcome) for o in outcomes), outcomes
    decided = [o for o in outcomes if isinstance(o, executor.Outcome) and o.decided]
    others = [o for o in outcomes if isinstance(o, executor.Outcome) and not o.decided]
    assert len(decided) == 1
    assert len(others) == 3
    winner = decided[0].decided_by
    for other in others:
        assert other.decided_by == winner
        assert f"already decided by {winner} at " in other.message
        assert other.status == "done"
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(OutboxMail)) == 1
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.event == "action.done")
            )
            == 1
        )


def test_assigning_the_customer_decides_the_stored_request_again_for_them(
    session: Session, settings: Settings
) -> None:
    pytest.importorskip("core.intake", reason="core.intake comes with issue 12 (i12-mail)")
    from mailtests import queue_identify

    customer = _customer(session)
    request, identify = queue_identify(
        session, datetime(2026, 12, 3, 1, 0, tzinfo=UTC), "株式会社テスト", "誰からの解約か不明"
    )
    outcome = executor.assign(session, identify.id, "cli:a", "nig-000123", settings=settings)
    assert (outcome.ok, outcome.status) == (True, "done")
    decided = queue.get_action(session, outcome.details["action"])
    assert (decided.kind, decided.customer_pk, decided.request_id) == (
        "cancel_at_term_end", customer.id, request.id,
    )  # fmt: skip
    assert decided.payload["effective_date"] == "2027-03-31"
    session.refresh(request)
    assert request.customer_pk == customer.id
    with pytest.raises(UserError, match="only an identify action"):
        executor.assign(session, decided.id, "cli:a", "NIG-000123", settings=settings)
