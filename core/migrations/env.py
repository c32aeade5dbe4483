"""Alembic's environment: runs on the connection `core.migrate` hands over, online only."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from core.models import Base
from core.models.base import AwareDateTime

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Revisions must not import the models: the aware-datetime wrapper is a plain timestamptz.
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through core.migrate, which passes the connection")
_run(connection)
