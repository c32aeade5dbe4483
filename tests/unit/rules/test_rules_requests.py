"""Rule requests as data (the batch path): option parsing, answers and error lines."""

import json
from datetime import UTC, date, datetime

import pytest

from knowledge.rules.calendar import JST
from knowledge.rules.requests import (
    RuleRequestError,
    answer_lines,
    evaluate,
    parse_date,
    parse_member,
    parse_moment,
)


def test_a_date_must_be_written_yyyy_mm_dd() -> None:
    assert parse_date("2028-02-29", "applied") == date(2028, 2, 29)
    for bad in ("2027-02-29", "20270101", "2027-W01-1", "2027/01/01", 20270101, None):
        with pytest.raises(RuleRequestError, match="applied: not a date"):
            parse_date(bad, "applied")


def test_a_moment_without_an_offset_is_tokyo_time_and_a_bare_date_is_midnight() -> None:
    assert parse_moment("2027-01-29T23:59:59", "received") == datetime(
        2027, 1, 29, 23, 59, 59, tzinfo=JST
    )
    assert parse_moment("2027-01-29", "received") == datetime(2027, 1, 29, tzinfo=JST)
    assert parse_moment("2027-01-29T14:59:59Z", "received") == datetime(
        2027, 1, 29, 14, 59, 59, tzinfo=UTC
    )
    with pytest.raises(RuleRequestError, match="received: not a date-time"):
        parse_moment("yesterday", "received")


@pytest.mark.parametrize(
    ("options", "member"),
    [
        ({"member": True}, True),
        ({"member": False}, False),
        ({"non_member": True}, False),
        ({"non-member": True}, False),
        ({"member": True, "non_member": False}, True),
    ],
)
def test_member_status_may_be_written_either_way(options: dict[str, object], member: bool) -> None:
    assert parse_member(options) is member


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "say whether"),
        ({"member": True, "non-member": True}, "contradict"),
        ({"member": "yes"}, "true or false"),
    ],
)
def test_member_status_must_be_given_once_and_as_a_boolean(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(RuleRequestError, match=message):
        parse_member(options)


def test_each_command_answers_with_the_spec_keys() -> None:
    contract = evaluate(
        {"cmd": "contract", "applied": "2026-04-10", "approved": "2026-04-20", "member": True}
    )
    assert (contract["start_date"], contract["first_fee"]) == ("2026-06-05", 59400)
    assert evaluate({"cmd": "business-day", "date": "2026-09-22"}) == {
        "date": "2026-09-22",
        "business_day": False,
        "reason": "national holiday: 国民の休日",
    }
    cancel = evaluate({"cmd": "cancel", "received": "2027-01-30T00:00", "desired": "2027-03-31"})
    assert (cancel["deadline"], cancel["on_time"], cancel["earliest_on_time_date"]) == (
        "2027-01-29",
        False,
        "2027-04-01",
    )
    assert evaluate({"cmd": "service-change", "notified": "2026-12-31"}) == {
        "deadline": "2027-02-26"
    }


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ([1, 2], "expected a JSON object"),
        ({"cmd": "refund"}, "cmd: expected one of"),
        ({"date": "2026-01-01"}, "cmd: expected one of"),
        ({"cmd": "business-day", "date": "2026-01-01", "day": 1}, "unknown option 'day'"),
        ({"cmd": "cancel", "received": "2027-01-30"}, "desired: not a date"),
    ],
)
def test_a_bad_request_says_what_is_wrong(request_: object, message: str) -> None:
    with pytest.raises(RuleRequestError, match=message):
        evaluate(request_)


def test_batch_lines_answer_in_order_and_bad_lines_do_not_stop_the_rest() -> None:
    lines = [
        '{"cmd": "business-day", "date": "2027-01-04"}',
        "",
        "{not json",
        '{"cmd": "business-day", "date": "2027-02-30"}',
        '{"cmd": "service-change", "notified": "9999-12-31"}',
        '{"cmd": "business-day", "date": "2027-01-01"}',
    ]
    out = [json.loads(line) for line in answer_lines(lines)]
    assert out[0] == {"date": "2027-01-04", "business_day": True, "reason": None}
    assert out[1] == {"error": "line 2: empty line"}
    assert out[2]["error"].startswith("line 3: not JSON")
    assert out[3]["error"].startswith("line 4: date: not a date")
    assert out[4]["error"].startswith("line 5: ")
    assert out[5]["business_day"] is False
