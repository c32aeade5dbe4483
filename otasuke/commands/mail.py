"""`otasuke mail …`: customers' mail, read and understood."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Customers' mail: classify, explain, backfill.", no_args_is_help=True)


@app.command("backfill")
def backfill(
    since: Annotated[
        str, typer.Option("--since", help="Import mail the server received on or after this date.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Import them (without it: only show what would be).")
    ] = False,
) -> None:
    """Import older mail from the IMAP mailbox (reading starts at the first connection)."""
    import asyncio

    from core.errors import UserError
    from core.settings import load_settings
    from otasuke.commands.common import parse_today
    from otasuke.mailbox import backfill_mailbox

    day = parse_today(since, "--since")
    settings = load_settings()
    if not settings.imap_host:
        raise UserError(
            "backfill reads the IMAP mailbox and OTASUKE_IMAP_HOST is not set "
            "(without IMAP every file dropped into OTASUKE_MAIL_INBOX_DIR is read anyway)"
        )
    candidates = asyncio.run(backfill_mailbox(settings, day, apply=yes))
    new = [c for c in candidates if not c.stored]
    for candidate in candidates:
        when = candidate.received_at.isoformat(timespec="minutes") if candidate.received_at else "?"
        mark = "stored already" if candidate.stored else ("imported" if yes else "would import")
        typer.echo(
            f"UID {candidate.uid}  {when}  {candidate.sender}  {candidate.subject}  [{mark}]"
        )
    if yes:
        typer.echo(f"{len(new)} mail(s) imported; `otasuke run` takes them in.")
    else:
        typer.echo(
            f"{len(candidates)} mail(s) since {day.isoformat()}, {len(new)} not stored yet: "
            "run again with --yes to import them."
        )
