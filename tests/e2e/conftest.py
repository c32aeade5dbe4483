"""What the command tests share: a migrated database the `otasuke` command is pointed at."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database(cli_env: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database on this backend, migrated to head, named by OTASUKE_DATABASE_URL."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", fresh_url)
    return fresh_url
