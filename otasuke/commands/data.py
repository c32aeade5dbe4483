"""`otasuke customers …` and `otasuke payments …`: the chamber's lists, imported from CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from knowledge.formatting import format_yen
from otasuke.commands.common import parse_today

customers_app = typer.Typer(help="Customers and their contracts.", no_args_is_help=True)
payments_app = typer.Typer(help="Payments the chamber received.", no_args_is_help=True)

CsvFile = Annotated[Path, typer.Argument(help="The CSV file (UTF-8 or CP932, with a header).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object instead of text.")]


TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="The day to compute as of (YYYY-MM-DD; default: today in JST)."),
]


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; otherwise silence (logs stay clean)."""
    if not sys.stderr.isatty() or total < 2000:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError:
        return 0


def _report(what: str, file: Path, report: Any, as_json: bool) -> None:
    """The summary on stdout, each refused or conflicting row (file: line N: …) on stderr; exit 1
    if any.

    A partial import keeps its good rows (SPEC: good rows still load) but is not a success: a
    script tells it from a clean one by the exit status, and the summary says how many loaded.
    """
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        conflicts = getattr(report, "conflicts", [])
        for line, reason in report.errors:
            typer.echo(f"{file}: line {line}: {reason}", err=True)
        for line, reason in conflicts:
            typer.echo(f"{file}: line {line}: conflict: {reason}", err=True)
        refused = len(report.errors)
        typer.echo(
            f"{what}: {report.loaded} of {report.loaded + refused + len(conflicts)} rows loaded "
            f"({report.inserted} inserted, {report.updated} updated, "
            f"{report.unchanged} unchanged), {refused} refused"
            + (f", {len(conflicts)} conflict(s) not applied" if conflicts else "")
        )
    # A conflict (a row otasuke's record won over) did not load either: not a clean import.
    if report.errors or getattr(report, "conflicts", []):
        raise typer.Exit(1)


@customers_app.command("import")
def import_customers(
    file: CsvFile,
    today: TodayOption = None,
    as_json: JsonFlag = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Apply rows that undo a cancellation or suspension otasuke carried out.",
        ),
    ] = False,
) -> None:
    """Load or update customers from CSV; bad rows are reported by line, good ones still load."""
    from core.imports import import_customers as run_import
    from core.session import unit_of_work
    from core.settings import business_calendar, load_settings

    settings = load_settings()
    day = parse_today(today)
    with unit_of_work(settings) as session, _progress(_count_lines(file), "customers") as step:
        report = run_import(
            session, file, today=day, calendar=business_calendar(settings), progress=step,
            overwrite=overwrite,
        )  # fmt: skip
    _report("customers", file, report, as_json)


@payments_app.command("import")
def import_payments(file: CsvFile, as_json: JsonFlag = False) -> None:
    """Add payments from CSV (customer_id, paid_on, amount); a row imported before is skipped."""
    from core.payments_import import import_payments as run_import
    from core.session import unit_of_work
    from core.settings import load_settings

    with (
        unit_of_work(load_settings()) as session,
        _progress(_count_lines(file), "payments") as step,
    ):
        report = run_import(session, file, progress=step)
    _report("payments", file, report, as_json)


@customers_app.command("resume")
def resume(
    customer_id: Annotated[str, typer.Argument(help="NIG-000123 (any spelling customers use).")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who lifts it (default: cli:<login name>).")
    ] = None,
) -> None:
    """Lift a suspension (第9条): the customer is active again."""
    import getpass

    from core.executor import resume as lift
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        customer = lift(session, customer_id, by or f"cli:{getpass.getuser()}")
        shown = customer.customer_id
    typer.echo(f"{shown}: active again")


@customers_app.command("show")
def show(
    customer_id: Annotated[str, typer.Argument(help="NIG-000123 (any spelling customers use).")],
    today: TodayOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A customer's contract and every date that applies: periods, deadlines, dues, insurance."""
    from core.customers import customer_overview, get_customer
    from core.session import unit_of_work
    from core.settings import business_calendar, load_settings

    settings = load_settings()
    day = parse_today(today)
    with unit_of_work(settings) as session:
        overview = customer_overview(
            session, get_customer(session, customer_id), day, business_calendar(settings)
        )
    if as_json:
        typer.echo(json.dumps(overview, ensure_ascii=False))
        return
    for line in _describe(overview):
        typer.echo(line)


def _describe(o: dict[str, Any]) -> list[str]:
    c = o["contract"]
    period = o["current_period"]
    lines = [
        f"{o['customer_id']}  {o['company']}  ({o['contact_name']} <{o['email']}>)",
        f"  status: {o['status']}" + (f", ended {o['ended_on']}" if o["ended_on"] else ""),
        f"  member: {'会員' if o['member'] else '非会員'}, "
        f"annual fee {format_yen(o['annual_fee'], 'ja')}, "
        f"notices in {'English' if o['lang'] == 'en' else 'Japanese'}",
        f"  applied {o['applied_on']}, approved {o['approved_on']}",
        f"  as of {o['today']}:",
        f"  usage start (利用開始日): {c['start_date']}",
    ]
    if o["ended"]:
        lines.append(
            f"  the contract ended on {o['ended_on']}: no current period, no cancellation "
            "deadline, nothing more falls due"
        )
    else:
        lines += [
            f"  free period (無償期間): until {c['free_period_end']}"
            + (" — now" if o["in_free_period"] else ""),
            f"  current period: {period['start']} – {period['end']}"
            + (" (not started yet)" if o["before_start"] else "")
            + (f" — the contract ends on {o['ended_on']}" if o["ended_on"] else ""),
            _deadline_line(o),
            f"  refund request deadline (第12条4項): {c['refund_request_deadline']}",
        ]
    lines.append(_insurance_line(o["insurance"], o["insurance_causes_until"]))
    lines.append("  dues:")
    for due in o["dues"]:
        state = "paid" if due["paid"] else "unpaid"
        if not due["paid"] and due["due_on"] < o["today"]:
            state = "OVERDUE"
        if due["amount"] == 0:
            state = "nothing owed"
        lines.append(
            f"    period {due['period']} ({due['period_start']} – {due['period_end']}): "
            f"{format_yen(due['amount'], 'ja')} due {due['due_on']}, {state}"
        )
    lines.append(f"  paid so far: {format_yen(o['total_paid'], 'ja')}")
    nxt = o["next_payment"]
    if nxt is None:
        lines.append("  next payment: none")
    else:
        left = (
            f" (of {format_yen(nxt['fee'], 'ja')}, {format_yen(nxt['fee'] - nxt['amount'], 'ja')}"
            " paid)"
            if nxt["amount"] < nxt["fee"]
            else ""
        )
        lines.append(f"  next payment: {format_yen(nxt['amount'], 'ja')} due {nxt['due_on']}{left}")
    return lines


_NOT_CANCELLABLE = " (this period cannot end by term-end cancellation)"


def _deadline_line(o: dict[str, Any]) -> str:
    if o["cancel_deadline"] is None:
        return f"  term-end cancellation (第12条1項): none, the contract ends on {o['ended_on']}"
    return (
        f"  term-end cancellation deadline (第12条1項): {o['cancel_deadline']}"
        + (
            ""
            if o["term_end_cancellable"]
            else " (this period cannot end by term-end cancellation)"
        )
        + (" — passed" if o["cancel_deadline_passed"] else "")
    )


def _insurance_line(insurance: dict[str, Any] | None, causes_until: str | None) -> str:
    if insurance is None:
        return "  insurance year: none"
    line = f"  insurance year: {insurance['start']} – {insurance['end']}"
    if causes_until:
        # 第4条3項但し書: nothing that arises after the contract's end is covered.
        line += f" (covers only causes arising by {causes_until}, 第4条3項)"
    return line


@customers_app.command("utm-returned")
def utm_returned(
    customer_id: Annotated[str, typer.Argument(help="NIG-000123.")],
    on: Annotated[
        str | None, typer.Option("--on", help="When it came back (default: today).")
    ] = None,
) -> None:
    """Record that the customer's UTM came back (第12条6項): the return reminders stop."""
    import getpass

    from core.customers import get_customer
    from core.session import unit_of_work
    from core.settings import load_settings
    from core.utm import record_utm_returned

    day = parse_today(on, "--on")
    with unit_of_work(load_settings()) as session:
        customer = get_customer(session, customer_id)
        record_utm_returned(session, customer, day, f"cli:{getpass.getuser()}")
    typer.echo(f"{customer.customer_id}: UTM returned on {day.isoformat()}; no more reminders")
