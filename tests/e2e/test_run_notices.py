"""`otasuke run` with nothing configured: the sweep at start queues the notices already due."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from core.db import make_engine
from core.imports import CUSTOMER_COLUMNS
from core.models import OutboxMail
from knowledge.rules.calendar import jst_date

OTASUKE = Path(sys.executable).with_name("otasuke")


def test_run_queues_the_notices_due_for_customers_imported_before_it_started(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTASUKE_")}
    today = jst_date(datetime.now(UTC))
    approved = today - timedelta(days=40)  # its first fee is overdue today, never paid
    applied = approved - timedelta(days=5)
    row = f"NIG-000001,株式会社A,山田,a@example.jp,1,{applied},{approved},active,,"
    (tmp_path / "c.csv").write_text(",".join(CUSTOMER_COLUMNS) + "\n" + row + "\n")
    for args in (["db", "upgrade"], ["customers", "import", "c.csv"]):
        subprocess.run([str(OTASUKE), *args], cwd=tmp_path, env=env, check=True,
                       capture_output=True)  # fmt: skip
    process = subprocess.Popen(
        [str(OTASUKE), "run"], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'otasuke.db'}")
    try:
        deadline = time.monotonic() + 60
        kinds: list[str] = []
        while time.monotonic() < deadline and not kinds:
            time.sleep(0.5)
            with engine.connect() as connection:
                kinds = list(connection.scalars(select(OutboxMail.kind)))
    finally:
        engine.dispose()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert kinds == ["payment_overdue"], output
    assert process.returncode == 0, output
