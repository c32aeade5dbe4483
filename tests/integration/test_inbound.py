"""The inbound store and the lease, on both backends: each mail once, each outcome once."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from mailtests import async_sessions, customer_mail, migrated_sqlite, subject_of
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import inbound, leases, quarantine
from core.errors import UserError
from core.models import AuditEntry, InboundMail, StaffNotice
from mail.processing import process_due

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_mail_without_message_id_is_keyed_by_the_hash_of_its_bytes() -> None:
    raw = customer_mail(1, message_id=False)
    assert inbound.message_key(raw) == f"<{hashlib.sha256(raw).hexdigest()}@otasuke.invalid>"
    assert inbound.message_key(b"Message-ID:  <a@b>\r\n\r\nx") == "<a@b>"


def test_the_same_uid_or_the_same_message_id_is_stored_once(session: Session) -> None:
    raw = customer_mail(1)
    first = inbound.store(session, raw, mailbox="m", uidvalidity=1, uid=4_294_967_295)
    assert first is not None
    assert inbound.store(session, raw, mailbox="m", uidvalidity=1, uid=4_294_967_295) is None
    assert inbound.store(session, raw, mailbox="m", uidvalidity=2, uid=1) is None  # new UIDs
    assert inbound.store(session, customer_mail(2), mailbox="m", uidvalidity=1, uid=5) is not None
    assert inbound.stored_keys(session, [inbound.message_key(raw), "<other@x>"]) == {
        inbound.message_key(raw)
    }


def test_an_outcome_is_recorded_once_for_the_attempt_that_made_it(session: Session) -> None:
    mail_id = inbound.store(session, customer_mail(1), mailbox="m")
    attempt = inbound.begin_attempts(session, [mail_id]).get(mail_id)
    assert attempt == 1
    assert inbound.settle(session, mail_id, attempt, "done", "taken in") is not None
    assert inbound.settle(session, mail_id, attempt, "done", "again") is None
    assert (
        inbound.begin_attempts(session, [mail_id]).get(mail_id) is None
    )  # settled: no more attempts
    assert inbound.due(session) == []


def test_after_three_failures_a_mail_is_quarantined_and_staff_are_told_once(
    session: Session,
) -> None:
    mail_id = inbound.store(session, customer_mail(1), mailbox="m")
    for n in (1, 2):
        assert inbound.begin_attempts(session, [mail_id]).get(mail_id) == n
        assert not inbound.record_failure(session, mail_id, "boom", now=T0)
        row = session.get_one(InboundMail, mail_id)
        assert row.next_attempt_at == T0 + inbound.RETRY_DELAY * n  # 1 then 2 minutes
        assert inbound.due(session, now=T0) == []
    assert inbound.begin_attempts(session, [mail_id]).get(mail_id) == 3
    assert inbound.record_failure(session, mail_id, "boom", now=T0)
    row = session.get_one(InboundMail, mail_id)
    assert row.status == "quarantined"
    assert row.last_error == "boom"
    [notice] = session.scalars(select(StaffNotice)).all()
    assert notice.kind == "mail_quarantined"
    assert "boom" in notice.text
    assert not inbound.record_failure(session, mail_id, "boom", now=T0)


def _fail_three_times(session: Session, mail_id: int, error: str) -> None:
    for _ in range(inbound.MAX_ATTEMPTS):
        inbound.begin_attempts(session, [mail_id])
        inbound.record_failure(session, mail_id, error, now=T0)


def test_a_released_mail_gets_fresh_attempts_and_a_new_quarantine_is_told_again(
    session: Session,
) -> None:
    mail_id = inbound.store(session, customer_mail(1), mailbox="m")
    _fail_three_times(session, mail_id, "boom")
    released = quarantine.release(session, mail_id, "cli:alice", now=T0)
    assert (released.status, released.attempts, released.next_attempt_at) == ("pending", 0, T0)
    assert inbound.due(session, now=T0) == [(mail_id, 0)]
    with pytest.raises(UserError, match=r"not quarantined \(it is waiting to be taken in\)"):
        quarantine.release(session, mail_id, "cli:bob", now=T0)  # released already
    _fail_three_times(session, mail_id, "boom again")
    assert [m.id for m in quarantine.quarantined(session)] == [mail_id]
    notices = session.scalars(select(StaffNotice).order_by(StaffNotice.id)).all()
    assert ["boom again" in n.text for n in notices] == [False, True]
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.event == "mail.released"))
    assert (entry.actor, entry.subject, entry.details) == (
        "cli:alice", f"inbound:{mail_id}", {"attempts": 3, "last_error": "boom"},
    )  # fmt: skip


def test_a_lease_has_one_holder_until_it_expires_or_is_released(session: Session) -> None:
    ttl = timedelta(seconds=60)
    assert leases.acquire(session, "mailbox:x", "a", ttl, now=T0)
    assert not leases.acquire(session, "mailbox:x", "b", ttl, now=T0 + timedelta(seconds=30))
    assert leases.acquire(session, "mailbox:x", "a", ttl, now=T0 + timedelta(seconds=50))  # renew
    assert not leases.acquire(session, "mailbox:x", "b", ttl, now=T0 + timedelta(seconds=100))
    assert leases.acquire(session, "mailbox:x", "b", ttl, now=T0 + timedelta(seconds=111))
    leases.release(session, "mailbox:x", "a")  # not a's any more: nothing happens
    assert not leases.acquire(session, "mailbox:x", "a", ttl, now=T0 + timedelta(seconds=120))
    leases.release(session, "mailbox:x", "b")
    assert leases.acquire(session, "mailbox:x", "a", ttl, now=T0 + timedelta(seconds=120))


class Crash(BaseException):
    """The worker process dying mid-batch (nothing after it runs, nothing is committed)."""


def crashing(session, raw: bytes, received_at):
    outcome = subject_of(session, raw, received_at)
    if "落ちる" in outcome.text:
        raise Crash
    return outcome


async def test_a_mail_that_kills_the_worker_mid_batch_is_quarantined_and_the_others_settle(
    databases,
) -> None:
    async with async_sessions(migrated_sqlite(databases)) as sessions:
        async with sessions() as session, session.begin():
            for n, subject in enumerate(["一通目", "落ちるメール", "三通目"]):
                await session.run_sync(
                    inbound.store, customer_mail(n, subject=subject), mailbox="m"
                )
        for _ in range(4):  # the worker restarted after each death
            with contextlib.suppress(Crash):
                await process_due(sessions, crashing, retry_delay=timedelta(0))
        async with sessions() as session:
            rows = list(await session.scalars(select(InboundMail).order_by(InboundMail.id)))
    assert [row.status for row in rows] == ["done", "quarantined", "done"]
    assert [row.attempts for row in rows] == [2, 4, 2]  # the batch's first attempt, then alone
    assert "the worker stopped while reading it, 3 times" in (rows[1].last_error or "")
