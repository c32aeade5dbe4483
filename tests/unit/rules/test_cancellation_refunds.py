"""Refunds: incompatible UTM (R12), service change (R13) and abolition (R14)."""

from datetime import UTC, date, datetime

import pytest

from knowledge.rules.abolition import abolition_notice_by, abolition_refund
from knowledge.rules.calendar import DEFAULT_CALENDAR, JST
from knowledge.rules.cancellation import (
    incompatible_utm_refund,
    refund_request_deadline,
    service_change_deadline,
    service_change_refund,
)

START = date(2026, 6, 5)  # free period to 6/30; refund requests by Wednesday 7/15
PAID, MONTHLY = 59400, 6600


def test_the_refund_request_deadline_is_the_15th_of_the_month_after_the_start() -> None:
    assert refund_request_deadline(START) == date(2026, 7, 15)
    assert refund_request_deadline(date(2026, 10, 7)) == date(2026, 11, 13)  # 11/15 a Sunday
    assert refund_request_deadline(date(2026, 7, 7)) == date(2026, 8, 14)  # 8/15 Saturday


@pytest.mark.parametrize(
    ("received", "refund"),
    [
        (datetime(2026, 6, 10, 9, 0, tzinfo=JST), PAID),
        (datetime(2026, 6, 30, 14, 59, 59, tzinfo=UTC), PAID),  # 23:59:59 JST 6/30
        (datetime(2026, 6, 30, 15, 0, 0, tzinfo=UTC), PAID - MONTHLY),  # 7/1 JST
        (datetime(2026, 7, 15, 23, 59, 59, tzinfo=JST), PAID - MONTHLY),
        (datetime(2026, 7, 16, 0, 0, 0, tzinfo=JST), None),
    ],
)
def test_an_incompatible_utm_refund_depends_on_when_the_request_came(
    received: datetime, refund: int | None
) -> None:
    assert incompatible_utm_refund(received, START, PAID, MONTHLY) == refund


def test_the_refund_after_the_free_period_is_never_negative() -> None:
    received = datetime(2026, 7, 2, 9, 0, tzinfo=JST)
    assert incompatible_utm_refund(received, START, 0, MONTHLY) == 0


@pytest.mark.parametrize(
    ("notified", "deadline"),
    [
        (date(2026, 12, 31), date(2027, 2, 26)),  # 2/28 Sunday, 2/27 Saturday
        (date(2027, 12, 31), date(2028, 2, 29)),  # leap year, a Tuesday
        (date(2026, 6, 10), date(2026, 8, 10)),  # a Monday (8/11 is 山の日, not in the way)
        (date(2026, 6, 15), date(2026, 8, 14)),  # 8/15 Saturday and closed
        (date(2026, 10, 31), date(2026, 12, 28)),  # 12/31 in the year-end break
    ],
)
def test_a_service_change_allows_cancelling_within_two_months_of_its_notice(
    notified: date, deadline: date
) -> None:
    assert service_change_deadline(notified, DEFAULT_CALENDAR) == deadline


def test_a_service_change_refund_covers_the_months_after_the_desired_month() -> None:
    # Desired 10/20: November..March = 5 months.
    assert service_change_refund(date(2026, 10, 20), date(2027, 3, 31), PAID, MONTHLY) == 33000
    assert service_change_refund(date(2026, 10, 20), date(2027, 3, 31), 10000, MONTHLY) == 10000
    assert service_change_refund(date(2027, 3, 10), date(2027, 3, 31), PAID, MONTHLY) == 0


def test_abolition_needs_four_months_notice_and_refunds_the_months_after_it() -> None:
    assert abolition_notice_by(date(2027, 7, 31)) == date(2027, 3, 31)
    assert abolition_notice_by(date(2027, 6, 30)) == date(2027, 2, 28)
    assert abolition_notice_by(date(2027, 6, 30), DEFAULT_CALENDAR) == date(2027, 2, 26)
    # Abolished 6/30/2027 in the period to 2028-03-31: July..March = 9 months of 6,600.
    assert abolition_refund(date(2027, 6, 30), date(2028, 3, 31), 79200, MONTHLY) == 59400
    assert abolition_refund(date(2027, 6, 30), date(2028, 3, 31), 0, MONTHLY) == 0
