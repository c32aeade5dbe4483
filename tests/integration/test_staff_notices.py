"""Telling staff: recorded once per key, announced once, listed by `otasuke staff notices`."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import staff_notices
from core.db import make_engine, session_factory


def test_a_notice_with_a_key_is_recorded_once(session: Session) -> None:
    first = staff_notices.tell_staff(session, "mailbox", "IMAP: no poll for 30 min", key="dead:1")
    again = staff_notices.tell_staff(session, "mailbox", "IMAP: no poll for 31 min", key="dead:1")
    assert first is not None
    assert again is None
    assert [n.text for n in staff_notices.recent(session)] == ["IMAP: no poll for 30 min"]


def test_each_notice_is_announced_by_one_caller_only(session: Session) -> None:
    notice = staff_notices.tell_staff(session, "mail_failed", "550 to a@example.jp")
    assert notice is not None
    assert [n.id for n in staff_notices.unannounced(session)] == [notice.id]
    assert staff_notices.mark_announced(session, notice.id) is True
    assert staff_notices.mark_announced(session, notice.id) is False
    assert staff_notices.unannounced(session) == []


def test_recent_since_leaves_out_older_notices(session: Session) -> None:
    staff_notices.tell_staff(session, "a", "old", at=datetime(2026, 12, 1, tzinfo=UTC))
    staff_notices.tell_staff(session, "b", "new", at=datetime(2026, 12, 3, tzinfo=UTC))
    since = datetime(2026, 12, 2, tzinfo=UTC)
    assert [n.text for n in staff_notices.recent(session, since=since)] == ["new"]


def test_staff_notices_command_lists_them_newest_first(
    otasuke, fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_DATABASE_URL", fresh_url)
    assert otasuke("staff", "notices").out.strip() == "No staff notices."
    engine = make_engine(fresh_url)
    with session_factory(engine).begin() as db:
        staff_notices.tell_staff(db, "quarantine", "mail 12 set aside after 3 attempts")
        staff_notices.tell_staff(db, "mail_failed", "550 5.7.1 to a@example.jp")
    engine.dispose()
    lines = [json.loads(x) for x in otasuke("staff", "notices", "--json").out.splitlines()]
    assert [x["kind"] for x in lines] == ["mail_failed", "quarantine"]
    assert lines[0]["announced"] is False
    assert "[quarantine]" in otasuke("staff", "notices").out


def test_two_workers_telling_the_same_keyed_notice_at_once_record_it_once(
    fresh_engine: Engine, empty_url: str
) -> None:
    """Both transactions insert before either commits: one row, and neither raises."""
    first = session_factory(fresh_engine)()
    other_engine = make_engine(empty_url)
    second = session_factory(other_engine)()
    try:
        first.begin()
        told = staff_notices.tell_staff(first, "mailbox", "dead", key="dead:INBOX")
        assert told is not None
        done = threading.Event()
        results: list[object] = []

        def race() -> None:
            with second.begin():
                results.append(
                    staff_notices.tell_staff(second, "mailbox", "dead", key="dead:INBOX")
                )
            done.set()

        worker = threading.Thread(target=race)
        worker.start()
        # SQLite's second writer waits at BEGIN IMMEDIATE; PostgreSQL's waits on the key.
        assert not done.wait(0.5)
        first.commit()
        worker.join(10)
        assert results == [None]
        with session_factory(fresh_engine).begin() as check:
            assert [n.key for n in staff_notices.recent(check)] == ["dead:INBOX"]
    finally:
        first.close()
        second.close()
        other_engine.dispose()
