"""`customers import` reports a row that would undo otasuke's record; --overwrite applies it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core import queue
from core.db import make_engine, session_factory
from core.imports import CUSTOMER_COLUMNS
from core.models import Customer

ROW = "NIG-000001,株式会社テスト,山田太郎,a@example.jp,1,2025-05-03,2025-05-10,active,,"


def test_a_conflicting_row_is_reported_and_applied_only_with_overwrite(
    otasuke, cli_env: Path
) -> None:
    csv = cli_env / "customers.csv"
    csv.write_text(",".join(CUSTOMER_COLUMNS) + "\n" + ROW + "\n", encoding="utf-8")
    assert otasuke("db", "upgrade").code == 0
    assert otasuke("customers", "import", str(csv)).code == 0
    engine = make_engine("sqlite:///var/otasuke.db")
    with session_factory(engine).begin() as session:
        customer = session.query(Customer).one()
        action_id = queue.enqueue(session, "suspend", "停止", customer=customer).id
    engine.dispose()
    assert otasuke("queue", "approve", str(action_id)).code == 0
    result = otasuke("customers", "import", str(csv), "--today", date(2026, 12, 3).isoformat())
    assert result.code == 1
    assert f"line 2: conflict: NIG-000001: otasuke recorded suspended by action #{action_id}" in (
        result.err
    )
    assert "0 refused, 1 conflict(s) not applied" in result.out
    assert '"status": "suspended"' in otasuke("customers", "show", "NIG-000001", "--json").out
    forced = otasuke("customers", "import", str(csv), "--overwrite")
    assert (forced.code, "conflict" in forced.err) == (0, False)
    assert '"status": "active"' in otasuke("customers", "show", "NIG-000001", "--json").out
