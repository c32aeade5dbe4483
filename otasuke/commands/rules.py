"""`otasuke rules …`: the terms' date and fee rules, as the spec's JSON contract."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from knowledge.rules.calendar import BusinessCalendar

app = typer.Typer(help="The terms' date and fee rules (R1–R19).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the spec's JSON object.")]
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _calendar() -> BusinessCalendar:
    """The chamber's calendar (OTASUKE_CLOSED_DAYS, OTASUKE_YEAR_END_BREAK_*), as every command
    that computes a deadline uses it: `rules` answers what `customers show` answers."""
    from core.settings import business_calendar, load_settings

    return business_calendar(load_settings())


def _answer(command: str, options: dict[str, object]) -> dict[str, Any]:
    """Apply one rule; a bad option becomes typer.BadParameter (one line on stderr)."""
    from knowledge.rules.requests import RuleRequestError, evaluate

    calendar = _calendar()
    try:
        return evaluate({"cmd": command, **options}, calendar)
    except (RuleRequestError, ValueError, OverflowError) as exc:
        raise typer.BadParameter(str(exc)) from None


def _print(result: dict[str, Any], as_json: bool, labels: dict[str, str]) -> None:
    """The JSON object, or one aligned `label  value` line per key for a person."""
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    width = max(len(label) for label in labels.values())
    for key, label in labels.items():
        typer.echo(f"{label:<{width}}  {_human(result.get(key))}")


def _human(value: object) -> str:
    """A date with its weekday, yen with separators, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if value is None:
        return "-"
    text = str(value)
    if len(text) == 10 and text[4] == text[7] == "-":
        from datetime import date

        return f"{text} ({_WEEKDAYS[date.fromisoformat(text).weekday()]})"
    return text


@app.command("contract")
def contract(
    applied: Annotated[str, typer.Option("--applied", help="Application date, YYYY-MM-DD.")],
    approved: Annotated[str, typer.Option("--approved", help="Approval (contract) date.")],
    member: Annotated[bool, typer.Option("--member", help="Chamber member on approval.")] = False,
    non_member: Annotated[
        bool, typer.Option("--non-member", help="Not a member on approval.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """A contract's first-period dates and fees (R2–R7, R9, R12, R15)."""
    # Two separate flags, not one `--member/--non-member` switch, so that giving both is an
    # error rather than the last one silently winning; parse_member says which is missing.
    flags = {key: True for key, given in (("member", member), ("non_member", non_member)) if given}
    result = _answer("contract", {"applied": applied, "approved": approved, **flags})
    _print(
        result,
        as_json,
        {
            "start_date": "start date (利用開始日)",
            "free_period_end": "free period ends",
            "first_period_end": "first period ends",
            "paid_months": "paid months",
            "annual_fee": "annual fee (yen)",
            "first_fee": "first fee (yen)",
            "first_payment_due": "first payment due",
            "renewal_payment_due": "first renewal due",
            "term_end_cancel_deadline": "term-end cancellation by",
            "term_end_cancellable": "term-end cancellable",
            "refund_request_deadline": "UTM refund request by",
            "insurance_start": "insurance from",
            "insurance_end": "insurance until",
        },
    )


@app.command("business-day")
def business_day(
    day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD.")],
    as_json: JsonOption = False,
) -> None:
    """Whether a date is a business day (営業日, 第2条(7)), and why not."""
    result = _answer("business-day", {"date": day})
    _print(result, as_json, {"date": "date", "business_day": "business day", "reason": "reason"})


@app.command("cancel")
def cancel(
    received: Annotated[
        str, typer.Option("--received", help="Receipt time, ISO; no UTC offset means JST.")
    ],
    desired: Annotated[str, typer.Option("--desired", help="Desired end date, YYYY-MM-DD.")],
    as_json: JsonOption = False,
) -> None:
    """A cancellation request against its deadline (R8–R10, 第12条1項)."""
    result = _answer("cancel", {"received": received, "desired": desired})
    _print(
        result,
        as_json,
        {
            "received_date": "received (JST)",
            "deadline": "deadline",
            "on_time": "on time",
            "earliest_on_time_date": "earliest on-time date",
            **({"next_term_end": "or the next term end"} if "next_term_end" in result else {}),
        },
    )


@app.command("service-change")
def service_change(
    notified: Annotated[str, typer.Option("--notified", help="Change notice date, YYYY-MM-DD.")],
    as_json: JsonOption = False,
) -> None:
    """The last day to cancel after a service change notice (R13, 第12条5項)."""
    result = _answer("service-change", {"notified": notified})
    _print(result, as_json, {"deadline": "cancel by"})


@app.command("batch")
def batch(
    source: Annotated[
        str, typer.Argument(metavar="FILE.jsonl", help="One request a line; - = stdin.")
    ],
) -> None:
    """One JSON request a line in, one JSON result a line out, in order; bad lines get errors."""
    from knowledge.rules.requests import answer_lines
    from otasuke.commands.common import read_batch

    calendar = _calendar()
    lines = read_batch(source)
    bad = {line.number: line.error for line in lines if line.error is not None}
    out = answer_lines([line.text for line in lines], calendar, bad)
    if out:
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
