"""What notices apply to one customer on a day: the plan, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from core.notice_plan import CustomerState, NoticeRules, current_notices, overdue_debts

RULES = NoticeRules()


def _customer(
    applied: date = date(2026, 5, 10),
    approved: date = date(2026, 5, 20),
    member: bool = True,
    payments: tuple[tuple[date, int], ...] = ((date(2026, 6, 20), 52_800),),
    **changes: object,
) -> CustomerState:
    state = CustomerState(
        pk=1, customer_id="NIG-000001", company="株式会社A", contact_name="山田",
        email="a@example.jp", member=member, status="active", ended_on=None,
        terms=RULES.terms(applied, approved, member), billed=(), payments=payments,
    )  # fmt: skip
    return replace(state, **changes)  # type: ignore[arg-type]


def _plan(state: CustomerState, on: date) -> list[tuple[str, str, date]]:
    return [(n.kind, n.about, n.scheduled_on) for n in current_notices(state, on, RULES)]


def _payments(state: CustomerState, on: date) -> list[tuple[str, str, date]]:
    return [notice for notice in _plan(state, on) if notice[0].startswith("payment_")]


def test_the_renewal_notice_is_scheduled_on_january_15_with_the_customers_figures() -> None:
    [notice] = current_notices(_customer(), date(2027, 1, 15), RULES)
    assert (notice.kind, notice.about, notice.scheduled_on) == (
        "renewal_notice", "2027-03-31", date(2027, 1, 15),
    )  # fmt: skip
    assert notice.context["cancel_deadline"] == date(2027, 1, 29)
    assert (notice.context["next_start"], notice.context["next_end"]) == (
        date(2027, 4, 1), date(2028, 3, 31),
    )  # fmt: skip
    assert (notice.context["fee"], notice.context["due_on"]) == (79_200, date(2027, 2, 25))


def test_a_renewal_notice_day_that_is_not_a_business_day_moves_to_the_next_one() -> None:
    # 2028-01-15 is a Saturday.
    state = _customer(payments=((date(2026, 6, 20), 52_800), (date(2027, 2, 20), 79_200)))
    assert _plan(state, date(2028, 1, 15)) == []
    assert _plan(state, date(2028, 1, 17)) == [("renewal_notice", "2028-03-31", date(2028, 1, 17))]


def test_a_missed_renewal_notice_still_applies_until_its_period_ends() -> None:
    assert _plan(_customer(), date(2027, 1, 16)) == [
        ("renewal_notice", "2027-03-31", date(2027, 1, 15))
    ]
    assert ("renewal_notice", "2027-03-31", date(2027, 1, 15)) not in _plan(
        _customer(), date(2027, 4, 1)
    )


def test_the_reminder_comes_seven_days_before_the_due_date_while_unpaid() -> None:
    state = _customer()
    assert ("payment_reminder", "2027-02-25", date(2027, 2, 18)) in _plan(state, date(2027, 2, 18))
    paid = replace(state, payments=(*state.payments, (date(2027, 2, 17), 79_200)))
    assert _plan(paid, date(2027, 2, 18)) == [("renewal_notice", "2027-03-31", date(2027, 1, 15))]


def test_overdue_notices_come_every_seven_days_three_at_most_the_third_asking_to_suspend() -> None:
    state = _customer()
    seen = {}
    for offset in range(0, 40):
        day = date(2027, 2, 26) + timedelta(days=offset)
        for notice in current_notices(state, day, RULES):
            if notice.kind == "payment_overdue":
                seen[notice.about] = (notice.scheduled_on, notice.context["suspend"])
    assert seen == {
        "2027-02-25#1": (date(2027, 2, 26), False),
        "2027-02-25#2": (date(2027, 3, 5), False),
        "2027-02-25#3": (date(2027, 3, 12), True),
    }


def test_a_debt_paid_late_stops_the_overdue_notices() -> None:
    state = _customer(payments=((date(2026, 6, 20), 52_800), (date(2027, 3, 1), 79_200)))
    assert _payments(state, date(2027, 2, 26)) == [
        ("payment_overdue", "2027-02-25#1", date(2027, 2, 26))
    ]
    assert _payments(state, date(2027, 3, 5)) == []


def test_a_partial_payment_leaves_the_debt_unpaid_and_the_notices_state_what_is_left() -> None:
    state = _customer(payments=((date(2026, 6, 20), 52_800), (date(2027, 2, 24), 40_000)))
    overdue = [n for n in current_notices(state, date(2027, 3, 12), RULES) if n.about[-2] == "#"]
    assert [(n.about, n.context["amount"]) for n in overdue] == [("2027-02-25#3", 39_200)]


def test_after_days_without_a_sweep_only_the_latest_overdue_notice_applies() -> None:
    assert _payments(_customer(), date(2027, 3, 6)) == [
        ("payment_overdue", "2027-02-25#2", date(2027, 3, 5))
    ]


def test_a_march_start_owes_nothing_first_so_its_only_reminder_is_the_renewal() -> None:
    # Applied 1/10 → start 3/5 (0 yen, R5); approved 1/20 → both due 2/25 (R6, R7).
    state = _customer(date(2027, 1, 10), date(2027, 1, 20), payments=())
    [renewal] = current_notices(state, date(2027, 1, 20), RULES)
    assert (renewal.kind, renewal.scheduled_on) == ("renewal_notice", date(2027, 1, 20))
    [reminder, _] = current_notices(state, date(2027, 2, 18), RULES)
    assert (reminder.about, reminder.context["amount"]) == ("2027-02-25", 79_200)


def test_a_february_start_is_reminded_of_its_first_fee_and_then_of_the_renewal() -> None:
    state = _customer(date(2026, 12, 10), date(2026, 12, 20), member=False, payments=())
    assert ("payment_reminder", "2027-01-25", date(2027, 1, 18)) in _plan(state, date(2027, 1, 18))
    reminder = [
        n for n in current_notices(state, date(2027, 2, 18), RULES) if n.about == "2027-02-25"
    ]
    # Unpaid first fee (8,250) and the renewal (99,000) together.
    assert reminder[0].context["amount"] == 8_250 + 99_000


def test_an_on_time_term_end_cancellation_keeps_the_renewal_notice_and_its_reminder_away() -> None:
    state = _customer(cancelling_at=frozenset({date(2027, 3, 31)}))
    assert _plan(state, date(2027, 1, 15)) == []
    assert _plan(state, date(2027, 2, 18)) == []


def test_utm_return_mails_follow_the_end_every_14_days_until_the_utm_is_back() -> None:
    state = _customer(status="cancelled", ended_on=date(2027, 3, 31),
                      payments=((date(2026, 6, 20), 52_800),))  # fmt: skip
    assert _plan(state, date(2027, 3, 31)) == []
    assert _plan(state, date(2027, 4, 1)) == [("utm_return", "2027-03-31#1", date(2027, 4, 1))]
    assert _plan(state, date(2027, 4, 15)) == [("utm_return", "2027-03-31#2", date(2027, 4, 15))]
    back = replace(state, utm_returned_on=date(2027, 4, 20))
    assert _plan(back, date(2027, 4, 29)) == []


def test_the_digest_lists_debts_whose_due_date_has_passed() -> None:
    [debt] = overdue_debts(_customer(), date(2027, 2, 26))
    assert (debt.due_on, debt.owed) == (date(2027, 2, 25), 79_200)
    assert overdue_debts(_customer(), date(2027, 2, 25)) == []
