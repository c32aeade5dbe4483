"""Database fixtures on SQLite and PostgreSQL, and a way to run the `otasuke` command in-process."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
    """Makes databases: SQLite files, or PostgreSQL databases dropped at the session's end.

    A migrated SQLite database is a copy of a file migrated once a session. PostgreSQL databases
    are reused, not dropped after each test: a DROP DATABASE takes 0.5-2 s on a busy server, and
    one a test, all at the suite's end, made it wait a minute. The tests on `fresh_url` share
    one migrated database, emptied before each (TRUNCATE); an empty database a test is done with
    is emptied (its schema dropped and made again) and given to the next test that wants one.
    One that cannot be (a test left a transaction open on it) is dropped in the background."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._admin: Engine | None = None
        self._admin_error: str | None = None
        self._created: list[str] = []
        self._spare: list[str] = []  # PostgreSQL: emptied databases, ready for `new`
        self._shared: Engine | None = None  # PostgreSQL: the database `fresh` empties
        self._dropper = ThreadPoolExecutor(max_workers=4, thread_name_prefix="drop-database")
        self._drops: list[Future[None]] = []

    def migrated(self, backend: str) -> str:
        """The URL of a new database migrated to head."""
        url = self.new(backend)
        self.migrate(backend, url)
        return url

    def migrate(self, backend: str, url: str) -> None:
        """Migrate the new database at `url` to head (SQLite: a copy of the template)."""
        from core import migrate
        from core.db import make_engine, sqlite_path

        path = sqlite_path(url) if backend == "sqlite" else None
        if path is not None and not path.exists():
            shutil.copyfile(self._sqlite_template(), path)
            return
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()

    def fresh(self, backend: str) -> str:
        """The URL of a database migrated to head that holds no row: on PostgreSQL the shared
        one, emptied (a new one when it cannot be: a test left a transaction open on it)."""
        if backend == "sqlite":
            return self.migrated(backend)
        if self._shared is None or not self._emptied(self._shared):
            from core.db import make_engine

            if self._shared is not None:
                self._shared.dispose()
                self.discard(self._shared.url.render_as_string(hide_password=False))
            self._shared = make_engine(self.migrated(backend), isolation_level="AUTOCOMMIT")
        return self._shared.url.render_as_string(hide_password=False)

    def discard(self, url: str) -> None:
        """A PostgreSQL database no test uses any more: emptied for the next, else dropped in
        the background."""
        name = make_url(url).database
        if name not in self._created or name in self._spare:
            return
        if self._reset(url):
            self._spare.append(name)
        else:
            self._created.remove(name)
            self._drops.append(self._dropper.submit(self._drop, name))

    @staticmethod
    def _reset(url: str) -> bool:
        """Make the database as CREATE DATABASE made it (no table, type or sequence of ours)."""
        from sqlalchemy.exc import OperationalError
        from sqlalchemy.pool import NullPool

        from core.db import make_engine

        engine = make_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text("SET lock_timeout = '2s'"))
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        except OperationalError:
            return False
        finally:
            engine.dispose()
        return True

    def _drop(self, name: str) -> None:
        if self._admin is not None:
            with self._admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _sqlite_template(self) -> Path:
        """The SQLite file migrated once a session, that migrated databases are copies of."""
        path = self._tmp / "otasuke_template.db"
        if not path.exists():
            from core import migrate
            from core.db import make_engine

            engine = make_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            engine.dispose()  # the WAL is folded into the file when its last connection closes
        return path

    @staticmethod
    def _emptied(engine: Engine) -> bool:
        """Empty every table but alembic_version, sequences restarted; False if it cannot."""
        from sqlalchemy.exc import OperationalError

        with engine.connect() as connection:
            tables = connection.scalars(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ).all()
            try:
                connection.execute(text("SET lock_timeout = '2s'"))
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            except OperationalError:
                return False
        return True

    def new(self, backend: str) -> str:
        """The URL of a new, empty database (a SQLite file is made when first connected to)."""
        name = f"otasuke_test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{self._tmp / f'{name}.db'}"
        admin = self._postgres()
        if self._spare:
            name = self._spare.pop()
            return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
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
        if self._shared is not None:
            self._shared.dispose()
        for name in self._created:
            self._drops.append(self._dropper.submit(self._drop, name))
        self._dropper.shutdown()
        for drop in self._drops:
            drop.result()
        if self._admin is not None:
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
    return databases.migrated(backend)


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
def empty_url(backend: str, databases: Databases) -> Iterator[str]:
    """A new empty database for a test that commits (migrations, two connections, commands)."""
    url = databases.new(backend)
    yield url
    databases.discard(url)


@pytest.fixture
def fresh_engine(backend: str, empty_url: str, databases: Databases) -> Iterator[Engine]:
    """An engine on empty_url's database, migrated to head, for tests that need real commits."""
    from core.db import make_engine

    databases.migrate(backend, empty_url)
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_url(backend: str, databases: Databases) -> str:
    """A database migrated to head holding no row, for a test that commits or runs commands
    (cheaper than fresh_engine's on PostgreSQL: no database made or dropped for the test)."""
    return databases.fresh(backend)


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
