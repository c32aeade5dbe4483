"""Two `otasuke run` on one database: each notice is sent once (SPEC "Notices")."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.db import make_engine
from core.imports import CUSTOMER_COLUMNS
from core.models import Notice
from knowledge.rules.calendar import jst_date

from .conftest import OTASUKE, start_run, user_env

if TYPE_CHECKING:
    from conftest import Databases

CUSTOMERS = 40


def test_two_instances_on_one_postgresql_database_send_each_notice_once(
    tmp_path: Path, databases: Databases
) -> None:
    empty_url = databases.new("postgresql")
    env = user_env()
    env["OTASUKE_DATABASE_URL"] = empty_url
    approved = jst_date(datetime.now(UTC)) - timedelta(days=40)  # first fees overdue today
    rows = [
        f"NIG-{n:06d},会社{n},担当,c{n}@example.jp,1,{approved - timedelta(days=5)},{approved},"
        "active,,"
        for n in range(1, CUSTOMERS + 1)
    ]
    (tmp_path / "c.csv").write_text("\n".join([",".join(CUSTOMER_COLUMNS), *rows]) + "\n")
    for args in (["db", "upgrade"], ["customers", "import", "c.csv"]):
        subprocess.run([str(OTASUKE), *args], cwd=tmp_path, env=env, check=True,
                       capture_output=True)  # fmt: skip
    # Both write their mail into the same folder: a notice sent twice would be two files.
    processes = [start_run(tmp_path, env) for _ in range(2)]
    outbox = tmp_path / "var" / "mail" / "outbox"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(outbox.glob("*.eml"))) < CUSTOMERS:
            time.sleep(0.5)
        time.sleep(3)  # anything sent twice would show by now
    finally:
        outputs = []
        for process in processes:
            process.send_signal(signal.SIGTERM)
            outputs.append(process.communicate(timeout=15)[0])
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        sent = connection.scalar(select(func.count()).where(Notice.sent_at.is_not(None)))
    engine.dispose()
    assert all(process.returncode == 0 for process in processes), outputs
    assert sent == CUSTOMERS
    assert len(list(outbox.glob("*.eml"))) == CUSTOMERS
