"""`otasuke alerts import FILE`: the monitoring portal's UTM alerts, mailed to customers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="UTM alerts from the monitoring portal.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON lines or CSV (alert_id, customer_id, …).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON summary.")] = False,
) -> None:
    """Load alerts (a repeated alert_id is skipped), mail the new ones; bad rows → exit 1."""
    from core.alerts import import_alerts
    from core.db import session_factory
    from core.migrate import open_engine
    from core.models import utcnow
    from core.settings import load_settings
    from core.sweep import alert_sweep
    from knowledge.rules.calendar import jst_date
    from otasuke.commands.notices import instance_name

    settings = load_settings()
    engine = open_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        with sessions.begin() as session:
            report = import_alerts(session, file)
        # SPEC: each alert is mailed within a minute: queued now, whether `otasuke run` runs or not.
        now = utcnow()
        sent = alert_sweep(sessions, settings, jst_date(now), me=instance_name("cli"), now=now)
    finally:
        engine.dispose()
    if sent.outbox_ids:
        from otasuke.mailing import describe, send_queued

        for line in describe(send_queued(settings, sent.outbox_ids)):
            typer.echo(line, err=True)
    if as_json:
        typer.echo(json.dumps(report.as_dict() | {"mailed": sent.sent}, ensure_ascii=False))
    else:
        for line, reason in report.errors:
            typer.echo(f"line {line}: {reason}", err=True)
        for alert_id in report.ended:
            typer.echo(f"{alert_id}: the contract had ended: not mailed, staff told", err=True)
        typer.echo(
            f"alerts: {report.inserted} new, {report.duplicates} already imported, "
            f"{len(report.ended)} for ended contracts, {len(report.errors)} error(s); "
            f"{sent.sent} mailed"
        )
    # The good rows are in; the bad ones still make the exit non-zero (staff must fix them).
    if report.errors:
        raise typer.Exit(1)
