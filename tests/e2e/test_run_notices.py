"""`make run` with nothing configured: notices already due are mailed into var/mail/outbox."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from core.imports import CUSTOMER_COLUMNS
from knowledge.rules.calendar import jst_date

from .conftest import OTASUKE, start_run, user_env


def _mails(folder: Path) -> list[EmailMessage]:
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]  # type: ignore[misc]


def _wait_for(folder: Path, count: int, seconds: float) -> list[EmailMessage]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        mails = _mails(folder)
        if len(mails) >= count:
            return mails
        time.sleep(0.5)
    return _mails(folder)


def test_run_mails_the_notices_due_within_a_minute_and_an_alert_imported_meanwhile_once(
    tmp_path: Path,
) -> None:
    env = user_env()
    today = jst_date(datetime.now(UTC))
    approved = today - timedelta(days=40)  # its first fee is overdue today, never paid
    applied = approved - timedelta(days=5)
    row = f"NIG-000001,株式会社A,山田,a@example.jp,1,{applied},{approved},active,,"
    (tmp_path / "c.csv").write_text(",".join(CUSTOMER_COLUMNS) + "\n" + row + "\n")
    for args in (["db", "upgrade"], ["customers", "import", "c.csv"]):
        subprocess.run([str(OTASUKE), *args], cwd=tmp_path, env=env, check=True,
                       capture_output=True)  # fmt: skip
    process = start_run(tmp_path, env)
    outbox = tmp_path / "var" / "mail" / "outbox"
    try:
        started = time.monotonic()
        [notice] = _wait_for(outbox, 1, 60)
        assert time.monotonic() - started < 60
        alert = {"alert_id": "RUN-1", "customer_id": "NIG-000001",
                 "at": datetime.now(UTC).isoformat(), "severity": "critical",
                 "title": "不正な通信を検知しました"}  # fmt: skip
        (tmp_path / "a.jsonl").write_text(json.dumps(alert, ensure_ascii=False) + "\n")
        subprocess.run([str(OTASUKE), "alerts", "import", "a.jsonl"], cwd=tmp_path, env=env,
                       check=True, capture_output=True)  # fmt: skip
        mails = _wait_for(outbox, 2, 60)
        time.sleep(2)  # the running scheduler's alert sweep must not mail it again
        mails = _mails(outbox)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert notice["X-Otasuke-Kind"] == "payment_overdue"
    assert notice["To"] == "a@example.jp"
    kinds = sorted(mail["X-Otasuke-Kind"] for mail in mails)
    assert kinds == ["alert", "payment_overdue"], output
    [alert_mail] = [mail for mail in mails if mail["X-Otasuke-Kind"] == "alert"]
    assert "★★★" in alert_mail["Subject"]
    body = alert_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "駆け付けのお申し出期限" in body
