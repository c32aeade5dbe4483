"""RFC 5322 date-times of the Date and Received headers, the common form read without the stdlib's
general parser (pure Python, about 5 µs a header: two of them were a tenth of reading a mail)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# `Tue, 26 Jan 2027 10:15:00 +0900 (JST)`: what nearly every mailer writes. Anything else
# (two-digit years, zone names, -0000, odd spacing) goes to parsedate_to_datetime.
_COMMON = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) ([1-9][0-9]{3}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
    r"(?: \([A-Za-z]{1,5}\))?",
    re.ASCII,
)
_ZONES: dict[str, timezone] = {}


def header_moment(value: str | None) -> datetime | None:
    """The aware date-time a Date or Received header names (no zone: UTC), or None."""
    if not value:
        return None
    text = str(value).strip()
    common = _COMMON.fullmatch(text)
    # -0000 says "zone unknown": the general parser's naive reading (then UTC) stays the one.
    if common is not None and (common[7] == "+" or common.group(8, 9) != ("00", "00")):
        day, month, year, hour, minute, second, sign, zh, zm = common.groups()
        try:
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                tzinfo=_zone(sign + zh + zm),
            )  # fmt: skip
        except ValueError:
            pass  # 31 Feb, 25:00: the general parser decides, as before
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _zone(offset: str) -> timezone:
    zone = _ZONES.get(offset)
    if zone is None:
        seconds = int(offset[1:3]) * 3600 + int(offset[3:5]) * 60
        zone = timezone(timedelta(seconds=-seconds if offset[0] == "-" else seconds))
        _ZONES[offset] = zone
    return zone
