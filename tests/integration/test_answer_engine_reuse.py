"""One answer engine a process, shared by every caller until a file it was built from changes."""

from __future__ import annotations

import os
from pathlib import Path

from core.answers import answer_engine
from core.settings import load_settings

FIXTURE = Path(__file__).parents[1] / "data" / "faq_fixture.yaml"


def test_the_engine_is_built_once_and_again_only_when_its_faq_file_changes(
    tmp_path: Path,
) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_bytes(FIXTURE.read_bytes())
    settings = load_settings({"OTASUKE_FAQ_FILE": str(faq)})
    first = answer_engine(settings)
    assert answer_engine(settings) is first  # the mail intake, the chat and a command share it
    faq.write_bytes(FIXTURE.read_bytes() + b"\n")
    later = faq.stat().st_mtime_ns + 1_000_000_000
    os.utime(faq, ns=(later, later))
    assert answer_engine(settings) is not first
