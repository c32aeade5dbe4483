"""`otasuke db …`: create or migrate the database."""

import typer

app = typer.Typer(help="The database.", no_args_is_help=True)
