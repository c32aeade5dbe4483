"""`otasuke rules …` end to end: the spec's JSON contract, human output and bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from otasuke.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return its exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_contract_json_has_the_spec_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    # Applied 12/3 → January 2027 (1/1–1/3 closed): 1/4 … 1/8. Paid February and March.
    code, out, _ = run(
        capsys, "rules", "contract", "--applied", "2026-12-03", "--approved", "2026-12-10",
        "--non-member", "--json",
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    extra = {"monthly_fee", "term_end_cancellable"}
    assert {key: value for key, value in payload.items() if key not in extra} == {
        "start_date": "2027-01-08",
        "free_period_end": "2027-01-31",
        "first_period_end": "2027-03-31",
        "paid_months": 2,
        "annual_fee": 99000,
        "first_fee": 16500,
        "first_payment_due": "2026-12-25",
        "renewal_payment_due": "2027-02-25",
        "term_end_cancel_deadline": "2027-01-29",
        "refund_request_deadline": "2027-02-15",
        "insurance_start": "2027-02-01",
        "insurance_end": "2028-01-31",
    }


def test_contract_without_json_reads_as_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "rules", "contract", "--applied", "2027-02-03", "--approved", "2027-02-20",
        "--non-member",
    )  # fmt: skip
    assert code == 0
    assert "2027-03-05 (Fri)" in out
    assert "99,000" in out
    assert "term-end cancellable      no" in out


def test_business_day_names_the_holiday(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "business-day", "2027-03-22", "--json")
    assert code == 0
    assert json.loads(out) == {
        "date": "2027-03-22",
        "business_day": False,
        "reason": "national holiday: 振替休日",
    }


@pytest.mark.parametrize(
    ("received", "on_time", "earliest"),
    [
        ("2027-01-29T23:59:59", True, "2027-03-29"),  # no offset: JST
        ("2027-01-29T14:59:59Z", True, "2027-03-29"),
        ("2027-01-29T15:00:00+00:00", False, "2027-04-01"),
        ("2027-01-30", False, "2027-04-01"),  # a bare date: 00:00 JST
    ],
)
def test_cancel_judges_the_tokyo_receipt_date(
    capsys: pytest.CaptureFixture[str], received: str, on_time: bool, earliest: str
) -> None:
    code, out, _ = run(
        capsys, "rules", "cancel", "--received", received, "--desired", "2027-03-31", "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["deadline"] == "2027-01-29"
    assert payload["on_time"] is on_time
    assert payload["earliest_on_time_date"] == earliest
    assert payload.get("next_term_end") == (None if on_time else "2028-03-31")


def test_service_change_gives_the_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "service-change", "--notified", "2027-12-31", "--json")
    assert code == 0
    assert json.loads(out) == {"deadline": "2028-02-29"}


@pytest.mark.parametrize(
    "argv",
    [
        ["rules", "contract", "--applied", "2026-02-30", "--approved", "2026-03-01", "--member"],
        ["rules", "contract", "--applied", "2026-02-03", "--approved", "2026-03-01"],
        ["rules", "contract", "--approved", "2026-03-01", "--member"],
        ["rules", "business-day", "tomorrow"],
        ["rules", "cancel", "--received", "2027-13-01T10:00", "--desired", "2027-03-31"],
        ["rules", "service-change", "--notified", "9999-12-31"],
        ["rules", "batch", "/nonexistent/requests.jsonl"],
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_failing_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("otasuke: error:")
    assert "Traceback" not in err


BATCH = [
    {"cmd": "contract", "applied": "2026-06-10", "approved": "2026-06-20", "member": True},
    {"cmd": "contract", "applied": "2026-06-10", "approved": "2026-06-20", "non_member": True},
    {"cmd": "business-day", "date": "2026-12-29"},
    {"cmd": "cancel", "received": "2027-01-29T23:59:59+09:00", "desired": "2027-03-31"},
    {"cmd": "service-change", "notified": "2026-12-31"},
    {"cmd": "contract", "applied": "2026-06-10"},
]


def test_batch_answers_a_file_line_by_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "requests.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in BATCH) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "rules", "batch", str(source))
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(BATCH)
    # Applied 6/10 → August 2026: 8/1 Sat, 8/2 Sun, 8/3 … 8/7.
    assert (results[0]["start_date"], results[0]["annual_fee"]) == ("2026-08-07", 79200)
    assert (results[1]["annual_fee"], results[1]["first_fee"]) == (99000, 7 * 8250)
    assert results[2] == {"date": "2026-12-29", "business_day": False, "reason": "year-end break"}
    assert results[3]["on_time"] is True
    assert results[4] == {"deadline": "2027-02-26"}
    assert results[5]["error"].startswith("line 6: approved: not a date")


def test_batch_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = '{"cmd": "business-day", "date": "2027-01-04"}\nnot json\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    code, out, _ = run(capsys, "rules", "batch", "-")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["business_day"] is True
    assert second["error"].startswith("line 2: not JSON")


def test_the_installed_command_runs_a_batch_in_a_subprocess(tmp_path: Path) -> None:
    source = tmp_path / "requests.jsonl"
    source.write_text(json.dumps(BATCH[2]) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "otasuke", "rules", "batch", str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reason"] == "year-end break"
