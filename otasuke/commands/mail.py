"""`otasuke mail …`: customers' mail, read and understood."""

from __future__ import annotations

import typer

app = typer.Typer(help="Customers' mail: classify, explain, backfill.", no_args_is_help=True)
