"""Reading the chamber's CSV files: UTF-8 (BOM or not) or CP932 as Excel writes it, by header."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.errors import UserError

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE = frozenset({"1", "yes", "y", "true", "会員"})
_FALSE = frozenset({"0", "no", "n", "false", "非会員"})
# No payment for this service comes near it (the annual fee is 99,000 yen); a bigger figure is a
# typo, and past 2**63 it would not even fit the database's integer column.
MAX_AMOUNT = 100_000_000


class RowError(ValueError):
    """What is wrong with one row; the importer reports it with the row's line number."""


@dataclass(frozen=True)
class Row:
    """One data row: its first line in the file (the header is line 1) and its cells by column."""

    line: int
    cells: dict[str, str]


def decode(data: bytes, name: str = "the file") -> str:
    """The text of a CSV file: UTF-8 with or without BOM, else CP932 (Excel's 'CSV' on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # cp932, not shift_jis: Excel writes Microsoft's variant, with ① and ㈱ (NEC specials).
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise UserError(f"{name}: neither UTF-8 nor CP932 (Shift_JIS) text") from None


def read_rows(path: Path, required: Sequence[str]) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a CSV file; unreadable or missing a column → UserError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(decode(data, str(path)), newline=""))
    try:
        header = [_column_name(cell) for cell in next(reader)]
    except StopIteration:
        raise UserError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise UserError(f"{path}: not a CSV file ({exc})") from None
    missing = [column for column in required if column not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)} in the header")
    return header, _rows(reader, header)


def _rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[Row]:
    line = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A broken quote swallows the rest of the file: say where it started.
            raise UserError(f"line {line}: not valid CSV ({exc})") from None
        first, line = line, reader.line_num + 1  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in cells):
            continue
        padded = [*cells, *[""] * (len(header) - len(cells))]
        yield Row(first, dict(zip(header, (cell.strip() for cell in padded), strict=False)))


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
