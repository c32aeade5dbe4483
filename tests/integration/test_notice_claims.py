"""Exactly once: claims with a lease, a crash between claiming and sending, racing sweeps."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

import pytest
from racing import race
from sqlalchemy import Engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from core import notices
from core.customers import upsert_customer
from core.db import make_engine, session_factory
from core.models import ContractPeriod, Customer, Notice, OutboxMail, Payment
from core.notice_plan import NoticeRules
from core.notices import SendReport, claim, deliver, planned, send_due
from core.outbox import NewMail, enqueue_all
from core.settings import load_settings
from core.sweep import bill_ahead
from core.workers import run_workers
from knowledge.rules.calendar import JST, jst_date
from scheduler.sweeper import NoticeScheduler

RULES = NoticeRules()
JAN_15 = date(2027, 1, 15)
NOW = datetime.combine(JAN_15, time(7), JST)


def _customers(
    sessions: sessionmaker[Session], count: int, approved: date, *, paid: bool = True
) -> None:
    """`count` customers approved on `approved`; `paid`: their first fee paid that day."""
    with sessions.begin() as session:
        for n in range(1, count + 1):
            values = {
                "customer_id": f"NIG-{n:06d}", "company": f"会社{n}", "contact_name": "担当",
                "email": f"c{n}@example.jp", "member": n % 2 == 0,
                "applied_on": approved - timedelta(days=5), "approved_on": approved,
            }  # fmt: skip
            customer = upsert_customer(session, values, approved, RULES.calendar)
            fee = RULES.terms(values["applied_on"], approved, values["member"]).first_fee
            if paid and fee:
                session.add(Payment(customer_pk=customer.id, paid_on=approved, amount=fee))


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions.begin() as session:
        sent = session.scalar(select(func.count()).where(Notice.sent_at.is_not(None)))
        mails = session.scalar(select(func.count()).select_from(OutboxMail))
    return sent or 0, mails or 0


def test_a_notice_claimed_is_not_sent_by_another_sweep_while_the_lease_lasts(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 3, date(2026, 5, 20))
    with sessions.begin() as session:
        notices = planned(session, RULES, JAN_15, only_on=True)
        claimed = claim(session, notices, me="a", now=NOW)
    assert len(claimed) == 3
    # RETURNING names the winner: a second claim at the same moment wins nothing.
    with sessions.begin() as session:
        assert claim(session, notices, me="b", now=NOW) == {}
    assert send_due(sessions, RULES, JAN_15, me="b", now=NOW + timedelta(minutes=1)).sent == 0
    assert _counts(sessions) == (0, 0)


def test_a_crash_between_claiming_and_sending_neither_loses_nor_doubles(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 3, date(2026, 5, 20))
    with sessions.begin() as session:
        claimed = claim(session, planned(session, RULES, JAN_15, only_on=True), me="dead", now=NOW)
    # "dead" crashed here. When its lease runs out, the next sweep sends each notice once.
    later = NOW + timedelta(minutes=6)
    assert send_due(sessions, RULES, JAN_15, me="next", now=later).sent == 3
    with sessions.begin() as session:
        assert deliver(session, claimed, me="dead", now=later) == []  # it came back: too late
    assert send_due(sessions, RULES, JAN_15, me="third", now=later).sent == 0
    assert _counts(sessions) == (3, 3)


def test_a_lease_shorter_than_the_send_still_sends_once(fresh_engine: Engine) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 2, date(2026, 5, 20))
    with sessions.begin() as session:
        notices = planned(session, RULES, JAN_15, only_on=True)
        slow = claim(session, notices, me="slow", now=NOW, lease=timedelta(seconds=1))
    # The slow sweep is still sending when its lease runs out and another sweep takes over.
    with sessions.begin() as session:
        fast = claim(session, notices, me="fast", now=NOW + timedelta(seconds=2))
    assert set(fast) == set(slow)
    with sessions.begin() as session:
        assert len(deliver(session, fast, me="fast", now=NOW)) == 2
    with sessions.begin() as session:
        assert deliver(session, slow, me="slow", now=NOW) == []
    assert _counts(sessions) == (2, 2)


def test_two_sweeps_racing_over_the_same_notices_send_each_once(
    fresh_engine: Engine, empty_url: str
) -> None:
    setup = session_factory(fresh_engine)
    _customers(setup, 120, date(2026, 5, 20))

    def sweep(sessions: sessionmaker[Session], me: str, go: Callable[[], object]) -> SendReport:
        go()
        return send_due(sessions, RULES, JAN_15, me=me, now=NOW)

    reports = race(empty_url, ("a", "b"), sweep)
    assert reports["a"].sent + reports["b"].sent == 120
    assert _counts(setup) == (120, 120)


async def test_two_schedulers_on_one_database_send_each_notice_once(
    fresh_engine: Engine, empty_url: str
) -> None:
    sessions = session_factory(fresh_engine)
    today = jst_date(datetime.now(JST))
    # Approved 40 days ago and never paid: an overdue notice applies today to each of them.
    _customers(sessions, 60, today - timedelta(days=40), paid=False)
    with sessions.begin() as session:
        expected = len(planned(session, RULES, today, only_on=False))
    assert expected >= 60
    settings = load_settings({"OTASUKE_DATABASE_URL": empty_url})
    stop = asyncio.Event()
    workers = [NoticeScheduler(settings), NoticeScheduler(settings)]
    running = asyncio.create_task(run_workers(workers, stop))
    for _ in range(300):
        await asyncio.sleep(0.1)
        if _counts(sessions)[0] == expected:
            break
    await asyncio.sleep(0.5)  # anything sent twice would show now
    stop.set()
    assert await running == []
    assert _counts(sessions) == (expected, expected)


def test_a_batch_of_notices_is_queued_in_one_insert_each_row_linked_to_its_own_mail(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 7, date(2026, 5, 20))
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts.append(statement)

    event.listen(fresh_engine, "before_cursor_execute", count)
    try:
        report = send_due(sessions, RULES, JAN_15, me="a", now=NOW)
    finally:
        event.remove(fresh_engine, "before_cursor_execute", count)
    assert report.sent == 7
    assert len(inserts) == 1  # one mail a statement before
    with sessions.begin() as session:
        rows = session.execute(
            select(Notice, OutboxMail, Customer)
            .join(OutboxMail, OutboxMail.id == Notice.outbox_id)
            .join(Customer, Customer.id == Notice.customer_pk)
        ).all()
        assert sorted(mail.id for _, mail, _ in rows) == sorted(report.outbox_ids)
        for notice, mail, customer in rows:
            assert mail.key == f"notice:{customer.customer_id}:{notice.kind}:{notice.about}"
            assert (mail.to_address, mail.customer_pk) == (customer.email, customer.id)
            assert mail.kind == notice.kind


def test_a_notice_is_marked_sent_only_together_with_its_mail_queued(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 3, date(2026, 5, 20))

    def queued_then_failed(session: Session, mails: Sequence[NewMail]) -> list[int]:
        enqueue_all(session, mails)
        raise OSError("the database went away")

    monkeypatch.setattr(notices, "enqueue_all", queued_then_failed)
    with pytest.raises(OSError, match="went away"):
        send_due(sessions, RULES, JAN_15, me="a", now=NOW)
    assert _counts(sessions) == (0, 0)  # neither the notices marked sent nor their mails
    monkeypatch.undo()
    assert send_due(sessions, RULES, JAN_15, me="b", now=NOW + timedelta(minutes=6)).sent == 3
    assert _counts(sessions) == (3, 3)


def test_claims_are_counted_from_returning_as_postgresql_reports_no_insert_rowcount(
    fresh_engine: Engine, backend: str
) -> None:
    sessions = session_factory(fresh_engine)
    _customers(sessions, 1, date(2026, 5, 20))
    with sessions.begin() as session:
        [notice] = planned(session, RULES, JAN_15, only_on=True)
        dialect = postgresql if backend == "postgresql" else sqlite
        values = {"customer_pk": notice.customer_pk, "kind": notice.kind, "about": notice.about,
                  "scheduled_on": notice.scheduled_on, "created_at": NOW}  # fmt: skip
        result = session.execute(
            dialect.insert(Notice.__table__).values(values).on_conflict_do_nothing()
        )
        # The trap (the note, §4): a Core INSERT's rowcount on PostgreSQL is -1, win or lose.
        assert result.rowcount == (-1 if backend == "postgresql" else 1)
        assert list(claim(session, [notice], me="a", now=NOW)) != []


def test_two_sweeps_billing_ahead_at_once_store_each_period_once(
    fresh_engine: Engine, empty_url: str
) -> None:
    setup = session_factory(fresh_engine)
    _customers(setup, 300, date(2026, 5, 20))  # only their first periods stored
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def bill() -> None:
        engine = make_engine(empty_url)
        try:
            barrier.wait()
            bill_ahead(session_factory(engine), RULES, date(2027, 2, 20))
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=bill) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with setup.begin() as session:
        assert session.scalar(select(func.count()).select_from(ContractPeriod)) == 600
