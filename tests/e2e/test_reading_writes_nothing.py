"""`customers show` and `ask --customer` read a contract and write nothing, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import make_engine
from core.imports import CUSTOMER_COLUMNS
from core.models import ContractPeriod

# Applied 2026-04-10 → start 2026-06-05; renewals billed on 2/25 each year.
ROW = "NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,2026-04-10,2026-04-20,active,,"


@pytest.fixture
def database(cli_env: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database on this backend, named by OTASUKE_DATABASE_URL."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", fresh_url)
    return fresh_url


@pytest.fixture
def imported(otasuke, cli_env: Path, database: str) -> str:
    """The migrated database holding one customer imported on 2026-05-01."""
    path = cli_env / "c.csv"
    path.write_text("\n".join([",".join(CUSTOMER_COLUMNS), ROW]) + "\n", "utf-8")
    result = otasuke("customers", "import", str(path), "--today", "2026-05-01")
    assert result.code == 0, result.err
    return database


def _stored_periods(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(ContractPeriod.number)))
    finally:
        engine.dispose()


def test_showing_a_customer_two_years_on_lists_the_renewals_and_stores_none(
    otasuke, imported: str
) -> None:
    result = otasuke("customers", "show", "NIG-000001", "--today", "2028-03-01", "--json")
    assert result.code == 0, result.err
    assert [d["period"] for d in json.loads(result.out)["dues"]] == [1, 2, 3]
    assert _stored_periods(imported) == [1]


def test_asking_as_a_customer_two_years_on_stores_nothing(otasuke, imported: str) -> None:
    result = otasuke(
        "ask", "次の支払いはいつ？", "--customer", "NIG-000001", "--today", "2028-03-01", "--json"
    )
    assert result.code == 0, result.err
    assert _stored_periods(imported) == [1]
