"""Reading the chamber's CSV files: UTF-8 (BOM or not) or CP932 as Excel writes it, by header.

Each line is one row: a bad line (a broken quote, bytes that are not text, a NUL) is reported
with its number and never takes the rows around it along.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.errors import UserError
from knowledge.textfile import TextFileError, TextLine, decode_text

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE = frozenset({"1", "yes", "y", "true", "会員"})
_FALSE = frozenset({"0", "no", "n", "false", "非会員"})
# No payment for this service comes near it (the annual fee is 99,000 yen); a bigger figure is a
# typo, and past 2**63 it would not even fit the database's integer column.
MAX_AMOUNT = 100_000_000
# C0 controls and DEL (the tab is kept: it is whitespace, stripped at a cell's ends), and the
# bidirectional overrides and isolates, which make a name read backwards wherever it is shown.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_CONTROL_NAMES = {0: "a NUL byte", 0x1B: "an escape character"}


class RowError(ValueError):
    """What is wrong with one row; the importer reports it with the row's line number."""


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file (the header is line 1) and its cells by column, or,
    for a line that is not a row at all (undecodable, a broken quote), why not."""

    line: int
    cells: dict[str, str]
    error: str | None = None


def decode(data: bytes, name: str = "the file") -> str:
    """The text of a whole file, its encoding decided as `read_rows` decides it (UTF-8 first,
    else CP932); not text, or a line that is not text in it → UserError naming the line."""
    try:
        return decode_text(data).whole_text()
    except TextFileError as exc:
        raise UserError(f"{name}: {exc}") from None


def read_rows(path: Path, required: Sequence[str]) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a CSV file; unreadable or missing a column → UserError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror or exc}") from None
    try:
        lines = decode_text(data).lines
    except TextFileError as exc:
        raise UserError(f"{path}: {exc}") from None
    if not lines:
        raise UserError(f"{path}: the file is empty")
    first = lines[0]
    try:
        if first.error is not None:
            raise RowError(first.error)
        header = [_column_name(cell) for cell in _cells(first.text)]
    except RowError as exc:
        raise UserError(f"{path}: line 1 (the header): {exc}") from None
    repeated = sorted({column for column in header if column and header.count(column) > 1})
    if repeated:
        raise UserError(f"{path}: column(s) {', '.join(repeated)} twice in the header")
    missing = [column for column in required if column not in header]
    if missing and len(header) == 1 and (separator := _other_separator(first.text)):
        # Excel's "Text (tab-delimited)", or a CSV written where the comma is a decimal mark.
        raise UserError(f"{path}: the columns are separated by {separator}, not commas")
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)} in the header")
    return header, _rows(lines[1:], header)


def _other_separator(text: str) -> str | None:
    return "tabs" if "\t" in text else "semicolons" if ";" in text else None


def _rows(lines: list[TextLine], header: list[str]) -> Iterator[Row]:
    width = len(header)
    opened = 0  # the line whose quote was left open, when it is the line before
    for line in lines:
        if line.error is not None:
            opened = 0
            yield Row(line.number, {}, line.error)
            continue
        if opened == line.number - 1 and line.text.count('"') % 2:
            # A cell with a line break in it (Alt+Enter in Excel): its second half, not a row.
            reason = f"closes the quoted cell opened on line {opened} {_ONE_LINE}"
            yield Row(line.number, {}, reason)
            opened = 0
            continue
        try:
            cells = _cells(line.text)
        except RowError as exc:
            opened = line.number if str(exc) == _UNCLOSED else 0
            yield Row(line.number, {}, str(exc))
            continue
        opened = 0
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[width:]):
            # An unquoted comma (79,200 or 株式会社A,B) shifts every later cell: never guess.
            yield Row(line.number, {}, _too_many(len(cells), width))
            continue
        padded = [*cells, *[""] * (width - len(cells))]
        values = dict(zip(header, (cell.strip() for cell in padded), strict=False))
        # One search of the line; the cells are looked at only to name the one at fault.
        control = _control_character(values) if _CONTROL.search(line.text) else None
        yield Row(line.number, values, control)


def _cells(text: str) -> list[str]:
    """The cells of one line; a quoted cell must close on the line it opens (RowError if not)."""
    if '"' not in text:
        return text.split(",")  # what csv.reader gives, ten times faster
    try:
        # Each line is read alone, so an unclosed quote cannot swallow the lines after it; no
        # column of the chamber's files holds a line break.
        return next(csv.reader((text,), strict=True))
    except csv.Error as exc:
        raise RowError(_csv_problem(str(exc))) from None


_ONE_LINE = '(a cell cannot run over lines; a quote inside a cell is written twice, "")'
_UNCLOSED = f'a quote (") opens a cell that is not closed on this line {_ONE_LINE}'


def _csv_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return _UNCLOSED
    if "expected after" in message:
        return (
            "text after a quoted cell's closing quote "
            '(a quote inside a quoted cell is written twice, "")'
        )
    return f"not valid CSV ({message})"


def _too_many(count: int, width: int) -> str:
    return (
        f'{count} cells, the header has {width} (a cell holding a comma must be quoted: "79,200")'
    )


def _control_character(values: dict[str, str]) -> str | None:
    """Why the row is refused if a cell holds a control character (NUL, ESC…), else None."""
    for column, value in values.items():
        found = _CONTROL.search(value)
        if found:
            # PostgreSQL refuses NUL in text (and the whole import with it); the others are
            # debris that a terminal or a mail would show as garbage or act on.
            code = ord(found[0])
            name = _CONTROL_NAMES.get(
                code, "a direction override" if code > 0x7F else "a control character"
            )
            return f"{column}: holds {name} (U+{code:04X}), not text"
    return None


def _column_name(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip().lower().replace(" ", "_")


def parse_date(text: str, column: str) -> date:
    """2025-04-03, 2025/4/3 (Excel's way) or 2025年4月3日."""
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise RowError(
            f"{column}: {text!r} is not a date (YYYY-MM-DD)" if text else f"{column}: empty"
        )
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise RowError(f"{column}: {text!r} is not a date on the calendar") from None


def parse_optional_date(text: str, column: str) -> date | None:
    """A date, or None for an empty cell."""
    return parse_date(text, column) if text else None


def parse_member(text: str) -> bool:
    """`member`: 1/0, yes/no or 会員/非会員 (any case, full-width digits too)."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError(f"member: {text!r} is not 1/0, yes/no or 会員/非会員")


def parse_amount(text: str) -> int:
    """Integer yen: 79200, 79,200, ¥79,200 or 79,200円; 0 or less, or over MAX_AMOUNT: refused."""
    value = unicodedata.normalize("NFKC", text).strip().replace(",", "").strip("¥\\円 ")
    if not re.fullmatch(r"\d+", value):
        raise RowError(
            f"amount: {text!r} is not a whole number of yen" if text else "amount: empty"
        )
    # Length first: int() refuses strings of more than 4300 digits with a ValueError.
    amount = int(value) if len(value) <= len(str(MAX_AMOUNT)) else MAX_AMOUNT + 1
    if amount <= 0:
        raise RowError(f"amount: {text!r} must be more than 0")
    if amount > MAX_AMOUNT:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise RowError(f"amount: {shown!r} is more than {MAX_AMOUNT:,} yen")
    return amount


def require(cells: dict[str, str], column: str) -> str:
    """A cell that must not be empty."""
    value = cells.get(column, "")
    if not value:
        raise RowError(f"{column}: empty")
    return value
