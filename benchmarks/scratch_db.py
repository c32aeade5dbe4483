"""Scratch PostgreSQL databases for a bench: made for the run, dropped after it, even when stopped.

Not a bench itself (`make bench` runs `bench_*.py`). A bench stopped with Ctrl-C, SIGTERM or
SIGHUP drops what it made on the way out; only SIGKILL leaves an `otasuke_bench_*` database
behind (drop it with `DROP DATABASE … WITH (FORCE)`).
"""

from __future__ import annotations

import argparse
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core.db import make_engine

POSTGRES_URL = os.environ.get(
    "OTASUKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PREFIX = "otasuke_bench_"
BACKENDS = {"sqlite": ("sqlite",), "postgresql": ("postgresql",), "both": ("sqlite", "postgresql")}


def add_backend_option(parser: argparse.ArgumentParser, default: str) -> None:
    """`--backend sqlite|postgresql|both` (PostgreSQL: the server at OTASUKE_TEST_POSTGRES_URL)."""
    parser.add_argument(
        "--backend",
        choices=sorted(BACKENDS),
        default=default,
        help=f"the database(s) to measure on (PostgreSQL: {POSTGRES_URL}, "
        "or OTASUKE_TEST_POSTGRES_URL; a scratch database is made and dropped)",
    )


def usable(backends: tuple[str, ...]) -> tuple[str, ...]:
    """`backends` without PostgreSQL when its server cannot be reached (said on stdout)."""
    if "postgresql" not in backends:
        return backends
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        print(f"postgresql: skipped, {POSTGRES_URL} unreachable ({type(exc.orig).__name__})")
        return tuple(backend for backend in backends if backend != "postgresql")
    finally:
        engine.dispose()
    return backends


def _stop(signum: int, _frame: FrameType | None) -> None:
    # SystemExit unwinds through the `finally` that drops the databases.
    raise SystemExit(128 + signum)


@contextmanager
def scratch_databases() -> Iterator[Callable[[], str]]:
    """Yields `new()` → the URL of a new, empty PostgreSQL database; all are dropped on leaving."""
    admin: Engine = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new() -> str:
        name = f"{PREFIX}{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield new
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if made:
            with admin.connect() as connection:
                for name in made:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
