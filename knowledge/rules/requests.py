"""The `otasuke rules` requests as plain data: parse the options, apply the rule, answer JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from knowledge.rules.calendar import DEFAULT_CALENDAR, JST, BusinessCalendar
from knowledge.rules.cancellation import (
    check_cancel,
    late_term_end_proposals,
    service_change_deadline,
)
from knowledge.rules.contract import ContractDatesError, contract_terms

JsonObject = dict[str, Any]


class RuleRequestError(ValueError):
    """A request the rules cannot answer: a bad or missing option; the message says which."""


def parse_date(value: object, name: str) -> date:
    """An ISO date `YYYY-MM-DD`, or RuleRequestError naming the option."""
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleRequestError(f"{name}: not a date (YYYY-MM-DD): {value!r}")


def parse_moment(value: object, name: str) -> datetime:
    """An ISO date-time; without a UTC offset it is JST, and a bare date is 00:00 JST that day."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return moment.replace(tzinfo=JST) if moment.tzinfo is None else moment
    raise RuleRequestError(f"{name}: not a date-time (YYYY-MM-DDTHH:MM[:SS][±HH:MM]): {value!r}")


def parse_member(options: Mapping[str, object]) -> bool:
    """Member status from `member: true|false` or `non_member`/`non-member: true`."""
    flags = {key: options[key] for key in ("member", "non_member", "non-member") if key in options}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise RuleRequestError(f"{key}: must be true or false, not {flag!r}")
    answers = {flag if key == "member" else not flag for key, flag in flags.items()}
    if not answers:
        raise RuleRequestError(
            "member: say whether the customer is a member (--member or --non-member)"
        )
    if len(answers) > 1:
        raise RuleRequestError("member: --member and --non-member contradict each other")
    return answers.pop()


def contract_result(options: Mapping[str, object], calendar: BusinessCalendar) -> JsonObject:
    """`rules contract`: the first period's dates and fees (R2–R7, R9, R12, R15)."""
    try:
        terms = contract_terms(
            parse_date(options.get("applied"), "applied"),
            parse_date(options.get("approved"), "approved"),
            parse_member(options),
            calendar,
        )
    except ContractDatesError as exc:
        raise RuleRequestError(f"{exc.option}: {exc}") from None
    return terms.to_json()


def business_day_result(options: Mapping[str, object], calendar: BusinessCalendar) -> JsonObject:
    """`rules business-day`: whether a date is a 営業日, and why not (R1)."""
    day = parse_date(options.get("date"), "date")
    reason = calendar.closure_reason(day)
    return {"date": day.isoformat(), "business_day": reason is None, "reason": reason}


def cancel_result(options: Mapping[str, object], calendar: BusinessCalendar) -> JsonObject:
    """`rules cancel`: a cancellation request against its deadline (R8–R10)."""
    received = parse_moment(options.get("received"), "received")
    desired = parse_date(options.get("desired"), "desired")
    check = check_cancel(received, desired, calendar)
    result: JsonObject = {
        "deadline": check.deadline.isoformat(),
        "on_time": check.on_time,
        "earliest_on_time_date": check.earliest_on_time_date.isoformat(),
        "received_date": received.astimezone(JST).date().isoformat(),
    }
    if not check.on_time and (desired.month, desired.day) == (3, 31):
        # R10: a late term-end request is also offered the next March 31.
        proposals = late_term_end_proposals(received, desired, calendar)
        result["next_term_end"] = proposals.next_term_end.isoformat()
    return result


def service_change_result(options: Mapping[str, object], calendar: BusinessCalendar) -> JsonObject:
    """`rules service-change`: the last day to cancel after a change notice (R13)."""
    notified = parse_date(options.get("notified"), "notified")
    return {"deadline": service_change_deadline(notified, calendar).isoformat()}


_COMMANDS: dict[
    str, tuple[Callable[[Mapping[str, object], BusinessCalendar], JsonObject], set[str]]
]
_COMMANDS = {
    "contract": (contract_result, {"applied", "approved", "member", "non_member", "non-member"}),
    "business-day": (business_day_result, {"date"}),
    "cancel": (cancel_result, {"received", "desired"}),
    "service-change": (service_change_result, {"notified"}),
}


def evaluate(request: object, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> JsonObject:
    """Answer one batch request `{"cmd": …, options by name}`; RuleRequestError when it is bad."""
    if not isinstance(request, dict):
        raise RuleRequestError("expected a JSON object")
    command = request.get("cmd")
    if not isinstance(command, str) or command not in _COMMANDS:  # a list is not even hashable
        names = ", ".join(_COMMANDS)
        raise RuleRequestError(f"cmd: expected one of {names}, not {command!r}")
    rule, allowed = _COMMANDS[command]
    # `json` is one of the spec's options too (`--json`); a batch always answers JSON.
    unknown = sorted(set(request) - allowed - {"cmd", "json"})
    if unknown:
        raise RuleRequestError(f"{command}: unknown option {', '.join(map(repr, unknown))}")
    return rule(request, calendar)


def answer_lines(
    lines: Iterable[str],
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
    bad: Mapping[int, str] | None = None,
) -> list[str]:
    """One JSON result per JSON request line, in order; a bad line gets `{"error": "line N: …"}`.

    `bad`: lines already known to be bad (not UTF-8), by number, with the reason.
    """
    out: list[str] = []
    append, dumps, bad = out.append, json.dumps, bad or {}
    for number, line in enumerate(lines, start=1):
        if number in bad:
            append(dumps({"error": f"line {number}: {bad[number]}"}, ensure_ascii=False))
            continue
        try:
            append(dumps(evaluate(_load(line), calendar), ensure_ascii=False))
        except (ValueError, OverflowError) as exc:  # RuleRequestError, or a date out of range
            append(dumps({"error": f"line {number}: {exc}"}, ensure_ascii=False))
    return out


def _load(line: str) -> object:
    """The line's JSON value; anything json.loads cannot read → RuleRequestError saying why."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        if not line.strip():
            raise RuleRequestError("empty line") from None
        raise RuleRequestError(f"not JSON ({exc.msg}, column {exc.colno})") from None
    except ValueError:  # an integer of more than 4300 digits (sys.int_info)
        raise RuleRequestError("not JSON this program reads (a number too long)") from None
    except RecursionError:
        # json.loads recurses once per level: `[[[[…` a hundred thousand deep ends here.
        raise RuleRequestError("not JSON this program reads (nested too deeply)") from None
