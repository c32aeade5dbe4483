"""Business days (営業日, 第2条(7)) and the date arithmetic every rule shares; all dates JST."""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from knowledge.formatting import MONTH_NAMES

JST = ZoneInfo("Asia/Tokyo")

_ONE_DAY = timedelta(days=1)


class CalendarRangeError(ValueError):
    """A year whose national holidays are not known: its business days cannot be told."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}: the national holidays of that year are not known, so its business days "
            f"cannot be told (known: {known_years()[0]}-{known_years()[-1]})"
        )
        self.year = year


@cache
def known_years() -> range:
    """The years whose national holidays the library knows (1949-2099 in holidays 0.108)."""
    # `holidays` is imported when a business day is first asked about, not with this module: its
    # tables are a fifth of a plain `otasuke ask`'s start-up, and most commands never need them.
    import holidays

    return range(holidays.JP.start_year, holidays.JP.end_year + 1)


def check_known_year(d: date) -> None:
    """CalendarRangeError unless the business days of `d`'s year can be told."""
    if d.year not in known_years():
        raise CalendarRangeError(d.year)


def to_jst(moment: datetime) -> datetime:
    """An aware datetime in JST; a naive one raises ValueError (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a naive datetime has no JST time: {moment.isoformat()}")
    return moment.astimezone(JST)


def jst_date(moment: datetime) -> date:
    """The JST calendar date of an aware datetime; a naive one raises ValueError."""
    return to_jst(moment).date()


def days_in_month(year: int, month: int) -> int:
    """How many days a month has."""
    # The standard library's, not a table of our own: benchmarks/bench_rules.py (100,000
    # contracts) runs at 50.6-51.2k lines/s with it and 44-52k with the table, i.e. no
    # difference; a call costs 285 ns against 89 ns, but only days 29-31 and month ends ask.
    return _stdcal.monthrange(year, month)[1]


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, days_in_month(year, month))


def shift_months(d: date, months: int) -> date:
    """The same day number `months` later (negative: earlier), clamped to that month's last day."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    day = d.day
    if day > 28:  # only the 29th–31st can be missing from the target month
        day = min(day, days_in_month(year, month0 + 1))
    return date(year, month0 + 1, day)


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are 営業日 (第2条(7)); hashable and equal by its settings, it caches per year."""

    # 年末年始 is not defined by the terms: 12/29–1/3 is the usual office closure, configurable.
    year_end_break_start: tuple[int, int] = (12, 29)
    year_end_break_end: tuple[int, int] = (1, 3)
    # 8月15日 (第2条(7)); further fixed closures may be added by a chamber.
    closed_days: tuple[tuple[int, int], ...] = ((8, 15),)
    # Per-year closed days and n-th business days, filled on first use; not part of equality.
    _closed: dict[int, dict[date, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _nth: dict[tuple[int, int, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def closure_reason(self, d: date) -> str | None:
        """Why `d` is not a business day, or None when it is one."""
        if d.isoweekday() > 5:
            return "Saturday" if d.isoweekday() == 6 else "Sunday"
        return self._closures(d.year).get(d)

    def is_business_day(self, d: date) -> bool:
        """Whether `d` is a 営業日 (第2条(7))."""
        if d.isoweekday() > 5:
            return False
        closed = self._closed.get(d.year)
        if closed is None:
            closed = self._closures(d.year)
        return d not in closed

    def on_or_before(self, d: date) -> date:
        """The nearest business day on or before `d` (第12条1項 「前の直近の営業日」)."""
        while not self.is_business_day(d):
            d -= _ONE_DAY
        return d

    def on_or_after(self, d: date) -> date:
        """The nearest business day on or after `d`."""
        while not self.is_business_day(d):
            d += _ONE_DAY
        return d

    def nth_business_day(self, year: int, month: int, n: int) -> date:
        """The n-th business day of a month, counting from its 1st (第4条2項①)."""
        key = (year, month, n)
        found = self._nth.get(key)
        if found is None:
            found = self._nth[key] = _nth_business_day(self, year, month, n)
        return found

    def _closures(self, year: int) -> dict[date, str]:
        """The closed weekdays of `year` with their reasons, computed once per year."""
        closed = self._closed.get(year)
        if closed is None:
            closed = self._closed[year] = _closures(self, year)
        return closed

    def in_year_end_break(self, d: date) -> bool:
        """Whether `d` falls in the year-end break (which may wrap over New Year)."""
        md = (d.month, d.day)
        start, end = self.year_end_break_start, self.year_end_break_end
        if start <= end:
            return start <= md <= end
        return md >= start or md <= end


DEFAULT_CALENDAR = BusinessCalendar()


def _closures(calendar: BusinessCalendar, year: int) -> dict[date, str]:
    """Every weekday of `year` that is closed, with its reason (holiday names in Japanese)."""
    closed: dict[date, str] = {}
    # 国民の祝日に関する法律に定める休日: 祝日, 振替休日 and 国民の休日 all come from the library.
    import holidays  # see known_years

    national = holidays.country_holidays("JP", years=year, language="ja")
    if not national:
        # The library knows the law's holidays for 1949-2099 only: outside them every weekday
        # would silently count as a business day, and every deadline would be wrong.
        raise CalendarRangeError(year)
    for day, name in national.items():
        closed[day] = f"national holiday: {name}"
    day = date(year, 1, 1)
    while day.year == year:
        if day not in closed:
            if calendar.in_year_end_break(day):
                closed[day] = "year-end break"
            elif (day.month, day.day) in calendar.closed_days:
                closed[day] = f"{MONTH_NAMES[day.month - 1]} {day.day}"
        day += _ONE_DAY
    return {d: reason for d, reason in closed.items() if d.isoweekday() <= 5}


def _nth_business_day(calendar: BusinessCalendar, year: int, month: int, n: int) -> date:
    if n < 1:
        raise ValueError(f"n must be 1 or more, not {n}")
    day, seen = date(year, month, 1), 0
    while day.month == month:
        if calendar.is_business_day(day):
            seen += 1
            if seen == n:
                return day
        day += _ONE_DAY
    raise ValueError(f"{year}-{month:02d} has fewer than {n} business days")
