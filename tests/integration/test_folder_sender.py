"""The folder adapter: one .eml a mail, whole or not at all, the same file for a resend."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import outbox
from core.db import session_factory
from core.models import OutboxMail, utcnow
from mail.composing import compose
from mail.delivery import deliver
from mail.folder_sender import FolderSender


async def test_each_mail_is_one_whole_eml_file_named_by_its_message_id(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    with session_factory(fresh_engine).begin() as session:
        for n in range(3):
            outbox.enqueue_mail(session, f"k{n}", "ack", f"c{n}@example.jp", f"受付 {n}", "本文\n")
    folder = tmp_path / "var" / "mail" / "outbox"
    report = await deliver(async_sessions, FolderSender(folder), mail_from="otasuke@x.example")
    assert report.sent == 3
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".eml"] * 3  # no dot file left behind
    with session_factory(fresh_engine)() as session:
        ids = {m.message_id for m in session.query(OutboxMail)}
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {m["Message-ID"] for m in parsed} == ids
    assert sorted(str(m["Subject"]) for m in parsed) == ["受付 0", "受付 1", "受付 2"]


async def test_a_resend_after_a_crash_replaces_its_own_file_instead_of_adding_one(
    fresh_engine: Engine, async_sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    with session_factory(fresh_engine).begin() as session:
        mail_id = outbox.enqueue_mail(session, "k", "ack", "c@example.jp", "受付", "本文").id
    folder = tmp_path / "outbox"
    sender = FolderSender(folder)
    # A sender that wrote the file and died before recording it: claimed, file written.
    with session_factory(fresh_engine).begin() as session:
        [claimed] = outbox.claim_due(session, domain="x.example")
    async with sender.connect() as connection:
        await connection.send(compose(claimed, "otasuke@x.example"), ["c@example.jp"])
    [before] = folder.iterdir()
    # Within the lease nobody sends it; after it, the resend writes the same file again.
    assert (await deliver(async_sessions, sender, mail_from="otasuke@x.example")).sent == 0
    after_lease = utcnow() + outbox.LEASE + timedelta(seconds=1)
    again = await deliver(async_sessions, sender, mail_from="otasuke@x.example", now=after_lease)
    assert again.sent == 1
    [after] = folder.iterdir()
    assert after.name == before.name
    resent = message_from_bytes(after.read_bytes(), policy=policy.default)
    assert resent["Message-ID"] == claimed.message_id
    with session_factory(fresh_engine)() as session:
        assert session.get_one(OutboxMail, mail_id).status == "sent"
