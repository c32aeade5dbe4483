"""`customers show` and `ask --customer` read a customer's contract: its end, its stored periods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.imports import CUSTOMER_COLUMNS


@pytest.fixture
def database(cli_env: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database on this backend, named by OTASUKE_DATABASE_URL."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", fresh_url)
    return fresh_url


def _load(otasuke, folder: Path, *rows: str, today: str) -> None:
    path = folder / "c.csv"
    path.write_text("\n".join([",".join(CUSTOMER_COLUMNS), *rows]) + "\n", "utf-8")
    result = otasuke("customers", "import", str(path), "--today", today)
    assert result.code == 0, result.err
    assert not result.err


# Applied 2026-04-10 → start 2026-06-05; cancelled at the end of the first period.
ENDED = (
    "NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,2026-04-10,2026-04-20,cancelled,2027-03-31,"
)


def test_show_of_an_ended_contract_says_so_and_shows_no_period_deadline_or_payment(
    otasuke, database: str, cli_env: Path
) -> None:
    _load(otasuke, cli_env, ENDED, today="2026-05-01")
    shown = json.loads(otasuke("customers", "show", "NIG-000001", "--today", "2027-05-01",
                               "--json").out)  # fmt: skip
    assert shown["ended"] is True
    assert (shown["current_period"], shown["cancel_deadline"], shown["next_payment"]) == (
        None, None, None,
    )  # fmt: skip
    # 第4条3項但し書: the insurance year runs on, for causes that arose by the end only.
    assert shown["insurance"] == {"start": "2026-07-01", "end": "2027-06-30"}
    assert shown["insurance_causes_until"] == "2027-03-31"
    assert [d["period"] for d in shown["dues"]] == [1]  # the renewal is never billed
    text = otasuke("customers", "show", "NIG-000001", "--today", "2027-05-01").out
    assert "the contract ended on 2027-03-31" in text
    assert "cancellation deadline (第12条1項)" not in text
    assert "next payment: none" in text
    assert "covers only causes arising by 2027-03-31" in text


def test_show_before_a_fixed_end_gives_the_period_but_no_deadline_or_renewal(
    otasuke, database: str, cli_env: Path
) -> None:
    _load(otasuke, cli_env, ENDED, today="2026-05-01")
    shown = json.loads(otasuke("customers", "show", "NIG-000001", "--today", "2027-01-10",
                               "--json").out)  # fmt: skip
    assert shown["ended"] is False
    assert shown["current_period"]["end"] == "2027-03-31"
    assert (shown["cancel_deadline"], shown["next_payment"]) == (None, None)


def test_ask_for_an_ended_contract_says_it_ended_and_gives_no_deadline(
    otasuke, database: str, cli_env: Path
) -> None:
    _load(otasuke, cli_env, ENDED, today="2026-05-01")
    result = otasuke(
        "ask", "満期で解約したい場合の期限を教えてください", "--customer", "NIG-000001",
        "--today", "2027-05-01", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    answer = json.loads(result.out)["answer"]
    assert "お客様のご契約は2027年3月31日をもって終了しています" in answer
    assert "2027年1月29日" not in answer  # the deadline of a period long over


def test_a_march_starter_sees_the_first_renewal_due_before_the_start(
    otasuke, database: str, cli_env: Path
) -> None:
    # Applied 2025-01-07 → start 2025-03-07 (first fee 0); approved 1/10 → first due 1/25;
    # R7: the first renewal (from 2025-04-01) is due 2025-02-25, before the start date.
    row = "NIG-000002,株式会社三月,佐藤花子,b@example.jp,1,2025-01-07,2025-01-10,active,,"
    _load(otasuke, cli_env, row, today="2025-01-20")
    shown = json.loads(otasuke("customers", "show", "NIG-000002", "--today", "2025-02-27",
                               "--json").out)  # fmt: skip
    assert shown["contract"]["start_date"] == "2025-03-07"
    assert [(d["period"], d["due_on"], d["amount"]) for d in shown["dues"]] == [
        (1, "2025-01-25", 0),
        (2, "2025-02-25", 79_200),
    ]
    text = otasuke("customers", "show", "NIG-000002", "--today", "2025-02-27").out
    assert "79,200円 due 2025-02-25, OVERDUE" in text


# Applied 2026-04-10 → start 2026-06-05: 59,400円 due 2026-05-25, then 79,200円 each 2/25.
JUNE = "NIG-000003,株式会社早払,田中次郎,d@example.jp,1,2026-04-10,2026-04-20,active,,"


def _next_payment(otasuke, folder: Path, second: str) -> tuple[dict, str, str]:
    """JUNE with its first fee paid on time and `second` yen on 2026-12-01, as of 2027-01-10:
    `customers show --json`'s next payment, `customers show`'s text, `ask`'s personal answer."""
    _load(otasuke, folder, JUNE, today="2026-05-01")
    path = folder / "p.csv"
    path.write_text(
        f"customer_id,paid_on,amount\nNIG-000003,2026-05-20,59400\nNIG-000003,2026-12-01,{second}\n",
        "utf-8",
    )
    assert otasuke("payments", "import", str(path)).code == 0
    as_of = ("--today", "2027-01-10")
    shown = json.loads(otasuke("customers", "show", "NIG-000003", *as_of, "--json").out)
    text = otasuke("customers", "show", "NIG-000003", *as_of).out
    asked = otasuke(
        "ask", "次の支払いはいつ？いくら？", "--customer", "NIG-000003", *as_of, "--json"
    )
    return shown["next_payment"], text, json.loads(asked.out)["answer"].split("【規約")[0]


def test_a_renewal_paid_early_is_not_shown_or_told_as_the_next_payment(
    otasuke, database: str, cli_env: Path
) -> None:
    shown, text, answer = _next_payment(otasuke, cli_env, "79200")
    # SPEC: paid once the payments received cover everything due up to 2027-02-25.
    assert shown == {"due_on": "2028-02-25", "amount": 79_200, "fee": 79_200}
    assert "next payment: 79,200円 due 2028-02-25" in text
    assert "期日は2028年2月25日です" in answer
    assert "2027年2月25日" not in answer


def test_a_renewal_paid_in_part_shows_and_tells_what_is_left(
    otasuke, database: str, cli_env: Path
) -> None:
    shown, text, answer = _next_payment(otasuke, cli_env, "50000")
    assert shown == {"due_on": "2027-02-25", "amount": 29_200, "fee": 79_200}
    assert "next payment: 29,200円 due 2027-02-25 (of 79,200円, 50,000円 paid)" in text
    assert "年間利用料金79,200円で、期日は2027年2月25日です" in answer
    assert "このうち50,000円はお支払いを確認しており、残りは29,200円です" in answer
