"""Reading aioimaplib's answers: FETCH with literals anywhere, SEARCH, SELECT, INTERNALDATE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mail.imap_parse import parse_fetch, parse_internaldate, parse_search, parse_select


def test_a_fetch_answer_gives_each_uid_its_date_and_body() -> None:
    lines = [
        b'1 FETCH (UID 7 INTERNALDATE "03-Dec-2026 07:36:11 +0000" BODY[] {5}',
        bytearray(b"hello"),
        b")",
        b'2 FETCH (UID 9 INTERNALDATE " 3-Dec-2026 16:36:11 +0900" BODY[] {3}',
        bytearray(b"bye"),
        b")",
        b"Fetch completed (0.001 + 0.000 secs).",
    ]
    found = parse_fetch(lines)
    assert found[7].literal == b"hello"
    assert found[9].literal == b"bye"
    assert (
        found[7].internal_date
        == found[9].internal_date
        == datetime(2026, 12, 3, 7, 36, 11, tzinfo=UTC)
    )


def test_a_uid_after_the_literal_and_unsolicited_flag_updates_are_read_right() -> None:
    lines = [
        b"3 FETCH (FLAGS (\\Seen))",  # another session changed a flag: no UID, ignored
        b"4 FETCH (BODY[] {2}",
        bytearray(b"hi"),
        b' UID 12 INTERNALDATE "01-Jan-2027 00:00:00 +0000")',
        b"Fetch completed.",
    ]
    found = parse_fetch(lines)
    assert list(found) == [12]
    assert found[12].literal == b"hi"


def test_an_unknown_uid_gives_nothing() -> None:
    assert parse_fetch([b"Fetch completed."]) == {}


def test_search_answers_with_uids_or_nothing() -> None:
    assert parse_search([b"1 2 4294967295", b"Search completed."]) == [1, 2, 4294967295]
    assert parse_search([b"", b"Search completed."]) == []


def test_select_gives_uidvalidity_and_uidnext() -> None:
    lines = [
        b"2 EXISTS",
        b"OK [UIDVALIDITY 4294967295] UIDs valid",
        b"OK [UIDNEXT 3] Predicted next UID",
        b"[READ-WRITE] Select completed.",
    ]
    assert parse_select(lines) == (4294967295, 3)


def test_select_without_uidvalidity_is_refused() -> None:
    with pytest.raises(ValueError, match="UIDVALIDITY"):
        parse_select([b"Select completed."])


def test_internaldate_keeps_the_instant_and_a_bad_one_is_none() -> None:
    parsed = parse_internaldate("25-Nov-2026 23:59:59 +0900")
    assert parsed == datetime(2026, 11, 25, 23, 59, 59, tzinfo=timezone(timedelta(hours=9)))
    assert parse_internaldate("yesterday") is None
