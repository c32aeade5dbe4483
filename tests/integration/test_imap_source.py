"""Reading a real Dovecot: stored once, fetched with PEEK, flagged or moved, TLS, UIDVALIDITY."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from mailtests import async_sessions, migrated_sqlite, subject_of
from mailtests import customer_mail as mail
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserError
from core.models import InboundMail
from mail.imap_source import ImapAccount, ImapSource
from mail.processing import process_due

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sessions(databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with async_sessions(migrated_sqlite(databases)) as made:
        yield made


@pytest.fixture
async def sessions_on_each_backend(
    fresh_engine: Engine,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with async_sessions(str(fresh_engine.url.render_as_string(hide_password=False))) as made:
        yield made


def source_for(account, sessions, tls: str = "none", **options) -> ImapSource:
    server = account.server
    port = server.imaps_port if tls == "implicit" else server.imap_port
    return ImapSource(
        ImapAccount("127.0.0.1", account.user, account.password, tls=tls, port=port,
                    ca_file=server.cert, **options),
        sessions,
        timeout=5,
    )  # fmt: skip


async def stored(sessions) -> list[InboundMail]:
    async with sessions() as session:
        return list(await session.scalars(select(InboundMail).order_by(InboundMail.id)))


async def test_the_first_connection_starts_at_uidnext_and_old_mail_is_not_imported(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    account.append(mail(1))
    source = source_for(account, sessions)
    try:
        assert await source.fetch_new() == 0
        account.append(mail(2))
        assert await source.fetch_new() == 1
    finally:
        await source.close()
    [only] = await stored(sessions)
    assert b"\xe8\xa7\xa3\xe7\xb4\x84" in only.raw or b"=?utf-8?" in only.raw
    assert only.uid == 2
    assert only.uidvalidity > 0
    assert only.status == "pending"


async def test_a_mail_is_saved_before_it_is_marked_and_marked_seen_and_otasuke_once_taken_in(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    source = source_for(account, sessions)
    try:
        await source.fetch_new()
        account.append(mail(1))
        await source.fetch_new()
        # BODY.PEEK[]: stored, yet still unread on the server.
        assert "\\Seen" not in account.flags()[1]
        tally = await process_due(sessions, subject_of)
        assert len(tally.settled) == 1
        await source.mark_settled()
        assert {"\\Seen", "$Otasuke"} <= set(account.flags()[1].split())
        assert await source.fetch_new() == 0
    finally:
        await source.close()
    [only] = await stored(sessions)
    assert only.status == "done"
    assert only.outcome == "解約のお願い 1"
    assert only.marked


async def test_the_same_message_id_delivered_twice_is_stored_once(dovecot_server, sessions) -> None:
    account = dovecot_server.add_user()
    source = source_for(account, sessions)
    raw = mail(7)
    try:
        await source.fetch_new()
        account.append(raw)
        account.append(raw)
        account.append(mail(8, message_id=False))
        assert await source.fetch_new() == 2
    finally:
        await source.close()
    assert len(await stored(sessions)) == 2


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
async def test_tls_implicit_and_starttls_read_the_mailbox(dovecot_server, sessions, tls) -> None:
    account = dovecot_server.add_user()
    source = source_for(account, sessions, tls=tls)
    try:
        await source.fetch_new()
        account.append(mail(1))
        assert await source.fetch_new() == 1
    finally:
        await source.close()


async def test_a_server_certificate_no_ca_vouches_for_is_refused(dovecot_server, sessions) -> None:
    account = dovecot_server.add_user()
    source = ImapSource(
        ImapAccount("127.0.0.1", account.user, account.password, tls="implicit",
                    port=dovecot_server.imaps_port),
        sessions, timeout=5,
    )  # fmt: skip
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            await source.fetch_new()
    finally:
        await source.close()


async def test_a_ca_file_that_cannot_be_read_is_one_clear_error(tmp_path, sessions) -> None:
    account = ImapAccount("127.0.0.1", "u", "p", ca_file=tmp_path / "missing.pem")
    with pytest.raises(UserError, match="OTASUKE_IMAP_CA_FILE"):
        ImapSource(account, sessions)


async def test_with_a_processed_folder_taken_in_mail_is_moved_there_not_deleted(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    source = source_for(account, sessions, processed_folder="processed")
    try:
        await source.fetch_new()
        account.append(mail(1))
        await source.fetch_new()
        await process_due(sessions, subject_of)
        await source.mark_settled()
    finally:
        await source.close()
    assert account.flags("INBOX") == {}
    [moved] = account.flags("processed").values()
    assert "$Otasuke" in moved


async def test_a_new_uidvalidity_rescans_the_folder_without_importing_anything_twice(
    dovecot_server, sessions
) -> None:
    account = dovecot_server.add_user()
    account.append(mail(0), when=datetime.now(UTC) - timedelta(days=400))  # before us: never
    source = source_for(account, sessions)
    try:
        await source.fetch_new()
        account.append(mail(1))
        await source.fetch_new()
        await process_due(sessions, subject_of)
        await source.mark_settled()
        await source.close()
        dovecot_server.doveadm(
            "mailbox", "update", "-u", account.user, "--uid-validity", "12345", "INBOX"
        )
        account.append(mail(2))
        assert await source.fetch_new() == 1  # mail 2 only: 1 is known by its Message-ID
        await process_due(sessions, subject_of)
        await source.mark_settled()
    finally:
        await source.close()
    rows = await stored(sessions)
    assert [row.outcome for row in rows] == ["解約のお願い 1", "解約のお願い 2"]
    assert rows[1].uidvalidity == 12345
    flags = account.flags()
    assert "$Otasuke" not in flags[1]
    assert "$Otasuke" in flags[2]
    assert "$Otasuke" in flags[3]


async def test_a_uid_beyond_a_signed_32_bit_integer_is_stored(
    dovecot_server, sessions_on_each_backend
) -> None:
    account = dovecot_server.add_user()
    account.append(mail(0))
    dovecot_server.doveadm(
        "mailbox", "update", "-u", account.user, "--min-next-uid", str(2**31 + 5), "INBOX"
    )
    source = source_for(account, sessions_on_each_backend)
    try:
        await source.fetch_new()
        account.append(mail(1))
        assert await source.fetch_new() == 1
    finally:
        await source.close()
    [row] = await stored(sessions_on_each_backend)
    assert row.uid >= 2**31 + 5
