"""`otasuke queue …`: the SPEC's JSON lines, and a decision that happens once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core import queue
from core.db import make_engine, session_factory
from core.models import Action, Customer


@pytest.fixture
def actions(cli_env: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two queued actions in a migrated database on this backend."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", fresh_url)
    engine = make_engine(fresh_url)
    with session_factory(engine).begin() as session:
        customer = Customer(
            customer_id="NIG-000001", company="株式会社テスト", contact_name="山田",
            email="a@example.jp", member=True, applied_on=date(2025, 5, 3),
            approved_on=date(2025, 5, 10),
        )  # fmt: skip
        session.add(customer)
        session.flush()
        ids = [
            queue.enqueue(
                session,
                "refund_incompatible",
                "返金",
                customer=customer,
                payload={
                    "request_kind": "refund_incompatible",
                    "effective_date": "2025-07-15",
                    "on_time": True,
                    "refund": 59400,
                    "owed": None,
                    "lang": "ja",
                },
            ).id,
            queue.enqueue(session, "suspend", "利用停止").id,
        ]
    engine.dispose()
    return ids


def test_queue_list_json_is_one_object_a_line_with_the_specs_keys(
    otasuke, actions: list[int]
) -> None:
    result = otasuke("queue", "list", "--status", "pending", "--json")
    assert result.code == 0
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert lines == [
        {
            "id": actions[0],
            "kind": "refund_incompatible",
            "status": "pending",
            "customer_id": "NIG-000001",
            "summary": "返金",
        },
        {
            "id": actions[1],
            "kind": "suspend",
            "status": "pending",
            "customer_id": None,
            "summary": "利用停止",
        },
    ]


def test_an_approved_action_leaves_the_pending_list(otasuke, actions: list[int]) -> None:
    assert otasuke("queue", "approve", str(actions[0]), "--by", "cli:alice").code == 0
    second = otasuke("queue", "approve", str(actions[0]), "--by", "cli:bob")
    assert second.code == 1
    assert "was already decided by cli:alice at " in second.err
    assert second.err.rstrip().endswith("it is done")
    pending = otasuke("queue", "list", "--status", "pending", "--json").out.splitlines()
    assert [json.loads(line)["id"] for line in pending] == [actions[1]]
    assert "#" + str(actions[0]) in otasuke("queue", "list").out


def test_a_rejection_is_recorded_with_its_reason(otasuke, actions: list[int]) -> None:
    assert otasuke("queue", "reject", str(actions[1]), "入金を確認しました").code == 0
    shown = otasuke("queue", "show", str(actions[1])).out
    assert "[rejected]" in shown
    assert "入金を確認しました" in shown


def test_an_unknown_status_is_refused(otasuke, actions: list[int]) -> None:
    result = otasuke("queue", "list", "--status", "waiting")
    assert result.code == 1
    assert "one of pending" in result.err


@pytest.mark.parametrize("command", ["show", "approve"])
@pytest.mark.parametrize("action_id", ["99999999999", "0", "-1"])
def test_an_action_id_out_of_range_is_one_line_not_a_traceback(
    otasuke, actions: list[int], command: str, action_id: str
) -> None:
    result = otasuke("queue", command, "--", action_id)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert result.err.startswith("otasuke: error: ")
    assert "action_id" in result.err.lower()


def test_show_gives_times_in_jst_in_one_format(otasuke, actions: list[int], fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    with session_factory(engine).begin() as session:
        session.get_one(Action, actions[0]).created_at = datetime(2026, 11, 26, 12, 7, tzinfo=UTC)
        queue.approve(
            session, actions[0], "cli:alice", "ok", now=datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
        )
    engine.dispose()
    shown = otasuke("queue", "show", str(actions[0])).out
    assert "  queued 2026-11-26 21:07 JST\n" in shown
    assert "  decided by cli:alice at 2026-11-27 00:30 JST: ok\n" in shown
    assert "+00:00" not in shown


def test_show_lists_the_actions_audit_trail_oldest_first(otasuke, actions: list[int]) -> None:
    assert otasuke("queue", "reject", str(actions[1]), "入金確認済み", "--by", "cli:bob").code == 0
    shown = otasuke("queue", "show", str(actions[1])).out
    trail = shown.split("  history:\n", 1)[1].splitlines()
    assert [line.split(" JST ", 1)[1] for line in trail] == [
        'action.queued by system {"kind": "suspend"}',
        'action.rejected by cli:bob {"reason": "入金確認済み"}',
    ]
    other = otasuke("queue", "show", str(actions[0])).out
    assert "action.rejected" not in other
