"""The folder adapter of the sender port: each mail one `.eml` file (OTASUKE_MAIL_OUTBOX_DIR)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path

from mail.sending import Connection, Refusal, SendFailed

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(message_id: str) -> str:
    """The file of a Message-ID: the same mail, resent after a crash, replaces its own file."""
    return _UNSAFE.sub("_", message_id.strip("<> ")).strip("._") + ".eml"


class FolderSender:
    """Writes each mail into `directory`, atomically: a reader never sees half a file."""

    name = "folder"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        """The folder, created when missing."""
        try:
            await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise SendFailed(f"outbox folder {self.directory}: {exc}", permanent=False) from exc
        yield self

    async def send(self, message: EmailMessage, recipients: Sequence[str]) -> list[Refusal]:
        """Write the mail as `<message-id>.eml`; a disk problem is worth another try."""
        data = message.as_bytes()
        name = file_name(str(message["Message-ID"]))
        try:
            await asyncio.to_thread(_write_atomically, self.directory / name, data)
        except OSError as exc:
            raise SendFailed(f"{self.directory / name}: {exc}", permanent=False) from exc
        return []


def _write_atomically(path: Path, data: bytes) -> None:
    # A dot file in the same folder, flushed to disk, then renamed over the name: a crash
    # leaves either no file or the whole one (and at most a stray dot file).
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
