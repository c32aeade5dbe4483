"""`make run` with nothing configured: a dropped .eml is read within seconds, queued, acked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mailtests import customer_mail

OTASUKE = Path(sys.executable).with_name("otasuke")


def test_a_mail_dropped_into_the_inbox_folder_is_read_moved_and_its_action_listed(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTASUKE_")}
    run = subprocess.Popen(
        [str(OTASUKE), "run"], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
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
