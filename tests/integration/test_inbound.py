"""The inbound store and the lease, on both backends: each mail once, each outcome once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from mailtests import customer_mail
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import inbound, leases
from core.models import InboundMail, StaffNotice

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
    attempt = inbound.begin_attempt(session, mail_id)
    assert attempt == 1
    assert inbound.settle(session, mail_id, attempt, "done", "taken in") is not None
    assert inbound.settle(session, mail_id, attempt, "done", "again") is None
    assert inbound.begin_attempt(session, mail_id) is None  # settled: no more attempts
    assert inbound.due(session) == []


def test_after_three_failures_a_mail_is_quarantined_and_staff_are_told_once(
    session: Session,
) -> None:
    mail_id = inbound.store(session, customer_mail(1), mailbox="m")
    for n in (1, 2):
        assert inbound.begin_attempt(session, mail_id) == n
        assert not inbound.record_failure(session, mail_id, "boom", now=T0)
        row = session.get_one(InboundMail, mail_id)
        assert row.next_attempt_at == T0 + inbound.RETRY_DELAY * n  # 1 then 2 minutes
        assert inbound.due(session, now=T0) == []
    assert inbound.begin_attempt(session, mail_id) == 3
    assert inbound.record_failure(session, mail_id, "boom", now=T0)
    row = session.get_one(InboundMail, mail_id)
    assert row.status == "quarantined"
    assert row.last_error == "boom"
    [notice] = session.scalars(select(StaffNotice)).all()
    assert notice.kind == "mail_quarantined"
    assert "boom" in notice.text
    assert not inbound.record_failure(session, mail_id, "boom", now=T0)


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
