"""Migrations run from code: the Alembic config is built here, the scripts ship in the package."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from core.errors import UserError

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_HINT = "run `otasuke db upgrade`"
# `otasuke run` migrates on every start, a deploy may run `db upgrade` meanwhile: one waits for
# the other (at most this long), then finds the database at head and does nothing.
LOCK_TIMEOUT_SECONDS = 120
# PostgreSQL's advisory lock key for migrations: any constant other code does not use.
ADVISORY_LOCK_KEY = 0x6F7461737563  # "otasuc"
# Alembic's `context` and `op` are module globals: two migrations in one process would mix.
_IN_PROCESS = threading.Lock()


def alembic_config() -> Config:
    """The config `alembic.ini` would hold: only where the scripts are."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision this version of otasuke knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("core/migrations/versions holds no revision: the install is broken")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the database to `revision`."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` (`base`: an empty database)."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: object, revision: str) -> None:
    config = alembic_config()
    with (
        _IN_PROCESS,
        engine.connect() as connection,
        _migration_lock(connection),
        connection.begin(),
    ):
        config.attributes["connection"] = connection
        step(config, revision)  # type: ignore[operator]


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """One migration at a time per database, across processes and hosts."""
    if connection.dialect.name == "postgresql":
        # Session-level, so it spans the migration's own transaction; SET LOCAL ends with this one.
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
        connection.commit()
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
            connection.commit()
        return
    # SQLite: core.db begins every transaction IMMEDIATE, so the migration's transaction holds
    # the write lock from its start; the other one waits for it (longer than usual) at BEGIN.
    from core.db import SQLITE_BUSY_TIMEOUT_MS

    connection.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_TIMEOUT_SECONDS * 1000}")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        connection.commit()


@dataclass(frozen=True)
class Status:
    """Where the database is against where this otasuke expects it."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether no migration is pending."""
        return self.current == self.head


def status(engine: Engine) -> Status:
    """The current and the expected revision."""
    return Status(current_revision(engine), head_revision())


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that is empty or behind: the user runs the upgrade."""
    state = status(engine)
    if state.current is None:
        raise UserError(f"the database is empty: {UPGRADE_HINT}")
    if not state.up_to_date:
        raise UserError(
            f"the database is at revision {state.current}, otasuke needs {state.head}: "
            f"{UPGRADE_HINT}"
        )


def open_engine(url: str, *, upgrade_first: bool = False) -> Engine:
    """An engine on a database at the head revision; missing or behind → the one-line hint."""
    from sqlalchemy.exc import OperationalError

    from core.db import database_exists, make_engine

    if not upgrade_first and not database_exists(url):
        raise UserError(f"there is no database at {url}: {UPGRADE_HINT}")
    engine = make_engine(url, create_dir=upgrade_first)
    try:
        if upgrade_first:
            upgrade(engine)
        else:
            require_current(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig).split()) if exc.orig else "unreachable"
        raise UserError(f"cannot open the database {engine.url!r}: {reason}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine
