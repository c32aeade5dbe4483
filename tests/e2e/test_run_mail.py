"""`make run` with nothing configured: a dropped .eml is read within seconds, queued, acked."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from pathlib import Path

from mailtests import customer_mail
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.exc import SQLAlchemyError

from core import migrate
from core.db import make_engine
from core.models import InboundMail, MailCursor, OutboxMail, Request

from .conftest import OTASUKE, start_run, user_env


def test_a_mail_dropped_into_the_inbox_folder_is_read_moved_and_its_action_listed(
    tmp_path: Path,
) -> None:
    env = user_env()
    run = start_run(tmp_path, env)
    try:
        assert run.stdout is not None
        for line in run.stdout:
            if "otasuke running" in line:
                break
        inbox = tmp_path / "var" / "mail" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed in: the way a mail drop should deliver.
        (inbox / ".request.eml.part").write_bytes(customer_mail(1, subject="解約のお願い"))
        (inbox / ".request.eml.part").rename(inbox / "request.eml")
        dropped = time.monotonic()
        moved = inbox / "processed" / "request.eml"
        while not moved.exists() and time.monotonic() - dropped < 15:
            time.sleep(0.1)
        assert moved.exists(), "not moved to processed/ within 15 s"
        listed: list[dict] = []
        while not listed and time.monotonic() - dropped < 15:
            time.sleep(0.2)
            shown = subprocess.run(
                [str(OTASUKE), "queue", "list", "--json"], cwd=tmp_path, env=env,
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            listed = [json.loads(line) for line in shown.stdout.splitlines()]
        assert len(listed) == 1, "the action was not queued"
        assert listed[0]["status"] == "pending"
        outbox = tmp_path / "var" / "mail" / "outbox"
        acks: list[bytes] = []
        while not acks and time.monotonic() - dropped < 20:
            time.sleep(0.2)
            acks = [p.read_bytes() for p in outbox.glob("*.eml")] if outbox.is_dir() else []
        [ack] = acks  # acknowledged, once, by the outbox sender
        assert b"X-Otasuke-Kind: ack" in ack
        assert b"customer1@example.jp" in ack
    finally:
        run.send_signal(signal.SIGTERM)
        output, _ = run.communicate(timeout=15)
    assert run.returncode == 0, output


def test_two_otasuke_run_on_one_postgresql_database_take_each_mail_in_once(
    dovecot_server, databases, tmp_path: Path
) -> None:
    account = dovecot_server.add_user()
    url = databases.new("postgresql")
    env = user_env()
    env |= {
        "OTASUKE_DATABASE_URL": url,
        "OTASUKE_IMAP_HOST": "127.0.0.1",
        "OTASUKE_IMAP_PORT": str(dovecot_server.imap_port),
        "OTASUKE_IMAP_USER": account.user,
        "OTASUKE_IMAP_PASSWORD": account.password,
        "OTASUKE_IMAP_TLS": "none",
    }
    runs = [start_run(tmp_path, env) for _ in range(2)]
    engine = None
    try:
        started = time.monotonic()
        while engine is None or not _count(engine, select(func.count()).select_from(MailCursor)):
            assert time.monotonic() - started < 60, "no instance connected to the mailbox"
            time.sleep(0.2)
            engine = engine or _engine_once_migrated(url)
        for n in range(20):
            account.append(customer_mail(n, subject="解約のお願い"))
        done = select(func.count()).select_from(InboundMail).where(InboundMail.status == "done")
        while _count(engine, done) < 20:
            assert time.monotonic() - started < 90, "not every mail was taken in"
            time.sleep(0.2)
        assert _count(engine, select(func.count()).select_from(InboundMail)) == 20
        assert _count(engine, select(func.count(func.distinct(Request.message_id)))) == 20
        assert _count(engine, select(func.count()).select_from(Request)) == 20
        assert _count(engine, select(func.count()).select_from(OutboxMail)) == 20
    finally:
        for run in runs:
            run.send_signal(signal.SIGTERM)
        outputs = [run.communicate(timeout=15)[0] for run in runs]
        if engine is not None:
            engine.dispose()
    assert [run.returncode for run in runs] == [0, 0], outputs


def _engine_once_migrated(url: str) -> Engine | None:
    """An engine once `otasuke run` has migrated the database, else None."""
    engine = make_engine(url)
    with contextlib.suppress(SQLAlchemyError):
        if migrate.status(engine).up_to_date:
            return engine
    engine.dispose()
    return None


def _count(engine: Engine, query: Select[tuple[int]]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)
