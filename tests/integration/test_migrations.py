"""The initial migration on both backends, and that the models and the migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core import migrate
from core.db import make_engine
from core.models import Base

TABLES = {
    "customers", "contracts", "contract_periods", "payments", "requests", "actions", "outbox",
    "alerts", "notices", "mail_cursors", "chat_links", "staff", "audit_log",
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
