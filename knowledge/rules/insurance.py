"""The insurance year (保険責任期間, 第4条3-4項): from the 1st of the month after the start date."""

from __future__ import annotations

from datetime import date, timedelta

from knowledge.rules.calendar import shift_months


def insurance_start(start: date) -> date:
    """The first day of insurance: the 1st of the month after the usage start date (第4条3項)."""
    return shift_months(start.replace(day=1), 1)


def insurance_year(start: date, on: date) -> tuple[date, date]:
    """The insurance year covering `on` (first and last day); before insurance starts, the first."""
    first = insurance_start(start)
    # 第4条4項: each renewal extends the insurance by a year from the end of the previous one.
    years = on.year - first.year - (1 if (on.month, on.day) < (first.month, first.day) else 0)
    years = max(0, years)
    begin = shift_months(first, 12 * years)
    return begin, shift_months(begin, 12) - timedelta(days=1)


def payout_blocks_cover(start: date, last_payout: date | None, on: date) -> bool:
    """Whether a payout already made leaves `on` uncovered (第4条4項 なお書き)."""
    # After a payout nothing more is paid until the insurance year of that payout ends.
    if last_payout is None:
        return False
    _, payout_year_end = insurance_year(start, last_payout)
    return last_payout <= on <= payout_year_end
