"""`otasuke db …`: create or migrate the database."""

import typer

app = typer.Typer(help="The database.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create the database, or migrate it to this version of otasuke."""
    from core.migrate import open_engine, status
    from core.settings import load_settings

    settings = load_settings()
    engine = open_engine(settings.database_url, upgrade_first=True)
    try:
        typer.echo(f"database at revision {status(engine).current}")
    finally:
        engine.dispose()


@app.command("status")
def status_() -> None:
    """Say which revision the database is at and whether it needs `otasuke db upgrade`."""
    from sqlalchemy.exc import OperationalError

    from core.db import database_exists, make_engine
    from core.errors import UserError
    from core.migrate import UPGRADE_HINT, status
    from core.settings import load_settings

    settings = load_settings()
    url = settings.database_url
    if not database_exists(url):
        typer.echo(f"no database yet: {UPGRADE_HINT}")
        raise typer.Exit(1)
    engine = make_engine(url)
    try:
        state = status(engine)
    except OperationalError as exc:
        raise UserError(f"cannot open the database {engine.url!r}: {exc.orig}") from None
    finally:
        engine.dispose()
    typer.echo(f"database: {engine.url!r}")
    typer.echo(f"revision: {state.current or 'none'} (otasuke needs {state.head})")
    if not state.up_to_date:
        typer.echo(UPGRADE_HINT)
        raise typer.Exit(1)
    typer.echo("up to date")
