"""SIGKILL the mail worker mid-batch and start it again: nothing twice, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mailtests import customer_mail
from sqlalchemy import Engine, func, select

from core.models import InboundMail, MailCursor, OutboxMail, Request

CHILD = Path(__file__).parents[1] / "mail_worker_child.py"
MAILS = 60


def start(url: str, account, handler: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTASUKE_")}
    env["PYTHONPATH"] = str(CHILD.parent)
    return subprocess.Popen(
        [sys.executable, str(CHILD), url, str(account.server.imap_port), account.user,
         account.password, handler],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {check.__name__}")
        time.sleep(0.05)


def done_count(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(InboundMail).where(InboundMail.status == "done")
        return int(connection.scalar(query) or 0)


def test_a_worker_killed_mid_batch_and_restarted_takes_every_mail_in_once(
    dovecot_server, fresh_engine: Engine
) -> None:
    account = dovecot_server.add_user()
    url = fresh_engine.url.render_as_string(hide_password=False)
    first = start(url, account, "intake")
    try:

        def connected() -> bool:
            with fresh_engine.connect() as connection:
                return connection.scalar(select(func.count()).select_from(MailCursor)) == 1

        until(connected)
        for n in range(MAILS):
            account.append(customer_mail(n))

        def some_done() -> bool:
            return done_count(fresh_engine) >= 1

        until(some_done)
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.communicate(timeout=10)
    assert done_count(fresh_engine) < MAILS, "killed after the batch: nothing was interrupted"
    second = start(url, account, "intake")
    try:

        def all_done() -> bool:
            return done_count(fresh_engine) == MAILS

        until(all_done, timeout=60)
        time.sleep(1.5)  # the flags are set after the batch
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=15)
    assert second.returncode == 0, output
    with fresh_engine.connect() as connection:
        uids = connection.scalars(select(InboundMail.uid)).all()
        requests = connection.scalars(select(Request.message_id)).all()
        acks = connection.scalars(select(OutboxMail.to_address)).all()
    assert len(set(uids)) == len(uids) == MAILS
    assert len(set(requests)) == len(requests) == MAILS  # every effect in the database once
    assert sorted(acks) == sorted(f"customer{n}@example.jp" for n in range(MAILS))
    assert all("$Otasuke" in flags for flags in account.flags().values())
