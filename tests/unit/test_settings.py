"""Settings from the environment: names, defaults, parsing, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from core.settings import business_calendar, load_settings


def test_defaults_are_the_specs() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///var/otasuke.db"
    assert settings.mail_from == "otasuke@localhost"
    assert settings.mail_inbox_dir == Path("var/mail/inbox")
    assert settings.mail_outbox_dir == Path("var/mail/outbox")
    assert settings.telegram_token is None
    assert settings.imap_host is None
    assert settings.staff_telegram_ids == []


def test_every_spec_variable_is_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "OTASUKE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "OTASUKE_TELEGRAM_TOKEN": "123:abc",
            "OTASUKE_TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
            "OTASUKE_STAFF_TELEGRAM_IDS": "9001, 9002",
            "OTASUKE_IMAP_HOST": "imap.example.jp",
            "OTASUKE_IMAP_PORT": "993",
            "OTASUKE_IMAP_USER": "office",
            "OTASUKE_IMAP_PASSWORD": "secret",
            "OTASUKE_IMAP_TLS": "none",
            "OTASUKE_SMTP_HOST": "smtp.example.jp",
            "OTASUKE_SMTP_PORT": "587",
            "OTASUKE_SMTP_USER": "office",
            "OTASUKE_SMTP_PASSWORD": "secret2",
            "OTASUKE_SMTP_TLS": "starttls",
            "OTASUKE_MAIL_FROM": "desk@cci.example.jp",
            "OTASUKE_MAIL_INBOX_DIR": "/srv/in",
            "OTASUKE_MAIL_OUTBOX_DIR": "/srv/out",
        }
    )
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:abc"
    assert settings.telegram_api_url == "http://127.0.0.1:8081/bot"
    assert settings.staff_telegram_ids == [9001, 9002]
    assert (settings.imap_host, settings.imap_port, settings.imap_user) == (
        "imap.example.jp",
        993,
        "office",
    )
    assert settings.imap_tls == "none"
    assert settings.smtp_tls == "starttls"
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "secret2"
    assert (settings.smtp_host, settings.smtp_port) == ("smtp.example.jp", 587)
    assert settings.mail_from == "desk@cci.example.jp"
    assert settings.mail_outbox_dir == Path("/srv/out")


def test_a_secret_is_not_shown_when_settings_are_printed() -> None:
    settings = load_settings({"OTASUKE_IMAP_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(settings)


def test_an_empty_variable_counts_as_unset() -> None:
    assert load_settings({"OTASUKE_IMAP_PORT": ""}).imap_port is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OTASUKE_IMAP_PORT", "nine", "OTASUKE_IMAP_PORT: not a valid integer"),
        ("OTASUKE_SMTP_TLS", "ssl", "OTASUKE_SMTP_TLS: should be 'implicit', 'starttls' or 'none'"),
        (
            "OTASUKE_STAFF_TELEGRAM_IDS",
            "9001;9002",
            "OTASUKE_STAFF_TELEGRAM_IDS: not a comma-separated",
        ),
        ("OTASUKE_YEAR_END_BREAK_START", "29 Dec", "OTASUKE_YEAR_END_BREAK_START: not a month-day"),
    ],
)
def test_a_malformed_value_is_a_user_error_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(UserError) as caught:
        load_settings({name: value})
    assert str(caught.value).startswith(message)


def test_the_business_calendar_follows_the_settings() -> None:
    settings = load_settings(
        {"OTASUKE_YEAR_END_BREAK_START": "12-28", "OTASUKE_CLOSED_DAYS": "8-15, 8-14"}
    )
    calendar = business_calendar(settings)
    assert calendar.year_end_break_start == (12, 28)
    assert calendar.closed_days == ((8, 15), (8, 14))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OTASUKE_RENEWAL_NOTICE_DAY", "2-30"),
        ("OTASUKE_RENEWAL_NOTICE_DAY", "2-29"),  # not there in three years out of four
        ("OTASUKE_YEAR_END_BREAK_END", "4/31"),
        ("OTASUKE_YEAR_END_BREAK_START", "13-01"),
        ("OTASUKE_CLOSED_DAYS", "8-15, 6-31"),
    ],
)
def test_a_month_day_that_is_not_there_every_year_is_refused_naming_the_variable(
    name: str, value: str
) -> None:
    with pytest.raises(UserError) as caught:
        load_settings({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "is not a day of every year" in message
    assert "\n" not in message


def test_the_last_day_of_every_month_is_a_month_day() -> None:
    settings = load_settings({"OTASUKE_CLOSED_DAYS": "1-31, 2-28, 4-30, 12-31"})
    assert settings.closed_days == [(1, 31), (2, 28), (4, 30), (12, 31)]


def test_an_unknown_variable_in_the_environment_is_ignored() -> None:
    assert load_settings({"OTASUKE_IMAP_HOTS": "imap.example.jp"}).imap_host is None


def test_the_database_password_is_not_shown_when_settings_are_printed() -> None:
    url = "postgresql+psycopg://otasuke:hunter2@db.example.jp:5432/otasuke"
    settings = load_settings({"OTASUKE_DATABASE_URL": url})
    assert settings.database_url == url
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)
    assert "otasuke:***@db.example.jp" in repr(settings)


def test_the_notice_catch_up_horizon_defaults_to_fourteen_days_and_is_configurable() -> None:
    from core.notice_plan import NoticeRules

    assert NoticeRules.from_settings(load_settings({})).catch_up_days == 14
    settings = load_settings({"OTASUKE_NOTICE_CATCH_UP_DAYS": "30"})
    assert NoticeRules.from_settings(settings).catch_up_days == 30
    with pytest.raises(UserError, match="OTASUKE_NOTICE_CATCH_UP_DAYS"):
        load_settings({"OTASUKE_NOTICE_CATCH_UP_DAYS": "-1"})
