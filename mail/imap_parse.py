"""Reading aioimaplib 2.0.3's responses: lines of bytes, literals as separate bytearrays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_FETCH_START = re.compile(rb"^\d+ FETCH \(")
_UID = re.compile(rb"\bUID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")


@dataclass
class FetchedMessage:
    """One message of a FETCH answer: its UID, INTERNALDATE and (first) literal."""

    uid: int
    internal_date: datetime | None
    literal: bytes | None


def parse_fetch(lines: list[Any]) -> dict[int, FetchedMessage]:
    """UID → what a `UID FETCH` returned for it (unsolicited FETCH lines merge in harmlessly)."""
    records: list[tuple[bytearray, list[bytes]]] = []
    for line in lines[:-1]:  # the last line is the tagged status text
        if isinstance(line, bytearray):
            if records:
                records[-1][1].append(bytes(line))
        elif _FETCH_START.match(line):
            records.append((bytearray(line), []))
        elif records:
            records[-1][0].extend(b" " + line)
    messages: dict[int, FetchedMessage] = {}
    for meta, literals in records:
        uid_match = _UID.search(meta)
        if uid_match is None:
            continue
        uid = int(uid_match[1])
        date_match = _INTERNALDATE.search(meta)
        internal = parse_internaldate(date_match[1].decode("ascii")) if date_match else None
        found = messages.setdefault(uid, FetchedMessage(uid, None, None))
        found.internal_date = found.internal_date or internal
        if found.literal is None and literals:
            found.literal = literals[0]
    return messages


def parse_internaldate(text: str) -> datetime | None:
    """`26-Nov-2026 23:50:00 +0000` (the day may be space-padded) → an aware datetime."""
    try:
        return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def parse_search(lines: list[Any]) -> list[int]:
    """The UIDs a SEARCH answered (`b'1 2'`, or `b''` for none)."""
    uids: list[int] = []
    for line in lines[:-1]:
        if isinstance(line, bytes) and re.fullmatch(rb"[\d ]*", line):
            uids.extend(int(part) for part in line.split())
    return uids


def parse_select(lines: list[Any]) -> tuple[int, int | None]:
    """UIDVALIDITY and UIDNEXT from a SELECT answer."""
    text = b"\n".join(line for line in lines if isinstance(line, bytes))
    validity = _UIDVALIDITY.search(text)
    uidnext = _UIDNEXT.search(text)
    if validity is None:
        raise ValueError("the server sent no UIDVALIDITY")
    return int(validity[1]), int(uidnext[1]) if uidnext else None
