"""Rule fixes found by the rules audit (tests/e2e/test_rules_audit.py), one test each."""

from datetime import date

import pytest

from knowledge.rules.damages import claim_deadline, claim_lapses_on
from knowledge.rules.requests import evaluate


def test_a_batch_request_may_carry_the_json_option() -> None:
    # The spec's batch takes "the options above by name without dashes"; --json is one of them.
    answer = evaluate({"cmd": "service-change", "notified": "2026-12-31", "json": True})
    assert answer == {"deadline": "2027-02-26"}


@pytest.mark.parametrize(
    ("damage", "deadline"),
    [
        # Counting starts the next day, the 1st: 20 whole months end on a month's last day.
        (date(2026, 4, 30), date(2027, 12, 31)),
        (date(2027, 2, 28), date(2028, 10, 31)),
        (date(2028, 2, 29), date(2029, 10, 31)),
        (date(2026, 6, 30), date(2028, 2, 29)),
        (date(2026, 1, 31), date(2027, 9, 30)),
        # Otherwise the same day number 20 months later, clamped to that month's end.
        (date(2026, 1, 10), date(2027, 9, 10)),
        (date(2026, 6, 29), date(2028, 2, 29)),
        (date(2027, 6, 29), date(2029, 2, 28)),
        (date(2026, 1, 30), date(2027, 9, 30)),
    ],
)
def test_a_damages_claim_lapses_20_whole_months_after_the_day_of_the_damage(
    damage: date, deadline: date
) -> None:
    assert claim_deadline(damage) == deadline
    assert claim_lapses_on(damage) == date.fromordinal(deadline.toordinal() + 1)
