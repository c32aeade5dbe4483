"""decide(): facts + contract + rules + receipt time → the action, its summary and the ack."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from core.decisions import ContractFacts, decide
from core.mailfacts import MailFacts
from knowledge.faq.answers import Answer
from knowledge.rules.billing import plan_periods
from knowledge.rules.calendar import DEFAULT_CALENDAR, JST
from knowledge.rules.contract import contract_terms

CAL = DEFAULT_CALENDAR


def _contract(applied: date, approved: date, payments: list[tuple[date, int]]) -> ContractFacts:
    terms = contract_terms(applied, approved, True, CAL)
    periods = tuple(p for p, _ in zip(plan_periods(terms), range(6), strict=False))
    return ContractFacts("NIG-000101", "株式会社山田工業", "active", terms, periods,
                         tuple(payments))  # fmt: skip


# Started 2025-06-06; the current period ends 2027-03-31, its R9 deadline is 2027-01-29 (Fri).
YAMADA = _contract(
    date(2025, 5, 3), date(2025, 5, 10), [(date(2025, 6, 25), 59_400), (date(2026, 2, 25), 79_200)]
)


def _facts(intent: str, day: date | None, received: str, **changes: object) -> MailFacts:
    at = datetime.fromisoformat(received).replace(tzinfo=JST)
    facts = MailFacts(
        message_id="<m@x>", from_address="yamada@yamada-kogyo.co.jp", from_name=None,
        reply_to=None, subject="解約", text="解約します", language="ja", intent=intent,
        customer_id=None, company=None, requested_date=day, received_at=at, written_at=at,
        reply_expected=True,
    )  # fmt: skip
    return replace(facts, **changes)


def test_an_on_time_term_end_request_ends_on_the_period_end() -> None:
    facts = _facts("cancel_at_term_end", date(2027, 3, 31), "2027-01-29T23:59:59")
    decision = decide(facts, YAMADA, CAL)
    assert decision.action_kind == "cancel_at_term_end"
    p = decision.payload
    assert (p["on_time"], p["deadline"], p["effective_date"]) == (True, "2027-01-29", "2027-03-31")
    assert (p["proposals"], p["refund"], p["owed"]) == ([], None, 0)
    assert p["request_kind"] == "cancel_at_term_end"
    assert p["references"] == ["<m@x>"]
    assert "期限内" in decision.summary
    assert "2027-03-31" in decision.summary
    assert decision.ack is not None
    assert "2027年3月31日" in decision.ack.body


def test_a_late_term_end_request_gets_both_r10_proposals() -> None:
    facts = _facts("cancel_at_term_end", date(2027, 3, 31), "2027-02-10T09:00:00")
    decision = decide(facts, YAMADA, CAL)
    p = decision.payload
    assert p["on_time"] is False
    assert p["proposals"] == ["2027-04-10", "2028-03-31"]
    assert p["effective_date"] == "2027-04-10"
    assert p["owed"] == 79_200  # the renewed period's fee in full (第12条3項)
    assert p["refund"] is None
    assert "期限後" in decision.summary
    assert "2027-04-10" in decision.summary
    assert decision.ack is not None
    assert "2028年3月31日" in decision.ack.body


def test_a_late_midterm_request_gets_the_earliest_on_time_date() -> None:
    facts = _facts("cancel_midterm", date(2027, 2, 28), "2027-01-18T10:00:00")
    p = decide(facts, YAMADA, CAL).payload
    assert (p["on_time"], p["deadline"], p["proposals"]) == (False, "2026-12-28", ["2027-03-18"])


def test_a_midterm_request_without_a_date_takes_the_earliest_on_time_date() -> None:
    decision = decide(_facts("cancel_midterm", None, "2027-01-18T10:00:00"), YAMADA, CAL)
    assert decision.payload["requested_date"] is None
    assert (decision.payload["on_time"], decision.payload["effective_date"]) == (True, "2027-03-18")


def test_a_request_before_the_start_date_is_r11_and_a_staff_decision() -> None:
    future = _contract(date(2026, 12, 10), date(2026, 12, 15), [])  # starts 2027-02-05
    decision = decide(_facts("cancel_midterm", None, "2027-01-12T10:00:00"), future, CAL)
    assert decision.action_kind == "cancel_before_start"
    assert decision.payload["on_time"] is None
    assert decision.ack is not None
    assert "第8条6項" in decision.ack.body


def test_an_incompatible_utm_refund_follows_r12() -> None:
    # Started 2026-10-07, free until 10/31, refund deadline 2026-11-13 (15th is a Sunday).
    hanamaru = _contract(date(2026, 9, 3), date(2026, 9, 8), [(date(2026, 9, 25), 33_000)])
    refunds = [
        decide(_facts("refund_incompatible", None, when), hanamaru, CAL).payload
        for when in ("2026-10-20T10:00:00", "2026-11-13T18:00:00", "2026-11-16T09:00:00")
    ]
    assert [p["refund"] for p in refunds] == [33_000, 33_000 - 6_600, None]
    assert [p["on_time"] for p in refunds] == [True, True, False]
    assert refunds[0]["deadline"] == "2026-11-13"


def test_a_service_change_cancellation_follows_r13() -> None:
    facts = _facts("cancel_service_change", date(2027, 1, 31), "2027-01-20T10:00:00",
                   change_notified_on=date(2027, 1, 10))  # fmt: skip
    p = decide(facts, YAMADA, CAL).payload
    assert (p["on_time"], p["deadline"], p["effective_date"]) == (True, "2027-03-10", "2027-01-31")
    assert p["refund"] == 2 * 6_600  # February and March, as far as paid


def test_a_service_change_without_the_notice_date_is_left_to_staff() -> None:
    facts = _facts("cancel_service_change", None, "2027-01-20T10:00:00")
    decision = decide(facts, YAMADA, CAL)
    assert decision.payload["on_time"] is None
    assert "要確認" in decision.summary


def test_an_uncertain_customer_becomes_identify() -> None:
    facts = _facts("cancel_at_term_end", date(2027, 3, 31), "2027-01-14T10:00:00")
    decision = decide(facts, YAMADA, CAL, certain=False, suggestion="NIG-000101")
    assert decision.action_kind == "identify"
    assert decision.payload["suggested_customer_id"] == "NIG-000101"
    assert decision.ack is not None


def test_identify_asks_for_the_customer_id_only_when_none_was_written() -> None:
    # The ID is not confirmed either way: a stranger learns nothing about which IDs exist.
    unwritten = _facts("cancel_at_term_end", date(2027, 3, 31), "2027-01-14T10:00:00")
    written = replace(unwritten, customer_id="NIG-000123")
    asks = decide(unwritten, YAMADA, CAL, certain=False).ack
    names = decide(written, YAMADA, CAL, certain=False).ack
    assert asks is not None
    assert names is not None
    assert "お客様ID（例: NIG-000123）をお知らせ" in asks.body
    assert "お客様ID（例" not in names.body
    assert "ご記載のお客様ID（NIG-000123）" in names.body
    assert "ご登録のメールアドレスからあらためてお送りください" in names.body


def test_a_question_the_faq_answers_confidently_gets_the_answer() -> None:
    answer = Answer("解約は期間満了日の2か月前までにメールでお申し出ください。", (12,), "第12条1項",
                    0.93, False, (), "ja")  # fmt: skip
    facts = _facts("question", None, "2027-01-14T10:00:00", text="解約の期限は？")
    decision = decide(facts, YAMADA, CAL, answer=answer)
    assert decision.action_kind is None
    assert decision.ack is not None
    assert "第12条1項" in decision.ack.body


def test_a_question_the_faq_is_unsure_of_goes_to_staff() -> None:
    answer = Answer("", (), None, 0.2, True, ("解約の期限は？",), "ja")
    facts = _facts("question", None, "2027-01-14T10:00:00", text="UTMの電源はどこ？")
    decision = decide(facts, YAMADA, CAL, answer=answer)
    assert decision.action_kind == "question"
    assert decision.payload["question"] == "UTMの電源はどこ？"


def test_an_english_mail_is_acknowledged_in_english() -> None:
    facts = _facts("cancel_midterm", date(2027, 6, 30), "2027-03-02T10:00:00", language="en")
    ack = decide(facts, YAMADA, CAL).ack
    assert ack is not None
    assert ack.subject.startswith("Received:")
    assert "June 30, 2027" in ack.body


def test_machine_mail_and_spam_get_nothing() -> None:
    for intent in ("auto_reply", "bounce", "spam"):
        decision = decide(_facts(intent, None, "2027-01-14T10:00:00", reply_expected=False),
                          YAMADA, CAL)  # fmt: skip
        assert (decision.action_kind, decision.ack) == (None, None)
