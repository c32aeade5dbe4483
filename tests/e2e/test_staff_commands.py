"""`otasuke staff add|list|remove`: who may use the staff commands in chat."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def staff_cli(otasuke: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """A migrated database, staff 9001 from settings."""
    monkeypatch.setenv("OTASUKE_STAFF_TELEGRAM_IDS", "9001")
    assert otasuke("db", "upgrade").code == 0
    return otasuke


def test_staff_are_added_listed_and_removed(staff_cli: Callable[..., Any]) -> None:
    added = staff_cli("staff", "add", "9100", "--name", "佐藤")
    again = staff_cli("staff", "add", "9100", "--name", "佐藤 花子")
    listed = staff_cli("staff", "list", "--json")
    removed = staff_cli("staff", "remove", "9100")
    after = staff_cli("staff", "list")
    assert (added.code, again.code, removed.code) == (0, 0, 0)
    assert [json.loads(line) for line in listed.out.splitlines()] == [
        {"telegram_id": 9001, "name": None, "source": "settings"},
        {"telegram_id": 9100, "name": "佐藤 花子", "source": "added"},
    ]
    assert "9100" not in after.out


def test_removing_someone_not_added_says_why(staff_cli: Callable[..., Any]) -> None:
    unknown = staff_cli("staff", "remove", "4242")
    from_settings = staff_cli("staff", "remove", "9001")
    bad = staff_cli("staff", "add", "-5")
    assert unknown.code == 1
    assert "was not added" in unknown.err
    assert from_settings.code == 1
    assert "OTASUKE_STAFF_TELEGRAM_IDS" in from_settings.err
    assert bad.code == 2
