"""Fees and month counts shared by the fee and refund rules (第11条2項, 第12条5項, 第13条)."""

from __future__ import annotations

from datetime import date

MEMBER_ANNUAL_FEE = 79_200  # 第13条1項: 会員事業者は年間 79,200円
NON_MEMBER_ANNUAL_FEE = 99_000  # 第13条1項: 左記以外は年間99,000円


def annual_fee(member: bool) -> int:
    """The yearly fee in yen, by member status on the approval date (R5, 第13条1項)."""
    return MEMBER_ANNUAL_FEE if member else NON_MEMBER_ANNUAL_FEE


def monthly_fee(member: bool) -> int:
    """One month's fee in yen: a twelfth of the annual fee (R5, 第13条3項①)."""
    return annual_fee(member) // 12


def months_after_until(d: date, period_end: date) -> int:
    """The months from the month after `d` up to and including the month of `period_end`."""
    return max(0, (period_end.year * 12 + period_end.month) - (d.year * 12 + d.month))


def refund_as_far_as_paid(months: int, paid: int, monthly: int) -> int:
    """`months` months' fees, but never more than was paid (第11条2項, 第12条5項)."""
    return max(0, min(months * monthly, paid))
