"""The chamber's liability for damages (第16条): caps and the claim period (R18)."""

from __future__ import annotations

from datetime import date, timedelta

from knowledge.rules.calendar import month_end, shift_months

CLAIM_PERIOD_MONTHS = 20  # 第16条4項: 損害が発生した日から20か月以内


def damages_cap_per_event(monthly: int) -> int:
    """At most one month's fee per damage (第16条3項: 年間利用料金の12分の１)."""
    return monthly


def damages_total_cap(annual: int) -> int:
    """At most the annual fee of the damage's year in total (第16条3項)."""
    return annual


def damages_payable(claimed: int, monthly: int, annual: int, already_paid: int) -> int:
    """What may be paid for one event after the per-event and total caps (第16条3項)."""
    room = max(0, damages_total_cap(annual) - already_paid)
    return max(0, min(claimed, damages_cap_per_event(monthly), room))


def claim_deadline(damage_date: date) -> date:
    """The last day a claim for damage on `damage_date` may be made (第16条4項)."""
    # The day of the damage is not counted (民法140条); 20 months then end on the same day number
    # 20 months later, or that month's last day when it has none (民法143条2項). Damage on a
    # month's last day starts the count on the 1st, so the period runs to a month's end (143条1項).
    deadline = shift_months(damage_date, CLAIM_PERIOD_MONTHS)
    if damage_date == month_end(damage_date.year, damage_date.month):
        return month_end(deadline.year, deadline.month)
    return deadline


def claim_lapses_on(damage_date: date) -> date:
    """The first day on which the claim has lapsed: the day after `claim_deadline`."""
    return claim_deadline(damage_date) + timedelta(days=1)
