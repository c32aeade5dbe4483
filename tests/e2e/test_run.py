"""`otasuke run`: migrates, runs, and stops cleanly on SIGTERM or Ctrl-C within 10 s."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from core import migrate
from core.db import make_engine

from .conftest import start_run, user_env


def _start(tmp_path: Path) -> subprocess.Popen[str]:
    env = user_env()
    env["OTASUKE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    return start_run(tmp_path, env)


def _wait_until_running(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "otasuke running" in line:
            return lines
    process.kill()
    pytest.fail("otasuke run did not start:\n" + "".join(lines))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_migrates_then_stops_cleanly_on_a_signal(tmp_path: Path, signum: int) -> None:
    process = _start(tmp_path)
    _wait_until_running(process)
    engine = make_engine(f"sqlite:///{tmp_path / 'run.db'}")
    assert migrate.status(engine).up_to_date
    engine.dispose()
    sent = time.monotonic()
    process.send_signal(signum)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert time.monotonic() - sent < 10
    assert "stopped" in output
