"""`otasuke mail backfill --since DATE`: shows what it would import, imports with --yes, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mailtests import customer_mail
from sqlalchemy import func, select

from core.db import make_engine
from core.models import InboundMail


@pytest.fixture
def mailbox(dovecot_server, otasuke, monkeypatch):
    account = dovecot_server.add_user()
    monkeypatch.setenv("OTASUKE_IMAP_HOST", "127.0.0.1")
    monkeypatch.setenv("OTASUKE_IMAP_PORT", str(dovecot_server.imap_port))
    monkeypatch.setenv("OTASUKE_IMAP_USER", account.user)
    monkeypatch.setenv("OTASUKE_IMAP_PASSWORD", account.password)
    monkeypatch.setenv("OTASUKE_IMAP_TLS", "none")
    assert otasuke("db", "upgrade").code == 0
    return account


def stored_count() -> int:
    engine = make_engine("sqlite:///var/otasuke.db")
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(InboundMail)) or 0)
    finally:
        engine.dispose()


def test_backfill_shows_first_then_imports_with_yes_and_never_twice(mailbox, otasuke) -> None:
    now = datetime.now(UTC)
    mailbox.append(customer_mail(1, subject="old request"), when=now - timedelta(days=30))
    mailbox.append(customer_mail(2, subject="recent request"), when=now - timedelta(days=3))
    since = (now - timedelta(days=7)).date().isoformat()

    shown = otasuke("mail", "backfill", "--since", since)
    assert shown.code == 0, shown.err
    assert "recent request" in shown.out
    assert "would import" in shown.out
    assert "old request" not in shown.out
    assert "1 not stored yet" in shown.out
    assert stored_count() == 0

    done = otasuke("mail", "backfill", "--since", since, "--yes")
    assert done.code == 0, done.err
    assert "1 mail(s) imported" in done.out
    assert stored_count() == 1

    again = otasuke("mail", "backfill", "--since", since, "--yes")
    assert "stored already" in again.out
    assert "0 mail(s) imported" in again.out
    assert stored_count() == 1


def test_backfill_without_imap_says_what_is_missing(otasuke) -> None:
    result = otasuke("mail", "backfill", "--since", "2026-11-01")
    assert result.code == 1
    assert "OTASUKE_IMAP_HOST is not set" in result.err


def test_backfill_with_a_bad_date_is_one_line(otasuke) -> None:
    result = otasuke("mail", "backfill", "--since", "last week")
    assert result.code != 0
    assert "--since" in result.err
