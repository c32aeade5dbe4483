"""Cancellation deadlines (R8–R11, 第8条6項, 第12条1項), with receipt times from anywhere."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from knowledge.rules.calendar import JST
from knowledge.rules.cancellation import (
    check_cancel,
    earliest_on_time_date,
    is_before_start,
    late_term_end_proposals,
    months_before,
    term_end_cancel_deadline,
)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2028, 4, 30), date(2028, 2, 29)),  # leap year: 2/29 is a Tuesday
        (date(2027, 4, 30), date(2027, 2, 26)),  # 2/28 Sunday, 2/27 Saturday → Friday 2/26
        (date(2027, 3, 31), date(2027, 1, 29)),  # 1/31 Sunday, 1/30 Saturday
        (date(2026, 3, 31), date(2026, 1, 30)),  # 1/31 Saturday
        (date(2028, 3, 31), date(2028, 1, 31)),  # a Monday
        (date(2027, 3, 3), date(2026, 12, 28)),  # 1/3 … 12/29 closed (break, 元日, weekend)
        (date(2026, 11, 22), date(2026, 9, 18)),  # 9/22 国民の休日, 9/21 敬老の日, weekend
        (date(2027, 5, 22), date(2027, 3, 19)),  # 3/22 振替休日, 3/21 Sunday, 3/20 Saturday
        (date(2027, 10, 15), date(2027, 8, 13)),  # 8/15 Sunday, 8/14 Saturday
        (date(2028, 10, 15), date(2028, 8, 14)),  # 8/15 Tuesday is closed: Monday 8/14
    ],
)
def test_two_months_before_is_the_same_day_or_the_business_day_before(
    d: date, expected: date
) -> None:
    assert months_before(d, 2) == expected


def test_the_term_end_deadline_is_two_months_before_march_31() -> None:
    assert term_end_cancel_deadline(date(2027, 3, 31)) == date(2027, 1, 29)
    assert term_end_cancel_deadline(date(2029, 3, 31)) == date(2029, 1, 31)


def test_a_request_at_the_last_second_of_the_deadline_in_tokyo_is_on_time() -> None:
    # 2027-01-29T14:59:59Z is 23:59:59 JST on the deadline day (Friday 1/29).
    check = check_cancel(datetime(2027, 1, 29, 14, 59, 59, tzinfo=UTC), date(2027, 3, 31))
    assert check.deadline == date(2027, 1, 29)
    assert check.on_time
    assert check.earliest_on_time_date == date(2027, 3, 29)


def test_a_request_one_second_later_is_late_and_gets_april_1() -> None:
    # 15:00Z is midnight JST on Saturday 1/30. 3/30 and 3/31 both have deadline 1/29; 4/1 has
    # deadline Monday 2/1 (its day two months before), the first one on or after 1/30.
    check = check_cancel(datetime(2027, 1, 29, 15, 0, 0, tzinfo=UTC), date(2027, 3, 31))
    assert not check.on_time
    assert check.earliest_on_time_date == date(2027, 4, 1)


def test_the_receipt_date_is_the_tokyo_date_whatever_zone_the_server_writes() -> None:
    los_angeles = ZoneInfo("America/Los_Angeles")
    # Friday 1/29 23:30 in Los Angeles is already Saturday 1/30 16:30 in Tokyo: late.
    late = check_cancel(datetime(2027, 1, 29, 23, 30, tzinfo=los_angeles), date(2027, 3, 31))
    assert not late.on_time
    # Saturday 1/30 00:30 at UTC+14 is still Friday 1/29 19:30 in Tokyo: on time.
    kiribati = timezone(timedelta(hours=14))
    assert check_cancel(datetime(2027, 1, 30, 0, 30, tzinfo=kiribati), date(2027, 3, 31)).on_time


def test_the_earliest_on_time_date_may_be_earlier_than_the_desired_one() -> None:
    check = check_cancel(datetime(2026, 7, 1, 10, 0, tzinfo=JST), date(2026, 12, 31))
    assert check.on_time
    assert check.deadline == date(2026, 10, 30)  # 10/31 is a Saturday
    assert check.earliest_on_time_date == date(2026, 9, 1)  # 7/1 is a Wednesday


def test_a_request_in_the_year_end_break_waits_for_the_first_business_day_in_january() -> None:
    # Received Wednesday 12/30: 2/28 → 12/28; 3/1 → 1/1, 3/2 → 1/2, 3/3 → 1/3 all fall back to
    # 12/28. 3/4 → Monday 1/4, the first deadline on or after 12/30.
    assert earliest_on_time_date(date(2026, 12, 30)) == date(2027, 3, 4)


def test_a_request_on_a_month_end_with_no_match_two_months_on_needs_the_next_month() -> None:
    # Received 2026-12-31 (break): 2/28 → 12/28 is too early, so the answer is in March again.
    assert earliest_on_time_date(date(2026, 12, 31)) == date(2027, 3, 4)
    # Received Monday 2027-05-31: 7/31 → 5/31 itself.
    assert earliest_on_time_date(date(2027, 5, 31)) == date(2027, 7, 31)


def test_a_late_term_end_request_gets_a_midterm_date_and_the_next_march_31() -> None:
    received = datetime(2027, 2, 10, 10, 0, tzinfo=JST)
    proposals = late_term_end_proposals(received, date(2027, 3, 31))
    assert proposals.midterm_date == date(2027, 4, 10)  # deadline 2/10, a Wednesday
    assert proposals.next_term_end == date(2028, 3, 31)


def test_a_request_before_the_start_date_is_for_staff_to_decide() -> None:
    start = date(2026, 6, 5)
    assert is_before_start(datetime(2026, 6, 4, 14, 59, 59, tzinfo=UTC), start)
    assert not is_before_start(datetime(2026, 6, 4, 15, 0, 0, tzinfo=UTC), start)


def test_a_naive_receipt_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        check_cancel(datetime(2027, 1, 29, 12, 0), date(2027, 3, 31))
