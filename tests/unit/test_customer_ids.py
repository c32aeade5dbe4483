"""Customer IDs as customers write them: one key per customer, ASCII digits only."""

import pytest

from core.customers import normalize_customer_id


@pytest.mark.parametrize("text", ["NIG-٠٠٠١٢٣", "NIG-۰۰۰۱۲۳", "NIG-०००१२३", "nig٠٠٠١٢٣"])
def test_digits_of_other_scripts_are_not_a_customer_id(text: str) -> None:
    # NFKC leaves Arabic-Indic and Devanagari digits as they are; they would make a second key.
    assert normalize_customer_id(text) is None


def test_full_width_digits_fold_to_the_same_id() -> None:
    assert normalize_customer_id("ＮＩＧ－０００１２３") == "NIG-000123"
