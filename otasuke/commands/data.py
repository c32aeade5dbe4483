"""`otasuke customers …` and `otasuke payments …`: the chamber's lists, imported from CSV."""

import typer

customers_app = typer.Typer(help="Customers and their contracts.", no_args_is_help=True)
payments_app = typer.Typer(help="Payments the chamber received.", no_args_is_help=True)
