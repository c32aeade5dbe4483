"""`otasuke staff …`: what staff were told (and, with the chat, who staff are)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

app = typer.Typer(help="Staff: who they are, and the notices they were told.", no_args_is_help=True)


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


# Telegram user ids are positive and fit a 64-bit column.
TelegramId = Annotated[
    int, typer.Argument(help="The staff member's Telegram user id.", min=1, max=2**63 - 1)
]


@app.command("add")
def add(
    telegram_id: TelegramId,
    name: Annotated[str | None, typer.Option("--name", help="Who this is.")] = None,
) -> None:
    """Make a Telegram user staff: they may use /queue, /approve … in the chat."""
    from core.session import unit_of_work
    from core.settings import load_settings
    from core.staff_members import add_staff

    with unit_of_work(load_settings()) as session:
        member = add_staff(session, telegram_id, name, f"cli:{getpass.getuser()}")
        typer.echo(
            f"staff: {member.telegram_user_id}" + (f" ({member.name})" if member.name else "")
        )


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Everyone who is staff: from OTASUKE_STAFF_TELEGRAM_IDS and from `staff add`."""
    from core.session import unit_of_work
    from core.settings import load_settings
    from core.staff_members import added_staff

    settings = load_settings()
    with unit_of_work(settings) as session:
        rows = [(tid, None, "settings") for tid in settings.staff_telegram_ids]
        rows += [(m.telegram_user_id, m.name, "added") for m in added_staff(session)]
    for telegram_id, name, source in rows:
        if as_json:
            record = {"telegram_id": telegram_id, "name": name, "source": source}
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            typer.echo(f"{telegram_id}  {name or '-'}  ({source})")
    if not rows and not as_json:
        typer.echo("No staff: set OTASUKE_STAFF_TELEGRAM_IDS or run `otasuke staff add ID`.")


@app.command("remove")
def remove(telegram_id: TelegramId) -> None:
    """Remove someone added with `staff add` (those in settings are removed there)."""
    from core.errors import UserError
    from core.session import unit_of_work
    from core.settings import load_settings
    from core.staff_members import remove_staff

    settings = load_settings()
    with unit_of_work(settings) as session:
        try:
            remove_staff(session, telegram_id, f"cli:{getpass.getuser()}")
        except UserError:
            if telegram_id in settings.staff_telegram_ids:
                raise UserError(
                    f"{telegram_id} is staff through OTASUKE_STAFF_TELEGRAM_IDS: remove it there"
                ) from None
            raise
    typer.echo(f"removed: {telegram_id}")
