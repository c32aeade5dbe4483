"""The console chat: the embedded default when no Telegram token is set (`make run`).

Lines typed on stdin go through the same handlers as Telegram messages; replies are printed,
buttons numbered (type the number to press one). `/as staff` lets a newcomer try the staff
commands, `/as customer` goes back. With stdin closed it just serves (relays, announcements).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import sys
from typing import IO

from bot.chat import Chat
from bot.context import Context
from bot.messages import Button, Incoming, Reply
from bot.relay import Relay

log = logging.getLogger(__name__)

CONSOLE_USER_ID = 1  # the console's one user, and its chat

WELCOME = (
    "otasuke console chat — type a question (日本語 or English), /help, /link NIG-000123.\n"
    "/as staff lets you try the staff commands (/queue, /approve N …); /as customer goes back.\n"
    "Buttons are numbered: type the number to press one."
)


class ConsoleTransport:
    """stdin in, stdout out, through the shared Chat."""

    def __init__(
        self,
        ctx: Context,
        chat: Chat,
        stdin: asyncio.StreamReader | None = None,
        stdout: IO[str] | None = None,
        user_id: int = CONSOLE_USER_ID,
    ) -> None:
        self.ctx = ctx
        self.chat = chat
        self.stdin = stdin
        self.out = stdout or sys.stdout
        self.user_id = user_id
        self.buttons: list[Button] = []

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Print a reply; one for another chat (a customer, another staff member) says whose."""
        lines = [reply.text] if chat_id == self.user_id else [f"[→ chat {chat_id}] {reply.text}"]
        numbered = [b for row in reply.buttons for b in row]
        if numbered:
            lines.append("  ".join(f"[{i}] {b.label}" for i, b in enumerate(numbered, 1)))
            if chat_id == self.user_id:
                self.buttons = numbered
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()

    async def run(self, stop: asyncio.Event) -> None:
        """Read lines until stdin closes, then serve until `stop`."""
        relay = asyncio.create_task(Relay(self.ctx, self).run(stop), name="chat-relay")
        try:
            self.out.write(WELCOME + "\n\n")
            self.out.flush()
            reader = self.stdin or await _stdin_reader()
            if reader is not None:
                await self._read(reader, stop)
            await stop.wait()
        finally:
            if not stop.is_set():
                relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay

    async def _read(self, reader: asyncio.StreamReader, stop: asyncio.Event) -> None:
        while not stop.is_set():
            line_task = asyncio.ensure_future(reader.readline())
            stopped = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({line_task, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if line_task not in done:
                line_task.cancel()
                return
            raw = line_task.result()
            if not raw:
                log.info("console chat: stdin closed; serving on")
                return
            await self.typed(raw.decode("utf-8", "replace").strip())

    async def typed(self, line: str) -> None:
        """One line typed at the console."""
        if not line:
            return
        if line in ("/as staff", "/as customer"):
            if line == "/as staff":
                self.ctx.promoted.add(self.user_id)
            else:
                self.ctx.promoted.discard(self.user_id)
            await self.send(self.user_id, Reply(f"({line[4:]} now)"))
            return
        msg = Incoming(chat_id=self.user_id, user_id=self.user_id, user_name="console", text=line)
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            pressed = self.buttons[int(line) - 1]
            msg = Incoming(
                chat_id=self.user_id, user_id=self.user_id, user_name="console", data=pressed.data
            )
        response = await self.chat.handle(msg)
        for reply in response.replies:
            await self.send(self.user_id, reply)
        if response.notice and not response.replies:
            await self.send(self.user_id, Reply(f"({response.notice})"))


async def _stdin_reader() -> asyncio.StreamReader | None:
    """stdin as a stream; None when there is none to read (closed, or not readable at all)."""
    if sys.stdin is None or sys.stdin.closed:
        return None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (ValueError, OSError) as exc:
        log.info("console chat: stdin cannot be read (%s); serving on", exc)
        return None
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or sys.stdin.isatty()):
        # A file or /dev/null: epoll refuses it (EPERM, raised later in a loop callback, not
        # here), so read it whole in a thread; its lines are typed, then stdin counts as closed.
        data = await asyncio.to_thread(sys.stdin.buffer.read)
        reader.feed_data(data)
        reader.feed_eof()
        return reader
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError) as exc:
        log.info("console chat: stdin is not readable as a stream (%s); serving on", exc)
        return None
    return reader
