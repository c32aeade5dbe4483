"""OTASUKE_STAFF_EMAILS: the digest's addresses, comma-separated; a bad one is named."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.settings import load_settings


def test_staff_emails_are_read_comma_separated() -> None:
    settings = load_settings({"OTASUKE_STAFF_EMAILS": " a@chamber.example, b@chamber.example ,"})
    assert settings.staff_emails == ["a@chamber.example", "b@chamber.example"]
    assert load_settings({}).staff_emails == []


def test_something_that_is_not_an_address_is_refused_naming_the_variable() -> None:
    with pytest.raises(UserError, match="OTASUKE_STAFF_EMAILS"):
        load_settings({"OTASUKE_STAFF_EMAILS": "staff at chamber"})
