"""`otasuke queue …`: the staff approval queue."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from core.executor import Outcome
    from core.settings import Settings

app = typer.Typer(help="The staff approval queue.", no_args_is_help=True)

# The id column is a 32-bit integer on PostgreSQL: a bigger number is refused here, in one line.
MAX_ACTION_ID = 2**31 - 1
ActionId = Annotated[
    int, typer.Argument(help="The action's id (#N in the bot).", min=1, max=MAX_ACTION_ID)
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who decides (default: cli:<login name>).")
]


def _actor(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _when(moment: datetime) -> str:
    """Staff read the chamber's time: 2026-11-26 21:07 JST."""
    from knowledge.rules.calendar import to_jst

    return to_jst(moment).strftime("%Y-%m-%d %H:%M JST")


@app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option(
            help="Only actions in this status: pending, approved, rejected, done, failed."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """List queued actions, oldest first."""
    from core.queue import as_json as action_json
    from core.queue import list_actions
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        actions = [action_json(action) for action in list_actions(session, status)]
    for item in actions:
        if as_json:
            typer.echo(json.dumps(item, ensure_ascii=False))
        else:
            who = item["customer_id"] or "-"
            typer.echo(f"#{item['id']} [{item['status']}] {item['kind']} {who}: {item['summary']}")


@app.command()
def show(action_id: ActionId) -> None:
    """Everything about one action: what, for whom, why, who decided, and its audit trail."""
    from core.audit import entries
    from core.queue import get_action
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        action = get_action(session, action_id)
        customer = action.customer.customer_id if action.customer else "-"
        lines = [
            f"#{action.id} {action.kind} [{action.status}] customer {customer}",
            f"  {action.summary}",
            f"  queued {_when(action.created_at)}",
            f"  payload {json.dumps(action.payload, ensure_ascii=False)}",
        ]
        if action.decided_by and action.decided_at:
            lines.append(
                f"  decided by {action.decided_by} at {_when(action.decided_at)}: "
                f"{action.reason or ''}"
            )
        if action.error:
            lines.append(f"  error: {action.error}")
        trail = reversed(entries(session, subject=f"action:{action.id}"))
        lines.append("  history:")
        lines.extend(
            f"    {_when(entry.at)} {entry.event} by {entry.actor}"
            + (f" {json.dumps(entry.details, ensure_ascii=False)}" if entry.details else "")
            for entry in trail
        )
    typer.echo("\n".join(lines))


def _decide(decision: Callable[[Session, Settings], Outcome]) -> None:
    """Run one executor call in a unit of work, send the mail it queued, say what happened."""
    from core.session import unit_of_work
    from core.settings import load_settings
    from otasuke.mailing import describe, send_queued

    settings = load_settings()
    with unit_of_work(settings) as session:
        outcome = decision(session, settings)
    # Committed first: the mail is sent (or known to wait for a retry) before we return.
    if outcome.mail_ids:
        for line in describe(send_queued(settings, outcome.mail_ids)):
            typer.echo(line, err=True)
    if not outcome.decided:
        raise UserError(outcome.message)
    if outcome.status == "failed":
        typer.echo(f"otasuke: error: {outcome.message}", err=True)
        raise typer.Exit(1)
    typer.echo(outcome.message)


@app.command()
def approve(action_id: ActionId, by: ByOption = None) -> None:
    """Approve a pending action and carry it out (once: a second approval is refused)."""
    from core import executor

    _decide(lambda db, settings: executor.approve(db, action_id, _actor(by), settings=settings))


@app.command()
def reject(
    action_id: ActionId,
    reason: Annotated[str, typer.Argument(help="Why (recorded, and told to the customer).")],
    by: ByOption = None,
) -> None:
    """Reject a pending action with a reason (mailed to the customer for a request)."""
    from core import executor

    _decide(
        lambda db, settings: executor.reject(db, action_id, _actor(by), reason, settings=settings)
    )


@app.command()
def reply(
    action_id: ActionId,
    text: Annotated[str, typer.Argument(help="The answer, sent to the mail or chat it came from.")],
    by: ByOption = None,
) -> None:
    """Answer a question action: by mail in its thread, or in the chat it came from."""
    from core import executor

    _decide(lambda db, settings: executor.reply(db, action_id, _actor(by), text, settings=settings))


@app.command()
def assign(
    action_id: ActionId,
    customer_id: Annotated[str, typer.Argument(help="The customer it is: NIG-000123.")],
    by: ByOption = None,
) -> None:
    """Name the customer of an identify action: the request is decided again for them."""
    from core import executor

    _decide(
        lambda db, settings: executor.assign(
            db, action_id, _actor(by), customer_id, settings=settings
        )
    )
