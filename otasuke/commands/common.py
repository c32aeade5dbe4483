"""What several commands share: the day they compute as of, and the lines of a batch input."""

from __future__ import annotations

import sys
from datetime import date

import typer


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


def read_batch_lines(source: str, option: str = "FILE") -> list[str]:
    """The lines of a UTF-8 file (with or without a BOM), or of standard input for `-`."""
    from knowledge.textfile import split_lines

    try:
        if source == "-":
            return split_lines(_decode(_stdin_bytes()))
        with open(source, "rb") as handle:
            return split_lines(_decode(handle.read()))
    except (OSError, UnicodeDecodeError) as exc:
        where = "standard input" if source == "-" else source
        raise typer.BadParameter(f"{option}: cannot read {where} ({exc})") from None


def _stdin_bytes() -> bytes | str:
    # The bytes when there are any: a bare locale (LANG=C) must not decide the encoding.
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read() if buffer is not None else sys.stdin.read()


def _decode(data: bytes | str) -> str:
    # utf-8-sig drops a BOM (Excel and Notepad write one); text already read may carry it too.
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")
