"""The help desk's hours (相談窓口, 第4条1項(2)): 平日 9:00–18:00 JST (R19)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from knowledge.rules.calendar import DEFAULT_CALENDAR, BusinessCalendar, to_jst

DESK_OPENS = time(9, 0)
DESK_CLOSES = time(18, 0)


def desk_open(moment: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> bool:
    """Whether the desk is open at an aware moment: a business day, 9:00 to before 18:00 JST."""
    # 「平日」 read as 営業日 (第2条(7)): holidays and the year-end break are closed too.
    local = to_jst(moment)
    return calendar.is_business_day(local.date()) and DESK_OPENS <= local.time() < DESK_CLOSES


def next_opening(moment: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> datetime:
    """When the desk next opens after an aware moment (the moment itself when it is open), JST."""
    local = to_jst(moment)
    if desk_open(local, calendar):
        return local
    day = local.date()
    if local.time() >= DESK_OPENS or not calendar.is_business_day(day):
        day = calendar.on_or_after(day + timedelta(days=1))
    return datetime.combine(day, DESK_OPENS, tzinfo=local.tzinfo)
