"""Engines and sessions: sync for the CLI, async for the workers; nothing happens at import."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from core.errors import UserError

# Waiting for a SQLite write lock beats failing: the CLI and the workers share one file. The
# timeout only covers waiting for the lock at BEGIN IMMEDIATE (below): a deferred transaction
# that read first and then wants to write after another commit fails at once (SQLITE_BUSY_SNAPSHOT).
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Rows per round trip in bulk writes: large enough to amortise it, small enough for SQLite's
# variable limit.
CHUNK = 1000

T = TypeVar("T")


def parse_url(url: str | URL) -> URL:
    """The URL as SQLAlchemy's object; a malformed one is the user's to fix."""
    try:
        return make_url(url)
    except Exception as exc:  # ArgumentError and ValueError, depending on the part that is wrong
        raise UserError(f"OTASUKE_DATABASE_URL: not a database URL ({exc})") from None


def sync_url(url: str | URL) -> URL:
    """The URL with a blocking driver: sqlite → pysqlite, postgresql → psycopg (3)."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise UserError(f"OTASUKE_DATABASE_URL: {backend} is not supported (sqlite or postgresql)")


def async_url(url: str | URL) -> URL:
    """The URL with an asyncio driver: sqlite → aiosqlite, postgresql → psycopg (3, async mode)."""
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (relative to the cwd), or None for PostgreSQL or `:memory:`."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def database_exists(url: str | URL) -> bool:
    """Whether there is anything to connect to without creating it (a SQLite file must exist)."""
    path = sqlite_path(url)
    return path is None or path.exists()


def make_engine(url: str | URL, *, create_dir: bool = False, **kwargs: Any) -> Engine:
    """A blocking engine (CLI, migrations, tests); `create_dir` makes a SQLite file's directory."""
    target = sync_url(url)
    if create_dir and (path := sqlite_path(target)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(target, **_engine_options(target), **kwargs)
    if target.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def make_async_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An asyncio engine for the workers (aiosqlite or psycopg's async mode)."""
    target = async_url(url)
    engine = create_async_engine(target, **_engine_options(target), **kwargs)
    if target.get_backend_name() == "sqlite":
        _configure_sqlite(engine.sync_engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the CLI: objects stay readable after commit (the command prints them)."""
    return sessionmaker(engine, expire_on_commit=False)


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """One per runner; each task opens its own session (no lazy loads across awaits)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size` (one bulk statement each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    return {"pool_pre_ping": True}


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL, and real transactions: pysqlite's own BEGIN handling breaks SAVEPOINT."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's recipe: take BEGIN away from the driver, emit it ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if sqlite_path(engine.url) is not None:
            _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so every transaction waits its turn (busy
        # timeout) instead of failing midway; WAL readers are not blocked by it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so); a new file another process is writing: wait."""
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    # The switch needs an exclusive lock and SQLite does not wait for it (no busy handler).
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # the driver's OperationalError: sqlite3's or aiosqlite's
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
