"""Hostile input to `otasuke rules`, `customers show`, `ask` and the chamber's own files: one
clear line and a non-zero exit, the rest of a batch still answered, nothing half-written, and
one business calendar (from the settings) behind every deadline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from core.imports import CUSTOMER_COLUMNS
from core.models import ContractPeriod

# Applied 2026-11-20 → the 5th business day of January 2027; its first period ends 2027-03-31.
APPLIED, APPROVED = "2026-11-20", "2026-11-25"
ON_BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
ROW = f"NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,{APPLIED},{APPROVED},active,,"


@pytest.fixture
def customer(otasuke, database: str, cli_env: Path) -> str:
    """One customer, imported under the default calendar; its ID."""
    path = cli_env / "c.csv"
    path.write_text(f"{','.join(CUSTOMER_COLUMNS)}\n{ROW}\n", "utf-8")
    assert otasuke("customers", "import", str(path), "--today", "2026-12-01").code == 0
    return "NIG-000001"


def _periods(db: Engine) -> int:
    with db.connect() as connection:
        return connection.scalar(select(func.count()).select_from(ContractPeriod))


def _rules_contract(otasuke) -> dict:
    result = otasuke(
        "rules", "contract", "--applied", APPLIED, "--approved", APPROVED, "--member", "--json"
    )
    assert result.code == 0, result.err
    return json.loads(result.out)


@ON_BOTH
def test_rules_and_customers_show_give_the_same_dates_under_the_chambers_calendar(
    otasuke, db: Engine, customer: str, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    default = _rules_contract(otasuke)
    assert (default["start_date"], default["term_end_cancel_deadline"]) == (
        "2027-01-08",  # Jan 4-8 after the break to 1/3 (Jan 11 is 成人の日)
        "2027-01-29",  # 1/31 is a Sunday → the Friday before (R8)
    )
    monkeypatch.setenv("OTASUKE_YEAR_END_BREAK_END", "1-05")
    monkeypatch.setenv("OTASUKE_CLOSED_DAYS", "8-15,1-29")
    rules = _rules_contract(otasuke)
    assert (rules["start_date"], rules["term_end_cancel_deadline"]) == ("2027-01-13", "2027-01-28")
    # The customer imported (under the default calendar) is re-imported under the chamber's.
    again = otasuke("customers", "import", "c.csv", "--today", "2026-12-01")
    assert again.code == 0, again.err
    shown = otasuke("customers", "show", "NIG-000001", "--today", "2026-12-01", "--json")
    contract = json.loads(shown.out)
    assert contract["contract"]["start_date"] == rules["start_date"]
    assert contract["cancel_deadline"] == rules["term_end_cancel_deadline"]
    (cli_env / "r.jsonl").write_text(
        json.dumps({"cmd": "contract", "applied": APPLIED, "approved": APPROVED, "member": True})
        + '\n{"cmd": "business-day", "date": "2027-01-29"}\n'
    )
    batch = otasuke("rules", "batch", "r.jsonl")
    first, second = (json.loads(line) for line in batch.out.splitlines())
    assert first == rules
    assert second == {"date": "2027-01-29", "business_day": False, "reason": "January 29"}
    single = otasuke("rules", "business-day", "2027-01-05", "--json")
    assert json.loads(single.out)["reason"] == "year-end break"


def test_rules_refuses_a_bad_calendar_setting_in_one_line(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_CLOSED_DAYS", "8-15,2-30")
    result = otasuke("rules", "business-day", "2027-01-05", "--json")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "otasuke: error: OTASUKE_CLOSED_DAYS: 2-30 is not a day of every year "
        "(a month-day like 12-29)\n"
    )


def test_rules_batch_answers_every_line_around_a_hostile_one(otasuke, cli_env: Path) -> None:
    good = '{"cmd": "business-day", "date": "2027-01-04"}'
    lines = [good, "[" * 100_000, '{"cmd": ["contract"]}', '{"date": ' + "9" * 5000 + "}", good]
    (cli_env / "r.jsonl").write_text("\n".join(lines) + "\n")
    result = otasuke("rules", "batch", "r.jsonl")
    assert (result.code, result.err) == (0, "")
    out = [json.loads(line) for line in result.out.splitlines()]
    assert out[0] == out[4] == {"date": "2027-01-04", "business_day": True, "reason": None}
    assert out[1:4] == [
        {"error": "line 2: not JSON this program reads (nested too deeply)"},
        {"error": "line 3: cmd: expected one of contract, business-day, cancel, service-change, "
                  "not ['contract']"},
        {"error": "line 4: not JSON this program reads (a number too long)"},
    ]  # fmt: skip


@pytest.mark.parametrize("day", ["2100-01-10", "1900-01-10", "9999-01-10"])
@pytest.mark.parametrize(
    "argv",
    [
        ("customers", "show", "NIG-000001"),
        ("ask", "解約の期限はいつですか", "--customer", "NIG-000001"),
        ("customers", "import", "c.csv"),
    ],
)
def test_a_today_without_known_holidays_is_one_line(
    otasuke, db: Engine, customer: str, argv, day: str
) -> None:
    before = _periods(db)
    result = otasuke(*argv, "--today", day, "--json")
    assert (result.code, result.out) == (2, "")
    year = day[:4]
    assert result.err == (
        f"otasuke: error: Invalid value: --today: {year}: the national holidays of that year are "
        "not known, so its business days cannot be told (known: 1949-2099)\n"
    )
    assert _periods(db) == before


@ON_BOTH
def test_a_deadline_past_the_known_years_is_one_line_and_writes_nothing(
    otasuke, db: Engine, customer: str
) -> None:
    # As of 2099-12-31 the period ending 2100-03-31 has its deadline in 2100.
    before = _periods(db)
    result = otasuke("customers", "show", "NIG-000001", "--today", "2099-12-31")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "otasuke: error: 2100: the national holidays of that year are not known, so its business "
        "days cannot be told (known: 1949-2099)\n"
    )
    assert _periods(db) == before  # the periods billed on the way were rolled back


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 16, "binary data (or UTF-16 text without a BOM), not a text file"),
        ("第1条（目的）\n".encode("utf-16"), "UTF-16 text: save it as UTF-8"),
        ("第1条（目的）\n本文。\n".encode() + b"\xff\xfe\n", "line 3: not UTF-8 text (byte 0xff"),
        (b"caf\xe9 \xe9t\xe9\n", "neither UTF-8 nor CP932 (Shift_JIS) text"),
    ],
)
def test_a_terms_file_that_is_not_text_is_one_line(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    (cli_env / "terms.txt").write_bytes(content)
    monkeypatch.setenv("OTASUKE_TERMS_FILE", "terms.txt")
    result = otasuke("ask", "料金はいくらですか", "--json")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(f"otasuke: error: OTASUKE_TERMS_FILE: terms.txt: {message}")
    assert result.err.count("\n") == 1


def test_a_terms_file_that_cannot_be_read_is_one_line(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cli_env / "terms").mkdir()
    monkeypatch.setenv("OTASUKE_TERMS_FILE", "terms")
    result = otasuke("ask", "料金はいくらですか")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "otasuke: error: OTASUKE_TERMS_FILE: cannot read terms ([Errno 21] Is a directory: "
        "'terms')\n"
    )


def test_a_faq_file_that_is_not_yaml_is_one_line(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cli_env / "faq.yaml").write_text("- id: fee\n  questions: [\n", "utf-8")
    monkeypatch.setenv("OTASUKE_FAQ_FILE", "faq.yaml")
    result = otasuke("ask", "料金はいくらですか")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "otasuke: error: OTASUKE_FAQ_FILE: faq.yaml: not YAML "
        "(line 3, column 1: did not find expected node content)\n"
    )


@pytest.mark.parametrize(
    "argv", [("rules", "business-day", "2027-06-01"), ("customers", "show", "NIG-000001")]
)
def test_a_year_end_break_that_closes_most_of_the_year_is_refused(
    otasuke, customer: str, monkeypatch: pytest.MonkeyPatch, argv
) -> None:
    # Start and end swapped: 1-10 to 1-05 wraps over the whole year but five days.
    monkeypatch.setenv("OTASUKE_YEAR_END_BREAK_START", "1-10")
    monkeypatch.setenv("OTASUKE_YEAR_END_BREAK_END", "1-05")
    result = otasuke(*argv)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "otasuke: error: OTASUKE_YEAR_END_BREAK_START, _END: 1-10 to 1-5 closes 361 days a year "
        "(at most 31; a break over New Year runs from a December day to a January day, "
        "e.g. 12-29 to 1-3)\n"
    )


@pytest.mark.parametrize("value", ["inf", "1e309", "nan"])
def test_a_poll_interval_that_never_ends_is_refused(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # An infinite interval would leave the workers asleep for good, without a word.
    monkeypatch.setenv("OTASUKE_POLL_INTERVAL_SECONDS", value)
    result = otasuke("rules", "business-day", "2027-01-04")
    assert (result.code, result.out) == (1, "")
    assert (
        result.err == "otasuke: error: OTASUKE_POLL_INTERVAL_SECONDS: should be a finite number\n"
    )


def test_a_batch_line_is_ended_only_by_a_line_break(otasuke, cli_env: Path) -> None:
    # JSON allows U+2028 and U+0085 inside a string; read as line ends, one request would
    # become two answers, and every answer after it would sit beside the wrong request.
    good = '{"cmd": "business-day", "date": "2027-01-04"}'
    lines = [good, '{"cmd": "business-day\u2028\x85", "date": "2027-01-04"}', good]
    (cli_env / "r.jsonl").write_bytes(("\n".join(lines) + "\n").encode())
    result = otasuke("rules", "batch", "r.jsonl")
    out = [json.loads(line) for line in result.out.splitlines()]
    assert len(out) == 3
    assert out[0] == out[2] == {"date": "2027-01-04", "business_day": True, "reason": None}
    assert out[1]["error"].startswith("line 2: cmd: expected one of")


def test_rules_batch_answers_around_a_line_that_is_not_utf8(otasuke, cli_env: Path) -> None:
    good = b'{"cmd": "business-day", "date": "2027-01-04"}'
    data = b"\n".join([good, b'{"cmd": "business-day", "date": "2027-01-0\xff"}', good]) + b"\n"
    (cli_env / "r.jsonl").write_bytes(data)
    result = otasuke("rules", "batch", "r.jsonl")
    assert (result.code, result.err) == (0, "")
    out = [json.loads(line) for line in result.out.splitlines()]
    assert out[0] == out[2] == {"date": "2027-01-04", "business_day": True, "reason": None}
    assert out[1] == {"error": "line 2: not UTF-8 text (byte 0xff at character 43)"}
    # `ask --batch` answers every line or none: it names the line and answers nothing.
    asked = otasuke("ask", "--batch", "r.jsonl")
    assert (asked.code, asked.out) == (2, "")
    assert asked.err.endswith(
        "--batch: cannot read r.jsonl (line 2: not UTF-8 text (byte 0xff at character 43))\n"
    )
