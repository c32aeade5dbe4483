"""A contract's periods over the years: which exist by a day, and the next payment."""

from datetime import date
from itertools import islice

from knowledge.rules.billing import next_payment, periods_until, plan_periods, schedule
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
    assert next_payment(schedule(terms, billed, member=False), date(2026, 6, 1)) == (
        date(2027, 2, 25), 99_000,
    )  # fmt: skip
