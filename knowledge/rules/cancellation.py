"""Cancellation deadlines and refunds (第8条6項, 第12条): R8–R13 as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from knowledge.rules.calendar import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    jst_date,
    month_end,
    shift_months,
)
from knowledge.rules.money import months_after_until, refund_as_far_as_paid

_ONE_DAY = timedelta(days=1)


def months_before(d: date, months: int, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The same day number `months` earlier (clamped), or the business day before it (R8)."""
    # 第12条1項: 「２か月前に相当する日が営業日でない場合は、当該日より前の直近の営業日まで」
    return calendar.on_or_before(shift_months(d, -months))


def term_end_cancel_deadline(
    period_end: date, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> date:
    """The last day to ask for a term-end cancellation of the period ending `period_end` (R9)."""
    # 第12条1項: 満期解約は利用期間満了日の２か月前まで
    return months_before(period_end, 2, calendar)


def midterm_cancel_deadline(desired: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The last day to ask for a cancellation effective on `desired` (R10)."""
    # 第12条1項: 中途解約希望日の２か月前（同上）まで
    return months_before(desired, 2, calendar)


def earliest_on_time_date(received: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The earliest desired date whose R8 deadline is on or after `received` (R10's proposal)."""
    # The deadline never decreases as the desired date grows, so walk from the obvious candidate.
    candidate = shift_months(received, 2)
    while midterm_cancel_deadline(candidate - _ONE_DAY, calendar) >= received:
        candidate -= _ONE_DAY
    while midterm_cancel_deadline(candidate, calendar) < received:
        candidate += _ONE_DAY
    return candidate


@dataclass(frozen=True)
class CancelCheck:
    """A cancellation request judged against its deadline (R10)."""

    deadline: date
    on_time: bool
    earliest_on_time_date: date


def check_cancel(
    received_at: datetime, desired: date, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> CancelCheck:
    """Judge a cancellation request by its receipt time's JST date (R9/R10, 第12条1項)."""
    received = jst_date(received_at)
    deadline = midterm_cancel_deadline(desired, calendar)
    return CancelCheck(
        deadline=deadline,
        on_time=received <= deadline,
        earliest_on_time_date=earliest_on_time_date(received, calendar),
    )


@dataclass(frozen=True)
class LateTermEndProposals:
    """What a late term-end request is offered (R10): a mid-term date or the next term end."""

    midterm_date: date  # the renewed period's fee is then owed in full (第12条3項)
    next_term_end: date


def late_term_end_proposals(
    received_at: datetime, period_end: date, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> LateTermEndProposals:
    """Both proposals for a term-end request received after its deadline (R10, 第12条1項)."""
    return LateTermEndProposals(
        midterm_date=earliest_on_time_date(jst_date(received_at), calendar),
        next_term_end=date(period_end.year + 1, 3, 31),
    )


def is_before_start(received_at: datetime, start: date) -> bool:
    """Whether a request falls before the usage start date: a staff decision (R11, 第8条6項)."""
    return jst_date(received_at) < start


def refund_request_deadline(start: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The last day to ask for the incompatible-UTM refund (R12, 第12条4項)."""
    # 利用開始日の属する月の翌月15日（営業日でない場合は当該日より前の直近の営業日）
    return calendar.on_or_before(shift_months(start.replace(day=15), 1))


def incompatible_utm_refund(
    received_at: datetime,
    start: date,
    paid: int,
    monthly: int,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> int | None:
    """The refund for an incompatible UTM (R12, 第12条4項 with 第5条5項); None when too late."""
    received = jst_date(received_at)
    if received > refund_request_deadline(start, calendar):
        return None  # 同期限以降は…いかなる理由でもサービス利用料金を返金しません
    if received <= month_end(start.year, start.month):  # the free period (第13条3項)
        return paid  # 無償期間中: お支払いいただいた全額
    return max(0, paid - monthly)  # 無償期間満了後: １か月分を控除した額


def service_change_deadline(notified: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """The last day to cancel because of a service change noticed on `notified` (R13)."""
    # 第12条5項: 通知日を起点にして２か月以内（営業日でない場合は当該日より前の直近の営業日）
    return calendar.on_or_before(shift_months(notified, 2))


def service_change_refund(desired: date, period_end: date, paid: int, monthly: int) -> int:
    """The refund after a service-change cancellation (R13, 第12条5項)."""
    # 中途解約希望日の属する月の翌月以降分相当額のみ, and only of what was paid.
    return refund_as_far_as_paid(months_after_until(desired, period_end), paid, monthly)
