"""`otasuke customers import`, `payments import` and `customers show`, on both backends."""

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


def _customers_csv(path: Path, *rows: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\r\n".join([",".join(CUSTOMER_COLUMNS), *rows]).encode(encoding))
    return path


GOOD = "NIG-000001,株式会社テスト,山田太郎,a@example.jp,会員,2025-05-03,2025-05-10,active,,"


def test_import_reports_a_summary_and_each_bad_row_by_line(
    otasuke, database: str, cli_env: Path
) -> None:
    path = _customers_csv(
        cli_env / "c.csv",
        GOOD,
        "NIG-X,B,C,b@example.jp,1,2025-05-03,2025-05-10,active,,",
        encoding="cp932",
    )
    result = otasuke("customers", "import", str(path))
    assert result.code == 1  # a partial import is not a clean one
    assert result.out.strip() == (
        "customers: 1 of 2 rows loaded (1 inserted, 0 updated, 0 unchanged), 1 refused"
    )
    assert result.err == f"{path}: line 3: customer_id: 'NIG-X' is not like NIG-000123\n"
    again = otasuke("customers", "import", str(path), "--json")
    assert again.code == 1
    assert json.loads(again.out) == {
        "loaded": 1,
        "inserted": 0,
        "updated": 0,
        "unchanged": 1,
        "errors": [{"line": 3, "reason": "customer_id: 'NIG-X' is not like NIG-000123"}],
    }


def test_a_file_where_every_row_is_bad_exits_1(otasuke, database: str, cli_env: Path) -> None:
    path = _customers_csv(cli_env / "c.csv", "x,,,,,,,,,")
    assert otasuke("customers", "import", str(path)).code == 1


def test_a_file_without_the_columns_is_one_line_error(
    otasuke, database: str, cli_env: Path
) -> None:
    (cli_env / "c.csv").write_text("id,name\n1,a\n")
    result = otasuke("customers", "import", "c.csv")
    assert result.code == 1
    assert "missing column(s) customer_id" in result.err


def test_show_gives_every_date_and_what_is_paid(otasuke, database: str, cli_env: Path) -> None:
    otasuke("customers", "import", str(_customers_csv(cli_env / "c.csv", GOOD)))
    (cli_env / "p.csv").write_text("customer_id,paid_on,amount\nNIG-000001,2025-05-20,59400\n")
    assert otasuke("payments", "import", "p.csv").out.startswith(
        "payments: 1 of 1 rows loaded (1 inserted"
    )
    assert otasuke("payments", "import", "p.csv").out.startswith(
        "payments: 1 of 1 rows loaded (0 inserted"
    )
    result = otasuke("customers", "show", "nig000001", "--today", "2026-03-01", "--json")
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["contract"]["start_date"] == "2025-06-06"
    assert shown["contract"]["free_period_end"] == "2025-06-30"
    assert shown["current_period"] == {"start": "2025-06-06", "end": "2026-03-31", "first": True}
    assert shown["cancel_deadline"] == "2026-01-30"
    assert shown["insurance"] == {"start": "2025-07-01", "end": "2026-06-30"}
    assert [(d["due_on"], d["amount"], d["paid"]) for d in shown["dues"]] == [
        ("2025-05-25", 59_400, True),
        ("2026-02-25", 79_200, False),
    ]
    text = otasuke("customers", "show", "NIG-000001", "--today", "2026-03-01")
    assert "2026-01-30" in text.out
    assert "79,200円 due 2026-02-25, OVERDUE" in text.out


def test_show_of_an_unknown_customer_is_one_line(otasuke, database: str) -> None:
    result = otasuke("customers", "show", "NIG-000404")
    assert (result.code, result.err) == (1, "otasuke: error: no customer NIG-000404\n")


def test_show_refuses_a_bad_date(otasuke, database: str) -> None:
    result = otasuke("customers", "show", "NIG-000001", "--today", "2026-02-30")
    assert result.code == 2
    assert "not a date" in result.err
