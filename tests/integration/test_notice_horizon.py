"""The catch-up horizon: a sweep does not send notices scheduled long before the day it sweeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from racing import race
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.customers import upsert_customer
from core.db import session_factory
from core.models import Action, Notice, Payment, StaffNotice
from core.notice_plan import NoticeRules
from core.notices import due, send_due
from core.settings import load_settings
from core.sweep import daily_sweep
from knowledge.rules.calendar import JST

RULES = NoticeRules()
JAN_15 = date(2027, 1, 15)  # the renewal notice's day (R17), a Friday


def _at(day: date) -> datetime:
    return datetime.combine(day, time(7), JST)


def _customer(
    sessions: sessionmaker[Session], cid: str, approved: date, *, paid: bool = True
) -> None:
    """A member approved on `approved`; `paid`: its first fee paid that day."""
    values = {
        "customer_id": cid, "company": f"{cid}商事", "contact_name": "担当",
        "email": f"{cid.lower()}@example.jp", "member": True,
        "applied_on": approved - timedelta(days=5), "approved_on": approved,
    }  # fmt: skip
    with sessions.begin() as session:
        customer = upsert_customer(session, values, approved, RULES.calendar)
        fee = RULES.terms(values["applied_on"], approved, True).first_fee
        if paid and fee:
            session.add(Payment(customer_pk=customer.id, paid_on=approved, amount=fee))


def _staff_notices(sessions: sessionmaker[Session]) -> list[str]:
    with sessions.begin() as session:
        return list(session.scalars(select(StaffNotice.text).order_by(StaffNotice.id)))


THIRD_OVERDUE = date(2026, 7, 10)  # #3 for a first fee due 2026-06-25 (approved 2026-05-20)


@pytest.mark.parametrize(("late", "sent"), [(1, True), (14, True), (15, False)])
def test_an_overdue_notice_goes_up_to_fourteen_days_late_and_not_after(
    fresh_engine: Engine, late: int, sent: bool
) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions, "NIG-000001", date(2026, 5, 20), paid=False)
    day = THIRD_OVERDUE + timedelta(days=late)
    report = send_due(sessions, RULES, day, me="s", now=_at(day))
    assert (report.sent, len(report.skipped)) == ((1, 0) if sent else (0, 1))


def test_a_renewal_notice_still_goes_weeks_late_while_its_period_runs(
    fresh_engine: Engine,
) -> None:
    # A chamber that starts otasuke in February still tells its customers about the renewal:
    # the horizon is for debts and returns whose history may predate otasuke (core.notices).
    sessions = session_factory(fresh_engine)
    _customer(sessions, "NIG-000001", date(2026, 5, 20))
    day = JAN_15 + timedelta(days=20)
    report = send_due(sessions, RULES, day, me="s", now=_at(day))
    assert (report.sent, report.skipped) == (1, [])


def test_a_notice_skipped_as_too_old_is_never_sent_later_even_by_a_sweep_for_an_earlier_day(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions, "NIG-000001", date(2026, 5, 20), paid=False)
    late = THIRD_OVERDUE + timedelta(days=15)
    assert len(send_due(sessions, RULES, late, me="s", now=_at(late)).skipped) == 1
    # `notices send --on 2026-07-11`, run afterwards: the notice is recorded, it stays unsent.
    earlier = THIRD_OVERDUE + timedelta(days=1)
    report = send_due(sessions, RULES, earlier, me="s", now=_at(late))
    assert (report.sent, report.skipped) == (0, [])
    with sessions.begin() as session:
        [notice] = session.scalars(select(Notice)).all()
        assert (notice.sent_at, notice.outbox_id, notice.claimed_by) == (
            None,
            None,
            "skipped:too_old",
        )
        # `notices due` still lists the plan for the day, saying it was skipped and why.
        [row] = due(session, RULES, THIRD_OVERDUE)
    assert (row["kind"], row["about"], row["sent"], row["skipped"]) == (
        "payment_overdue", "2026-06-25#3", False, "too_old",
    )  # fmt: skip


def test_a_skipped_third_overdue_notice_queues_no_suspend_action(fresh_engine: Engine) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions, "NIG-000001", date(2026, 5, 20), paid=False)  # due 2026-06-25, unpaid
    report = send_due(sessions, RULES, JAN_15, me="s", now=_at(JAN_15))
    assert [n.about for n in report.skipped] == ["2026-06-25#3"]
    assert report.actions == []
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_staff_are_told_once_per_sweep_day_when_old_notices_are_skipped(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    settings = load_settings({})
    on = date(2026, 12, 3)
    # Imported before their payments: first fees due 2026-06-25 and 2026-07-25, never paid.
    _customer(sessions, "NIG-000001", date(2026, 6, 10), paid=False)
    _customer(sessions, "NIG-000002", date(2026, 7, 10), paid=False)
    for hour in (7, 9):  # twice the same day (a restart): one staff notice
        daily_sweep(sessions, settings, on, me="s", now=datetime.combine(on, time(hour), JST))
    [told] = _staff_notices(sessions)
    assert told.startswith(
        "2 notices older than 14 days not sent (first import?): 2 payment_overdue "
        "for 2 customer(s) (NIG-000001, NIG-000002)."
    )
    # The next day nothing new is skipped: nothing more to tell.
    nxt = on + timedelta(days=1)
    daily_sweep(sessions, settings, nxt, me="s", now=_at(nxt))
    assert len(_staff_notices(sessions)) == 1
    # A customer imported later, with an old debt: that day's sweep tells staff again.
    _customer(sessions, "NIG-000003", date(2026, 8, 3), paid=False)
    later = on + timedelta(days=2)
    daily_sweep(sessions, settings, later, me="s", now=_at(later))
    assert _staff_notices(sessions)[1].startswith("1 notices older than 14 days not sent")


def test_the_horizon_is_the_setting_otasuke_notice_catch_up_days(fresh_engine: Engine) -> None:
    sessions = session_factory(fresh_engine)
    _customer(sessions, "NIG-000001", date(2026, 5, 20), paid=False)
    settings = load_settings({"OTASUKE_NOTICE_CATCH_UP_DAYS": "30"})
    day = THIRD_OVERDUE + timedelta(days=20)
    report = daily_sweep(sessions, settings, day, me="s", now=_at(day))
    assert (report.notices.sent, report.notices.skipped) == (1, [])


def test_two_sweeps_skipping_old_notices_at_once_record_each_once_and_tell_staff_once(
    fresh_engine: Engine, empty_url: str
) -> None:
    setup = session_factory(fresh_engine)
    for n in range(1, 41):  # first fees due 2026-06-25, never paid
        _customer(setup, f"NIG-{n:06d}", date(2026, 6, 10), paid=False)
    on = date(2026, 12, 3)

    def sweep(sessions: sessionmaker[Session], me: str, go: Callable[[], object]) -> int:
        go()
        return len(send_due(sessions, RULES, on, me=me, now=_at(on)).skipped)

    skipped = race(empty_url, ("a", "b"), sweep)
    assert skipped["a"] + skipped["b"] == 40
    [told] = _staff_notices(setup)
    assert told.startswith("40 notices older than 14 days not sent (first import?)")
    with setup.begin() as session:
        assert session.scalar(select(func.count()).where(Notice.sent_at.is_not(None))) == 0
