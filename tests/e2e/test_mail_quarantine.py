"""A mail that keeps failing is quarantined; staff list it and, the cause fixed, release it."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.db import async_session_factory, make_async_engine
from core.models import AuditEntry, InboundMail, Request, StaffNotice
from core.settings import load_settings
from mail.folder_source import FolderSource
from mail.intake import intake_handler
from mail.worker import MailWorker

CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"
SHIPPED_FAQ = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "faq.yaml"
# A question from a registered customer: answering it needs the FAQ.
QUESTION = "q01_deadline_question.eml"


@pytest.fixture
def database(otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database on this backend with the corpus's customers, and a chamber's own FAQ
    file that an edit has broken (not YAML any more)."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    monkeypatch.setenv("OTASUKE_FAQ_FILE", str(cli_env / "faq.yaml"))
    (cli_env / "faq.yaml").write_text("- id: [broken\n", "utf-8")
    assert otasuke("db", "upgrade").code == 0
    imported = otasuke("customers", "import", str(CORPUS / "customers.csv"))
    assert imported.code == 0, imported.err
    return empty_url


def _dropped(folder: Path, name: str) -> Path:
    """The inbox folder, with the corpus's mail `name` dropped into it."""
    inbox = folder / "inbox"
    inbox.mkdir()
    shutil.copy(CORPUS / name, inbox / name)
    return inbox


def _worker_pass(url: str, inbox: Path) -> int:
    """One pass of the mail worker over the inbox folder, retries at once → mails taken in."""

    async def run() -> int:
        engine = make_async_engine(url)
        sessions = async_session_factory(engine)
        worker = MailWorker(
            FolderSource(inbox, sessions), sessions, intake_handler(load_settings()),
            wait_seconds=1.0, retry_delay=timedelta(0),
        )  # fmt: skip
        try:
            await worker.source.fetch_new()  # a file is read once it stood still for a look
            return await worker.pass_once()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_a_quarantined_mail_is_listed_released_and_then_taken_in_once(
    otasuke, database: str, db: Engine, cli_env: Path
) -> None:
    inbox = _dropped(cli_env, QUESTION)
    assert _worker_pass(database, inbox) == 0  # three attempts, each failing: set aside
    listed = otasuke("mail", "quarantined", "--json")
    assert listed.code == 0, listed.err
    [row] = [json.loads(line) for line in listed.out.splitlines()]
    assert (row["from"], row["subject"], row["attempts"]) == (
        "yamada@yamada-kogyo.co.jp", "解約の期限について", 3,
    )  # fmt: skip
    assert row["received"] == "2026-12-01T10:00:00+09:00"  # its topmost Received header
    assert "OTASUKE_FAQ_FILE" in row["last_error"]
    text = otasuke("mail", "quarantined").out
    assert text.startswith(f"#{row['id']}  2026-12-01 10:00 JST  from yamada@")

    shutil.copy(SHIPPED_FAQ, cli_env / "faq.yaml")  # the chamber fixes its FAQ file
    released = otasuke("mail", "release", str(row["id"]))
    assert released.code == 0, released.err
    assert f"inbound #{row['id']} released and taken in: request " in released.out
    assert "mail: 1 sent" in released.out
    assert _worker_pass(database, inbox) == 0  # nothing left for the worker
    [ack] = list((cli_env / "var" / "mail" / "outbox").glob("*.eml"))
    assert b"X-Otasuke-Kind: ack" in ack.read_bytes()
    with db.connect() as connection:
        [status] = connection.scalars(select(InboundMail.status)).all()
        requests = connection.scalars(select(Request.id)).all()
        released_by = connection.scalars(
            select(AuditEntry.subject).where(AuditEntry.event == "mail.released")
        ).all()
        told = connection.scalars(
            select(StaffNotice.key).where(StaffNotice.kind == "mail_quarantined")
        ).all()
    assert status == "done"
    assert len(requests) == 1  # taken in once
    assert released_by == [f"inbound:{row['id']}"]
    assert told == [f"mail-quarantined:{row['id']}"]  # staff were told, once
    assert otasuke("mail", "quarantined").out == "no quarantined mail\n"


def test_a_mail_released_before_its_cause_is_fixed_fails_again_and_says_so(
    otasuke, database: str, db: Engine, cli_env: Path
) -> None:
    assert _worker_pass(database, _dropped(cli_env, QUESTION)) == 0
    again = otasuke("mail", "release", "1")
    assert again.code == 1
    assert again.err.startswith(
        "inbound #1 released, but failed again: UserError: OTASUKE_FAQ_FILE: "
    )
    assert again.err.endswith(
        "the mail worker (`otasuke run`) tries it 2 more times, then sets it aside again\n"
    )
    with db.connect() as connection:
        row = connection.execute(select(InboundMail.status, InboundMail.attempts)).one()
    assert tuple(row) == ("pending", 1)  # the worker's retries follow (1, then 2 minutes)
    assert otasuke("mail", "quarantined").out == "no quarantined mail\n"


def test_releasing_an_unknown_or_not_quarantined_mail_is_one_line_and_a_failure(
    otasuke, database: str, cli_env: Path
) -> None:
    unknown = otasuke("mail", "release", "4242")
    assert (unknown.code, unknown.err) == (1, "otasuke: error: inbound mail #4242: no such mail\n")
    assert _worker_pass(database, _dropped(cli_env, "t06_late_term_end.eml")) == 1  # no FAQ
    done = otasuke("mail", "release", "1")
    assert done.code == 1
    assert (
        done.err == "otasuke: error: inbound mail #1 is not quarantined (it is taken in already)\n"
    )
    assert otasuke("mail", "release", "0").code == 2  # not an id at all
