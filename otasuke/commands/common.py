"""What several commands share: the day they compute as of, and the lines of a batch input."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from knowledge.textfile import TextLine


def parse_today(value: str | None, option: str = "--today") -> date:
    """`--today YYYY-MM-DD`, or today in JST when not given; a bad date, or one in a year
    whose holidays are not known, → BadParameter."""
    if value is None:
        from datetime import UTC, datetime

        from knowledge.rules.calendar import jst_date

        return jst_date(datetime.now(UTC))
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None
    from knowledge.rules.calendar import CalendarRangeError, check_known_year

    try:
        check_known_year(day)
    except CalendarRangeError as exc:
        # Every date computed as of that day would rest on holidays nobody knows.
        raise typer.BadParameter(f"{option}: {exc}") from None
    return day


def read_batch(source: str, option: str = "FILE") -> list[TextLine]:
    """The lines of a UTF-8 file (with or without a BOM), or of standard input for `-`.

    A line that is not UTF-8 comes with its error (a batch answers it with one and goes on);
    no such file, or not text at all → BadParameter.
    """
    from knowledge.textfile import TextFileError, TextLine, decode_text, split_lines

    try:
        data = _stdin_bytes() if source == "-" else Path(source).read_bytes()
        if isinstance(data, str):  # a standard input without bytes under it
            lines = split_lines(data.removeprefix("\ufeff"))
            return [TextLine(number, line) for number, line in enumerate(lines, start=1)]
        # JSON and questions are UTF-8 by definition: no CP932 guess here.
        return decode_text(data, cp932=False).lines
    except (OSError, TextFileError) as exc:
        raise typer.BadParameter(f"{option}: cannot read {_where(source)} ({exc})") from None


def read_batch_lines(source: str, option: str = "FILE") -> list[str]:
    """`read_batch` for a command that answers every line or none: a bad line → BadParameter."""
    lines = read_batch(source, option)
    for line in lines:
        if line.error is not None:
            raise typer.BadParameter(
                f"{option}: cannot read {_where(source)} (line {line.number}: {line.error})"
            )
    return [line.text for line in lines]


def _where(source: str) -> str:
    return "standard input" if source == "-" else source


def _stdin_bytes() -> bytes | str:
    # The bytes when there are any: a bare locale (LANG=C) must not decide the encoding.
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read() if buffer is not None else sys.stdin.read()
