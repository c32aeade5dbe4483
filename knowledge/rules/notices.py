"""When the chamber's own notices fall due: ★★★ dispatch window (R16) and renewal notice (R17)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from knowledge.rules.calendar import DEFAULT_CALENDAR, BusinessCalendar, jst_date

DISPATCH_WINDOW_DAYS = 30  # 第4条1項(3): 当該★★★アラート通知メール着信後30日以内


def is_critical_alert(subject: str) -> bool:
    """Whether an alert mail's subject carries ★★★ (第4条1項(3))."""
    return "★★★" in subject


def dispatch_window_end(alert_received_at: datetime) -> date:
    """The last day (JST) to request dispatch after a ★★★ alert received then (R16)."""
    # 「着信後30日以内」: the day of receipt is not counted (民法140条, 初日不算入), so the window
    # runs through the 30th day after it: received on 6/1 (any hour) → 7/1 23:59:59 JST.
    return jst_date(alert_received_at) + timedelta(days=DISPATCH_WINDOW_DAYS)


def renewal_notice_date(
    period_end_year: int,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
    month: int = 1,
    day: int = 15,
) -> date:
    """The day the renewal notice goes out for periods ending March 31 of that year (R17)."""
    # 第12条2項: 各年の１月中旬頃; the default 1/15 moves to the next business day if closed.
    return calendar.on_or_after(date(period_end_year, month, day))
