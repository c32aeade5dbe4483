"""A contract's periods over the years: which exist by a day, and the next payment."""

from datetime import date
from itertools import islice

import pytest

from knowledge.rules.billing import Period, next_payment, periods_until, plan_periods, schedule
from knowledge.rules.contract import contract_terms


def test_a_march_starters_first_renewal_exists_once_due_before_the_start() -> None:
    # Applied 2025-01-07 → start 2025-03-07; approved 1/10 → renewal due 2025-02-25 (R7).
    terms = contract_terms(date(2025, 1, 7), date(2025, 1, 10), member=True)
    assert terms.start_date == date(2025, 3, 7)
    assert [(p.number, p.due_on, p.fee) for p in periods_until(terms, date(2025, 2, 27))] == [
        (1, date(2025, 1, 25), 0),
        (2, date(2025, 2, 25), 79_200),
    ]
    assert [p.number for p in periods_until(terms, date(2025, 2, 24))] == [1]


def test_a_renewal_exists_once_it_has_begun_or_fallen_due() -> None:
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    assert len(periods_until(terms, date(2027, 2, 24))) == 1
    assert len(periods_until(terms, date(2027, 2, 25))) == 2
    assert len(periods_until(terms, date(2028, 2, 25))) == 3


def test_no_period_starts_after_the_end() -> None:
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    assert [p.number for p in plan_periods(terms, ended_on=date(2028, 3, 31))] == [1, 2]
    assert list(plan_periods(terms, ended_on=date(2026, 6, 1))) == []  # ended before the start


def test_billed_fees_stand_and_the_plan_follows_them() -> None:
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    billed = periods_until(terms, date(2026, 5, 1))
    # The member left the chamber: later renewals cost the non-member fee (第13条1項).
    later = list(islice(schedule(terms, billed, member=False), 3))
    assert [(p.number, p.fee) for p in later] == [(1, 59_400), (2, 99_000), (3, 99_000)]
    # The first fee, overdue, is not part of the next payment (what is owed is shown apart).
    assert next_payment(schedule(terms, billed, member=False), date(2026, 6, 1), ()) == (
        date(2027, 2, 25), 99_000, 99_000,
    )  # fmt: skip


def _june_member() -> list[Period]:
    """Start 2026-06-05: 59,400 due 2026-05-25, then 79,200 each February 25 (three shown)."""
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    return list(islice(plan_periods(terms), 3))


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        # A renewal paid early is not the next payment: the one after it is.
        ([(date(2026, 5, 20), 59_400), (date(2026, 12, 1), 79_200)], (date(2028, 2, 25), 79_200)),
        # A payment made in part leaves the rest of that date due.
        ([(date(2026, 5, 20), 59_400), (date(2026, 12, 1), 50_000)], (date(2027, 2, 25), 29_200)),
        # Payments settle the oldest debt first: 100,000 covers 59,400, then 40,600 of 79,200.
        ([(date(2026, 12, 1), 100_000)], (date(2027, 2, 25), 38_600)),
        # Only payments received by today count.
        ([(date(2026, 5, 20), 59_400), (date(2027, 2, 1), 79_200)], (date(2027, 2, 25), 79_200)),
    ],
    ids=["paid-early", "paid-in-part", "oldest-first", "paid-later"],
)
def test_the_next_payment_is_the_first_due_date_the_payments_received_do_not_cover(
    paid: list[tuple[date, int]], expected: tuple[date, int]
) -> None:
    assert next_payment(_june_member(), date(2027, 1, 10), paid) == (*expected, 79_200)


def test_a_contract_paid_to_its_end_has_no_next_payment() -> None:
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    periods = plan_periods(terms, ended_on=date(2028, 3, 31))
    assert next_payment(periods, date(2027, 1, 10), [(date(2026, 12, 1), 138_600)]) is None
