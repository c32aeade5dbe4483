"""Per-chat rate limiting: a chat that floods is told once to slow down, then ignored a while."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MESSAGES_PER_WINDOW = 20
WINDOW_SECONDS = 60.0
MAX_TRACKED = 10_000


class ChatRateLimit:
    """At most `limit` messages per `window` seconds per chat (a sliding window)."""

    def __init__(
        self,
        limit: int = MESSAGES_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, chat_id: int) -> str:
        """'ok', 'warn' (the first message over the limit) or 'drop'."""
        now = self.clock()
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(self._seen) > MAX_TRACKED:
            self._forget_quiet(now)
        if len(seen) < self.limit:
            seen.append(now)
            self._warned.pop(chat_id, None)
            return "ok"
        if now - self._warned.get(chat_id, -self.window) >= self.window:
            self._warned[chat_id] = now
            return "warn"
        return "drop"

    def _forget_quiet(self, now: float) -> None:
        """Drop chats with nothing in the window (the dict would otherwise grow forever)."""
        quiet = [
            chat for chat, seen in self._seen.items() if not seen or seen[-1] <= now - self.window
        ]
        for chat in quiet:
            del self._seen[chat]
            self._warned.pop(chat, None)
