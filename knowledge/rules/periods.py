"""The first period's dates and fees, one rule a function (R2–R7, 第4条2項, 第13条)."""

from __future__ import annotations

from datetime import date

from knowledge.rules.calendar import DEFAULT_CALENDAR, BusinessCalendar, month_end, shift_months
from knowledge.rules.money import monthly_fee


def start_date(applied_on: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The usage start date (利用開始日, R2)."""
    # 第4条2項①: 申込日が月の５日以前 → 翌月の５営業日目, ６日以後 → 翌々月の５営業日目
    target = shift_months(applied_on.replace(day=1), 1 if applied_on.day <= 5 else 2)
    return calendar.nth_business_day(target.year, target.month, 5)


def first_period_end(start: date) -> date:
    """The end of the first period: the first March 31 on or after the start (R3, 第4条2項①)."""
    return date(start.year if start.month <= 3 else start.year + 1, 3, 31)


def free_period_end(start: date) -> date:
    """The last day of the free period: the end of the start month (R4, 第13条3項)."""
    return month_end(start.year, start.month)


def paid_months(start: date) -> int:
    """The months of the first period after the free period (R5): June → 9, March → 0."""
    return (3 if start.month <= 3 else 15) - start.month


def first_fee(start: date, member: bool) -> int:
    """The first period's fee in yen (R5, 第13条3項①)."""
    return monthly_fee(member) * paid_months(start)


def first_payment_due(approved_on: date) -> date:
    """The first payment's due date (R6, 第13条3項①), even when nothing is owed."""
    # 契約成立日が14日以前 → その月の25日, 15日以後 → 翌月25日
    if approved_on.day <= 14:
        return approved_on.replace(day=25)
    return shift_months(approved_on.replace(day=25), 1)


def renewal_payment_due(period_end: date, first_due: date) -> date:
    """The due date of the renewal after the period ending `period_end` (R7, 第13条3項②)."""
    # Two months before April: February 25; なお書き: never before the first payment falls due.
    return max(date(period_end.year, 2, 25), first_due)
