"""The folder source: `.eml` files dropped into OTASUKE_MAIL_INBOX_DIR, moved to processed/."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import inbound

log = logging.getLogger(__name__)

PROCESSED = "processed"


class FolderSource:
    """Reads each `.eml` once its size has stood still for one look, then moves it away."""

    def __init__(self, inbox: Path, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.inbox = inbox
        self.processed = inbox / PROCESSED
        self.mailbox = f"folder:{inbox.resolve()}"
        self._sessions = sessions
        # name → (size, mtime) at the previous look: a file still being written changes between
        # looks and is left for the next one (writers that rename into place pass at once).
        self._seen: dict[str, tuple[int, int]] = {}

    async def fetch_new(self) -> int:
        """Store the files that stopped growing; move each to processed/ once stored."""
        ready = await asyncio.to_thread(self._ready_files)
        new = 0
        for path in ready:
            try:
                raw = await asyncio.to_thread(path.read_bytes)
            except FileNotFoundError:  # taken by another reader between the look and the read
                continue
            async with self._sessions() as session, session.begin():
                stored = await session.run_sync(inbound.store, raw, mailbox=self.mailbox)
            new += stored is not None
            # After the commit: a crash before the move reads the file again, the key dedups it.
            await asyncio.to_thread(self._move_to_processed, path)
            self._seen.pop(path.name, None)
        return new

    def _ready_files(self) -> list[Path]:
        self.inbox.mkdir(parents=True, exist_ok=True)
        ready, seen = [], {}
        for entry in sorted(os.scandir(self.inbox), key=lambda e: e.name):
            # Dot files and *.tmp are the usual names of a file written, then renamed to .eml.
            if not entry.is_file() or entry.name.startswith(".") or not entry.name.endswith(".eml"):
                continue
            stat = entry.stat()
            seen[entry.name] = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(entry.name) == seen[entry.name]:
                ready.append(Path(entry.path))
        self._seen = seen
        return ready

    def _move_to_processed(self, path: Path) -> None:
        self.processed.mkdir(parents=True, exist_ok=True)
        target = self.processed / path.name
        counter = 1
        while target.exists():  # the same name dropped twice: keep both
            target = self.processed / f"{path.stem}.{counter}{path.suffix}"
            counter += 1
        with contextlib.suppress(FileNotFoundError):
            path.replace(target)

    async def mark_settled(self) -> None:
        """Nothing to mark: a file is moved to processed/ as soon as it is stored."""

    async def wait_for_mail(self, timeout: float, stop: asyncio.Event) -> None:
        """Look again after `timeout` (the folder has no push)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout)

    async def close(self) -> None:
        """Nothing is held open."""
