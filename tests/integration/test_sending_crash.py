"""A sender killed after the server took a mail, before recording it: resent with the same ID."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import outbox
from core.db import session_factory
from core.models import OutboxMail, utcnow
from integration.smtpd import SmtpServer
from mail.delivery import deliver
from mail.smtp_sender import SmtpConfig, SmtpSender

# The real delivery through the real SMTP sender, in its own process; once the server has
# taken the N-th mail (argv[3]), the process says so and waits to be killed (before it records
# the mail).
_SENDER = """
import asyncio, sys
from contextlib import asynccontextmanager
from core.db import async_session_factory, make_async_engine
from mail.delivery import deliver
from mail.smtp_sender import SmtpConfig, SmtpSender

class Halting:
    name = "smtp"
    def __init__(self, inner):
        self.inner = inner
    @asynccontextmanager
    async def connect(self):
        async with self.inner.connect() as connection:
            yield Connection(connection)

class Connection:
    sent = 0
    def __init__(self, inner):
        self.inner = inner
    async def send(self, message, recipients):
        refused = await self.inner.send(message, recipients)
        Connection.sent += 1
        if Connection.sent == int(sys.argv[3]):
            print("taken", flush=True)
            await asyncio.sleep(3600)
        return refused

async def main():
    engine = make_async_engine(sys.argv[1])
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=int(sys.argv[2]), tls="none"))
    await deliver(async_session_factory(engine), Halting(sender), mail_from="otasuke@x.example")

asyncio.run(main())
"""


async def _killed_once_taken(url: str, port: int, *, mails: int) -> None:
    """Run the sender in a process of its own; kill it once the server has taken `mails`."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SENDER, url, str(port), str(mails),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        _, err = await child.communicate()
    assert line == b"taken\n", err.decode()[-3000:]
    assert child.returncode == -signal.SIGKILL


async def test_a_sender_killed_between_the_servers_ok_and_its_record_resends_the_same_message_id(
    fresh_engine: Engine,
    empty_url: str,
    async_sessions: async_sessionmaker[AsyncSession],
    smtpd: SmtpServer,
) -> None:
    with session_factory(fresh_engine).begin() as session:
        mail_id = outbox.enqueue_mail(session, "k", "approval", "a@example.jp", "件名", "本文").id
    await _killed_once_taken(empty_url, smtpd.port, mails=1)
    with session_factory(fresh_engine)() as session:
        row = session.get_one(OutboxMail, mail_id)
        assert (row.status, row.attempts) == ("pending", 0)
        first_id = row.message_id
    [first] = smtpd.handler.received
    assert first.message["Message-ID"] == first_id
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=smtpd.port, tls="none"))
    # While the dead sender's lease runs, nobody sends it again …
    assert (await deliver(async_sessions, sender, mail_from="otasuke@x.example")).sent == 0
    # … after it, it goes again: the same mail, recognisably, with the same Message-ID.
    after_lease = utcnow() + outbox.LEASE + timedelta(seconds=1)
    report = await deliver(async_sessions, sender, mail_from="otasuke@x.example", now=after_lease)
    assert report.sent == 1
    assert [r.message["Message-ID"] for r in smtpd.handler.received] == [first_id, first_id]
    with session_factory(fresh_engine)() as session:
        assert session.get_one(OutboxMail, mail_id).status == "sent"


async def test_a_sender_killed_mid_batch_resends_at_most_that_batch_each_with_its_message_id(
    fresh_engine: Engine,
    empty_url: str,
    async_sessions: async_sessionmaker[AsyncSession],
    smtpd: SmtpServer,
) -> None:
    mails = [outbox.NewMail(f"k{n}", "approval", f"c{n}@x.jp", "件名", "本文") for n in range(8)]
    with session_factory(fresh_engine).begin() as session:
        ids = outbox.enqueue_all(session, mails)
    # One batch of 8 leased; killed once the server took the third, before the batch's record.
    await _killed_once_taken(empty_url, smtpd.port, mails=3)
    with session_factory(fresh_engine)() as session:
        rows = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        message_ids = [row.message_id for row in rows]
        # Recorded before the kill: none, unless it came RECORD_SECONDS after the first OK.
        recorded = {row.message_id for row in rows if row.status == "sent"}
    assert [row.id for row in rows] == sorted(ids)
    assert None not in message_ids
    taken = [r.message["Message-ID"] for r in smtpd.handler.received]
    assert taken == message_ids[:3]
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=smtpd.port, tls="none"))
    # The dead sender's lease holds the whole batch, …
    assert (await deliver(async_sessions, sender, mail_from="otasuke@x.example")).sent == 0
    # … then every mail not recorded goes, each with the Message-ID it got at the claim: those
    # the server had taken twice (the crash window), the others once.
    after_lease = utcnow() + outbox.LEASE + timedelta(seconds=1)
    report = await deliver(async_sessions, sender, mail_from="otasuke@x.example", now=after_lease)
    assert report.sent == 8 - len(recorded)
    arrived = Counter(r.message["Message-ID"] for r in smtpd.handler.received)
    assert arrived == {mid: 2 if mid in taken and mid not in recorded else 1 for mid in message_ids}
    with session_factory(fresh_engine)() as session:
        assert set(session.scalars(select(OutboxMail.status))) == {"sent"}
