"""An independent audit of `otasuke rules`: expected values worked out by hand from the calendar.

Every expected date below was counted on a printed calendar with the Japanese holidays of
2026–2032 (2026: 5/6 振替休日, 9/22 国民の休日; 2027: 3/22 振替休日, 1/11 成人の日; 2028: 1/10
成人の日; 2029: 4/30 振替休日), the year-end break 12/29–1/3 and August 15 (R1, 第2条(7)).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.rules.requests import RuleRequestError, evaluate
from otasuke.cli import main

CONTRACT_KEYS = (
    "start_date", "free_period_end", "first_period_end", "paid_months", "annual_fee",
    "first_fee", "first_payment_due", "renewal_payment_due", "term_end_cancel_deadline",
    "refund_request_deadline", "insurance_start", "insurance_end",
)  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return its exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run a `rules` command with --json; it must succeed and print one JSON object."""
    code, out, err = run(capsys, "rules", *argv, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert isinstance(payload, dict)
    return payload


# --- contract (R2–R7, R9, R12, R15) -------------------------------------------------------
# (applied, approved, member) → the twelve values in CONTRACT_KEYS order.
# fmt: off
CONTRACTS: list[tuple[str, str, bool, tuple[Any, ...]]] = [
    # Applied on the 5th → next month. January 2027: 1/1–1/3 closed, 1/4 Mon … 1/8 Fri is 5th.
    ("2026-12-05", "2026-12-14", True,
     ("2027-01-08", "2027-01-31", "2027-03-31", 2, 79200, 13200, "2026-12-25", "2027-02-25",
      "2027-01-29", "2027-02-15", "2027-02-01", "2028-01-31")),
    # Applied on the 6th → month after next (February 2027: 2/1 Mon … 2/5 Fri). Approved on the
    # 15th → the 25th of the next month (year rollover). Insurance year ends on 2028-02-29.
    ("2026-12-06", "2026-12-15", False,
     ("2027-02-05", "2027-02-28", "2027-03-31", 1, 99000, 8250, "2027-01-25", "2027-02-25",
      "2027-01-29", "2027-03-15", "2027-03-01", "2028-02-29")),
    # Applied on 12/31 → February too.
    ("2026-12-31", "2027-01-08", True,
     ("2027-02-05", "2027-02-28", "2027-03-31", 1, 79200, 6600, "2027-01-25", "2027-02-25",
      "2027-01-29", "2027-03-15", "2027-03-01", "2028-02-29")),
    # Applied on 1/5 → February; approved on the 15th of February → first due 3/25, and the
    # first renewal falls due with it (R7 max).
    ("2027-01-05", "2027-02-15", False,
     ("2027-02-05", "2027-02-28", "2027-03-31", 1, 99000, 8250, "2027-03-25", "2027-03-25",
      "2027-01-29", "2027-03-15", "2027-03-01", "2028-02-29")),
    # Applied on 1/6 → March start (3/1 Mon … 3/5 Fri): nothing to pay in the first period.
    ("2027-01-06", "2027-02-20", True,
     ("2027-03-05", "2027-03-31", "2027-03-31", 0, 79200, 0, "2027-03-25", "2027-03-25",
      "2027-01-29", "2027-04-15", "2027-04-01", "2028-03-31")),
    # Applied after the first period's R9 deadline (1/29): March start, approved on the 14th.
    ("2027-01-30", "2027-02-14", False,
     ("2027-03-05", "2027-03-31", "2027-03-31", 0, 99000, 0, "2027-02-25", "2027-02-25",
      "2027-01-29", "2027-04-15", "2027-04-01", "2028-03-31")),
    # April 2026: 4/1 Wed, 4/2, 4/3, 4/6, 4/7 Tue. Eleven paid months. Approved on the 14th.
    ("2026-03-05", "2026-03-14", True,
     ("2026-04-07", "2026-04-30", "2027-03-31", 11, 79200, 72600, "2026-03-25", "2027-02-25",
      "2027-01-29", "2026-05-15", "2026-05-01", "2027-04-30")),
    # Golden Week 2026: 5/1 Fri, then 5/4–5/6 closed (5/6 振替休日): 5/7, 5/8, 5/11, 5/12.
    ("2026-03-06", "2026-03-15", False,
     ("2026-05-12", "2026-05-31", "2027-03-31", 10, 99000, 82500, "2026-04-25", "2027-02-25",
      "2027-01-29", "2026-06-15", "2026-06-01", "2027-05-31")),
    # Golden Week 2027: 5/1–5/5 closed: 5/6 Thu, 5/7, 5/10, 5/11, 5/12 Wed. Period ends 2028.
    ("2027-04-05", "2027-04-14", True,
     ("2027-05-12", "2027-05-31", "2028-03-31", 10, 79200, 66000, "2027-04-25", "2028-02-25",
      "2028-01-31", "2027-06-15", "2027-06-01", "2028-05-31")),
    # January 2028: 1/3 closed, 1/4 Tue … 1/7 Fri is 4th, 1/10 成人の日, 1/11 Tue is 5th.
    ("2027-12-03", "2027-12-20", False,
     ("2028-01-11", "2028-01-31", "2028-03-31", 2, 99000, 16500, "2028-01-25", "2028-02-25",
      "2028-01-31", "2028-02-15", "2028-02-01", "2029-01-31")),
    # January 2029: 1/4 Thu, 1/5 Fri, 1/8 成人の日, 1/9, 1/10, 1/11 Thu is 5th.
    ("2028-11-06", "2028-11-30", True,
     ("2029-01-11", "2029-01-31", "2029-03-31", 2, 79200, 13200, "2028-12-25", "2029-02-25",
      "2029-01-31", "2029-02-15", "2029-02-01", "2030-01-31")),
    # September 2026 (9/21–9/23 closed later in the month): 9/1 Tue … 9/7 Mon is 5th.
    ("2026-07-06", "2026-07-20", True,
     ("2026-09-07", "2026-09-30", "2027-03-31", 6, 79200, 39600, "2026-08-25", "2027-02-25",
      "2027-01-29", "2026-10-15", "2026-10-01", "2027-09-30")),
    # Applied 12/31/2027 → February 2028 (2/1 Tue … 2/7 Mon); free period to 2/29 (leap).
    ("2027-12-31", "2028-01-14", True,
     ("2028-02-07", "2028-02-29", "2028-03-31", 1, 79200, 6600, "2028-01-25", "2028-02-25",
      "2028-01-31", "2028-03-15", "2028-03-01", "2029-02-28")),
    # Applied 1/6/2028 → March 2028 (3/1 Wed … 3/7 Tue); refund 4/15 Sat → 4/14 Fri.
    ("2028-01-06", "2028-02-15", False,
     ("2028-03-07", "2028-03-31", "2028-03-31", 0, 99000, 0, "2028-03-25", "2028-03-25",
      "2028-01-31", "2028-04-14", "2028-04-01", "2029-03-31")),
    # July 2028 start: refund deadline 8/15 (closed, Tue) → 8/14 Mon.
    ("2028-05-06", "2028-05-15", True,
     ("2028-07-07", "2028-07-31", "2029-03-31", 8, 79200, 52800, "2028-06-25", "2029-02-25",
      "2029-01-31", "2028-08-14", "2028-08-01", "2029-07-31")),
    # July 2027 start: refund deadline 8/15 Sun → 8/14 Sat → 8/13 Fri.
    ("2027-05-06", "2027-05-14", False,
     ("2027-07-07", "2027-07-31", "2028-03-31", 8, 99000, 66000, "2027-05-25", "2028-02-25",
      "2028-01-31", "2027-08-13", "2027-08-01", "2028-07-31")),
    # October 2026 start: refund deadline 11/15 Sun → 11/13 Fri.
    ("2026-08-06", "2026-08-20", True,
     ("2026-10-07", "2026-10-31", "2027-03-31", 5, 79200, 33000, "2026-09-25", "2027-02-25",
      "2027-01-29", "2026-11-13", "2026-11-01", "2027-10-31")),
    # December 2026 start: insurance from 2027-01-01 to 2027-12-31; refund by 1/15 Fri.
    ("2026-10-06", "2026-10-20", True,
     ("2026-12-07", "2026-12-31", "2027-03-31", 3, 79200, 19800, "2026-11-25", "2027-02-25",
      "2027-01-29", "2027-01-15", "2027-01-01", "2027-12-31")),
    # April 2027 start: refund 5/15 Sat → 5/14 Fri; approved on 2/28 (a Sunday, day ≥ 15).
    ("2027-02-06", "2027-02-28", False,
     ("2027-04-07", "2027-04-30", "2028-03-31", 11, 99000, 90750, "2027-03-25", "2028-02-25",
      "2028-01-31", "2027-05-14", "2027-05-01", "2028-04-30")),
    # January 2026: 1/5 Mon … 1/9 Fri; refund 2/15 Sun → 2/13 Fri.
    ("2025-11-06", "2025-11-10", False,
     ("2026-01-09", "2026-01-31", "2026-03-31", 2, 99000, 16500, "2025-11-25", "2026-02-25",
      "2026-01-30", "2026-02-13", "2026-02-01", "2027-01-31")),
    # August 2031: 8/1 Fri, 8/4 … 8/7 Thu. Refund 9/15 is 敬老の日 (Mon) → 9/12 Fri; the R9
    # deadline of 3/31/2032 is 1/31 Sat → 1/30 Fri.
    ("2031-06-06", "2031-06-16", False,
     ("2031-08-07", "2031-08-31", "2032-03-31", 7, 99000, 57750, "2031-07-25", "2032-02-25",
      "2032-01-30", "2031-09-12", "2031-09-01", "2032-08-31")),
]
# fmt: on


@pytest.mark.parametrize(("applied", "approved", "member", "expected"), CONTRACTS)
def test_contract_dates_and_fees_match_the_hand_count(
    capsys: pytest.CaptureFixture[str],
    applied: str,
    approved: str,
    member: bool,
    expected: tuple[Any, ...],
) -> None:
    flag = "--member" if member else "--non-member"
    payload = run_json(capsys, "contract", "--applied", applied, "--approved", approved, flag)
    assert {key: payload[key] for key in CONTRACT_KEYS} == dict(
        zip(CONTRACT_KEYS, expected, strict=True)
    )


def test_contract_amounts_are_integer_yen_and_dates_iso(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = run_json(
        capsys, "contract", "--applied", "2026-03-06", "--approved", "2026-03-15", "--member"
    )
    for key in ("paid_months", "annual_fee", "first_fee"):
        assert type(payload[key]) is int
    for key in set(CONTRACT_KEYS) - {"paid_months", "annual_fee", "first_fee"}:
        assert isinstance(payload[key], str)
        assert len(payload[key]) == 10
        assert payload[key][4] == payload[key][7] == "-"


# --- business-day (R1) --------------------------------------------------------------------
BUSINESS_DAYS: list[tuple[str, bool]] = [
    ("2027-01-01", False),  # 元日
    ("2026-12-28", True),  # last day before the break
    ("2026-12-29", False),  # year-end break, a Tuesday
    ("2027-01-03", False),  # break and Sunday
    ("2027-01-04", True),  # first day after the break
    ("2027-01-11", False),  # 成人の日
    ("2026-05-06", False),  # 振替休日
    ("2027-05-06", True),  # Thursday after Golden Week 2027
    ("2026-09-22", False),  # 国民の休日 (between 敬老の日 and 秋分の日)
    ("2027-03-22", False),  # 振替休日 for 3/21 (Sunday)
    ("2029-04-30", False),  # 振替休日 for 4/29 (Sunday)
    ("2028-08-15", False),  # August 15, a Tuesday
    ("2027-08-13", True),  # お盆 is not closed
    ("2027-08-16", True),  # nor the day after the 15th
    ("2028-02-29", True),  # leap day, Tuesday
    ("2027-02-27", False),  # Saturday
]


@pytest.mark.parametrize(("day", "open_"), BUSINESS_DAYS)
def test_business_day_answers_with_a_reason_only_when_closed(
    capsys: pytest.CaptureFixture[str], day: str, open_: bool
) -> None:
    payload = run_json(capsys, "business-day", day)
    assert payload["date"] == day
    assert payload["business_day"] is open_
    if open_:
        assert payload["reason"] is None
    else:
        assert isinstance(payload["reason"], str)
        assert payload["reason"].strip()


# --- cancel (R8–R10) ----------------------------------------------------------------------
# (received, desired) → (deadline, on_time, earliest_on_time_date)
CANCELS: list[tuple[str, str, tuple[str, bool, str]]] = [
    # R9 for 3/31/2027: 1/31 Sun → 1/29 Fri. The last second of 1/29 JST is on time.
    ("2027-01-29T23:59:59", "2027-03-31", ("2027-01-29", True, "2027-03-29")),
    ("2027-01-29T23:59:59+09:00", "2027-03-31", ("2027-01-29", True, "2027-03-29")),
    ("2027-01-29T14:59:59Z", "2027-03-31", ("2027-01-29", True, "2027-03-29")),
    # Midnight JST is the next day: late; the earliest on-time date is 4/1 (deadline 2/1 Mon).
    ("2027-01-30T00:00:00", "2027-03-31", ("2027-01-29", False, "2027-04-01")),
    ("2027-01-29T15:00:00Z", "2027-03-31", ("2027-01-29", False, "2027-04-01")),
    ("2027-01-29T15:00:00+00:00", "2027-03-31", ("2027-01-29", False, "2027-04-01")),
    ("2027-01-29T10:00:00-05:00", "2027-03-31", ("2027-01-29", False, "2027-04-01")),
    # 23:30 on 1/29 in UTC+1 is 07:30 on 1/30 in Tokyo: late.
    ("2027-01-29T23:30:00+01:00", "2027-03-31", ("2027-01-29", False, "2027-04-01")),
    # 00:30 on 1/30 in UTC+10 is 23:30 on 1/29 in Tokyo: on time.
    ("2027-01-30T00:30:00+10:00", "2027-03-31", ("2027-01-29", True, "2027-03-29")),
    # R9 deadlines of later years: 2028–2031 on 1/31 itself, 2032 1/31 Sat → 1/30 Fri.
    ("2028-01-31T12:00:00", "2028-03-31", ("2028-01-31", True, "2028-03-31")),
    ("2029-01-31T12:00:00", "2029-03-31", ("2029-01-31", True, "2029-03-31")),
    ("2030-01-31T12:00:00", "2030-03-31", ("2030-01-31", True, "2030-03-31")),
    ("2031-01-31T12:00:00", "2031-03-31", ("2031-01-31", True, "2031-03-31")),
    ("2032-01-30T12:00:00", "2032-03-31", ("2032-01-30", True, "2032-03-30")),
    # Received on Saturday 1/31/2032: next open day is 2/2 Mon → desired 4/2.
    ("2032-01-31T09:00:00", "2032-03-31", ("2032-01-30", False, "2032-04-02")),
    # R8 clamping: 4/30/2027 → 2/28 Sun → 2/26 Fri; 4/29/2027 → 2/28 (no 2/29) → 2/26.
    ("2027-02-26T18:00:00", "2027-04-30", ("2027-02-26", True, "2027-04-26")),
    ("2027-02-26T18:00:00", "2027-04-29", ("2027-02-26", True, "2027-04-26")),
    ("2027-02-27T09:00:00", "2027-04-30", ("2027-02-26", False, "2027-05-01")),
    # 2028 is a leap year: 4/30 and 4/29 → 2/29 Tue.
    ("2028-02-29T09:00:00", "2028-04-30", ("2028-02-29", True, "2028-04-29")),
    ("2028-02-29T09:00:00", "2028-04-29", ("2028-02-29", True, "2028-04-29")),
    # 5/31 → 3/31 (Wednesday).
    ("2027-03-31T09:00:00", "2027-05-31", ("2027-03-31", True, "2027-05-31")),
    # 3/3/2027 → 1/3 closed → back over the break to 12/28/2026; received in the break.
    ("2026-12-29T10:00:00", "2027-03-03", ("2026-12-28", False, "2027-03-04")),
    # Golden Week: 7/5/2027 → 5/5 → 4/30 Fri; 7/6/2026 → 5/6 振替休日 → 5/1 Fri.
    ("2027-04-30T09:00:00", "2027-07-05", ("2027-04-30", True, "2027-06-30")),
    ("2027-05-01T09:00:00", "2027-07-05", ("2027-04-30", False, "2027-07-06")),
    ("2026-05-01T09:00:00", "2026-07-06", ("2026-05-01", True, "2026-07-01")),
    ("2026-05-02T09:00:00", "2026-07-06", ("2026-05-01", False, "2026-07-07")),
    # September 2026: 11/22 → 9/22 国民の休日 → 9/21, 9/20, 9/19 → 9/18 Fri.
    ("2026-09-18T09:00:00", "2026-11-22", ("2026-09-18", True, "2026-11-18")),
    ("2026-09-19T09:00:00", "2026-11-23", ("2026-09-18", False, "2026-11-24")),
    # August 15 (Tuesday in 2028) closed: 10/15 → 8/14 Mon; 10/16 → 8/16.
    ("2028-08-14T09:00:00", "2028-10-15", ("2028-08-14", True, "2028-10-14")),
    ("2028-08-15T09:00:00", "2028-10-16", ("2028-08-16", True, "2028-10-16")),
    # Holidays in February: 4/11 → 2/11 → 2/10; 4/23 → 2/23 → 2/22.
    ("2027-02-10T09:00:00", "2027-04-11", ("2027-02-10", True, "2027-04-10")),
    ("2027-02-22T09:00:00", "2027-04-23", ("2027-02-22", True, "2027-04-22")),
    # Early: the earliest on-time date is before the desired one (1/10 Sun, 1/11 成人の日).
    ("2027-01-10T09:00:00", "2027-06-30", ("2027-04-30", True, "2027-03-12")),
    # Received after the desired date itself.
    ("2027-05-01T09:00:00", "2027-03-31", ("2027-01-29", False, "2027-07-06")),
]


@pytest.mark.parametrize(("received", "desired", "expected"), CANCELS)
def test_cancel_deadline_and_earliest_on_time_date_match_the_hand_count(
    capsys: pytest.CaptureFixture[str],
    received: str,
    desired: str,
    expected: tuple[str, bool, str],
) -> None:
    payload = run_json(capsys, "cancel", "--received", received, "--desired", desired)
    deadline, on_time, earliest = expected
    assert payload["deadline"] == deadline
    assert payload["on_time"] is on_time
    assert payload["earliest_on_time_date"] == earliest


# --- service-change (R13) -----------------------------------------------------------------
SERVICE_CHANGES: list[tuple[str, str]] = [
    ("2026-12-31", "2027-02-26"),  # → 2/28 (clamped) Sun → 2/26 Fri
    ("2026-12-30", "2027-02-26"),  # → 2/28 (clamped) Sun → 2/26 Fri
    ("2027-12-31", "2028-02-29"),  # → 2/29 leap day, Tuesday
    ("2027-12-30", "2028-02-29"),  # → 2/29 (clamped), Tuesday
    ("2027-01-31", "2027-03-31"),  # → 3/31 Wed
    ("2026-01-31", "2026-03-31"),  # → 3/31 Tue
    ("2027-06-15", "2027-08-13"),  # → 8/15 Sun → 8/14 Sat → 8/13 Fri
    ("2028-06-15", "2028-08-14"),  # → 8/15 Tue (closed) → 8/14 Mon
    ("2026-10-29", "2026-12-28"),  # → 12/29 break → 12/28 Mon
    ("2026-11-01", "2026-12-28"),  # → 1/1 → back over the break
    ("2027-11-03", "2027-12-28"),  # → 1/3/2028 → 12/28/2027 Tue
    ("2028-10-31", "2028-12-28"),  # → 12/31 → 12/28 Thu
    ("2026-07-22", "2026-09-18"),  # → 9/22 国民の休日 → 9/18 Fri
    ("2027-03-05", "2027-04-30"),  # → 5/5 → 4/30 Fri
    ("2027-11-29", "2028-01-28"),  # → 1/29/2028 Sat → 1/28 Fri
    ("2027-08-29", "2027-10-29"),  # → 10/29 Fri, open
]


@pytest.mark.parametrize(("notified", "deadline"), SERVICE_CHANGES)
def test_service_change_deadline_matches_the_hand_count(
    capsys: pytest.CaptureFixture[str], notified: str, deadline: str
) -> None:
    assert run_json(capsys, "service-change", "--notified", notified)["deadline"] == deadline


# --- batch: every case above at once, with bad lines in between ---------------------------
def _all_requests() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every hand-counted case as a batch request and the values its answer must hold."""
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for applied, approved, member, expected in CONTRACTS:
        request = {"cmd": "contract", "applied": applied, "approved": approved, "member": member}
        pairs.append((request, dict(zip(CONTRACT_KEYS, expected, strict=True))))
    for day, open_ in BUSINESS_DAYS:
        pairs.append(({"cmd": "business-day", "date": day}, {"date": day, "business_day": open_}))
    for received, desired, (deadline, on_time, earliest) in CANCELS:
        request = {"cmd": "cancel", "received": received, "desired": desired}
        pairs.append((request, {"deadline": deadline, "on_time": on_time,
                                "earliest_on_time_date": earliest}))  # fmt: skip
    for notified, deadline in SERVICE_CHANGES:
        pairs.append(({"cmd": "service-change", "notified": notified}, {"deadline": deadline}))
    return pairs


BAD_LINES = [
    '{"cmd": "business-day", "date": "2027-02-30"}',  # no such day
    '{"cmd": "refund", "date": "2027-02-01"}',  # unknown cmd
    '{"date": "2027-02-01"}',  # no cmd at all
    '{"cmd": "cancel", "received": "2027-01-29T10:00:00"}',  # missing desired
    '{"cmd": "contract", "applied": "2027-01-05", "approved": "2027-02-01"}',  # member?
    '{"cmd": "contract", "applied": "2027-01-05", "approved": "2027-02-01", "member": true,'
    ' "non_member": true}',  # both
    '{"cmd": "service-change", "notified": "2027-01-31", "recieved": "x"}',  # unknown option
    "not json at all",
    '["cmd", "business-day"]',  # JSON, not an object
]


def _interleave() -> tuple[list[str], list[dict[str, Any] | None]]:
    """Good and bad lines mixed; None marks a line whose answer must be an error."""
    lines: list[str] = []
    expected: list[dict[str, Any] | None] = []
    bad = iter(BAD_LINES)
    for index, (request, answer) in enumerate(_all_requests()):
        if index % 9 == 4:
            line = next(bad, None)
            if line is not None:
                lines.append(line)
                expected.append(None)
        lines.append(json.dumps(request))
        expected.append(answer)
    return lines, expected


def _check_batch_output(out: str, expected: list[dict[str, Any] | None]) -> None:
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(expected)
    for number, (result, want) in enumerate(zip(results, expected, strict=True), start=1):
        if want is None:
            assert set(result) == {"error"}, (number, result)
            assert isinstance(result["error"], str)
            assert "\n" not in result["error"]
        else:
            assert {key: result.get(key) for key in want} == want, (number, result)


def test_batch_answers_every_case_in_order_and_bad_lines_get_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines, expected = _interleave()
    assert expected.count(None) == len(BAD_LINES)
    source = tmp_path / "all.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "batch", str(source))
    assert (code, err) == (0, "")
    _check_batch_output(out, expected)


def test_batch_reads_a_file_with_a_bom_and_crlf_line_endings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines, expected = _interleave()
    source = tmp_path / "excel.jsonl"
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    code, out, _ = run(capsys, "rules", "batch", str(source))
    assert code == 0
    _check_batch_output(out, expected)


def test_batch_reads_standard_input_with_a_bom_and_crlf(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, expected = _interleave()
    monkeypatch.setattr("sys.stdin", io.StringIO("\ufeff" + "\r\n".join(lines) + "\r\n"))
    code, out, _ = run(capsys, "rules", "batch", "-")
    assert code == 0
    _check_batch_output(out, expected)


def test_batch_answers_a_blank_line_with_an_error_and_keeps_the_line_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The implementation's choice: one answer per input line, so line N's answer is output line
    # N; a blank line is a bad line (the spec does not say blank lines are skipped).
    source = tmp_path / "blank.jsonl"
    source.write_text(
        '{"cmd": "business-day", "date": "2027-01-04"}\n\n   \n'
        '{"cmd": "service-change", "notified": "2026-12-31"}\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "rules", "batch", str(source))
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert [set(result) for result in results[1:3]] == [{"error"}, {"error"}]
    assert results[0]["business_day"] is True
    assert results[3] == {"deadline": "2027-02-26"}


def test_batch_accepts_the_json_option_and_member_false(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "json.jsonl"
    source.write_text(
        '{"cmd": "contract", "applied": "2026-12-06", "approved": "2026-12-15",'
        ' "member": false, "json": true}\n'
        '{"cmd": "contract", "applied": "2026-12-06", "approved": "2026-12-15",'
        ' "non-member": true}\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "rules", "batch", str(source))
    assert code == 0
    for line in out.splitlines():
        assert json.loads(line)["first_fee"] == 8250


# --- bad command lines: one line on stderr, non-zero exit, no traceback ----------------------
BAD_ARGV: list[list[str]] = [
    ["contract", "--applied", "2027-02-30", "--approved", "2027-03-01", "--member"],
    ["contract", "--applied", "2027-01-05", "--approved", "2027-13-01", "--member"],
    ["contract", "--applied", "2027-01-05", "--approved", "2027-02-01"],
    ["contract", "--applied", "2027-01-05", "--approved", "2027-02-01", "--member", "--non-member"],
    ["contract", "--applied", "2027-01-05", "--approved", "2027-02-01", "--non-member", "--member"],
    ["contract", "--applied", "2027-01-05", "--approved", "2027-02-01", "--member", "--foo"],
    ["contract", "--applied", "2027/01/05", "--approved", "2027-02-01", "--member"],
    ["business-day", "2027-02-30"],
    ["business-day", "2027-02-29"],
    ["business-day", "9999-12-31"],
    ["cancel", "--received", "2027-01-29T25:00:00", "--desired", "2027-03-31"],
    ["cancel", "--received", "yesterday", "--desired", "2027-03-31"],
    ["cancel", "--received", "2027-01-29T10:00:00", "--desired", "2027-02-30"],
    ["cancel", "--received", "2027-01-29T10:00:00"],
    ["cancel", "--received", "2027-01-29T10:00:00", "--desired", "2027-03-31", "--verbose"],
    ["service-change", "--notified", "2026-02-29"],
    ["service-change", "--notified", "9999-12-31"],
    ["service-change"],
    ["batch"],
    ["batch", "/nonexistent/audit.jsonl"],
]


@pytest.mark.parametrize("argv", BAD_ARGV)
def test_bad_input_is_one_line_on_stderr_with_a_failing_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = (
        run(capsys, "rules", *argv, "--json") if argv[0] != "batch" else run(capsys, "rules", *argv)
    )
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("otasuke: error:")
    assert "Traceback" not in err


# --- properties of the answers the CLI prints (hypothesis, in-process) --------------------
_JST = ZoneInfo("Asia/Tokyo")
_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2034, 12, 31))
_offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)
_moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2034, 12, 31, 23, 59, 59)
)


def _iso_received(moment: datetime, offset: timezone | None) -> str:
    """A receipt time as a user types it: with an offset, or bare (which means JST)."""
    return moment.isoformat() if offset is None else moment.replace(tzinfo=offset).isoformat()


def _received_jst_date(moment: datetime, offset: timezone | None) -> date:
    return moment.replace(tzinfo=offset or _JST).astimezone(_JST).date()


def _deadline(received: str, desired: date) -> date:
    answer = evaluate({"cmd": "cancel", "received": received, "desired": desired.isoformat()})
    return date.fromisoformat(answer["deadline"])


def _open(day: date) -> bool:
    return bool(evaluate({"cmd": "business-day", "date": day.isoformat()})["business_day"])


def _two_months_before(day: date) -> date:
    """Same day number two months earlier, clamped to the month's end (R8's first step)."""
    year, month = (day.year, day.month - 2) if day.month > 2 else (day.year - 1, day.month + 10)
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@settings(max_examples=300, deadline=None)
@given(moment=_moments, offset=st.none() | _offsets, desired=_days)
def test_on_time_exactly_when_the_tokyo_receipt_date_is_on_or_before_the_deadline(
    moment: datetime, offset: timezone | None, desired: date
) -> None:
    received = _iso_received(moment, offset)
    answer = evaluate({"cmd": "cancel", "received": received, "desired": desired.isoformat()})
    received_on = _received_jst_date(moment, offset)
    assert answer["on_time"] is (received_on <= date.fromisoformat(answer["deadline"]))
    earliest = date.fromisoformat(answer["earliest_on_time_date"])
    assert _deadline(received, earliest) >= received_on
    assert _deadline(received, earliest - timedelta(days=1)) < received_on


@settings(max_examples=300, deadline=None)
@given(desired=_days)
def test_the_deadline_is_the_last_business_day_on_or_before_two_months_earlier(
    desired: date,
) -> None:
    raw = _two_months_before(desired)
    deadline = _deadline("2025-01-01T00:00:00", desired)
    assert deadline <= raw
    assert _open(deadline)
    assert not any(_open(deadline + timedelta(days=n)) for n in range(1, (raw - deadline).days + 1))


@settings(max_examples=200, deadline=None)
@given(notified=_days)
def test_the_service_change_deadline_is_the_last_business_day_within_two_months(
    notified: date,
) -> None:
    year, month = divmod(notified.year * 12 + notified.month + 1, 12)
    raw = date(year, month + 1, min(notified.day, monthrange(year, month + 1)[1]))
    deadline = date.fromisoformat(
        evaluate({"cmd": "service-change", "notified": notified.isoformat()})["deadline"]
    )
    assert deadline <= raw
    assert _open(deadline)
    assert not any(_open(deadline + timedelta(days=n)) for n in range(1, (raw - deadline).days + 1))


@settings(max_examples=200, deadline=None)
@given(applied=_days, waited=st.integers(min_value=0, max_value=400), member=st.booleans())
def test_a_contract_starts_on_the_fifth_business_day_and_its_fee_is_the_paid_months(
    applied: date, waited: int, member: bool
) -> None:
    # Approval follows the application (第8条); an approval before it is refused (below).
    approved = applied + timedelta(days=waited)
    answer = evaluate(
        {"cmd": "contract", "applied": applied.isoformat(), "approved": approved.isoformat(),
         "member": member}
    )  # fmt: skip
    start = date.fromisoformat(answer["start_date"])
    months_ahead = (start.year - applied.year) * 12 + start.month - applied.month
    assert months_ahead == (1 if applied.day <= 5 else 2)
    opened = [start.replace(day=n) for n in range(1, start.day + 1) if _open(start.replace(day=n))]
    assert len(opened) == 5
    assert opened[-1] == start
    annual = 79200 if member else 99000
    assert answer["annual_fee"] == annual
    assert answer["first_fee"] == annual // 12 * answer["paid_months"]
    period_end = date.fromisoformat(answer["first_period_end"])
    assert (period_end.month, period_end.day) == (3, 31)
    assert 0 <= (period_end - start).days < 366
    assert answer["paid_months"] == (period_end.year - start.year) * 12 + 3 - start.month


@given(applied=_days, early=st.integers(min_value=1, max_value=400), member=st.booleans())
def test_a_contract_approved_before_its_application_is_refused(
    applied: date, early: int, member: bool
) -> None:
    approved = applied - timedelta(days=early)
    request = {"cmd": "contract", "applied": applied.isoformat(),
               "approved": approved.isoformat(), "member": member}  # fmt: skip
    with pytest.raises(RuleRequestError, match=f"approved: {approved} is before the application"):
        evaluate(request)


def test_the_installed_command_reads_bom_and_crlf_bytes_on_standard_input() -> None:
    lines, expected = _interleave()
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}  # a bare locale must not change the answers
    done = subprocess.run(
        [sys.executable, "-m", "otasuke", "rules", "batch", "-"],
        input=data,
        capture_output=True,
        check=False,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    _check_batch_output(done.stdout.decode("utf-8"), expected)
