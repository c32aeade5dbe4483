"""A small stand-in of the Telegram Bot API on 127.0.0.1 (port 0), for PTB's real HTTP stack.

It speaks HTTP/1.1 with keep-alive, routes `/bot<TOKEN>/<method>`, keeps a queue of updates
for getUpdates (long polling, offsets confirm like Telegram's), records what the bot sent, and
can be told to answer 409 or 429 or to hold a chat's sendMessage for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "otasuke", "username": "otasuke_bot"}


@dataclass
class Sent:
    """One sendMessage the stand-in answered."""

    chat_id: int
    text: str
    buttons: list[list[dict[str, Any]]]
    message_id: int
    at: float = field(default_factory=time.monotonic)

    def button(self, label_part: str) -> str:
        """The callback data of the button whose label contains `label_part`."""
        for row in self.buttons:
            for b in row:
                if label_part in b["text"]:
                    return str(b["callback_data"])
        raise KeyError(f"no button {label_part!r} in {self.buttons}")


class BotApiStandIn:
    """The stand-in server; `url` is PTB's base_url (`http://127.0.0.1:P/bot`)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any], float]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.conflict = False
        self.rate_limit_sends = 0  # answer this many sendMessage calls with 429 first
        self.rate_limit_polls = 0  # … and this many getUpdates calls
        self.polls_limited: list[float] = []
        self.retry_after = 1
        self.hold: dict[int, float] = {}  # chat_id → seconds to hold its sendMessage
        self.discard_held = False  # a held message whose sender died is never delivered
        self.webhook: dict[str, Any] | None = None
        self.on_send: Any = None  # called with each Sent (the benchmark's stopwatch)
        # Like Telegram's, update ids only grow, also across stand-ins (a restarted bot).
        self._ids = itertools.count(time.time_ns() // 1000)
        self._message_ids = itertools.count(1000)
        self._new = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._answered: set[str] = set()

    @property
    def url(self) -> str:
        """PTB's base_url."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> BotApiStandIn:
        """Listen on a free loopback port."""
        # A large backlog: 200 clients connecting at once must not wait for SYN retries.
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                self._server.close_clients()  # type: ignore[attr-defined]
            await self._server.wait_closed()

    async def __aenter__(self) -> BotApiStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # What users do
    def _user(self, user_id: int, name: str, lang: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": lang}

    async def message(self, user_id: int, text: str, *, lang: str = "ja", name: str = "客") -> int:
        """A user writes `text` in their private chat; → the update_id."""
        update_id = next(self._ids)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": name},
                "from": self._user(user_id, name, lang), "text": text,
                **({"entities": [{"type": "bot_command", "offset": 0,
                                  "length": len(text.split()[0])}]}
                   if text.startswith("/") else {}),
            },
        }  # fmt: skip
        await self._push(update)
        return update_id

    def press_update(self, user_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        """A callback-query update for a press on a bot message (not queued)."""
        chat = chat_id if chat_id is not None else user_id
        update_id = next(self._ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cq{update_id}", "from": self._user(user_id, "押した人", "ja"),
                "chat_instance": str(chat), "data": data,
                "message": {
                    "message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"}, "from": BOT_USER, "text": "…",
                },
            },
        }  # fmt: skip

    async def press(self, user_id: int, data: str, chat_id: int | None = None) -> int:
        """A user presses a button carrying `data`; → the update_id."""
        update = self.press_update(user_id, data, chat_id)
        await self._push(update)
        return int(update["update_id"])

    async def push_all(self, updates: list[dict[str, Any]]) -> None:
        """Queue several updates at once (they come in one getUpdates batch)."""
        async with self._new:
            self.updates.extend(updates)
            self._new.notify_all()

    async def _push(self, update: dict[str, Any]) -> None:
        await self.push_all([update])

    # What tests wait for
    def to(self, chat_id: int) -> list[Sent]:
        """Messages the bot sent to a chat, in order."""
        return [s for s in self.sent if s.chat_id == chat_id]

    async def wait_for(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[Sent]:
        """Wait until the chat has received `count` messages; → them."""
        deadline = time.monotonic() + timeout
        while len(self.to(chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"chat {chat_id} got {len(self.to(chat_id))} of {count} messages: "
                    f"{[s.text[:80] for s in self.to(chat_id)]}"
                )
            await asyncio.sleep(0.01)
        return self.to(chat_id)

    async def wait_until(self, predicate: Any, timeout: float = 10.0, what: str = "") -> None:
        """Wait until `predicate()` is true."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.01)

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call to `method`."""
        return [params for name, params, _at in self.calls if name == method]

    def call_times(self, method: str) -> list[float]:
        """When each call to `method` arrived (time.monotonic())."""
        return [at for name, _params, at in self.calls if name == method]

    # HTTP
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                path, body, content_type = request
                status, payload = await self._route(path, body, content_type)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _route(self, path: str, body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        path = unquote(path)
        if not path.startswith(prefix):
            return "401 Unauthorized", _error(401, "Unauthorized")
        method = path[len(prefix) :]
        params = _params(body, content_type)
        self.calls.append((method, params, time.monotonic()))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return "404 Not Found", _error(404, "Not Found: method not found")
        return await handler(params)

    async def _api_getMe(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "200 OK", {"ok": True, "result": BOT_USER}

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.webhook = None
        return "200 OK", {"ok": True, "result": True}

    async def _api_setWebhook(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.webhook = params
        return "200 OK", {"ok": True, "result": True}

    async def _api_getUpdates(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.conflict:
            return "409 Conflict", _error(
                409, "Conflict: terminated by other getUpdates request; make sure that only "
                "one bot instance is running",
            )  # fmt: skip
        if self.rate_limit_polls > 0:
            self.rate_limit_polls -= 1
            self.polls_limited.append(time.monotonic())
            error = _error(429, f"Too Many Requests: retry after {self.retry_after}")
            error["parameters"] = {"retry_after": self.retry_after}
            return "429 Too Many Requests", error
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._new:
            # Telegram forgets what an offset confirms.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new.wait(), timeout)
            batch = [u for u in self.updates if u["update_id"] >= offset][:100]
        return "200 OK", {"ok": True, "result": batch}

    async def _api_sendMessage(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.rate_limit_sends > 0:
            self.rate_limit_sends -= 1
            error = _error(429, f"Too Many Requests: retry after {self.retry_after}")
            error["parameters"] = {"retry_after": self.retry_after}
            return "429 Too Many Requests", error
        chat_id = int(params["chat_id"])
        text = str(params["text"])
        if len(text) > 4096:
            return "400 Bad Request", _error(400, "Bad Request: message is too long")
        if chat_id in self.hold:
            await asyncio.sleep(self.hold[chat_id])
            if self.discard_held:
                return "500 Internal Server Error", _error(500, "Internal Server Error")
        markup = params.get("reply_markup") or {}
        buttons = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        message_id = next(self._message_ids)
        sent = Sent(chat_id, text, buttons, message_id)
        self.sent.append(sent)
        if self.on_send is not None:
            self.on_send(sent)
        result = {
            "message_id": message_id, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
        }  # fmt: skip
        return "200 OK", {"ok": True, "result": result}

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        query_id = str(params["callback_query_id"])
        if query_id in self._answered:  # Telegram's rule: a query is answered once
            too_old = "query is too old and response timeout expired or query ID is invalid"
            return "400 Bad Request", _error(400, f"Bad Request: {too_old}")
        self._answered.add(query_id)
        self.callback_answers.append(params)
        return "200 OK", {"ok": True, "result": True}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in content_type:
        return dict(json.loads(body))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, bytes, str] | None:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    headers: dict[str, str] = {}
    while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return (parts[1] if len(parts) > 1 else "/"), body, headers.get("content-type", "")


@contextlib.contextmanager
def standin_in_thread(token: str = TOKEN) -> Any:
    """The stand-in on its own loop in a thread, for code that runs its own loop (the CLI)."""
    import threading

    ready = threading.Event()
    state: dict[str, Any] = {}

    def serve() -> None:
        async def main() -> None:
            api = await BotApiStandIn(token).start()
            state["api"], state["stop"] = api, asyncio.Event()
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await state["stop"].wait()
            await api.close()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield state["api"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)
