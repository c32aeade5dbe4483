"""Sending from the outbox to a real aiosmtpd: retried, given up, partly refused, once per ID."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta
from email.utils import getaddresses

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import executor, outbox, queue
from core.db import session_factory
from core.models import Customer, OutboxMail, StaffNotice, utcnow
from core.settings import load_settings
from integration.smtpd import SmtpServer, start_smtpd
from mail.delivery import deliver
from mail.smtp_sender import SmtpConfig, SmtpSender

MAIL_FROM = "お助け隊事務局 <otasuke@chamber.example>"


def _sender(port: int) -> SmtpSender:
    return SmtpSender(
        SmtpConfig(host="127.0.0.1", port=port, tls="none", envelope_from="otasuke@chamber.example")
    )


def _enqueue(engine: Engine, key: str, to: str = "customer@example.jp", **extra: object) -> int:
    with session_factory(engine).begin() as session:
        return outbox.enqueue_mail(
            session, key, "approval", to, "【お助け隊】解約のご案内", "解約日は3月31日です。\n",
            action_id=None, **extra,  # type: ignore[arg-type]
        ).id  # fmt: skip


def _row(engine: Engine, mail_id: int) -> OutboxMail:
    with session_factory(engine)() as session:
        return session.get_one(OutboxMail, mail_id)


def _notices(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(StaffNotice.text).order_by(StaffNotice.id)))


async def test_a_421_then_250_sends_the_mail_once_with_the_same_message_id(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    mail_id = _enqueue(fresh_engine, "k")
    smtpd.handler.replies = ["421 4.3.0 Try again later"]
    now = utcnow()
    first = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=now)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    row = _row(fresh_engine, mail_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "421 4.3.0 Try again later")
    assert row.next_attempt_at == now + timedelta(minutes=1)
    # Not before its backoff …
    early = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=now)
    assert (early.sent, early.retrying) == (0, 0)
    # … then it goes, once.
    later = now + timedelta(minutes=1, seconds=1)
    second = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=later)
    assert second.sent == 1
    [received] = smtpd.handler.received
    assert received.message["Message-ID"] == row.message_id
    tried = [m.split(b"Message-ID: ")[1].split(b"\r\n")[0] for m in smtpd.handler.attempts]
    assert tried == [row.message_id.encode()] * 2
    again = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=later)
    assert again.sent == 0
    assert len(smtpd.handler.received) == 1
    assert _row(fresh_engine, mail_id).status == "sent"


async def test_a_550_fails_the_mail_at_once_and_staff_are_told(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    mail_id = _enqueue(fresh_engine, "k")
    smtpd.handler.replies = ["550 5.7.1 Rejected"]
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    assert (report.sent, report.failed) == (0, 1)
    row = _row(fresh_engine, mail_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 5.7.1 Rejected")
    assert _notices(fresh_engine) == [
        f"mail #{mail_id} (approval) to customer@example.jp was not sent: 550 5.7.1 Rejected"
    ]
    later = await deliver(
        async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=utcnow() + timedelta(days=1)
    )
    assert later.sent == 0
    assert smtpd.handler.received == []


async def test_partly_refused_recipients_are_failures_for_those_recipients_only(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    mail_id = _enqueue(fresh_engine, "k", to="a@example.jp, b@example.jp, 山田 <c@example.jp>")
    smtpd.handler.refuse = {
        "b@example.jp": "550 5.1.1 No such user",
        "c@example.jp": "450 4.2.1 Mailbox busy",
    }
    now = utcnow()
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=now)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    [first] = smtpd.handler.received
    assert first.recipients == ["a@example.jp"]
    row = _row(fresh_engine, mail_id)
    # Only the busy mailbox is tried again; the unknown user is given up and told to staff.
    assert (row.status, row.pending_to) == ("pending", "c@example.jp")
    assert "b@example.jp: 550 5.1.1 No such user" in (row.last_error or "")
    assert _notices(fresh_engine) == [
        f"mail #{mail_id} (approval) was refused for b@example.jp: 550 5.1.1 No such user"
    ]
    smtpd.handler.refuse = {}
    later = now + timedelta(minutes=2)
    assert (
        await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=later)
    ).sent == 1
    second = smtpd.handler.received[1]
    assert second.recipients == ["c@example.jp"]
    assert second.message["Message-ID"] == first.message["Message-ID"]
    # The To header still names everyone: it is the same mail.
    assert [a for _, a in getaddresses([str(second.message["To"])])] == [
        "a@example.jp", "b@example.jp", "c@example.jp"
    ]  # fmt: skip
    assert _row(fresh_engine, mail_id).status == "sent"


async def test_every_recipient_refused_for_good_fails_the_mail(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    mail_id = _enqueue(fresh_engine, "k", to="b@example.jp")
    smtpd.handler.refuse = {"b@example.jp": "550 5.1.1 No such user"}
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    assert report.failed == 1
    assert _row(fresh_engine, mail_id).status == "failed"
    assert len(_notices(fresh_engine)) == 1


async def test_a_dead_server_is_retried_with_backoff_and_the_mail_goes_when_it_is_back(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession]
) -> None:
    server = await start_smtpd()
    port = server.port
    await server.stop()
    ids = [_enqueue(fresh_engine, f"k{n}") for n in range(3)]
    now = utcnow()
    report = await deliver(async_sessions, _sender(port), mail_from=MAIL_FROM, now=now)
    assert (report.sent, report.retrying, report.failed) == (0, 3, 0)
    rows = [_row(fresh_engine, mail_id) for mail_id in ids]
    assert {row.attempts for row in rows} == {1}
    assert all("SMTP 127.0.0.1" in (row.last_error or "") for row in rows)
    assert _notices(fresh_engine) == []
    second_try = now + timedelta(minutes=1, seconds=1)
    report = await deliver(async_sessions, _sender(port), mail_from=MAIL_FROM, now=second_try)
    assert report.retrying == 3
    # The backoff doubles: not due again a minute later, due two minutes later.
    assert {_row(fresh_engine, i).next_attempt_at for i in ids} == {
        second_try + timedelta(minutes=2)
    }
    back = await start_smtpd(port=port)
    try:
        third_try = second_try + timedelta(minutes=2)
        report = await deliver(async_sessions, _sender(port), mail_from=MAIL_FROM, now=third_try)
        assert report.sent == 3
        assert len(back.handler.received) == 3
    finally:
        await back.stop()


async def test_one_connection_carries_a_whole_batch(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    for n in range(5):
        _enqueue(fresh_engine, f"k{n}")
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    assert report.sent == 5
    assert smtpd.handler.connections == 1
    ids = {r.message["Message-ID"] for r in smtpd.handler.received}
    assert len(ids) == 5
    assert all(i.endswith(".otasuke@chamber.example>") for i in ids)


async def test_japanese_subject_body_and_sender_name_decode_back_exactly(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    subject = "【お助け隊】解約のご案内　（ＮＩＧ－０００１２３）①㈱髙"
    body = "山田 様\n\n解約日は2027年3月31日(水)です。〜ー－\n" + "長い行" * 60 + "\n"
    with session_factory(fresh_engine).begin() as session:
        outbox.enqueue_mail(
            session, "k", "approval", "山田 太郎 <yamada@example.jp>", subject, body,
            headers={"In-Reply-To": "<req@example.jp>"}, action_id=None,
        )  # fmt: skip
    await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    [received] = smtpd.handler.received
    raw = received.raw
    assert raw.isascii()  # encoded for any server: encoded-words and base64
    message = received.message
    assert message["Subject"] == subject
    # Text travels in its canonical form, CRLF line ends (RFC 2046 4.1.1), inside the base64.
    assert message.get_content().replace("\r\n", "\n") == body
    assert message.get_content_charset() == "utf-8"
    assert str(message["From"]) == MAIL_FROM
    assert message["To"].addresses[0].display_name == "山田 太郎"
    assert message["X-Otasuke-Kind"] == "approval"
    assert message["In-Reply-To"] == "<req@example.jp>"
    assert received.sender == "otasuke@chamber.example"


async def test_a_mail_that_cannot_be_written_fails_alone_and_the_batch_goes_on(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    bad = _enqueue(fresh_engine, "bad", headers={"X-Otasuke-Note": "a\r\nBcc: x@evil.example"})
    good = _enqueue(fresh_engine, "good")
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    assert (report.sent, report.failed) == (1, 1)
    assert _row(fresh_engine, bad).status == "failed"
    assert _row(fresh_engine, good).status == "sent"
    assert all(b"evil" not in r.raw for r in smtpd.handler.received)


async def test_only_the_mails_asked_for_are_sent_when_ids_are_given(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    first = _enqueue(fresh_engine, "k1")
    second = _enqueue(fresh_engine, "k2")
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, ids=[second])
    assert report.sent == 1
    assert _row(fresh_engine, first).status == "pending"
    assert _row(fresh_engine, second).status == "sent"


async def test_two_senders_draining_at_once_send_each_mail_once(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    for n in range(40):
        _enqueue(fresh_engine, f"k{n}")
    reports = await asyncio.gather(
        *(
            deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, batch=5)
            for _ in range(3)
        )
    )
    assert sum(r.sent for r in reports) == 40
    ids = [r.message["Message-ID"] for r in smtpd.handler.received]
    assert len(ids) == len(set(ids)) == 40


def _cancellation(engine: Engine) -> int:
    with session_factory(engine).begin() as session:
        customer = Customer(
            customer_id="NIG-000123", company="株式会社テスト", contact_name="山田 太郎",
            email="yamada@example.jp", member=True,
            applied_on=date(2025, 5, 3), approved_on=date(2025, 5, 10),
        )  # fmt: skip
        session.add(customer)
        session.flush()
        payload = {
            "request_kind": "cancel_at_term_end", "requested_date": "2027-03-31",
            "on_time": True, "effective_date": "2027-03-31", "proposals": [], "refund": None,
            "owed": 0, "lang": "ja", "message_id": "<req-1@example.jp>",
            "from_address": "yamada@example.jp", "subject": "解約", "references": [],
        }  # fmt: skip
        return queue.enqueue(
            session, "cancel_at_term_end", "満期解約", customer=customer, payload=payload
        ).id


async def test_an_approved_cancellation_arrives_at_the_server_as_its_approval_mail(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    action_id = _cancellation(fresh_engine)
    with session_factory(fresh_engine).begin() as session:
        outcome = executor.approve(session, action_id, "cli:alice", settings=load_settings({}))
    report = await deliver(
        async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, ids=outcome.mail_ids
    )
    assert report.sent == 1
    [received] = smtpd.handler.received
    assert received.recipients == ["yamada@example.jp"]
    message = received.message
    assert message["Subject"] == "【お助け隊サービス】満期解約のお申し出を承りました（NIG-000123）"
    body = message.get_content()
    assert "山田 太郎 様" in body
    assert "■ 契約終了日: 2027年3月31日(水)" in body
    assert "UTM装置およびその付属器具等一式" in body
    assert (message["X-Otasuke-Kind"], message["X-Otasuke-Action"]) == ("approval", str(action_id))
    assert message["In-Reply-To"] == "<req-1@example.jp>"


async def test_two_approvals_at_the_same_moment_send_one_mail(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    action_id = _cancellation(fresh_engine)
    settings = load_settings({})
    start = threading.Barrier(2)

    def approve(who: str) -> executor.Outcome:
        start.wait()
        with session_factory(fresh_engine).begin() as session:
            return executor.approve(session, action_id, who, settings=settings)

    outcomes = await asyncio.gather(
        asyncio.to_thread(approve, "cli:alice"), asyncio.to_thread(approve, "cli:bob")
    )
    assert sorted(o.decided for o in outcomes) == [False, True]
    for outcome in outcomes:
        await deliver(
            async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, ids=outcome.mail_ids
        )
    await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM)
    assert len(smtpd.handler.received) == 1


async def test_a_server_that_drops_the_connection_is_not_asked_again_in_the_same_batch(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], smtpd: SmtpServer
) -> None:
    for n in range(3):
        _enqueue(fresh_engine, f"k{n}")

    async def hang_up(server: object, session: object, envelope: object) -> str:
        smtpd.handler.attempts.append(envelope.content)  # type: ignore[attr-defined]
        server.transport.close()  # type: ignore[attr-defined]
        return "250 never heard"

    smtpd.handler.handle_DATA = hang_up  # type: ignore[method-assign]
    now = utcnow()
    report = await deliver(async_sessions, _sender(smtpd.port), mail_from=MAIL_FROM, now=now)
    assert (report.sent, report.retrying) == (0, 3)
    assert len(smtpd.handler.attempts) == 1
    assert smtpd.handler.connections == 1
    assert all("connection lost" in error for error in report.errors)
