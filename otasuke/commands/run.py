"""`otasuke run`: start every worker on one asyncio loop."""

import typer


def run() -> None:
    """Start the assistant: migrate the database, run the workers until SIGTERM or Ctrl-C."""
    from core.settings import load_settings
    from otasuke.runner import run as serve

    code = serve(load_settings())
    if code:
        raise typer.Exit(code)
