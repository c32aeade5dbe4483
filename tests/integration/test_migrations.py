"""The initial migration on both backends, and that the models and the migrations agree."""

from __future__ import annotations

import subprocess
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core import migrate
from core.db import make_engine
from core.models import Base

TABLES = {
    "customers", "contracts", "contract_periods", "payments", "requests", "actions", "outbox",
    "alerts", "notices", "mail_cursors", "inbound_mail", "leases", "chat_links", "staff",
    "audit_log",
}  # fmt: skip


def test_upgrade_creates_every_table_on_an_empty_database(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert migrate.status(engine).up_to_date
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again_works(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(fresh_engine) -> None:
    with fresh_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


# Each upgrade in its own process, as `otasuke run` beside `otasuke db upgrade`; both start
# migrating at the same instant (after their imports), so they do collide.
_UPGRADE = """
import sys, time
from core import migrate
from core.db import make_engine
engine = make_engine(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
migrate.upgrade(engine)
"""


def test_two_upgrades_of_an_empty_database_at_once_both_succeed(empty_url: str) -> None:
    start_at = str(time.time() + 3)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _UPGRADE, empty_url, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=120), run.communicate()[1]) for run in runs]
    assert [code for code, _ in results] == [0, 0], [err[-6000:] for _, err in results]
    engine = make_engine(empty_url)
    try:
        assert migrate.status(engine).up_to_date
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
