"""A unit of work for a command: an engine on a migrated database, one session, one commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from core.db import session_factory
from core.migrate import open_engine
from core.settings import Settings


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    """A session in a transaction, committed if the block ends well; unmigrated DB → UserError."""
    engine = open_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()
