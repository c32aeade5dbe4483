"""How mail goes out: the one sender (SMTP, else the outbox folder) wired for the runner and CLI.

The runner's outbox worker drains core.outbox every second; a CLI command that queued mail
calls `send_queued` so the mail has left (or is known to be retried) before it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import async_session_factory, make_async_engine
from core.settings import Settings
from mail.composing import envelope_sender
from mail.delivery import OutboxWorker, deliver
from mail.folder_sender import FolderSender
from mail.recording import DeliveryReport
from mail.sending import MailSender
from mail.smtp_sender import SmtpConfig, SmtpSender


def make_sender(settings: Settings) -> MailSender:
    """SMTP when OTASUKE_SMTP_HOST is set, otherwise `.eml` files in OTASUKE_MAIL_OUTBOX_DIR."""
    if not settings.smtp_host:
        return FolderSender(settings.mail_outbox_dir)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            user=settings.smtp_user,
            password=password,
            envelope_from=envelope_sender(settings.mail_from),
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
        )
    )


def outbox_worker(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> OutboxWorker:
    """The runner's worker that sends what anyone queued (an enqueued mail leaves within 5 s)."""
    return OutboxWorker(sessions, make_sender(settings), mail_from=settings.mail_from)


async def send_queued_async(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mail_ids: Collection[int] | None = None,
) -> DeliveryReport:
    """Send now what was queued (`mail_ids`, or everything due), on the caller's loop (the bot)."""
    return await deliver(
        sessions, make_sender(settings), mail_from=settings.mail_from, ids=mail_ids
    )


def send_queued(settings: Settings, mail_ids: Collection[int] | None = None) -> DeliveryReport:
    """For CLI commands that queued mail: send it before returning (commit the queueing first)."""
    if mail_ids is not None and not mail_ids:
        return DeliveryReport()

    async def run() -> DeliveryReport:
        engine = make_async_engine(settings.database_url)
        try:
            return await send_queued_async(settings, async_session_factory(engine), mail_ids)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def describe(report: DeliveryReport) -> list[str]:
    """Lines for the command's user: what was sent, what waits for a retry, what failed."""
    lines = []
    if report.sent:
        lines.append(f"mail: {report.sent} sent")
    lines.extend(f"mail: {error}" for error in report.errors)
    if report.elsewhere:
        lines.append(f"mail: {report.elsewhere} being sent by the running otasuke")
    return lines
