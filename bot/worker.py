"""The chat worker: Telegram when a token is set, the console chat otherwise; one Chat for both."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat import Chat
from bot.console import ConsoleTransport
from bot.context import Context
from core.answers import answer_engine
from core.models import utcnow
from core.settings import Settings
from knowledge.faq.answers import AnswerEngine

log = logging.getLogger(__name__)


class ChatWorker:
    """Runs the chat until `stop`; the answer engine is built once per process."""

    name = "chat"

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        engine: AnswerEngine | None = None,
        stdin: asyncio.StreamReader | None = None,
        stdout: IO[str] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.engine = engine
        self.stdin = stdin
        self.stdout = stdout
        self.clock = clock
        self.transport: object | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Build the engine (in a thread: it takes a second), then serve until `stop`."""
        engine = self.engine or await asyncio.to_thread(answer_engine, self.settings)
        ctx = Context(self.settings, self.sessions, engine, self.clock)
        chat = Chat(ctx)
        token = self.settings.telegram_token
        if token is None:
            log.info("chat: no OTASUKE_TELEGRAM_TOKEN: console chat on this terminal")
            console = ConsoleTransport(ctx, chat, self.stdin, self.stdout)
            self.transport = console
            await console.run(stop)
            return
        from bot.telegram import TelegramTransport, build_application

        application = build_application(token.get_secret_value(), self.settings.telegram_api_url)
        telegram = TelegramTransport(ctx, chat, application)
        self.transport = telegram
        await telegram.run(stop)
