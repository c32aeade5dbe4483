"""Text files as Japanese offices save them: UTF-8 (with or without BOM) or CP932, one per file.

The encoding is decided for the whole file, never line by line: strict UTF-8 first; a file that
is mostly UTF-8 stays UTF-8 and its undecodable lines are reported, not re-read as CP932 (which
accepts most byte pairs and would store mojibake without a word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_TEXT_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_CP932_STRAY = re.compile("[\x80\uf8f0-\uf8f3]")


class TextFileError(ValueError):
    """The file as a whole is not text in a known encoding; the message says what it is."""


@dataclass(frozen=True)
class TextLine:
    """One line of a file: its number (from 1), its text, or why it could not be decoded."""

    number: int
    text: str
    error: str | None = None


@dataclass(frozen=True)
class TextFile:
    """A decoded file: the encoding chosen for it (`utf-8` or `cp932`) and its lines."""

    encoding: str
    lines: list[TextLine]

    @property
    def bad_lines(self) -> list[TextLine]:
        """The lines that are not text in the file's encoding."""
        return [line for line in self.lines if line.error is not None]

    def whole_text(self) -> str:
        """The text, lines joined by `\n`, for files read as a whole; a bad line → TextFileError."""
        for line in self.lines:
            if line.error is not None:
                raise TextFileError(f"line {line.number}: {line.error}")
        return "\n".join(line.text for line in self.lines)


def decode_text(data: bytes, *, cp932: bool = True) -> TextFile:
    """Split `data` into lines and decode them; not text at all → TextFileError.

    `cp932=False` for formats that are UTF-8 by definition (JSON lines): no guess, a line that
    is not UTF-8 is a bad line.
    """
    if data.startswith(_UTF16_BOMS):
        # Excel's "Unicode text" export: readable, but not what the chamber's files are.
        raise TextFileError("UTF-16 text: save it as UTF-8 (Excel: 'CSV UTF-8') or CP932")
    head = data[:4096]
    if len(_BINARY.findall(head)) * 20 > len(head):
        # Text has next to no control bytes; a spreadsheet (.xlsx), an image or UTF-16 has many.
        raise TextFileError("binary data (or UTF-16 text without a BOM), not a text file")
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # the common case: one decode, no per-line work
        lines = split_lines(text)
        return TextFile("utf-8", [TextLine(n, line) for n, line in enumerate(lines, start=1)])
    raw_lines = _raw_lines(data)
    return _decoded(raw_lines, "utf-8" if bom or not cp932 else _guess(raw_lines))


def split_lines(text: str) -> list[str]:
    """The lines of a text, without their line breaks; only CR, LF and CRLF end a line."""
    # str.splitlines would also split at \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029, which
    # may sit inside a cell or a JSON string: a line would become two, and the rows shift.
    parts = _TEXT_LINE_BREAK.split(text)
    if parts[-1] == "":
        parts.pop()
    return parts


def _raw_lines(data: bytes) -> list[bytes]:
    # Neither UTF-8 nor CP932 uses the bytes of CR or LF inside a character: splitting is safe.
    parts = _LINE_BREAK.split(data)
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


def _guess(raw_lines: list[bytes]) -> str:
    """UTF-8 when at least half of the lines with non-ASCII bytes are UTF-8, else CP932."""
    valid = invalid = 0
    for raw in raw_lines:
        if not _NON_ASCII.search(raw):
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
        else:
            valid += 1
    # CP932 text is almost never valid UTF-8 (its lead bytes are UTF-8's continuation bytes),
    # so a real CP932 file scores near 0 here and a UTF-8 file with a damaged line near 1.
    return "utf-8" if valid >= invalid else "cp932"


def _decoded(raw_lines: list[bytes], encoding: str) -> TextFile:
    lines: list[TextLine] = []
    bad = 0
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(TextLine(number, _decode_line(raw, encoding)))
        except UnicodeDecodeError as exc:
            bad += 1
            lines.append(TextLine(number, "", _describe(exc, raw, encoding)))
    # A few damaged lines are reported one by one; a file mostly undecodable is not text.
    if bad * 2 > len(lines):
        raise TextFileError(
            "neither UTF-8 nor CP932 (Shift_JIS) text" if encoding == "cp932" else "not UTF-8 text"
        )
    return TextFile(encoding, lines)


def _decode_line(raw: bytes, encoding: str) -> str:
    text = raw.decode(encoding)
    if encoding == "cp932" and (stray := _CP932_STRAY.search(text)):
        # Python maps the bytes CP932 leaves unassigned (0x80, 0xA0, 0xFD-0xFF) to U+0080 and
        # private-use characters instead of failing: they are never text.
        start = len(text[: stray.start()].encode(encoding))
        raise UnicodeDecodeError(encoding, raw, start, start + 1, "unassigned byte")
    return text


def _describe(exc: UnicodeDecodeError, raw: bytes, encoding: str) -> str:
    name = "UTF-8" if encoding == "utf-8" else "CP932 (Shift_JIS)"
    column = len(raw[: exc.start].decode(encoding, errors="replace")) + 1
    return f"not {name} text (byte 0x{raw[exc.start]:02x} at character {column})"
