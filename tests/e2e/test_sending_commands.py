"""Commands that cause mail send it before they return; `otasuke run` sends what is queued."""

from __future__ import annotations

import time
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from core import outbox, queue
from core.db import make_engine, session_factory
from core.models import Customer, OutboxMail

from .conftest import start_run, user_env

DATABASE = "sqlite:///var/otasuke.db"  # the default: nothing configured


@pytest.fixture
def queued(otasuke, cli_env: Path) -> dict[str, int]:
    """A customer with a cancellation, a suspension and a mailed question, nothing configured."""
    assert otasuke("db", "upgrade").code == 0
    engine = make_engine(DATABASE)
    with session_factory(engine).begin() as session:
        customer = Customer(
            customer_id="NIG-000001", company="株式会社テスト", contact_name="山田 太郎",
            email="yamada@example.jp", member=True, applied_on=date(2025, 5, 3),
            approved_on=date(2025, 5, 10),
        )  # fmt: skip
        session.add(customer)
        session.flush()
        cancel = queue.enqueue(
            session, "cancel_midterm", "NIG-000001 中途解約 2027-01-31 期限内", customer=customer,
            payload={
                "request_kind": "cancel_midterm", "requested_date": "2027-01-31",
                "on_time": True, "effective_date": "2027-01-31", "proposals": [],
                "refund": None, "owed": 0, "lang": "ja", "message_id": "<c1@example.jp>",
                "from_address": "yamada@example.jp", "subject": "解約", "references": [],
            },
        )  # fmt: skip
        suspend = queue.enqueue(session, "suspend", "NIG-000001 利用停止", customer=customer)
        question = queue.enqueue(
            session, "question", "質問",
            payload={"question": "返送先は？", "lang": "ja", "message_id": "<q1@example.jp>",
                     "from_address": "q@example.jp", "subject": "質問"},
        )  # fmt: skip
        ids = {"cancel": cancel.id, "suspend": suspend.id, "question": question.id}
    engine.dispose()
    return ids


def _outbox_files(cli_env: Path) -> list[EmailMessage]:
    folder = cli_env / "var" / "mail" / "outbox"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]  # type: ignore[misc]


def _rows() -> list[OutboxMail]:
    engine = make_engine(DATABASE)
    with session_factory(engine)() as session:
        rows = list(session.query(OutboxMail).order_by(OutboxMail.id))
    engine.dispose()
    return rows


def test_queue_approve_with_nothing_configured_writes_the_approval_mail_before_it_returns(
    otasuke, queued: dict[str, int], cli_env: Path
) -> None:
    result = otasuke("queue", "approve", str(queued["cancel"]), "--by", "cli:alice")
    assert result.code == 0, result.err
    assert result.out == f"#{queued['cancel']} done: the contract ends on 2027-01-31\n"
    assert "mail: 1 sent" in result.err
    [mail] = _outbox_files(cli_env)
    assert mail["Subject"] == "【お助け隊サービス】中途解約のお申し出を承りました（NIG-000001）"
    assert (mail["X-Otasuke-Kind"], mail["X-Otasuke-Action"]) == ("approval", str(queued["cancel"]))
    assert mail["To"] == "yamada@example.jp"
    assert "2027年1月31日(日)" in mail.get_content()
    [row] = _rows()
    assert (row.status, row.message_id) == ("sent", mail["Message-ID"])
    shown = otasuke("customers", "show", "NIG-000001", "--json").out
    assert '"status": "cancelled"' in shown
    assert '"ended_on": "2027-01-31"' in shown


def test_queue_reject_mails_the_reason_and_a_rejected_suspension_mails_nothing(
    otasuke, queued: dict[str, int], cli_env: Path
) -> None:
    assert otasuke("queue", "reject", str(queued["suspend"]), "入金を確認しました").code == 0
    assert _outbox_files(cli_env) == []
    result = otasuke("queue", "reject", str(queued["cancel"]), "解約の手続きが未完了です")
    assert result.code == 0, result.err
    [mail] = _outbox_files(cli_env)
    assert mail["X-Otasuke-Kind"] == "rejection"
    assert "解約の手続きが未完了です" in mail.get_content()


def test_queue_reply_answers_the_question_in_its_mail_thread(
    otasuke, queued: dict[str, int], cli_env: Path
) -> None:
    result = otasuke("queue", "reply", str(queued["question"]), "別途ご案内いたします。")
    assert result.code == 0, result.err
    [mail] = _outbox_files(cli_env)
    assert (mail["Subject"], mail["To"]) == ("Re: 質問", "q@example.jp")
    assert mail["In-Reply-To"] == "<q1@example.jp>"
    assert "別途ご案内いたします。" in mail.get_content()
    listed = otasuke("queue", "list", "--status", "done").out
    assert f"#{queued['question']} [done] question" in listed


def test_a_suspension_is_approved_and_customers_resume_lifts_it(
    otasuke, queued: dict[str, int], cli_env: Path
) -> None:
    assert otasuke("queue", "approve", str(queued["suspend"])).code == 0
    [mail] = _outbox_files(cli_env)
    assert mail["X-Otasuke-Kind"] == "suspension"
    assert '"status": "suspended"' in otasuke("customers", "show", "NIG-000001", "--json").out
    result = otasuke("customers", "resume", "nig-000001")
    assert (result.code, result.out) == (0, "NIG-000001: active again\n")
    assert '"status": "active"' in otasuke("customers", "show", "NIG-000001", "--json").out
    again = otasuke("customers", "resume", "NIG-000001")
    assert again.code == 1
    assert "not suspended" in again.err


def test_approving_a_question_says_how_to_answer_it(otasuke, queued: dict[str, int]) -> None:
    result = otasuke("queue", "approve", str(queued["question"]))
    assert result.code == 1
    assert f"otasuke queue reply {queued['question']}" in result.err


def test_otasuke_run_sends_a_mail_queued_meanwhile_within_five_seconds(tmp_path: Path) -> None:
    env = user_env()
    process = start_run(tmp_path, env)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        lines: list[str] = []
        while time.monotonic() < deadline and "otasuke running" not in "".join(lines):
            lines.append(process.stdout.readline())
        assert "outbox" in "".join(lines), "".join(lines)
        engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'otasuke.db'}")
        with session_factory(engine).begin() as session:
            outbox.enqueue_mail(session, "k", "ack", "a@example.jp", "受付しました", "本文")
        engine.dispose()
        queued_at = time.monotonic()
        folder = tmp_path / "var" / "mail" / "outbox"
        while time.monotonic() - queued_at < 5 and not list(folder.glob("*.eml")):
            time.sleep(0.05)
        [written] = list(folder.glob("*.eml"))
        took = time.monotonic() - queued_at
        assert took < 5
        message = message_from_bytes(written.read_bytes(), policy=policy.default)
        assert message["Subject"] == "受付しました"
    finally:
        process.terminate()
        process.communicate(timeout=15)
    assert process.returncode == 0
