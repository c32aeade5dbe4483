"""The outbox: a mail is queued once per key; failures back off, then give up."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from core import outbox
from core.db import session_factory
from core.models import OutboxMail, utcnow


def test_the_same_key_twice_keeps_one_mail(session: Session) -> None:
    first = outbox.enqueue_mail(session, "ack:<m1@x>", "ack", "a@example.jp", "受付", "本文")
    second = outbox.enqueue_mail(session, "ack:<m1@x>", "ack", "a@example.jp", "受付 again", "別")
    assert first.id == second.id
    assert second.subject == "受付"
    assert session.scalar(select(func.count()).select_from(OutboxMail)) == 1


def test_a_mail_carries_its_kind_and_action_headers(session: Session) -> None:
    mail = outbox.enqueue_mail(session, "k", "approval", "a@example.jp", "s", "b")
    assert mail.headers == {"X-Otasuke-Kind": "approval"}
    assert mail.action_id is None


def test_a_batch_queues_each_key_once_and_gives_each_mail_its_id_in_order(
    session: Session,
) -> None:
    before = outbox.enqueue_mail(session, "k2", "ack", "b@example.jp", "前の", "本文")
    ids = outbox.enqueue_all(
        session,
        [
            outbox.NewMail("k3", "digest", "c@example.jp", "件名3", "本文3"),
            outbox.NewMail("k2", "ack", "b@example.jp", "後の", "別"),  # queued before
            outbox.NewMail("k1", "approval", "a@example.jp", "件名1", "本文1", action_id=None),
            outbox.NewMail("k3", "digest", "c@example.jp", "二度目", "別"),  # twice in the batch
        ],
    )
    assert ids[1] == before.id
    assert ids[0] == ids[3] != ids[2]
    assert len(set(ids)) == 3
    rows = {m.key: m for m in session.scalars(select(OutboxMail))}
    assert len(rows) == 3
    assert rows["k2"].subject == "前の"  # the mail queued first, unchanged
    assert (rows["k3"].id, rows["k3"].subject, rows["k3"].kind) == (ids[0], "件名3", "digest")
    assert rows["k1"].headers == {"X-Otasuke-Kind": "approval"}
    assert outbox.enqueue_all(session, []) == []


def test_a_batch_is_one_insert_and_a_select_only_for_keys_already_there(
    session: Session,
) -> None:
    outbox.enqueue_mail(session, "old", "ack", "a@example.jp", "s", "b")
    statements: list[str] = []
    listen = event.listens_for(session.get_bind(), "before_cursor_execute")
    listen(lambda *args: statements.append(args[2].split(None, 1)[0].upper()))
    mails = [outbox.NewMail(f"k{n}", "ack", f"c{n}@example.jp", "s", "b") for n in range(300)]
    outbox.enqueue_all(session, mails)
    assert statements == ["INSERT"]
    statements.clear()
    outbox.enqueue_all(session, [*mails[:2], outbox.NewMail("old", "ack", "a@x.jp", "s", "b")])
    assert statements == ["INSERT", "SELECT"]


def test_a_message_id_already_another_mails_is_refused_clearly(session: Session) -> None:
    outbox.enqueue_mail(session, "k1", "ack", "a@example.jp", "s", "b", message_id="<m@x>")
    with pytest.raises(ValueError, match="'k2' not queued: its Message-ID is another mail's"):
        outbox.enqueue_mail(session, "k2", "ack", "a@example.jp", "s", "b", message_id="<m@x>")


def test_a_claim_takes_at_most_its_limit_and_the_oldest_first(session: Session) -> None:
    # PostgreSQL re-ran a LIMIT … FOR UPDATE SKIP LOCKED subquery inside the UPDATE once per
    # row, skipping the rows just updated: one claim of 50 leased every due mail.
    ids = outbox.enqueue_all(
        session, [outbox.NewMail(f"k{n:03d}", "ack", "a@example.jp", "s", "b") for n in range(120)]
    )
    now = utcnow() + timedelta(seconds=1)
    claimed = outbox.claim_due(session, now, limit=50)
    assert [mail.id for mail in claimed] == sorted(ids)[:50]
    leased = select(func.count()).where(OutboxMail.next_attempt_at > now)
    assert session.scalar(leased) == 50
    assert len(outbox.claim_due(session, now, limit=50)) == 50
    assert len(outbox.claim_due(session, now, limit=50)) == 20
    assert outbox.claim_due(session, now, limit=50) == []


def test_a_failed_attempt_is_retried_later_and_a_sent_mail_is_not_due(session: Session) -> None:
    now = utcnow()
    mail = outbox.enqueue_mail(session, "k1", "ack", "a@example.jp", "s", "b")
    other = outbox.enqueue_mail(session, "k2", "ack", "b@example.jp", "s", "b")
    assert [m.id for m in outbox.due_mail(session, now + timedelta(seconds=1))] == [
        mail.id,
        other.id,
    ]
    outbox.mark_attempt_failed(session, mail.id, "421 try later", now=now)
    outbox.mark_sent(session, other.id, now=now)
    session.expire_all()
    assert outbox.due_mail(session, now + timedelta(seconds=30)) == []
    due = outbox.due_mail(session, now + timedelta(minutes=2))
    assert [(m.id, m.attempts, m.last_error) for m in due] == [(mail.id, 1, "421 try later")]


def test_a_mail_that_keeps_failing_is_given_up(session: Session) -> None:
    mail = outbox.enqueue_mail(session, "k", "ack", "a@example.jp", "s", "b")
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.mark_attempt_failed(session, mail.id, "550 no such user")
    assert session.get_one(OutboxMail, mail.id).status == "failed"


def test_a_key_longer_than_the_column_is_stored_as_its_hash_and_still_queued_once(
    session: Session,
) -> None:
    long_key = "ack:<" + "x" * 590 + "@example.jp>"
    assert len(long_key) > 600
    first = outbox.enqueue_mail(session, long_key, "ack", "a@example.jp", "受付", "本文")
    second = outbox.enqueue_mail(session, long_key, "ack", "a@example.jp", "again", "別")
    other = outbox.enqueue_mail(session, long_key[:-2] + "y>", "ack", "a@example.jp", "s", "b")
    assert first.id == second.id != other.id
    assert len(first.key) <= 255
    assert first.key.startswith("ack:<xxx")
    assert first.key == outbox.storable_key(long_key)
    assert outbox.storable_key("ack:<short@x>") == "ack:<short@x>"


def _claim_at_once(engine: Engine, mail_id: int, now: datetime, claimers: int = 2) -> list[bool]:
    """`claimers` threads, each in its own session, claim the same mail at the same moment."""
    sessions = session_factory(engine)
    start = threading.Barrier(claimers)
    results: list[bool | BaseException] = []

    def claim() -> None:
        try:
            start.wait()
            with sessions.begin() as session:
                results.append(outbox.claim_mail(session, mail_id, now))
        except BaseException as exc:  # the main thread asserts on it
            results.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(result, bool) for result in results), results
    return [bool(result) for result in results]


def test_two_senders_claiming_one_mail_at_once_one_wins(fresh_engine: Engine) -> None:
    with session_factory(fresh_engine).begin() as session:
        mail_id = outbox.enqueue_mail(session, "k", "ack", "a@example.jp", "s", "b").id
    now = utcnow() + timedelta(seconds=1)
    assert sorted(_claim_at_once(fresh_engine, mail_id, now, claimers=4)) == [
        False,
        False,
        False,
        True,
    ]


def test_two_workers_queueing_the_same_keys_at_once_keep_one_mail_a_key(
    fresh_engine: Engine,
) -> None:
    # In opposite orders: each would wait for the other's first key, were rows not inserted in
    # key order (PostgreSQL: a deadlock, one of them failed).
    keys = [f"k{n:04d}" for n in range(2000)]
    orders = {"up": keys, "down": keys[::-1]}
    sessions = session_factory(fresh_engine)
    start = threading.Barrier(2)
    results: dict[str, list[int] | BaseException] = {}

    def queue(name: str) -> None:
        try:
            start.wait()
            with sessions.begin() as session:
                mails = [outbox.NewMail(k, "ack", "a@example.jp", name, "b") for k in orders[name]]
                results[name] = outbox.enqueue_all(session, mails)
        except BaseException as exc:  # the main thread asserts on it
            results[name] = exc

    threads = [threading.Thread(target=queue, args=(name,)) for name in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    up, down = results["up"], results["down"]
    assert isinstance(up, list), up
    assert isinstance(down, list), down
    assert up == down[::-1]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 2000
        assert len(set(session.scalars(select(OutboxMail.subject)))) == 1  # one worker's, whole


def test_a_claimed_mail_is_claimed_again_only_after_its_lease_runs_out(
    fresh_engine: Engine,
) -> None:
    sessions = session_factory(fresh_engine)
    with sessions.begin() as session:
        mail_id = outbox.enqueue_mail(session, "k", "ack", "a@example.jp", "s", "b").id
    now = utcnow() + timedelta(seconds=1)
    assert sorted(_claim_at_once(fresh_engine, mail_id, now)) == [False, True]
    # The sender died before mark_sent: within the lease the mail is nobody else's …
    within = now + outbox.LEASE - timedelta(seconds=1)
    with sessions.begin() as session:
        assert outbox.due_mail(session, within) == []
        assert not outbox.claim_mail(session, mail_id, within)
    # … after it, the mail is due again, one sender takes it, and once sent it is done.
    after = now + outbox.LEASE
    with sessions.begin() as session:
        assert [m.id for m in outbox.due_mail(session, after)] == [mail_id]
    assert sorted(_claim_at_once(fresh_engine, mail_id, after)) == [False, True]
    with sessions.begin() as session:
        outbox.mark_sent(session, mail_id, now=after)
        mail = session.get_one(OutboxMail, mail_id)
        assert (mail.status, mail.attempts) == ("sent", 1)
        assert not outbox.claim_mail(session, mail_id, after + 2 * outbox.LEASE)
