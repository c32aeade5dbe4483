"""`otasuke notices …`: what is due on a day, sending it, and a customer's notice history."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from otasuke.commands.common import parse_today

app = typer.Typer(
    help="Renewal notices, payment reminders, alerts, UTM returns.", no_args_is_help=True
)

OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The day (YYYY-MM-DD; default: today in JST)."),
]


def instance_name(role: str) -> str:
    """Who claims notices: host, process and role (a claim names its sweep)."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"


@app.command("due")
def due(
    on: OnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """The notices scheduled for the day, sent or not: the plan (sends nothing, writes nothing)."""
    from core import notices
    from core.notice_plan import NoticeRules
    from core.session import unit_of_work
    from core.settings import load_settings

    settings = load_settings()
    day = parse_today(on, "--on")
    with unit_of_work(settings) as session:
        rows = notices.due(session, NoticeRules.from_settings(settings), day)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            state = "sent" if row["sent"] else "not sent"
            typer.echo(
                f"{row['customer_id']}  {row['kind']}  {row['about']}  {row['to']}  "
                f"({state})  {row['subject']}"
            )
    if not rows and not as_json:
        typer.echo(f"Nothing is scheduled for {day.isoformat()}.")


@contextmanager
def _bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal (its total known after planning)."""
    if not sys.stderr.isatty():
        yield lambda _done, _total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step


@app.command("send")
def send(on: OnOption = None) -> None:
    """The daily sweep as if today were the day: every notice due by then and unsent, once."""
    from core.db import session_factory
    from core.migrate import open_engine
    from core.settings import load_settings
    from core.sweep import daily_sweep

    settings = load_settings()
    day = parse_today(on, "--on")
    engine = open_engine(settings.database_url)
    try:
        with _bar("notices") as step:
            report = daily_sweep(
                session_factory(engine), settings, day, me=instance_name("cli"), progress=step
            )
    finally:
        engine.dispose()
    sent = report.notices
    # Committed first: the mail leaves (or is known to wait for a retry) before we return.
    ids = [*sent.outbox_ids, *report.digests]
    if ids:
        from otasuke.mailing import describe, send_queued

        for line in describe(send_queued(settings, ids)):
            typer.echo(line, err=True)
    for failure in sent.failed:
        typer.echo(f"not sent: {failure}", err=True)
    typer.echo(
        f"{day.isoformat()}: {sent.sent} notice(s) sent, {sent.taken} taken by another sweep, "
        f"{len(sent.actions)} suspend action(s) queued, {len(report.digests)} digest(s)"
        + (f", {len(sent.skipped)} too old to send (skipped)" if sent.skipped else "")
    )
    if sent.failed:
        raise typer.Exit(1)


# Why a notice was skipped, as `notices list` says it (core.notices records the reason).
_WHY = {"too_old": "too old when first swept (OTASUKE_NOTICE_CATCH_UP_DAYS), never sent"}


@app.command("list")
def list_(
    customer: Annotated[str, typer.Option("--customer", help="NIG-000123.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """A customer's notices, oldest first, and what became of each one's mail."""
    from core import notices
    from core.customers import get_customer
    from core.session import unit_of_work
    from core.settings import load_settings
    from knowledge.rules.calendar import to_jst

    with unit_of_work(load_settings()) as session:
        found = get_customer(session, customer)
        records = notices.history(session, found)
    for r in records:
        sent = to_jst(r.sent_at).strftime("%Y-%m-%d %H:%M JST") if r.sent_at else None
        if as_json:
            record = {
                "kind": r.kind,
                "about": r.about,
                "scheduled_on": r.scheduled_on.isoformat(),
                "sent_at": sent,
                "outbox_id": r.outbox_id,
                "mail_status": r.mail_status,
                "subject": r.subject,
                "skipped": r.skipped,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            state = (
                f"sent {sent}, mail {r.mail_status}"
                if sent
                else f"skipped: {_WHY.get(r.skipped, r.skipped)}"
                if r.skipped
                else "not sent"
            )
            typer.echo(f"{r.scheduled_on}  {r.kind}  {r.about}  ({state})  {r.subject or ''}")
    if not records and not as_json:
        typer.echo(f"No notices for {found.customer_id}.")
