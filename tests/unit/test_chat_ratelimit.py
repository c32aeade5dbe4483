"""The per-chat rate limit: a flooding chat is warned once, then ignored until it calms down."""

from __future__ import annotations

from bot.ratelimit import ChatRateLimit


def test_a_chat_over_its_limit_is_warned_once_then_dropped_and_others_go_on() -> None:
    now = [0.0]
    limit = ChatRateLimit(limit=3, window=60.0, clock=lambda: now[0])
    verdicts = [limit.check(1) for _ in range(6)]
    other = limit.check(2)
    now[0] = 61.0
    later = limit.check(1)
    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert other == "ok"
    assert later == "ok"
