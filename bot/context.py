"""What every handler needs: settings, the database, the answer engine, the clock, who is staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.async_services import call_service
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

    async def db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a core service in its own transaction (core.async_services, the one way)."""
        return await call_service(self.sessions, fn, *args, **kwargs)

    async def staff(self) -> frozenset[int]:
        """Every staff user id now: settings, `otasuke staff add`, the console's `/as staff`."""
        ids = await self.db(staff_ids, self.settings)
        return ids | self.promoted

    def today(self) -> date:
        """Today in JST."""
        return jst_date(self.clock())


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
