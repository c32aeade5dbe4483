"""Transactions on a shared database: one that reads and then writes waits, it does not fail."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.db import session_factory
from core.models import MailCursor


def test_a_transaction_that_reads_then_writes_survives_another_writers_commit(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    has_read = threading.Event()
    other_done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        has_read.wait()
        try:
            with sessions.begin() as session:
                session.add(MailCursor(folder="B", uidvalidity=1))
        except BaseException as exc:  # the main thread asserts on it
            errors.append(exc)
        finally:
            other_done.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        with sessions.begin() as session:
            seen = session.scalar(select(func.count()).select_from(MailCursor))
            has_read.set()
            # SQLite: the other writer waits for our lock; without it, it commits meanwhile.
            other_done.wait(timeout=1)
            session.add(MailCursor(folder="A", uidvalidity=seen or 1))
    finally:
        has_read.set()
        thread.join()
    assert errors == []
    with Session(fresh_engine) as session:
        assert set(session.scalars(select(MailCursor.folder))) == {"A", "B"}
