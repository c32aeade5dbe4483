"""`otasuke staff …`: what staff were told (and, with the chat, who staff are)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Staff: the notices they were told.", no_args_is_help=True)


@app.command("notices")
def notices(
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """What staff were told: quarantined mail, a dead mailbox, failed mail, alerts, conflicts."""
    from core import staff_notices
    from core.session import unit_of_work
    from core.settings import load_settings
    from knowledge.rules.calendar import to_jst

    with unit_of_work(load_settings()) as session:
        rows = staff_notices.recent(session, limit=limit)
        for notice in rows:
            when = to_jst(notice.created_at).strftime("%Y-%m-%d %H:%M JST")
            if as_json:
                record = {"id": notice.id, "kind": notice.kind, "text": notice.text, "at": when}
                record["announced"] = notice.announced_at is not None
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                typer.echo(f"#{notice.id}  {when}  [{notice.kind}]  {notice.text}")
        if not rows and not as_json:
            typer.echo("No staff notices.")
