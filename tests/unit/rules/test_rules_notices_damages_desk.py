"""Insurance payouts (R15), ★★★ alerts (R16), renewal notices (R17), damages (R18), desk (R19)."""

from datetime import UTC, date, datetime

import pytest

from knowledge.rules.calendar import JST, BusinessCalendar
from knowledge.rules.damages import (
    claim_deadline,
    claim_lapses_on,
    damages_cap_per_event,
    damages_payable,
    damages_total_cap,
)
from knowledge.rules.desk import desk_open
from knowledge.rules.insurance import payout_blocks_cover
from knowledge.rules.notices import dispatch_window_end, is_critical_alert, renewal_notice_date


def test_after_a_payout_nothing_more_is_paid_until_that_insurance_year_ends() -> None:
    start = date(2026, 6, 5)  # insurance years 7/1 – 6/30
    assert not payout_blocks_cover(start, None, date(2027, 1, 1))
    assert payout_blocks_cover(start, date(2026, 10, 1), date(2027, 6, 30))
    assert not payout_blocks_cover(start, date(2026, 10, 1), date(2027, 7, 1))


def test_the_dispatch_window_ends_30_days_after_the_alerts_tokyo_date() -> None:
    # 16:00Z on 6/1 is 01:00 JST on 6/2: the window runs to 7/2.
    assert dispatch_window_end(datetime(2026, 6, 1, 16, 0, tzinfo=UTC)) == date(2026, 7, 2)
    assert dispatch_window_end(datetime(2026, 12, 15, 9, 0, tzinfo=JST)) == date(2027, 1, 14)


def test_a_critical_alert_carries_three_stars_in_its_subject() -> None:
    assert is_critical_alert("【お知らせ】★★★ 不正な通信を検知しました")
    assert not is_critical_alert("【お知らせ】★★ 通信を検知しました")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2027, date(2027, 1, 15)),  # a Friday
        (2028, date(2028, 1, 17)),  # 1/15 Saturday, 1/16 Sunday
        (2026, date(2026, 1, 15)),  # a Thursday
    ],
)
def test_the_renewal_notice_goes_out_on_january_15_or_the_next_business_day(
    year: int, expected: date
) -> None:
    assert renewal_notice_date(year) == expected


def test_the_renewal_notice_day_is_configurable() -> None:
    assert renewal_notice_date(2027, BusinessCalendar(), month=1, day=10) == date(2027, 1, 12)


def test_damages_are_capped_per_event_and_in_total() -> None:
    assert damages_cap_per_event(6600) == 6600
    assert damages_total_cap(79200) == 79200
    assert damages_payable(10000, 6600, 79200, already_paid=0) == 6600
    assert damages_payable(10000, 6600, 79200, already_paid=75000) == 4200
    assert damages_payable(10000, 6600, 79200, already_paid=79200) == 0
    assert damages_payable(3000, 6600, 79200, already_paid=0) == 3000


def test_a_damages_claim_lapses_20_months_after_the_damage() -> None:
    assert claim_deadline(date(2026, 6, 30)) == date(2028, 2, 29)
    assert claim_lapses_on(date(2026, 6, 30)) == date(2028, 3, 1)
    assert claim_deadline(date(2026, 1, 10)) == date(2027, 9, 10)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 6, 5, 0, 0, 0, tzinfo=UTC), True),  # Friday 09:00 JST
        (datetime(2026, 6, 4, 23, 59, 59, tzinfo=UTC), False),  # 08:59:59 JST
        (datetime(2026, 6, 5, 8, 59, 59, tzinfo=UTC), True),  # 17:59:59 JST
        (datetime(2026, 6, 5, 9, 0, 0, tzinfo=UTC), False),  # 18:00 JST
        (datetime(2026, 6, 6, 10, 0, tzinfo=JST), False),  # Saturday
        (datetime(2026, 9, 22, 10, 0, tzinfo=JST), False),  # 国民の休日
        (datetime(2026, 12, 30, 10, 0, tzinfo=JST), False),  # year-end break
    ],
)
def test_the_desk_is_open_on_business_days_from_nine_to_six_in_tokyo(
    moment: datetime, is_open: bool
) -> None:
    assert desk_open(moment) is is_open


def test_desk_hours_need_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="naive"):
        desk_open(datetime(2026, 6, 5, 10, 0))
