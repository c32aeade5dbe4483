"""Database fixtures on SQLite and PostgreSQL, and a way to run the `otasuke` command in-process."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

POSTGRES_URL = os.environ.get(
    "OTASUKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


def _unavailable(reason: str) -> None:
    """Skip a test that needs a server it cannot find; in CI (CI=true) that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the server must be there)")
    pytest.skip(reason)


class Databases:
    """Makes empty databases: SQLite files, or PostgreSQL databases dropped at the session's end."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._admin: Engine | None = None
        self._admin_error: str | None = None
        self._created: list[str] = []

    def new(self, backend: str) -> str:
        """The URL of a new, empty database."""
        name = f"otasuke_test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{self._tmp / f'{name}.db'}"
        admin = self._postgres()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def _postgres(self) -> Engine:
        from sqlalchemy.exc import OperationalError

        from core.db import make_engine

        if self._admin_error:
            _unavailable(self._admin_error)
        if self._admin is None:
            engine = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect():
                    pass
            except OperationalError as exc:
                engine.dispose()
                self._admin_error = (
                    f"PostgreSQL unreachable at {POSTGRES_URL} (set OTASUKE_TEST_POSTGRES_URL): "
                    f"{' '.join(str(exc.orig).split())[:200]}"
                )
                _unavailable(self._admin_error)
            self._admin = engine
        return self._admin

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases this session made."""
        if self._admin is None:
            return
        with self._admin.connect() as connection:
            for name in self._created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """The session's database maker."""
    made = Databases(tmp_path_factory.mktemp("db"))
    yield made
    made.drop_all()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database test runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_url(backend: str, databases: Databases) -> str:
    """One database per backend for the session, migrated to head."""
    from core import migrate
    from core.db import make_engine

    url = databases.new(backend)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(migrated_url: str) -> Iterator[Engine]:
    """The session's engine on the migrated database."""
    from core.db import make_engine

    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def empty_url(backend: str, databases: Databases) -> str:
    """A new empty database for a test that commits (migrations, two connections, commands)."""
    return databases.new(backend)


@pytest.fixture
def fresh_engine(empty_url: str) -> Iterator[Engine]:
    """An engine on a new database migrated to head, for tests that need real commits."""
    from core import migrate
    from core.db import make_engine

    engine = make_engine(empty_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class CliResult:
    """What `otasuke …` did: exit code, stdout and stderr."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment in a temporary cwd: no OTASUKE_* from outside, SQLite in ./var."""
    for name in list(os.environ):
        if name.startswith("OTASUKE_") and name != "OTASUKE_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def otasuke(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `otasuke ARGS…` in-process (as `otasuke.cli.main`), returning code and output."""
    from otasuke.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _started_dovecot() -> Iterator[object]:
    from mailservers import Dovecot, DovecotUnavailable

    try:
        server = Dovecot()
        server.start()
    except DovecotUnavailable as exc:
        _unavailable(str(exc))
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[object]:
    """One private Dovecot for the session (tests/mailservers.py); each test takes its own user."""
    yield from _started_dovecot()


@pytest.fixture
def own_dovecot() -> Iterator[object]:
    """A Dovecot for this test alone: it may be stopped, killed and restarted."""
    yield from _started_dovecot()
