"""The `otasuke` command: one Typer app, one sub-app per area (each in `otasuke/commands/`)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import typer

from core.errors import UserError
from otasuke.commands import (
    alerts,
    ask,
    data,
    db,
    doctor,
    faq,
    mail,
    notices,
    queue,
    rules,
    run,
    staff,
)

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

app = typer.Typer(
    name="otasuke",
    help="The chamber's assistant for the お助け隊サービス.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(rules.app, name="rules")
app.add_typer(db.app, name="db")
app.add_typer(data.customers_app, name="customers")
app.add_typer(data.payments_app, name="payments")
app.add_typer(mail.app, name="mail")
app.add_typer(queue.app, name="queue")
app.add_typer(staff.app, name="staff")
app.add_typer(notices.app, name="notices")
app.add_typer(alerts.app, name="alerts")
app.add_typer(faq.app, name="faq")
app.command("ask")(ask.ask)
app.command("run")(run.run)
app.command("doctor")(doctor.doctor)

log = logging.getLogger("otasuke.cli")


def database_error_line(exc: SQLAlchemyError) -> str:
    """The driver's first line (`integer out of range`), not SQLAlchemy's statement and link."""
    cause = getattr(exc, "orig", None) or exc  # DBAPIError wraps the driver's exception
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input becomes one line on stderr and a non-zero exit, never a traceback."""
    try:
        code = app(args=argv, prog_name="otasuke", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("otasuke: aborted\n")
        raise SystemExit(130) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.TyperException as exc:
        # Typer's usage errors (bad option, bad date): `format_message` and `exit_code` are Click's.
        format_message = getattr(exc, "format_message", None)
        message = format_message() if format_message else str(exc)
        sys.stderr.write(f"otasuke: error: {' '.join(message.split())}\n")
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except UserError as exc:
        sys.stderr.write(f"otasuke: error: {' '.join(str(exc).split())}\n")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        if _is_calendar_error(exc):
            # A date the rules reach from good input (a deadline in 2100 for a period that
            # starts in 2099) has no answer when its holidays are unknown: say so, not guess.
            sys.stderr.write(f"otasuke: error: {exc}\n")
            raise SystemExit(1) from None
        if not _is_database_error(exc):
            raise
        # A safety net: a database failure no command foresaw is still one line, not a traceback.
        log.debug("database error", exc_info=True)
        sys.stderr.write(f"otasuke: error: database: {database_error_line(exc)}\n")
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _is_database_error(exc: Exception) -> bool:
    # SQLAlchemy is imported by the commands that use it, not for `--help`: no import, no error.
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _is_calendar_error(exc: Exception) -> bool:
    # Like the database's: the calendar (and the holiday library) is loaded only when used.
    calendar = sys.modules.get("knowledge.rules.calendar")
    return calendar is not None and isinstance(exc, calendar.CalendarRangeError)
