"""What commands share: `--today` and batch input (UTF-8 with or without a BOM, file or `-`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTASUKE_CONFIG", "OTASUKE_TERMS_FILE", "OTASUKE_FAQ_FILE"):
        monkeypatch.delenv(name, raising=False)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input as a process gets it: bytes under a text wrapper (here a bare ASCII one)."""
    wrapper = io.TextIOWrapper(io.BytesIO(data), encoding="ascii")
    monkeypatch.setattr("sys.stdin", wrapper)


def test_ask_batch_from_stdin_drops_the_bom(otasuke, monkeypatch: pytest.MonkeyPatch) -> None:
    # A BOM alone on the first line is a blank line, not a question.
    _stdin(monkeypatch, "\n利用料金はいくらですか？\r\n".encode("utf-8-sig"))
    result = otasuke("ask", "--batch", "-", "--json")
    assert result.code == 0, result.err
    first, second = (json.loads(line) for line in result.out.splitlines())
    assert first == {"error": "the question is empty"}
    assert second["citation"] == "第13条1項"


def test_ask_batch_from_a_file_with_a_bom(otasuke, cli_env: Path) -> None:
    (cli_env / "q.txt").write_bytes("\n利用料金はいくらですか？\n".encode("utf-8-sig"))
    result = otasuke("ask", "--batch", "q.txt", "--json")
    assert json.loads(result.out.splitlines()[0]) == {"error": "the question is empty"}


def test_rules_batch_reads_utf8_bytes_on_stdin_whatever_the_locale(
    otasuke, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = '{"cmd": "business-day", "date": "2027-01-04"}\r\n'
    _stdin(monkeypatch, ("\ufeff" + line).encode("utf-8"))
    result = otasuke("rules", "batch", "-")
    assert result.code == 0, result.err
    assert json.loads(result.out)["business_day"] is True


@pytest.mark.parametrize("command", [("ask", "--batch"), ("rules", "batch")])
def test_an_unreadable_batch_is_one_line_naming_it(otasuke, cli_env: Path, command) -> None:
    (cli_env / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    for source in ("missing.txt", "latin1.txt"):
        result = otasuke(*command, source)
        assert result.code != 0
        assert result.err.count("\n") == 1
        assert f"cannot read {source}" in result.err


@pytest.mark.parametrize("argv", [("ask", "料金は？"), ("customers", "show", "NIG-000001")])
def test_a_bad_today_reads_the_same_in_every_command(otasuke, argv) -> None:
    result = otasuke(*argv, "--today", "2026-02-30")
    assert result.code == 2
    assert result.err.startswith("otasuke: error:")
    assert result.err.endswith(" --today: '2026-02-30' is not a date (YYYY-MM-DD)\n")
