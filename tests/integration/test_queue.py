"""The approval queue: decisions happen once, even when two staff decide at the same moment."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core import audit, queue
from core.db import session_factory
from core.models import AuditEntry, Customer


def _customer(session: Session) -> Customer:
    customer = Customer(
        customer_id="NIG-000123", company="株式会社テスト", contact_name="山田",
        email="a@example.jp",
        member=True, applied_on=date(2025, 5, 3), approved_on=date(2025, 5, 10),
    )  # fmt: skip
    session.add(customer)
    session.flush()
    return customer


def test_a_queued_action_is_listed_as_pending_with_its_customer(session: Session) -> None:
    action = queue.enqueue(
        session, "cancel_at_term_end", "満期解約 2027-03-31", customer=_customer(session)
    )
    listed = queue.list_actions(session, "pending")
    assert [queue.as_json(a) for a in listed] == [
        {"id": action.id, "kind": "cancel_at_term_end", "status": "pending",
         "customer_id": "NIG-000123", "summary": "満期解約 2027-03-31"}
    ]  # fmt: skip
    assert queue.list_actions(session, "approved") == []


def test_approving_twice_is_refused_the_second_time(session: Session) -> None:
    action = queue.enqueue(session, "refund", "返金", customer=_customer(session))
    approved = queue.approve(session, action.id, "telegram:9001", "ok")
    assert (approved.status, approved.decided_by, approved.version) == (
        "approved",
        "telegram:9001",
        2,
    )
    with pytest.raises(queue.ActionAlreadyDecided, match="approved"):
        queue.approve(session, action.id, "telegram:9002")
    with pytest.raises(queue.ActionAlreadyDecided):
        queue.reject(session, action.id, "telegram:9002", "no")


def test_a_stale_version_loses(session: Session) -> None:
    action = queue.enqueue(session, "refund", "返金")
    with pytest.raises(queue.ActionAlreadyDecided):
        queue.approve(session, action.id, "cli:a", expected_version=action.version + 1)
    assert (
        queue.approve(session, action.id, "cli:a", expected_version=action.version).status
        == "approved"
    )


def test_every_decision_is_audited_with_who_and_why(session: Session) -> None:
    first = queue.enqueue(session, "refund", "返金")
    second = queue.enqueue(session, "suspend", "停止")
    queue.approve(session, first.id, "telegram:9001")
    queue.reject(session, second.id, "telegram:9002", "入金確認済み")
    queue.mark_done(session, first.id, "mail")
    events = session.execute(
        select(AuditEntry.event, AuditEntry.actor, AuditEntry.subject, AuditEntry.details)
        .where(AuditEntry.event.in_(["action.approved", "action.rejected", "action.done"]))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e, a, s) for e, a, s, _ in events] == [
        ("action.approved", "telegram:9001", f"action:{first.id}"),
        ("action.rejected", "telegram:9002", f"action:{second.id}"),
        ("action.done", "mail", f"action:{first.id}"),
    ]
    assert events[1][3] == {"reason": "入金確認済み"}
    assert queue.get_action(session, first.id).status == "done"


def test_a_rejection_needs_a_reason(session: Session) -> None:
    action = queue.enqueue(session, "refund", "返金")
    with pytest.raises(queue.UserError, match="reason"):
        queue.reject(session, action.id, "cli:a", "  ")


def test_an_unknown_action_is_a_user_error(session: Session) -> None:
    with pytest.raises(queue.UserError, match="#424242"):
        queue.get_action(session, 424242)


def test_two_staff_approving_at_once_execute_it_once(fresh_engine: Engine) -> None:
    sessions = session_factory(fresh_engine)
    with sessions.begin() as db:
        action_id = queue.enqueue(db, "refund", "返金").id
    barrier = threading.Barrier(8)
    winners: list[str] = []
    losers: list[str] = []

    def decide(who: str) -> None:
        barrier.wait()
        try:
            with sessions.begin() as db:
                queue.approve(db, action_id, who)
            winners.append(who)
        except queue.ActionAlreadyDecided:
            losers.append(who)

    threads = [threading.Thread(target=decide, args=(f"staff:{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(winners) == 1
    assert len(losers) == 7
    with sessions() as db:
        action = queue.get_action(db, action_id)
        approvals = db.scalars(
            select(AuditEntry).where(AuditEntry.event == "action.approved")
        ).all()
    assert (action.status, action.decided_by, action.version) == ("approved", winners[0], 2)
    assert len(approvals) == 1


def test_an_approved_action_that_fails_is_marked_failed_with_its_error_once(
    session: Session,
) -> None:
    action = queue.enqueue(session, "refund", "返金")
    with pytest.raises(queue.ActionAlreadyDecided, match="is pending"):
        queue.mark_failed(session, action.id, "mail", "not approved yet")
    queue.approve(session, action.id, "telegram:9001")
    failed = queue.mark_failed(session, action.id, "mail", "SMTP 550 no such user")
    assert (failed.status, failed.error) == ("failed", "SMTP 550 no such user")
    assert failed.finished_at is not None
    assert [a.id for a in queue.list_actions(session, "failed")] == [action.id]
    with pytest.raises(queue.ActionAlreadyDecided, match="is failed"):
        queue.mark_failed(session, action.id, "mail", "again")
    with pytest.raises(queue.ActionAlreadyDecided):
        queue.mark_done(session, action.id, "mail")
    trail = audit.entries(session, subject=f"action:{action.id}")
    assert [(e.event, e.actor, e.details) for e in trail[:2]] == [
        ("action.failed", "mail", {"error": "SMTP 550 no such user"}),
        ("action.approved", "telegram:9001", {"reason": None}),
    ]


def test_an_audit_entry_is_written_at_the_next_flush(session: Session) -> None:
    entry = audit.record(session, "cli:a", "customers.imported", "file:c.csv", {"rows": 3})
    assert entry.id is None
    session.flush()
    assert entry.id is not None
    assert audit.entries(session, subject="file:c.csv") == [entry]
