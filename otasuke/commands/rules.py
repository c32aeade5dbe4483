"""`otasuke rules …`: the terms' date and fee rules, as the spec's JSON contract."""

import typer

app = typer.Typer(help="The terms' date and fee rules (R1–R19).", no_args_is_help=True)
