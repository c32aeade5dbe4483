"""The chamber's abolition of the service (第11条): notice date and refund (R14)."""

from __future__ import annotations

from datetime import date

from knowledge.rules.calendar import BusinessCalendar, shift_months
from knowledge.rules.money import months_after_until, refund_as_far_as_paid


def abolition_notice_by(abolished_on: date, calendar: BusinessCalendar | None = None) -> date:
    """The last day to notify customers of an abolition on `abolished_on` (R14, 第11条1項)."""
    # 廃止日の４か月前まで. The terms add no business-day rule here (the notice may be a web
    # posting); a calendar, when given, moves the date to the business day before, never later.
    by = shift_months(abolished_on, -4)
    return calendar.on_or_before(by) if calendar is not None else by


def abolition_refund(abolished_on: date, period_end: date, paid: int, monthly: int) -> int:
    """The refund on abolition (R14, 第11条2項): the months after the abolition month, if paid."""
    # 廃止日の属する月の翌月から利用期間満了日の属する月までの月数分相当額（受領済みの場合に限る）
    return refund_as_far_as_paid(months_after_until(abolished_on, period_end), paid, monthly)
