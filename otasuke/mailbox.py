"""Wiring the mail reader: the source the settings choose, the worker, and the backfill."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import async_session_factory, make_async_engine
from core.migrate import open_engine
from core.settings import Settings
from mail.folder_source import FolderSource
from mail.imap_source import Candidate, ImapAccount, ImapSource
from mail.intake import intake_handler
from mail.processing import Tally, process_now
from mail.source import SourceUnavailable
from mail.worker import MailWorker

# The folder has no push: it is looked at every second ("read within seconds").
FOLDER_POLL_SECONDS = 1.0


def mail_source(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> ImapSource | FolderSource:
    """IMAP when OTASUKE_IMAP_HOST is set, else the folder OTASUKE_MAIL_INBOX_DIR."""
    if settings.imap_host:
        return ImapSource(ImapAccount.from_settings(settings), sessions)
    return FolderSource(settings.mail_inbox_dir, sessions)


def mail_worker(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> MailWorker:
    """The mail worker of `otasuke run`: each stored mail read (mail.reading) and taken in."""
    source = mail_source(settings, sessions)
    wait = (
        FOLDER_POLL_SECONDS if isinstance(source, FolderSource) else settings.poll_interval_seconds
    )
    return MailWorker(source, sessions, intake_handler(settings), wait_seconds=wait)


async def backfill_mailbox(settings: Settings, since: date, *, apply: bool) -> list[Candidate]:
    """`otasuke mail backfill`: what the mailbox holds since `since` (stored, with `apply`)."""
    from core.errors import UserError

    open_engine(settings.database_url).dispose()  # migrated? else the one-line hint
    engine = make_async_engine(settings.database_url)
    source = ImapSource(ImapAccount.from_settings(settings), async_session_factory(engine))
    try:
        return await source.backfill(since, apply=apply)
    except (SourceUnavailable, OSError, TimeoutError) as exc:
        raise UserError(f"cannot read the mailbox {source.mailbox}: {exc}") from None
    finally:
        await source.close()
        await engine.dispose()


async def take_in_now(settings: Settings, mail_id: int) -> Tally:
    """`otasuke mail release`: take one released mail in at once, as the worker would."""
    engine = make_async_engine(settings.database_url)
    try:
        return await process_now(async_session_factory(engine), mail_id, intake_handler(settings))
    finally:
        await engine.dispose()
