"""`otasuke queue …`: the staff approval queue."""

import typer

app = typer.Typer(help="The staff approval queue.", no_args_is_help=True)
