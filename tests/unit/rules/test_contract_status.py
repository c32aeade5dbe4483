"""A contract as of a day: its period, deadline, next payment and insurance year."""

from datetime import date

from knowledge.rules.contract import ContractTerms, contract_status, contract_terms


def june_member() -> ContractTerms:
    """Start 2026-06-05, first fee 59,400 due 2026-05-25, renewals 79,200 on February 25."""
    return contract_terms(date(2026, 4, 10), date(2026, 4, 20), member=True)


def test_before_the_start_the_status_shows_the_first_period_and_the_first_payment() -> None:
    status = contract_status(june_member(), date(2026, 5, 1))
    assert status.before_start
    assert not status.in_free_period
    assert (status.period_start, status.period_end) == (date(2026, 6, 5), date(2027, 3, 31))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2026, 5, 25), 59400)
    assert (status.insurance_start, status.insurance_end) == (date(2026, 7, 1), date(2027, 6, 30))


def test_the_free_period_runs_from_the_start_to_the_end_of_its_month() -> None:
    terms = june_member()
    assert contract_status(terms, date(2026, 6, 5)).in_free_period
    assert contract_status(terms, date(2026, 6, 30)).in_free_period
    assert not contract_status(terms, date(2026, 7, 1)).in_free_period
    assert not contract_status(terms, date(2026, 6, 4)).in_free_period


def test_after_the_first_payment_the_next_one_is_the_renewal() -> None:
    status = contract_status(june_member(), date(2026, 7, 1))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2027, 2, 25), 79200)
    assert status.cancel_deadline == date(2027, 1, 29)
    assert status.term_end_cancellable
    assert not status.cancel_deadline_passed
    assert status.renewal_payment_due == date(2027, 2, 25)
    assert (status.next_period_start, status.next_period_end) == (
        date(2027, 4, 1),
        date(2028, 3, 31),
    )


def test_on_the_due_date_that_payment_is_still_the_next_one() -> None:
    status = contract_status(june_member(), date(2027, 2, 25))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2027, 2, 25), 79200)
    later = contract_status(june_member(), date(2027, 2, 26))
    assert later.next_payment_due == date(2028, 2, 25)
    assert later.cancel_deadline_passed


def test_a_renewed_period_runs_april_to_march_with_its_own_deadline() -> None:
    status = contract_status(june_member(), date(2027, 4, 1))
    assert not status.first_period
    assert (status.period_start, status.period_end) == (date(2027, 4, 1), date(2028, 3, 31))
    assert status.cancel_deadline == date(2028, 1, 31)  # a Monday
    assert status.renewal_payment_due == date(2028, 2, 25)
    # 4/1 still lies in the first insurance year (7/1 – 6/30).
    assert (status.insurance_start, status.insurance_end) == (date(2026, 7, 1), date(2027, 6, 30))


def test_years_later_the_period_and_insurance_year_follow_today() -> None:
    status = contract_status(june_member(), date(2030, 1, 20))
    assert (status.period_start, status.period_end) == (date(2029, 4, 1), date(2030, 3, 31))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2030, 2, 25), 79200)
    assert (status.insurance_start, status.insurance_end) == (date(2029, 7, 1), date(2030, 6, 30))


def test_a_march_starter_approved_late_pays_first_period_and_renewal_together() -> None:
    # Start 2027-03-05, first fee 0 due 3/25, first renewal max(2/25, 3/25) = 3/25.
    terms = contract_terms(date(2027, 2, 3), date(2027, 2, 20), member=False)
    status = contract_status(terms, date(2027, 2, 25))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2027, 3, 25), 99000)
    assert status.renewal_payment_due == date(2027, 3, 25)
    assert not status.term_end_cancellable


def test_a_zero_yen_first_payment_is_no_payment_at_all() -> None:
    # Applied 2027-01-10 → start 2027-03-05 (fee 0); approved 1/12 → nothing due on 1/25.
    terms = contract_terms(date(2027, 1, 10), date(2027, 1, 12), member=True)
    assert (terms.first_fee, terms.first_payment_due) == (0, date(2027, 1, 25))
    status = contract_status(terms, date(2027, 1, 20))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2027, 2, 25), 79200)


def test_after_its_end_a_contract_has_no_period_deadline_or_payment() -> None:
    # Term-end cancellation of the first period: the contract ran to 2027-03-31.
    status = contract_status(june_member(), date(2027, 5, 1), ended_on=date(2027, 3, 31))
    assert status.ended
    assert (status.period_start, status.period_end) == (None, None)
    assert (status.cancel_deadline, status.cancel_deadline_passed) == (None, False)
    assert (status.next_period_start, status.renewal_payment_due) == (None, None)
    assert (status.next_payment_due, status.next_payment_amount) == (None, 0)


def test_an_end_fixed_ahead_stops_renewals_and_the_cancellation_deadline() -> None:
    # Cancelled on time for 2027-03-31: the renewal due 2027-02-25 is never owed.
    status = contract_status(june_member(), date(2026, 11, 1), ended_on=date(2027, 3, 31))
    assert not status.ended
    assert (status.period_start, status.period_end) == (date(2026, 6, 5), date(2027, 3, 31))
    assert status.cancel_deadline is None
    assert status.renewal_payment_due is None
    assert status.next_payment_due is None


def test_a_mid_term_end_keeps_the_period_fee_already_due() -> None:
    # 第12条3項: a mid-term cancellation for 2027-09-30 still owes the period begun 4/1.
    status = contract_status(june_member(), date(2027, 2, 1), ended_on=date(2027, 9, 30))
    assert (status.next_payment_due, status.next_payment_amount) == (date(2027, 2, 25), 79200)
    after = contract_status(june_member(), date(2027, 5, 1), ended_on=date(2027, 9, 30))
    assert (after.period_start, after.period_end) == (date(2027, 4, 1), date(2027, 9, 30))
    assert after.next_payment_due is None


def test_the_insurance_year_of_the_end_covers_only_causes_until_the_end() -> None:
    # 第4条3項但し書: the insurance year 2026-07-01 – 2027-06-30 outlives the contract.
    terms = june_member()
    status = contract_status(terms, date(2027, 5, 1), ended_on=date(2027, 3, 31))
    assert (status.insurance_start, status.insurance_end) == (date(2026, 7, 1), date(2027, 6, 30))
    assert status.insurance_causes_until == date(2027, 3, 31)
    later = contract_status(terms, date(2027, 7, 1), ended_on=date(2027, 3, 31))
    assert (later.insurance_start, later.insurance_end, later.insurance_causes_until) == (
        None, None, None,
    )  # fmt: skip
    running = contract_status(terms, date(2026, 9, 1))
    assert running.insurance_causes_until is None


def test_a_contract_ended_before_its_start_never_had_a_period_or_insurance() -> None:
    # 第8条6項: a cancellation before the start date, accepted by staff.
    status = contract_status(june_member(), date(2026, 5, 20), ended_on=date(2026, 5, 15))
    assert status.ended
    assert (status.period_start, status.insurance_start, status.next_payment_due) == (
        None, None, None,
    )  # fmt: skip
