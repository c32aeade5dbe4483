"""`otasuke notices due|send|list`, `alerts import`, `customers utm-returned` on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import make_engine
from core.imports import CUSTOMER_COLUMNS
from core.models import Contract, ContractPeriod, Notice, OutboxMail


@pytest.fixture
def database(otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with three customers imported on 2026-12-01."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    assert otasuke("db", "upgrade").code == 0
    rows = [
        "NIG-000001,株式会社テスト,山田太郎,a@example.jp,会員,2026-05-10,2026-05-20,active,,",
        "NIG-000002,テスト商店,佐藤花子,b@example.jp,非会員,2026-06-03,2026-06-10,active,,",
        "NIG-000003,終了工業,田中一郎,c@example.jp,1,2025-05-10,2025-05-20,cancelled,2026-11-30,",
    ]
    path = cli_env / "c.csv"
    path.write_text("\n".join([",".join(CUSTOMER_COLUMNS), *rows]) + "\n", encoding="utf-8")
    assert otasuke("customers", "import", str(path), "--today", "2026-12-01").code == 0
    return empty_url


def _counts(url: str) -> tuple[int, ...]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(
                connection.scalar(select(func.count()).select_from(table)) or 0
                for table in (Notice, OutboxMail, Contract, ContractPeriod)
            )
    finally:
        engine.dispose()


def test_notices_due_prints_the_plan_for_the_day_with_the_specs_keys_and_writes_nothing(
    otasuke, database: str
) -> None:
    before = _counts(database)
    result = otasuke("notices", "due", "--on", "2027-01-15", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [(r["customer_id"], r["kind"], r["about"], r["to"]) for r in rows] == [
        ("NIG-000001", "renewal_notice", "2027-03-31", "a@example.jp"),
        ("NIG-000002", "renewal_notice", "2027-03-31", "b@example.jp"),
    ]
    assert rows[0]["subject"] == "【お助け隊サービス】契約更新のご案内（2027年3月31日満了）"
    assert {"customer_id", "kind", "about", "to", "subject"} <= set(rows[0])
    assert _counts(database) == before


def test_notices_send_twice_sends_nothing_twice_and_due_then_shows_them_sent(
    otasuke, database: str, cli_env: Path
) -> None:
    first = otasuke("notices", "send", "--on", "2027-01-15")
    assert first.code == 0, first.err
    # The first fees (due 2026-06-25) were never paid, but their third overdue notices were
    # due in July, far beyond the catch-up horizon: recorded as skipped, no `suspend` follows.
    assert first.out.startswith("2027-01-15: 3 notice(s) sent")
    assert "0 suspend action(s) queued" in first.out
    assert "4 too old to send (skipped)" in first.out
    # Nothing configured: sent as .eml files into var/mail/outbox before the command returned.
    assert "mail: 3 sent" in first.err
    outbox = cli_env / "var" / "mail" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 3
    second = otasuke("notices", "send", "--on", "2027-01-15")
    assert second.out.startswith("2027-01-15: 0 notice(s) sent")
    assert "skipped" not in second.out
    assert len(list(outbox.glob("*.eml"))) == 3
    due = otasuke("notices", "due", "--on", "2027-01-15", "--json")
    assert all(json.loads(line)["sent"] for line in due.out.splitlines())
    queued = otasuke("queue", "list", "--status", "pending", "--json")
    assert queued.out == ""
    told = otasuke("staff", "notices")
    assert told.out.count("notices older than 14 days not sent (first import?)") == 1


def test_notices_list_shows_a_customers_history_with_the_notices_skipped_and_why(
    otasuke, database: str
) -> None:
    assert otasuke("notices", "send", "--on", "2027-01-15").code == 0
    result = otasuke("notices", "list", "--customer", "nig-000001", "--json")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [(r["kind"], r["about"], r["mail_status"], r["skipped"]) for r in rows] == [
        ("payment_overdue", "2026-06-25#3", None, "too_old"),
        ("renewal_notice", "2027-03-31", "sent", None),
    ]
    text = otasuke("notices", "list", "--customer", "NIG-000001").out
    assert "2026-06-25#3  (skipped: too old when first swept" in text
    assert otasuke("notices", "list", "--customer", "NIG-999999").code == 1


def test_alerts_import_loads_the_good_rows_mails_them_then_exits_non_zero_for_a_bad_one(
    otasuke, database: str, cli_env: Path
) -> None:
    path = cli_env / "alerts.jsonl"
    good = {"alert_id": "X1", "customer_id": "NIG-000001", "at": "2026-12-01T10:00:00",
            "severity": "critical", "title": "不正アクセスの疑い", "detail": ""}  # fmt: skip
    lines = [json.dumps(good), json.dumps(good), '{"alert_id": "X2"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = otasuke("alerts", "import", str(path))
    assert result.code == 1
    assert "line 3: " in result.err
    assert "mail: 1 sent" in result.err
    assert "alerts: 1 new, 1 already imported, 0 for ended contracts, 1 error(s); 1 mailed" in (
        result.out
    )
    engine = make_engine(database)
    with engine.connect() as connection:
        subjects = list(
            connection.scalars(select(OutboxMail.subject).where(OutboxMail.kind == "alert"))
        )
    engine.dispose()
    assert subjects == ["【お助け隊サービス】★★★UTMアラート：不正アクセスの疑い"]


def test_utm_returned_stops_the_return_reminders(otasuke, database: str) -> None:
    due = otasuke("notices", "due", "--on", "2026-12-15", "--json")
    assert [json.loads(line)["about"] for line in due.out.splitlines()] == ["2026-11-30#2"]
    result = otasuke("customers", "utm-returned", "NIG-000003", "--on", "2026-12-10")
    assert result.code == 0, result.err
    assert otasuke("notices", "due", "--on", "2026-12-15", "--json").out == ""


def test_customers_imported_before_their_payments_get_no_mail_for_years_old_debts(
    otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lead's first run: the shipped list of 15 customers approved 2023–2026, no payments.
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    assert otasuke("db", "upgrade").code == 0
    csv = Path(__file__).parents[1] / "data" / "mail" / "customers.csv"
    assert otasuke("customers", "import", str(csv), "--today", "2026-12-03").code == 0
    sent = otasuke("notices", "send", "--on", "2026-12-03")
    assert sent.code == 0, sent.err
    assert sent.out == (
        "2026-12-03: 0 notice(s) sent, 0 taken by another sweep, 0 suspend action(s) queued, "
        "0 digest(s), 32 too old to send (skipped)\n"
    )
    assert not (cli_env / "var" / "mail" / "outbox").exists()
    assert otasuke("queue", "list", "--json").out == ""
    [told] = otasuke("staff", "notices").out.splitlines()
    assert "32 notices older than 14 days not sent (first import?): 32 payment_overdue" in told
    history = otasuke("notices", "list", "--customer", "NIG-000110", "--json").out.splitlines()
    assert [(json.loads(r)["about"], json.loads(r)["skipped"]) for r in history] == [
        ("2023-06-25#3", "too_old"), ("2024-02-25#3", "too_old"),
        ("2025-02-25#3", "too_old"), ("2026-02-25#3", "too_old"),
    ]  # fmt: skip
