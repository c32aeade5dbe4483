"""`otasuke db upgrade` and `db status`, and every other command on a database not yet made."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import make_engine
from core.migrate import head_revision


def test_upgrade_creates_the_default_sqlite_file_under_var(otasuke, cli_env: Path) -> None:
    result = otasuke("db", "upgrade")
    assert result.code == 0, result.err
    assert f"revision {head_revision()}" in result.out
    assert (cli_env / "var" / "otasuke.db").is_file()
    assert otasuke("db", "upgrade").code == 0  # a second run changes nothing


def test_status_tells_to_upgrade_then_says_up_to_date(otasuke, cli_env: Path) -> None:
    before = otasuke("db", "status")
    assert before.code == 1
    assert "run `otasuke db upgrade`" in before.out
    otasuke("db", "upgrade")
    after = otasuke("db", "status")
    assert after.code == 0
    assert "up to date" in after.out


@pytest.mark.parametrize(
    "command",
    [("queue", "list"), ("customers", "show", "NIG-000001"), ("payments", "import", "p.csv")],
)
def test_other_commands_on_no_database_say_to_upgrade_in_one_line(
    otasuke, cli_env: Path, command: tuple[str, ...]
) -> None:
    (cli_env / "p.csv").write_text("customer_id,paid_on,amount\n")
    result = otasuke(*command)
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "run `otasuke db upgrade`" in result.err
    assert not (cli_env / "var").exists()


def test_an_empty_database_on_either_backend_says_to_upgrade(
    otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    result = otasuke("queue", "list")
    assert result.code == 1
    assert "run `otasuke db upgrade`" in result.err
    assert otasuke("db", "upgrade").code == 0
    assert otasuke("queue", "list").code == 0


def test_an_unreachable_database_is_one_line_not_a_traceback(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = otasuke("db", "upgrade")
    assert result.code == 1
    assert result.err.startswith("otasuke: error: cannot open the database")
    assert "Traceback" not in result.err


def test_a_file_that_is_not_a_database_is_one_line_not_a_traceback(otasuke, cli_env: Path) -> None:
    (cli_env / "var").mkdir()
    (cli_env / "var" / "otasuke.db").write_bytes(b"not a database, just some text\n" * 40)
    result = otasuke("queue", "list")
    assert result.code == 1
    assert result.err == "otasuke: error: database: file is not a database\n"


def test_a_database_error_no_command_foresaw_is_one_line_with_the_drivers_first_line(
    otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    assert otasuke("db", "upgrade").code == 0
    engine = make_engine(empty_url)
    with engine.begin() as connection:  # a table the code expects is gone: any backend fails
        connection.execute(text("ALTER TABLE actions RENAME TO actions_gone"))
    engine.dispose()
    result = otasuke("queue", "list")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert result.err.startswith("otasuke: error: database: ")
    assert "actions" in result.err
    assert "sqlalche.me" not in result.err
