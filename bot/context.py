"""What every handler needs: settings, the database, the answer engine, the clock, who is staff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, session_factory
from core.models import utcnow
from core.settings import Settings, business_calendar
from core.staff_members import staff_ids
from core.templates import render_text
from knowledge.faq.answers import AnswerEngine
from knowledge.faq.normalize import detect_language
from knowledge.rules.calendar import BusinessCalendar, jst_date

T = TypeVar("T")


class Context:
    """Built once per process by the chat worker and shared by both transports."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        engine: AnswerEngine,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.engine = engine
        self.clock = clock
        self.calendar: BusinessCalendar = business_calendar(settings)
        # Users the console chat lets try the staff commands (`/as staff`); never from Telegram.
        self.promoted: set[int] = set()
        # SQLite takes one writer at a time (the others nap in its busy handler) and aiosqlite
        # hops threads for every statement: one thread running whole blocking transactions,
        # one after another, answers several times faster (benchmarks/bench_chat.py).
        self._sqlite: tuple[ThreadPoolExecutor, sessionmaker[Session]] | None = None
        if settings.is_sqlite:
            engine = make_engine(settings.database_url)
            event.listen(engine, "connect", _sqlite_commit_without_fsync)
            self._sqlite = (ThreadPoolExecutor(1, "chat-sqlite"), session_factory(engine))

    async def db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a core function in its own transaction (committed when it returns)."""
        if self._sqlite is None:
            async with self.sessions() as session, session.begin():
                return await session.run_sync(lambda sync: fn(sync, *args, **kwargs))
        thread, sessions = self._sqlite

        def work() -> T:
            with sessions.begin() as session:
                return fn(session, *args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(thread, work)

    def close(self) -> None:
        """Release the SQLite thread and engine."""
        if self._sqlite is not None:
            thread, sessions = self._sqlite
            thread.shutdown(wait=True)
            bind = sessions.kw["bind"]
            bind.dispose()

    async def staff(self) -> frozenset[int]:
        """Every staff user id now: settings, `otasuke staff add`, the console's `/as staff`."""
        ids = await self.db(staff_ids, self.settings)
        return ids | self.promoted

    def today(self) -> date:
        """Today in JST."""
        return jst_date(self.clock())


def _sqlite_commit_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    # In WAL mode, synchronous=NORMAL syncs at checkpoints, not at each commit: a commit
    # survives the process being killed (kill -9), though not the machine losing power.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def chat_text(template: str, lang: str, /, **context: Any) -> str:
    """A chat text from core/templates/chat/ (trailing blank lines dropped)."""
    return render_text("chat", template, lang, **context).strip()


@cache
def labels(lang: str) -> dict[str, str]:
    """Button labels (core/templates/chat/labels.<lang>.j2: one `name=label` a line)."""
    pairs = (line.split("=", 1) for line in chat_text("labels", lang).splitlines() if "=" in line)
    return {name.strip(): label.strip() for name, label in pairs}


def language_of(text: str | None, language_code: str | None = None) -> str:
    """English for text mostly in Latin letters (or, with no text, an English Telegram client)."""
    if text and text.strip() and not text.startswith("/"):
        return detect_language(text)
    return "en" if (language_code or "").lower().startswith("en") else "ja"
