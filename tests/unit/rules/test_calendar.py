"""Business days (第2条(7)) and the JST date of a moment: real dates, worked out by hand."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from knowledge.rules.calendar import (
    DEFAULT_CALENDAR,
    JST,
    BusinessCalendar,
    jst_date,
    month_end,
    shift_months,
)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 6, 6), "Saturday"),
        (date(2026, 6, 7), "Sunday"),
        (date(2027, 1, 1), "national holiday: 元日"),
        (date(2026, 5, 6), "national holiday: 振替休日"),  # こどもの日 5/5 … 5/3 fell on a Sunday
        (date(2027, 3, 22), "national holiday: 振替休日"),  # 春分の日 2027-03-21 is a Sunday
        (date(2026, 9, 22), "national holiday: 国民の休日"),  # between 敬老の日 and 秋分の日
        (date(2026, 12, 29), "year-end break"),
        (date(2026, 12, 31), "year-end break"),
        (date(2027, 1, 3), "Sunday"),
        (date(2025, 8, 15), "August 15"),
        (date(2028, 8, 15), "August 15"),
    ],
)
def test_a_closed_day_names_its_reason(day: date, reason: str) -> None:
    assert DEFAULT_CALENDAR.closure_reason(day) == reason
    assert not DEFAULT_CALENDAR.is_business_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 28), date(2027, 1, 4), date(2026, 9, 24), date(2026, 8, 14), date(2028, 2, 29)],
)
def test_an_ordinary_weekday_is_a_business_day(day: date) -> None:
    assert DEFAULT_CALENDAR.is_business_day(day)
    assert DEFAULT_CALENDAR.closure_reason(day) is None


def test_the_year_end_break_is_configurable() -> None:
    longer = BusinessCalendar(year_end_break_start=(12, 28), year_end_break_end=(1, 4))
    assert longer.closure_reason(date(2026, 12, 28)) == "year-end break"
    assert longer.closure_reason(date(2027, 1, 4)) == "year-end break"
    assert longer.nth_business_day(2027, 1, 1) == date(2027, 1, 5)


def test_a_year_end_break_that_does_not_wrap_over_new_year_ends_in_december() -> None:
    december_only = BusinessCalendar(year_end_break_start=(12, 29), year_end_break_end=(12, 31))
    assert not december_only.is_business_day(date(2026, 12, 30))
    assert december_only.is_business_day(date(2027, 1, 4))
    assert december_only.is_business_day(date(2026, 7, 1))


def test_august_15_can_be_dropped_or_other_closed_days_added() -> None:
    chamber = BusinessCalendar(closed_days=((11, 1),))
    assert chamber.is_business_day(date(2028, 8, 15))
    assert chamber.closure_reason(date(2027, 11, 1)) == "November 1"


def test_calendars_are_hashable_and_equal_by_value() -> None:
    assert hash(BusinessCalendar()) == hash(DEFAULT_CALENDAR)
    assert {BusinessCalendar(): 1}[DEFAULT_CALENDAR] == 1
    assert BusinessCalendar(closed_days=()) != DEFAULT_CALENDAR


def test_on_or_before_walks_back_over_the_year_end_break() -> None:
    assert DEFAULT_CALENDAR.on_or_before(date(2027, 1, 3)) == date(2026, 12, 28)
    assert DEFAULT_CALENDAR.on_or_before(date(2027, 1, 4)) == date(2027, 1, 4)
    assert DEFAULT_CALENDAR.on_or_after(date(2026, 12, 29)) == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("year", "month", "n", "expected"),
    [
        (2026, 6, 5, date(2026, 6, 5)),  # 6/1 is a Monday
        (2026, 8, 5, date(2026, 8, 7)),  # 8/1 Sat, 8/2 Sun
        (2026, 5, 5, date(2026, 5, 12)),  # 5/1, then 5/4–5/6 holidays, 5/7, 5/8, 5/11, 5/12
        (2027, 1, 5, date(2027, 1, 8)),  # 1/1–1/3 closed: 1/4 … 1/8
        (2027, 1, 1, date(2027, 1, 4)),
        (2028, 5, 5, date(2028, 5, 10)),  # 5/1, 5/2, (5/3–5/5 holidays, weekend), 5/8, 5/9, 5/10
    ],
)
def test_the_nth_business_day_counts_from_the_first(
    year: int, month: int, n: int, expected: date
) -> None:
    assert DEFAULT_CALENDAR.nth_business_day(year, month, n) == expected


def test_a_month_has_no_zeroth_or_thirtieth_business_day() -> None:
    with pytest.raises(ValueError, match="1 or more"):
        DEFAULT_CALENDAR.nth_business_day(2026, 6, 0)
    with pytest.raises(ValueError, match="fewer than 30"):
        DEFAULT_CALENDAR.nth_business_day(2026, 6, 30)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 4, 30), -2, date(2027, 2, 28)),
        (date(2028, 4, 30), -2, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2027, 1, 31), -2, date(2026, 11, 30)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
    ],
)
def test_shifting_by_months_keeps_the_day_number_clamped_to_the_month_end(
    start: date, months: int, expected: date
) -> None:
    assert shift_months(start, months) == expected


def test_month_end_knows_leap_years() -> None:
    assert month_end(2028, 2) == date(2028, 2, 29)
    assert month_end(2027, 2) == date(2027, 2, 28)
    assert month_end(2026, 12) == date(2026, 12, 31)


def test_a_moment_has_the_date_it_has_in_tokyo() -> None:
    assert jst_date(datetime(2026, 12, 31, 15, 0, tzinfo=UTC)) == date(2027, 1, 1)
    assert jst_date(datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC)) == date(2026, 12, 31)
    new_york = ZoneInfo("America/New_York")
    assert jst_date(datetime(2027, 1, 28, 10, 0, tzinfo=new_york)) == date(2027, 1, 29)
    assert jst_date(datetime(2027, 1, 29, 0, 0, tzinfo=JST)) == date(2027, 1, 29)
    assert jst_date(datetime(2027, 1, 29, 0, 0, tzinfo=timezone(timedelta(hours=14)))) == date(
        2027, 1, 28
    )


def test_a_naive_moment_has_no_jst_date() -> None:
    with pytest.raises(ValueError, match="naive"):
        jst_date(datetime(2027, 1, 29, 12, 0))


def test_a_year_without_known_national_holidays_is_refused_not_guessed():
    from knowledge.rules.calendar import CalendarRangeError

    # 2100-05-03 is 憲法記念日 by law, but the holiday library stops at 2099.
    with pytest.raises(CalendarRangeError, match="2100"):
        BusinessCalendar().is_business_day(date(2100, 5, 3))
    assert BusinessCalendar().is_business_day(date(2099, 5, 7)) is True  # a Thursday
