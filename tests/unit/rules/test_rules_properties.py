"""Properties every rule keeps for any date (hypothesis): deadlines, start dates, fees."""

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from knowledge.rules.calendar import DEFAULT_CALENDAR, JST, BusinessCalendar, shift_months
from knowledge.rules.cancellation import (
    check_cancel,
    earliest_on_time_date,
    midterm_cancel_deadline,
    months_before,
    refund_request_deadline,
    service_change_deadline,
)
from knowledge.rules.contract import contract_status, contract_terms, insurance_year, start_date

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
calendars = st.sampled_from(
    [
        DEFAULT_CALENDAR,
        BusinessCalendar(year_end_break_start=(12, 27), year_end_break_end=(1, 5)),
        BusinessCalendar(closed_days=()),
    ]
)


@given(dates, st.integers(min_value=1, max_value=6), calendars)
def test_a_deadline_is_a_business_day_never_after_the_day_it_guards(
    d: date, months: int, calendar: BusinessCalendar
) -> None:
    deadline = months_before(d, months, calendar)
    assert calendar.is_business_day(deadline)
    assert deadline <= shift_months(d, -months) < d
    # Nothing between the deadline and the unadjusted day is a business day.
    day = deadline + timedelta(days=1)
    while day <= shift_months(d, -months):
        assert not calendar.is_business_day(day)
        day += timedelta(days=1)


@given(dates, calendars)
def test_the_earliest_on_time_date_is_exactly_the_first_one_on_time(
    received: date, calendar: BusinessCalendar
) -> None:
    earliest = earliest_on_time_date(received, calendar)
    assert midterm_cancel_deadline(earliest, calendar) >= received
    assert midterm_cancel_deadline(earliest - timedelta(days=1), calendar) < received


@given(dates, dates, st.times())
def test_a_request_is_on_time_exactly_when_its_desired_date_is_not_before_the_earliest(
    received: date, desired: date, clock: time
) -> None:
    check = check_cancel(datetime.combine(received, clock, tzinfo=JST), desired)
    assert check.on_time == (received <= check.deadline)
    assert check.on_time == (check.earliest_on_time_date <= desired)


@given(dates, calendars)
def test_the_start_date_is_the_fifth_business_day_of_the_right_month(
    applied: date, calendar: BusinessCalendar
) -> None:
    start = start_date(applied, calendar)
    expected_month = shift_months(applied.replace(day=1), 1 if applied.day <= 5 else 2)
    assert (start.year, start.month) == (expected_month.year, expected_month.month)
    assert calendar.is_business_day(start)
    earlier = [start.replace(day=n) for n in range(1, start.day)]
    assert sum(calendar.is_business_day(d) for d in earlier) == 4


@given(dates, st.integers(min_value=0, max_value=60), st.booleans())
def test_a_contracts_fees_and_dates_hang_together(applied: date, lag: int, member: bool) -> None:
    terms = contract_terms(applied, applied + timedelta(days=lag), member)
    assert 0 <= terms.paid_months <= 11
    assert terms.first_fee == terms.paid_months * terms.monthly_fee
    assert terms.annual_fee == 12 * terms.monthly_fee
    assert terms.start_date <= terms.free_period_end <= terms.first_period_end
    assert (terms.first_period_end.month, terms.first_period_end.day) == (3, 31)
    assert terms.first_period_end - terms.start_date < timedelta(days=366)
    assert terms.first_payment_due.day == 25
    assert terms.renewal_payment_due >= max(
        terms.first_payment_due, date(terms.first_period_end.year, 2, 25)
    )
    assert DEFAULT_CALENDAR.is_business_day(terms.term_end_cancel_deadline)
    assert terms.term_end_cancellable == (terms.term_end_cancel_deadline >= applied)
    deadline = terms.refund_request_deadline
    assert DEFAULT_CALENDAR.is_business_day(deadline)
    assert deadline == refund_request_deadline(terms.start_date)
    assert deadline.day <= 15
    assert deadline.month == shift_months(terms.start_date, 1).month
    assert terms.insurance_start.day == 1
    assert terms.insurance_start > terms.start_date
    assert terms.insurance_end == shift_months(terms.insurance_start, 12) - timedelta(days=1)


@given(dates, st.integers(min_value=-400, max_value=4000))
def test_the_status_period_and_insurance_year_contain_the_day(applied: date, offset: int) -> None:
    terms = contract_terms(applied, applied, member=True)
    today = terms.start_date + timedelta(days=offset)
    status = contract_status(terms, today)
    if today >= terms.start_date:
        assert status.period_start <= today <= status.period_end
    assert status.before_start == (today < terms.start_date)
    assert status.next_payment_due >= today
    assert status.next_payment_amount > 0
    assert status.cancel_deadline < status.period_end
    if today >= terms.insurance_start:
        assert status.insurance_start <= today <= status.insurance_end
        assert (status.insurance_start, status.insurance_end) == insurance_year(
            terms.start_date, today
        )


@given(dates, calendars)
def test_a_service_change_deadline_is_a_business_day_after_the_notice(
    notified: date, calendar: BusinessCalendar
) -> None:
    deadline = service_change_deadline(notified, calendar)
    assert calendar.is_business_day(deadline)
    assert notified < deadline <= shift_months(notified, 2)
