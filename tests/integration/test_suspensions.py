"""The `suspend` action (第9条1項(1), 第10条1項(1)): at most one per customer at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

from racing import race
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core import executor, queue
from core.customers import get_customer, upsert_customer
from core.db import session_factory
from core.models import Action, OutboxMail, Payment
from core.notice_plan import NoticeRules, PlannedNotice
from core.notices import claim, deliver, planned, send_due
from core.settings import load_settings
from knowledge.rules.calendar import JST

# A horizon wide enough to reach back to 2023: the overdue notices of every unpaid due date
# are then current at once (the catch-up horizon itself is tested in test_notice_horizon.py).
RULES = replace(NoticeRules(), catch_up_days=5000)
TODAY = date(2026, 12, 3)
NOW = datetime.combine(TODAY, time(7), JST)


def _customer(sessions: sessionmaker[Session], cid: str = "NIG-000110") -> None:
    """Approved 2023-06-05 (a member), never paid: unpaid on 2023-06-25 and three February 25ths."""
    values = {
        "customer_id": cid, "company": "有限会社いろは印刷", "contact_name": "伊呂波茂",
        "email": f"{cid.lower()}@example.jp", "member": True,
        "applied_on": date(2023, 6, 1), "approved_on": date(2023, 6, 5),
    }  # fmt: skip
    with sessions.begin() as session:
        upsert_customer(session, values, date(2023, 6, 5), RULES.calendar)


def _suspensions(sessions: sessionmaker[Session]) -> list[Action]:
    with sessions.begin() as session:
        actions = session.scalars(
            select(Action).where(Action.kind == "suspend").order_by(Action.id)
        ).all()
        session.expunge_all()
    return list(actions)


def _thirds(sessions: sessionmaker[Session], on: date) -> list[PlannedNotice]:
    with sessions.begin() as session:
        return [
            n
            for n in planned(session, RULES, on, only_on=False, kinds={"payment_overdue"})
            if n.context["suspend"]
        ]


def test_four_unpaid_due_dates_queue_one_suspend_naming_the_total_and_the_oldest_due_date(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions)
    assert [n.about for n in _thirds(sessions, TODAY)] == [
        "2023-06-25#3", "2024-02-25#3", "2025-02-25#3", "2026-02-25#3",
    ]  # fmt: skip
    report = send_due(sessions, RULES, TODAY, me="s", now=NOW)
    assert report.sent == 4
    [action] = _suspensions(sessions)
    assert action.status == "pending"
    # 52,800 (the first period, August–March) + 3 × 79,200 (the renewals).
    assert "290,400 yen unpaid in total, oldest due 2023-06-25" in action.summary
    assert action.payload["amount"] == 290_400
    assert action.payload["due_on"] == "2023-06-25"
    # Approved, the suspension mail states the whole debt and since when it fell due.
    with sessions.begin() as session:
        assert executor.approve(session, action.id, "cli:staff", settings=load_settings({})).ok
        mail = session.scalars(select(OutboxMail).where(OutboxMail.kind == "suspension")).one()
        assert "2023年6月25日(日)以降が支払期日のご利用料金（290,400円）" in mail.body


def test_no_suspend_is_queued_while_one_is_pending_or_approved_or_the_customer_is_suspended(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions)
    thirds = _thirds(sessions, TODAY)
    first, second, third, fourth = thirds

    def deliver_one(notice: PlannedNotice) -> list[int]:
        with sessions.begin() as session:
            claimed = claim(session, [notice], me="s", now=NOW)
        with sessions.begin() as session:
            deliver(session, claimed, me="s", now=NOW)
        return [a.id for a in _suspensions(sessions)]

    [pending] = deliver_one(first)
    assert deliver_one(second) == [pending]  # one is pending
    with sessions.begin() as session:
        queue.approve(session, pending, "cli:staff")
    assert deliver_one(third) == [pending]  # one is approved, not carried out yet
    with sessions.begin() as session:
        get_customer(session, "NIG-000110").status = "suspended"
        session.get_one(Action, pending).status = "done"
    assert deliver_one(fourth) == [pending]  # the customer is suspended already


def test_after_a_rejected_suspend_the_next_third_overdue_notice_asks_again(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions)
    # Paid everything up to the 2025 renewal: only 2026-02-25 stays unpaid.
    with sessions.begin() as session:
        pk = get_customer(session, "NIG-000110").id
        session.add(Payment(customer_pk=pk, paid_on=date(2025, 2, 20), amount=52_800 + 2 * 79_200))
    march = date(2026, 3, 12)
    send_due(sessions, RULES, march, me="s", now=datetime.combine(march, time(7), JST))
    [first] = _suspensions(sessions)
    assert "79,200 yen unpaid in total, oldest due 2026-02-25" in first.summary
    with sessions.begin() as session:
        queue.reject(session, first.id, "cli:staff", "話し合い中")
    send_due(sessions, RULES, TODAY, me="s", now=NOW)
    assert [a.id for a in _suspensions(sessions)] == [first.id]  # that #3 was sent already
    # The customer paid, then fell behind again: the next third overdue notice asks again.
    with sessions.begin() as session:
        session.add(Payment(customer_pk=pk, paid_on=date(2026, 4, 1), amount=79_200))
    spring = date(2027, 3, 12)
    send_due(sessions, RULES, spring, me="s", now=datetime.combine(spring, time(7), JST))
    later = _suspensions(sessions)
    assert len(later) == 2
    assert "79,200 yen unpaid in total, oldest due 2027-02-25" in later[1].summary


def test_two_sweeps_sending_different_third_notices_of_one_customer_queue_one_suspend(
    fresh_engine: Engine, empty_url: str
) -> None:
    setup = session_factory(fresh_engine)
    customers = [f"NIG-{n:06d}" for n in range(1, 21)]
    for cid in customers:
        _customer(setup, cid)
    thirds = _thirds(setup, TODAY)
    # Each sweep holds two of every customer's four third notices, then both deliver at once.
    halves = {
        "a": [n for n in thirds if n.about < "2025"],
        "b": [n for n in thirds if n.about > "2025"],
    }

    def sweep(sessions: sessionmaker[Session], me: str, go: Callable[[], object]) -> int:
        with sessions.begin() as session:
            claimed = claim(session, halves[me], me=me, now=NOW)
        go()
        with sessions.begin() as session:
            return len(deliver(session, claimed, me=me, now=NOW))

    sent = race(empty_url, ("a", "b"), sweep)
    assert sent == {"a": 40, "b": 40}
    actions = _suspensions(setup)
    assert sorted(a.payload["customer_id"] for a in actions) == customers
    assert all(a.payload["amount"] == 290_400 for a in actions)
