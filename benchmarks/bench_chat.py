"""Benchmark the chat: 200 chats at once against the Bot API stand-in, through PTB's HTTP stack.

Each chat sends its next question as soon as the reply to the last one arrives (the first
round, which opens connections, is not measured). Prints answers
per second and the reply latency (p50/p99: from the update being queued at the stand-in to the
bot's sendMessage reaching it) beside a plain baseline in the same run: the stand-in's own round
trip (200 clients posting sendMessage to it directly, as fast as they can).
Run: .venv/bin/python benchmarks/bench_chat.py [--chats 200] [--messages 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import httpx
from telegram_standin import TOKEN, BotApiStandIn, Sent

QUESTIONS = (
    "年間の利用料金はいくらですか？",
    "満期で解約したい場合、いつまでに申し出ればいいですか？",
    "How much is the annual fee?",
    "保険はいつから適用されますか？",
    "御社の社長の趣味は何ですか？",
)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[index] * 1000


async def bot_run(url: str, chats: int, messages: int) -> tuple[float, list[float]]:
    """Answers per second and each reply's latency, through the running chat worker."""
    from bot.worker import ChatWorker
    from core.db import async_session_factory, make_async_engine
    from core.settings import load_settings

    async with BotApiStandIn() as api:
        env = {
            "OTASUKE_DATABASE_URL": url, "OTASUKE_TELEGRAM_TOKEN": TOKEN,
            "OTASUKE_TELEGRAM_API_URL": api.url, "OTASUKE_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        settings = load_settings(env=env)
        engine = make_async_engine(url)
        worker = ChatWorker(settings, async_session_factory(engine))
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await api.wait_until(lambda: api.method_calls("getUpdates"), timeout=60)
        waiting: dict[int, asyncio.Future[Sent]] = {}
        api.on_send = lambda sent: (
            waiting.pop(sent.chat_id).set_result(sent) if sent.chat_id in waiting else None
        )
        latencies: list[float] = []

        async def one_chat(chat_id: int) -> None:
            for n in range(messages):
                future = asyncio.get_running_loop().create_future()
                waiting[chat_id] = future
                asked = time.monotonic()
                await api.message(chat_id, QUESTIONS[(chat_id + n) % len(QUESTIONS)])
                sent = await asyncio.wait_for(future, 60)
                if n > 0:  # the first round opens connections: warm-up, not measured
                    latencies.append(sent.at - asked)

        started = time.monotonic()
        await asyncio.gather(*(one_chat(10_000 + i) for i in range(chats)))
        elapsed = time.monotonic() - started
        stop.set()
        await task
        await engine.dispose()
    return len(latencies) / elapsed, latencies


async def standin_round_trip(chats: int, messages: int) -> tuple[float, list[float]]:
    """The baseline: the same number of sendMessage calls straight to the stand-in."""
    async with BotApiStandIn() as api:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)  # as PTB's pool
        async with httpx.AsyncClient(limits=limits) as client:
            url = f"{api.url}{TOKEN}/sendMessage"
            latencies: list[float] = []

            async def one(chat_id: int) -> None:
                for n in range(messages):
                    began = time.monotonic()
                    response = await client.post(url, data={"chat_id": chat_id, "text": "x"})
                    response.raise_for_status()
                    if n > 0:  # the first round opens connections: warm-up, not measured
                        latencies.append(time.monotonic() - began)

            started = time.monotonic()
            await asyncio.gather(*(one(i) for i in range(chats)))
            elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies


def main() -> None:
    """Run both and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    from core import migrate
    from core.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        base_rate, base = asyncio.run(standin_round_trip(args.chats, args.messages))
        rate, bot = asyncio.run(bot_run(url, args.chats, args.messages))
        # The floor: one chat alone, and one client alone against the stand-in.
        alone_base_rate, alone_base = asyncio.run(standin_round_trip(1, 50))
        alone_rate, alone = asyncio.run(bot_run(url, 1, 15))  # under the per-chat rate limit
    print(f"{args.chats} chats × {args.messages} questions ({url.split(':')[0]})")
    print(f"{'':28}{'msgs/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    rows = (
        ("stand-in round trip", base_rate, base),
        ("bot reply", rate, bot),
        ("1 client: stand-in", alone_base_rate, alone_base),
        ("1 chat: bot reply", alone_rate, alone),
    )
    for name, r, values in rows:
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{name:28}{r:>10.0f}{p50:>10.1f}{p99:>10.1f}")
    crowd = percentile(bot, 99) - percentile(base, 99)
    single = percentile(alone, 99) - percentile(alone_base, 99)
    print(
        f"p99 on top of the stand-in: {crowd:.1f} ms with {args.chats} chats, {single:.1f} ms alone"
    )


if __name__ == "__main__":
    main()
