"""Alembic migrations, shipped in the package and run by `core.migrate` (no alembic.ini)."""
