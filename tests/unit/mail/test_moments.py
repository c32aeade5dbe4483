"""Date and Received header date-times: the quick common form reads as the general parser does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from mail.moments import header_moment

CASES = [
    "Tue, 26 Jan 2027 10:15:00 +0900",
    "Tue, 26 Jan 2027 10:15:00 +0900 (JST)",
    " 5 Dec 2026 23:59:59 -0500",
    "Mon, 01 Mar 2027 00:00:00 +0000",
    "Mon, 01 Mar 2027 00:00:00 -0000",  # zone unknown: naive, then UTC
    "Sat, 31 Feb 2027 10:00:00 +0900",  # no such day
    "Sat, 1 Feb 2027 24:00:00 +0900",
    "Sat, 1 Feb 0050 10:00:00 +0900",  # the general parser's two-digit year rule
    "Sat, 1 Feb 27 10:00:00 +0900",
    "Sat, 1 Feb 2027 10:00:00 +9999",  # an offset no zone has
    "Sat, 1 Feb 2027 10:00 JST",
    "1 Feb 2027 10:00:00 GMT",
    "not a date",
]


def _general(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("value", CASES)
def test_a_header_date_reads_as_the_standard_library_reads_it(value: str) -> None:
    got, expected = header_moment(value), _general(value)
    assert got == expected
    assert (got and (got.isoformat(), got.utcoffset())) == (
        expected and (expected.isoformat(), expected.utcoffset())
    )


def test_the_common_form_keeps_its_offset() -> None:
    moment = header_moment("Tue, 26 Jan 2027 10:15:00 +0900 (JST)")
    assert moment == datetime(2027, 1, 26, 10, 15, tzinfo=timezone(timedelta(hours=9)))


def test_no_header_is_no_moment() -> None:
    assert header_moment(None) is None
    assert header_moment("") is None
