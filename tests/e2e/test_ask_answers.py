"""`otasuke ask` answers that are right for the customer and the question (issue 16, 1–6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

# The customers CSV's header, `run` and the isolating fixture, as the other `ask` tests have them.
from e2e.test_ask import HEADER, _isolated, run  # noqa: F401

CUSTOMERS = (
    # a first-year non-member: 24,750円 due 2026-12-25, then 99,000円 due 2027-02-25
    "NIG-000001,一年目商店,山田太郎,a@example.jp,0,2026-11-02,2026-11-20,active,,\n"
    # a February starter approved on the 20th: first and renewal both due 2026-03-25 (R7)
    "NIG-000002,二月開始,佐藤花子,b@example.jp,1,2026-01-05,2026-02-20,active,,\n"
    # ended on 2026-03-31 without renewal; insurance year 2025-08-01 – 2026-07-31
    "NIG-000003,終了商会,鈴木一郎,c@example.jp,1,2025-05-10,2025-05-20,cancelled,2026-03-31,\n"
)
KEYS = {"answer", "articles", "citation", "confidence", "handoff", "suggestions"}


@pytest.fixture
def customers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Three customers (first year, February start, ended) and one payment, imported."""
    csv = tmp_path / "customers.csv"
    csv.write_text(f"{HEADER}\n{CUSTOMERS}", "utf-8")
    payments = tmp_path / "payments.csv"
    payments.write_text("customer_id,paid_on,amount\nNIG-000001,2026-12-20,24750\n", "utf-8")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "customers", "import", str(csv), "--today", "2026-03-01")[0] == 0
    assert run(capsys, "payments", "import", str(payments))[0] == 0


def ask(capsys: pytest.CaptureFixture[str], question: str, *options: str) -> dict[str, object]:
    """`otasuke ask QUESTION --json` with the options; the JSON object, checked against the spec."""
    code, out, err = run(capsys, "ask", question, *options, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) >= KEYS
    assert isinstance(payload["answer"], str)
    assert all(isinstance(a, int) for a in payload["articles"])
    assert payload["citation"] is None or isinstance(payload["citation"], str)
    assert 0.0 <= payload["confidence"] <= 1.0
    assert isinstance(payload["handoff"], bool)
    assert all(isinstance(s, str) for s in payload["suggestions"])
    return payload


def as_of(customer: str, today: str) -> tuple[str, ...]:
    """The options that make an answer personal: that customer, as of that day."""
    return ("--customer", customer, "--today", today)


def said(payload: dict[str, object]) -> str:
    """What the answer says before the quoted clauses."""
    return str(payload["answer"]).split("【規約")[0].split("[Terms of use")[0]


# 1 — the next payment is the customer's real one, whatever the question's wording


def test_before_the_first_payment_the_next_payment_is_the_first_fee(capsys, customers) -> None:
    payload = ask(capsys, "次の支払いはいつ？いくら？", *as_of("NIG-000001", "2026-12-01"))
    text = said(payload)
    assert "24,750円" in text
    assert "2026年12月25日" in text
    assert "99,000円" not in text


def test_the_next_payment_in_english_is_the_first_fee_too(capsys, customers) -> None:
    payload = ask(
        capsys, "When is my next payment due?", "--customer", "NIG-000001", "--today", "2026-12-01"
    )
    text = said(payload)
    assert "¥24,750" in text
    assert "December 25, 2026" in text


def test_once_the_first_fee_is_paid_the_next_payment_is_the_renewal(capsys, customers) -> None:
    payload = ask(capsys, "次の支払いはいつ？いくら？", *as_of("NIG-000001", "2027-01-10"))
    text = said(payload)
    assert "99,000円" in text
    assert "2027年2月25日" in text
    assert "24,750円" not in text  # paid on 2026-12-20: nothing overdue


def test_an_ended_contract_has_no_next_payment(capsys, customers) -> None:
    payload = ask(capsys, "次の支払いはいつ？いくら？", *as_of("NIG-000003", "2026-05-10"))
    text = said(payload)
    assert "2026年3月31日をもって終了" in text
    assert "2027年2月25日" not in text
    assert "次のお支払いは" not in text


# 2 — February/March starters pay both together only by agreement (第13条3項 なお書き, R7)


def test_the_renewal_answer_says_paying_together_is_by_agreement(capsys) -> None:
    payload = ask(capsys, "更新の時の支払いはいつまで？")
    text = said(payload)
    assert "協議" in text
    assert "初回のお支払いとあわせてお支払いいただきます" not in text


def test_a_february_starter_is_told_the_shared_due_date_and_the_agreement(
    capsys, customers
) -> None:
    payload = ask(capsys, "次の支払いはいつ？いくら？", *as_of("NIG-000002", "2026-02-21"))
    text = said(payload)
    assert "2026年3月25日" in text
    assert "85,800円" in text  # 6,600円 + 79,200円
    assert "協議" in text


# 3 — an ended contract's insurance carries 第4条3項's 但し


def test_an_ended_contracts_insurance_answer_carries_the_proviso(capsys, customers) -> None:
    payload = ask(capsys, "保険の期間はいつまで？", *as_of("NIG-000003", "2026-05-10"))
    text = said(payload)
    assert "2026年7月31日" in text
    assert "第4条3項ただし書" in text
    assert "2026年3月31日）より後に生じた原因" in text


# 4 — a date in the question gets the rule's result, linked or not


def test_an_application_date_gets_its_start_date(capsys) -> None:
    payload = ask(capsys, "2026年5月3日に申し込んだら利用開始日は？", "--today", "2026-04-20")
    assert "利用開始日は2026年6月5日です" in said(payload)  # R2: 5th business day of June
    assert payload["citation"] == "第4条2項"


def test_a_desired_end_date_gets_its_deadline(capsys) -> None:
    payload = ask(capsys, "9月末で解約したい、期限は？", "--today", "2026-05-01")
    # R10: two months before 2026-09-30 is 2026-07-30 (a Thursday)
    assert "期限はその2か月前の2026年7月30日です" in said(payload)
    assert "第12条1項" in said(payload)


def test_a_linked_customer_gets_the_same_computed_deadline(capsys, customers) -> None:
    payload = ask(
        capsys, "9月末で解約したい、期限は？", "--customer", "NIG-000001", "--today", "2027-05-01"
    )
    assert "2027年7月30日" in said(payload)


def test_a_received_date_is_judged_against_the_deadline(capsys) -> None:
    late = ask(
        capsys, "9月30日で解約したいです。8月3日にメールが届いたら間に合いますか？",
        "--today", "2026-05-01",
    )  # fmt: skip
    text = said(late)
    assert "期限（2026年7月30日）を過ぎています" in text
    assert "2026年10月3日" in text  # R10: the earliest date a mail of 8/3 is on time for
    on_time = ask(
        capsys, "9月30日で解約したいです。7月29日にメールが届いたら間に合いますか？",
        "--today", "2026-05-01",
    )  # fmt: skip
    assert "期限（2026年7月30日）内です" in said(on_time)


def test_a_date_that_is_not_the_desired_end_is_not_taken_for_one(capsys) -> None:
    payload = ask(
        capsys, "1月31日が土曜日の場合、満期解約の期限はどうなりますか？", "--today", "2026-05-01"
    )
    assert payload["handoff"] is False
    assert "1月31日での解約" not in said(payload)  # 満期 is the desired end: 3月31日


def test_an_english_desired_date_gets_its_deadline(capsys) -> None:
    payload = ask(capsys, "I want to cancel at the end of September. What is the deadline?",
                  "--today", "2026-05-01")  # fmt: skip
    assert "July 30, 2026" in said(payload)


# 5 — the clause that carries the answer


def test_lost_sales_from_a_virus_are_not_compensated_under_17_6(capsys) -> None:
    payload = ask(capsys, "ウイルスで売上が落ちたら補償は？")
    assert payload["handoff"] is False
    assert str(payload["answer"]).startswith("いいえ")
    assert payload["citation"] == "第17条6項"
    assert "【規約 第17条6項】" in str(payload["answer"])


def test_the_utm_return_postage_is_answered_nec_pays(capsys) -> None:
    payload = ask(capsys, "UTMを返すときの送料は自分持ち？")
    assert payload["handoff"] is False
    assert "着払い" in said(payload)
    assert not said(payload).startswith("はい")


def test_leaving_the_chamber_gets_no_paragraph_on_the_representative(capsys) -> None:
    payload = ask(capsys, "商工会議所をやめたら届け出は必要？")
    assert payload["handoff"] is False
    assert payload["citation"] == "第19条1項"
    assert "代表者" not in said(payload)


# 6 — quote the sentence, keep the whole clause


def test_a_long_item_is_quoted_by_its_sentence_and_kept_whole_in_clause_text(capsys) -> None:
    payload = ask(capsys, "★★★アラートのあと駆け付けは何日以内に頼めますか？")
    quotes = re.findall(r"【規約 (第[^】]+)】「(.*?)」(?=\n\n|$)", str(payload["answer"]), re.S)
    assert quotes
    whole = payload["clause_text"]
    assert isinstance(whole, dict)
    assert payload["citation"] == "第4条1項(3)"
    for citation, quoted in quotes:
        # each quoted piece is verbatim from the clause
        assert all(piece in whole[citation] for piece in quoted.split("…") if piece)
    quoted = dict(quotes)["第4条1項(3)"]
    assert "30日以内" in quoted
    assert len(quoted) < 600
    assert len(whole["第4条1項(3)"]) > 1400  # the whole item stays available
