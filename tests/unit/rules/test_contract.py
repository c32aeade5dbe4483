"""A contract's first period (R2–R7, R9, R12, R15): whole contracts worked out by hand."""

from datetime import date

import pytest

from knowledge.rules.contract import (
    annual_fee,
    contract_terms,
    first_fee,
    first_payment_due,
    first_period_end,
    free_period_end,
    insurance_year,
    monthly_fee,
    paid_months,
    renewal_payment_due,
    start_date,
)

SPEC_KEYS = {
    "start_date",
    "free_period_end",
    "first_period_end",
    "paid_months",
    "annual_fee",
    "first_fee",
    "first_payment_due",
    "renewal_payment_due",
    "term_end_cancel_deadline",
    "refund_request_deadline",
    "insurance_start",
    "insurance_end",
}


def test_a_june_start_member_contract_matches_the_calendar() -> None:
    # Applied 4/10 (day 6 or later) → June 2026, whose 1st is a Monday: the 5th business day is
    # 6/5. Paid months July..March = 9 at 6,600 yen. Approved 4/20 (15th or later) → due 5/25.
    # 2027-01-31 is a Sunday and 1/30 a Saturday → the term-end deadline is Friday 1/29.
    terms = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)
    assert terms.to_json() == {
        "start_date": "2026-06-05",
        "free_period_end": "2026-06-30",
        "first_period_end": "2027-03-31",
        "paid_months": 9,
        "annual_fee": 79200,
        "first_fee": 59400,
        "first_payment_due": "2026-05-25",
        "renewal_payment_due": "2027-02-25",
        "term_end_cancel_deadline": "2027-01-29",
        "refund_request_deadline": "2026-07-15",
        "insurance_start": "2026-07-01",
        "insurance_end": "2027-06-30",
        "monthly_fee": 6600,
        "term_end_cancellable": True,
    }


def test_a_january_start_skips_new_year_and_the_year_end_break() -> None:
    # Applied 12/3 (day 1–5) → January 2027: 1/1 元日, 1/2–1/3 weekend and break → 1/4 … 1/8.
    terms = contract_terms(date(2026, 12, 3), date(2026, 12, 10), member=False)
    assert terms.start_date == date(2027, 1, 8)
    assert terms.free_period_end == date(2027, 1, 31)
    assert terms.paid_months == 2
    assert (terms.annual_fee, terms.monthly_fee, terms.first_fee) == (99000, 8250, 16500)
    assert terms.first_payment_due == date(2026, 12, 25)
    assert terms.renewal_payment_due == date(2027, 2, 25)
    assert terms.term_end_cancel_deadline == date(2027, 1, 29)
    assert terms.term_end_cancellable
    assert terms.refund_request_deadline == date(2027, 2, 15)  # a Monday
    assert (terms.insurance_start, terms.insurance_end) == (date(2027, 2, 1), date(2028, 1, 31))


def test_a_march_start_owes_nothing_yet_keeps_its_due_date_and_joins_the_renewal() -> None:
    # Applied 2/3 → March 2027 (3/1 Monday) → 3/5. First fee 0; approved 2/20 → due 3/25, and
    # the first renewal (2/25) cannot fall due before it: max(2/25, 3/25) = 3/25.
    terms = contract_terms(date(2027, 2, 3), date(2027, 2, 20), member=False)
    assert terms.start_date == date(2027, 3, 5)
    assert terms.first_period_end == date(2027, 3, 31)
    assert (terms.paid_months, terms.first_fee) == (0, 0)
    assert terms.first_payment_due == date(2027, 3, 25)
    assert terms.renewal_payment_due == date(2027, 3, 25)
    # The first period's deadline (1/29) lies before the application (2/3): no term-end cancel.
    assert terms.term_end_cancel_deadline == date(2027, 1, 29)
    assert not terms.term_end_cancellable
    assert terms.to_json()["term_end_cancellable"] is False
    assert terms.refund_request_deadline == date(2027, 4, 15)
    assert (terms.insurance_start, terms.insurance_end) == (date(2027, 4, 1), date(2028, 3, 31))


def test_a_may_start_in_a_leap_year_steps_over_golden_week() -> None:
    # Applied 2028-03-06 → May 2028: 5/1, 5/2, (5/3–5/7), 5/8, 5/9, 5/10. Paid June..March = 10.
    # 2029-01-31 is a Wednesday, so the deadline stays on it.
    terms = contract_terms(date(2028, 3, 6), date(2028, 3, 14), member=True)
    assert terms.start_date == date(2028, 5, 10)
    assert terms.first_period_end == date(2029, 3, 31)
    assert (terms.paid_months, terms.first_fee) == (10, 66000)
    assert terms.first_payment_due == date(2028, 3, 25)
    assert terms.renewal_payment_due == date(2029, 2, 25)
    assert terms.term_end_cancel_deadline == date(2029, 1, 31)
    assert terms.refund_request_deadline == date(2028, 6, 15)
    assert (terms.insurance_start, terms.insurance_end) == (date(2028, 6, 1), date(2029, 5, 31))


def test_a_refund_deadline_on_august_15_moves_to_the_business_day_before() -> None:
    # Applied 5/10 → July 2026 (7/1 Wed): 7/1, 7/2, 7/3, 7/6, 7/7. 8/15 is a Saturday (and
    # closed anyway); 8/14 is a Friday and open.
    terms = contract_terms(date(2026, 5, 10), date(2026, 5, 12), member=True)
    assert terms.start_date == date(2026, 7, 7)
    assert terms.refund_request_deadline == date(2026, 8, 14)


def test_the_json_has_every_key_of_the_spec_with_iso_dates_and_integer_yen() -> None:
    payload = contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=False).to_json()
    assert payload.keys() >= SPEC_KEYS
    for key in SPEC_KEYS - {"paid_months", "annual_fee", "first_fee"}:
        assert date.fromisoformat(payload[key]).isoformat() == payload[key]
    for key in ("paid_months", "annual_fee", "first_fee"):
        assert type(payload[key]) is int


@pytest.mark.parametrize(
    ("applied", "expected"),
    [
        (date(2026, 4, 5), date(2026, 5, 12)),  # day 5 → next month
        (date(2026, 4, 6), date(2026, 6, 5)),  # day 6 → the month after next
        (date(2026, 11, 30), date(2027, 1, 8)),
        (date(2026, 12, 1), date(2027, 1, 8)),
        (date(2026, 7, 20), date(2026, 9, 7)),  # 9/1 Tue … 9/4 Fri, 9/7 Mon
    ],
)
def test_the_start_date_is_the_fifth_business_day_of_the_right_month(
    applied: date, expected: date
) -> None:
    assert start_date(applied) == expected


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (date(2026, 6, 5), 9),
        (date(2027, 3, 5), 0),
        (date(2026, 4, 7), 11),
        (date(2027, 1, 8), 2),
        (date(2026, 12, 7), 3),
    ],
)
def test_paid_months_run_from_the_month_after_the_start_to_march(start: date, months: int) -> None:
    assert paid_months(start) == months


def test_the_period_ends_on_the_first_march_31_and_the_free_period_with_the_start_month() -> None:
    assert first_period_end(date(2026, 6, 5)) == date(2027, 3, 31)
    assert first_period_end(date(2027, 3, 5)) == date(2027, 3, 31)
    assert free_period_end(date(2028, 2, 7)) == date(2028, 2, 29)


def test_fees_follow_member_status() -> None:
    assert (annual_fee(True), monthly_fee(True)) == (79200, 6600)
    assert (annual_fee(False), monthly_fee(False)) == (99000, 8250)
    assert first_fee(date(2026, 6, 5), member=False) == 9 * 8250


@pytest.mark.parametrize(
    ("approved", "due"),
    [
        (date(2026, 6, 14), date(2026, 6, 25)),
        (date(2026, 6, 15), date(2026, 7, 25)),
        (date(2026, 12, 20), date(2027, 1, 25)),
        (date(2027, 2, 1), date(2027, 2, 25)),
    ],
)
def test_the_first_payment_falls_due_on_the_25th_by_the_approval_day(
    approved: date, due: date
) -> None:
    assert first_payment_due(approved) == due


def test_the_renewal_falls_due_on_february_25_unless_the_first_payment_is_later() -> None:
    assert renewal_payment_due(date(2027, 3, 31), date(2026, 7, 25)) == date(2027, 2, 25)
    assert renewal_payment_due(date(2027, 3, 31), date(2027, 2, 25)) == date(2027, 2, 25)
    assert renewal_payment_due(date(2027, 3, 31), date(2027, 3, 25)) == date(2027, 3, 25)
    assert renewal_payment_due(date(2028, 3, 31), date(2027, 3, 25)) == date(2028, 2, 25)


def test_the_insurance_year_is_the_one_covering_the_day() -> None:
    start = date(2026, 6, 5)
    assert insurance_year(start, date(2026, 6, 10)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert insurance_year(start, date(2027, 6, 30)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert insurance_year(start, date(2027, 7, 1)) == (date(2027, 7, 1), date(2028, 6, 30))
    december = date(2027, 12, 7)
    assert insurance_year(december, date(2028, 12, 31)) == (date(2028, 1, 1), date(2028, 12, 31))
    assert insurance_year(december, date(2029, 1, 1)) == (date(2029, 1, 1), date(2029, 12, 31))
