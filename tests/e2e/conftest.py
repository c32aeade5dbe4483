"""The command tests' database: migrated, named by OTASUKE_DATABASE_URL, readable by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine


@pytest.fixture
def database(
    cli_env: Path,
    databases,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> str:
    """A database migrated to head with no row in it: SQLite, unless the test is parametrized
    indirectly with the backends (`pytest.mark.parametrize("database", [...], indirect=True)`)."""
    url = databases.fresh(getattr(request, "param", "sqlite"))
    monkeypatch.setenv("OTASUKE_DATABASE_URL", url)
    return url


@pytest.fixture
def db(database: str) -> Iterator[Engine]:
    """An engine on that database, to read what the commands stored."""
    from core.db import make_engine

    engine = make_engine(database)
    yield engine
    engine.dispose()
