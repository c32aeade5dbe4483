"""The daily sweep over a whole contract year with a frozen clock: every notice on its day, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core import queue
from core.customers import upsert_customer
from core.db import session_factory
from core.models import Action, Customer, OutboxMail, Payment
from core.notice_plan import NoticeRules
from core.notices import due
from core.settings import Settings, load_settings
from core.sweep import daily_sweep
from core.utm import record_utm_returned
from knowledge.rules.calendar import JST

RULES = NoticeRules()


def _values(cid: str, applied: date, approved: date, member: bool) -> dict[str, Any]:
    return {
        "customer_id": cid, "company": f"{cid} 株式会社", "contact_name": "担当者",
        "email": f"{cid.lower()}@example.jp", "member": member,
        "applied_on": applied, "approved_on": approved,
    }  # fmt: skip


# (customer, applied, approved, member); each comes into the database on its approval day.
CUSTOMERS = [
    ("NIG-000001", date(2026, 5, 10), date(2026, 5, 20), True),  # pays on time
    ("NIG-000002", date(2026, 6, 3), date(2026, 6, 10), False),  # pays late
    ("NIG-000003", date(2026, 9, 1), date(2026, 9, 8), True),  # pays partly
    ("NIG-000004", date(2026, 12, 10), date(2026, 12, 20), False),  # starts in February
    ("NIG-000005", date(2027, 1, 10), date(2027, 1, 20), True),  # starts in March (0 yen first)
    ("NIG-000006", date(2025, 10, 1), date(2025, 10, 8), True),  # cancels at term end
]
# Payments received, by day: (customer, amount).
PAYMENTS = {
    date(2026, 6, 20): [("NIG-000001", 52_800), ("NIG-000002", 66_000)],
    date(2025, 10, 20): [("NIG-000006", 26_400)],
    date(2026, 2, 20): [("NIG-000006", 79_200)],
    date(2026, 9, 20): [("NIG-000003", 33_000)],
    date(2027, 1, 22): [("NIG-000004", 8_250)],
    date(2027, 2, 20): [("NIG-000001", 79_200)],
    date(2027, 2, 24): [("NIG-000003", 40_000), ("NIG-000004", 99_000)],
    date(2027, 2, 25): [("NIG-000005", 79_200)],
    date(2027, 3, 1): [("NIG-000002", 99_000)],
}
FIRST_DAY, LAST_DAY = date(2026, 11, 1), date(2027, 10, 31)
# Every notice of the year, on its day.
EXPECTED = {
    ("NIG-000001", "renewal_notice", "2027-03-31"): date(2027, 1, 15),
    ("NIG-000001", "payment_reminder", "2027-02-25"): date(2027, 2, 18),
    ("NIG-000002", "renewal_notice", "2027-03-31"): date(2027, 1, 15),
    ("NIG-000002", "payment_reminder", "2027-02-25"): date(2027, 2, 18),
    ("NIG-000002", "payment_overdue", "2027-02-25#1"): date(2027, 2, 26),
    ("NIG-000003", "renewal_notice", "2027-03-31"): date(2027, 1, 15),
    ("NIG-000003", "payment_reminder", "2027-02-25"): date(2027, 2, 18),
    ("NIG-000003", "payment_overdue", "2027-02-25#1"): date(2027, 2, 26),
    ("NIG-000003", "payment_overdue", "2027-02-25#2"): date(2027, 3, 5),
    ("NIG-000003", "payment_overdue", "2027-02-25#3"): date(2027, 3, 12),
    ("NIG-000004", "renewal_notice", "2027-03-31"): date(2027, 1, 15),
    ("NIG-000004", "payment_reminder", "2027-01-25"): date(2027, 1, 18),
    ("NIG-000004", "payment_reminder", "2027-02-25"): date(2027, 2, 18),
    ("NIG-000005", "renewal_notice", "2027-03-31"): date(2027, 1, 20),
    ("NIG-000005", "payment_reminder", "2027-02-25"): date(2027, 2, 18),
    ("NIG-000006", "utm_return", "2027-03-31#1"): date(2027, 4, 1),
    ("NIG-000006", "utm_return", "2027-03-31#2"): date(2027, 4, 15),
    ("NIG-000006", "utm_return", "2027-03-31#3"): date(2027, 4, 29),
}


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _morning(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), JST)


class World:
    """Customers, payments and staff decisions arriving day by day, as the year goes."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self.sent: dict[tuple[str, str, str], list[date]] = {}
        self.suspensions: list[int] = []

    def arrive(self, day: date) -> None:
        with self.sessions.begin() as session:
            for cid, applied, approved, member in CUSTOMERS:
                if approved == day or (day == FIRST_DAY and approved < day):
                    upsert_customer(
                        session, _values(cid, applied, approved, member), day, RULES.calendar
                    )
            for paid_on, paid in sorted(PAYMENTS.items()):
                if paid_on == day or (day == FIRST_DAY and paid_on < day):
                    for cid, amount in paid:
                        pk = session.scalar(select(Customer.id).where(Customer.customer_id == cid))
                        session.add(Payment(customer_pk=pk, paid_on=paid_on, amount=amount))
            self._staff(session, day)

    def _staff(self, session: Session, day: date) -> None:
        customer = session.scalar(select(Customer).where(Customer.customer_id == "NIG-000006"))
        if day == date(2027, 1, 5):  # an on-time term-end cancellation arrives
            queue.enqueue(
                session, "cancel_at_term_end", "NIG-000006 cancel at term end 2027-03-31",
                payload={"on_time": True, "effective_date": "2027-03-31",
                         "requested_date": "2027-03-31"},
                customer=customer,
            )  # fmt: skip
        if day == date(2027, 1, 25):  # staff approve it: the contract ends on 3/31
            action = session.scalar(select(Action).where(Action.kind == "cancel_at_term_end"))
            queue.approve(session, action.id, "cli:staff")
            queue.mark_done(session, action.id, "cli:staff")
            values = _values("NIG-000006", date(2025, 10, 1), date(2025, 10, 8), True)
            upsert_customer(
                session, values | {"status": "cancelled", "ended_on": date(2027, 3, 31)},
                day, RULES.calendar,
            )  # fmt: skip
        if day == date(2027, 5, 5):
            record_utm_returned(session, customer, day, "cli:staff")

    def sweep(self, day: date, hour: int = 7, me: str = "sweeper") -> None:
        before = self._outbox()
        report = daily_sweep(self.sessions, self.settings, day, me=me, now=_morning(day, hour))
        self.suspensions += report.notices.actions
        for key in self._outbox() - before:
            cid, kind, about = key.removeprefix("notice:").split(":", 2)
            self.sent.setdefault((cid, kind, about), []).append(day)

    def _outbox(self) -> set[str]:
        with self.sessions.begin() as session:
            return set(session.scalars(select(OutboxMail.key)))


@pytest.fixture
def world(fresh_engine: Engine) -> World:
    return World(session_factory(fresh_engine), load_settings({}))


def test_a_whole_year_of_daily_sweeps_sends_every_notice_on_its_day_once(world: World) -> None:
    for day in _days(FIRST_DAY, LAST_DAY):
        world.arrive(day)
        world.sweep(day)
        if day.day in (1, 15):  # a second sweep the same day (a restart, a second instance)
            world.sweep(day, hour=19, me="second")
    assert world.sent == {key: [day] for key, day in EXPECTED.items()}
    # The third overdue notice queued one `suspend` action, for the customer who paid partly.
    with world.sessions.begin() as session:
        actions = session.scalars(select(Action).where(Action.kind == "suspend")).all()
        assert [(a.id, a.payload["customer_id"], a.payload["owed"]) for a in actions] == [
            (world.suspensions[0], "NIG-000003", 39_200)
        ]
        assert "NIG-000003" in actions[0].summary
        assert "39,200" in actions[0].summary


def test_after_a_week_of_downtime_the_catch_up_sends_each_notice_once(world: World) -> None:
    for day in _days(FIRST_DAY, date(2027, 1, 14)):
        world.arrive(day)
        world.sweep(day)
    for day in _days(date(2027, 1, 15), date(2027, 1, 21)):  # down: data still arrives
        world.arrive(day)
    world.arrive(date(2027, 1, 22))  # NIG-000004 pays its first fee (due 1/25) this morning
    world.sweep(date(2027, 1, 22))
    world.sweep(date(2027, 1, 22), hour=12, me="restarted")
    caught_up = {key: days for key, days in world.sent.items() if days == [date(2027, 1, 22)]}
    assert caught_up == {
        ("NIG-000001", "renewal_notice", "2027-03-31"): [date(2027, 1, 22)],
        ("NIG-000002", "renewal_notice", "2027-03-31"): [date(2027, 1, 22)],
        ("NIG-000003", "renewal_notice", "2027-03-31"): [date(2027, 1, 22)],
        ("NIG-000004", "renewal_notice", "2027-03-31"): [date(2027, 1, 22)],
        ("NIG-000005", "renewal_notice", "2027-03-31"): [date(2027, 1, 22)],
        # The reminder of 1/18 for NIG-000004's first fee: paid meanwhile, it never goes.
    }
    assert all(len(days) == 1 for days in world.sent.values())


def test_what_is_due_for_a_future_day_needs_no_sweep_and_matches_what_the_sweep_sends(
    world: World,
) -> None:
    world.arrive(FIRST_DAY)  # customers stored with the periods billed by 2026-11-01 only
    with world.sessions.begin() as session:
        planned = due(session, RULES, date(2027, 2, 18))
    assert sorted((row["customer_id"], row["kind"], row["about"]) for row in planned) == [
        ("NIG-000001", "payment_reminder", "2027-02-25"),
        ("NIG-000002", "payment_reminder", "2027-02-25"),
        ("NIG-000003", "payment_reminder", "2027-02-25"),
        ("NIG-000006", "payment_reminder", "2027-02-25"),
    ]
    assert {row["subject"] for row in planned} == {
        "【お助け隊サービス】利用料金お支払期日（2027年2月25日）のご案内"
    }
    assert world._outbox() == set()
