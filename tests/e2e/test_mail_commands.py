"""`otasuke mail classify` (the SPEC's JSON, no database) and `otasuke mail explain`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"
KEYS = ["intent", "customer_id", "from_address", "requested_date", "reply_expected"]


def test_classify_prints_exactly_the_specs_object_without_a_database(
    otasuke, cli_env: Path
) -> None:
    result = otasuke("mail", "classify", str(CORPUS / "t02_shiftjis_cp932_reiwa.eml"), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "intent": "cancel_at_term_end",
        "customer_id": "NIG-000102",
        "from_address": "suzuki@suzuki-ss.jp",
        "requested_date": "2027-03-31",
        "reply_expected": True,
    }
    assert list(json.loads(result.out)) == KEYS
    assert not (cli_env / "var" / "otasuke.db").exists()


def test_classify_a_folder_prints_one_object_a_line_with_its_file(otasuke, cli_env: Path) -> None:
    folder = cli_env / "mails"
    folder.mkdir()
    for name in (
        "a01_auto_submitted.eml",
        "bo01_multipart_report.eml",
        "q01_deadline_question.eml",
    ):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "notes.txt").write_text("not a mail")
    result = otasuke("mail", "classify", str(folder), "--json")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [(line["file"], line["intent"], line["reply_expected"]) for line in lines] == [
        ("a01_auto_submitted.eml", "auto_reply", False),
        ("bo01_multipart_report.eml", "bounce", False),
        ("q01_deadline_question.eml", "question", True),
    ]
    assert all(list(line) == ["file", *KEYS] for line in lines)


def test_classify_without_json_prints_one_line_a_mail(otasuke) -> None:
    result = otasuke("mail", "classify", str(CORPUS / "sp02_spoof_reply_to.eml"))
    assert result.code == 0, result.err
    assert result.out.startswith("spam customer=- date=2027-02-28 reply=no")


def test_classify_a_missing_path_is_a_clear_error(otasuke) -> None:
    result = otasuke("mail", "classify", "nowhere.eml", "--json")
    assert result.code == 2
    assert "nowhere.eml: no such file or folder" in result.err


def test_explain_shows_every_step_without_a_database(otasuke) -> None:
    result = otasuke("mail", "explain", str(CORPUS / "m12_gmail_reply_misleading_quote.eml"))
    assert result.code == 0, result.err
    out = result.out
    for section in ("== decoded text", "== stripped: quoted", "== what the customer wrote",
                    "== facts", "== how", "== decision", "== acknowledgement"):  # fmt: skip
        assert section in out
    assert "> 現在のご契約期間は2027年3月31日(水)までです。" in out
    assert "requested_date: 2027-06-30" in out
    assert "no customer lookup" in out


@pytest.fixture
def database(otasuke, cli_env: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database on this backend with the corpus's customers."""
    monkeypatch.setenv("OTASUKE_DATABASE_URL", empty_url)
    assert otasuke("db", "upgrade").code == 0
    imported = otasuke("customers", "import", str(CORPUS / "customers.csv"))
    assert imported.code == 0, imported.err
    return empty_url


def test_explain_with_a_database_shows_the_customer_and_the_decision(otasuke, database) -> None:
    result = otasuke("mail", "explain", str(CORPUS / "t06_late_term_end.eml"))
    assert result.code == 0, result.err
    assert "customer: NIG-000110 (by address, certain: True)" in result.out
    assert "action: cancel_at_term_end" in result.out
    assert "期限後" in result.out
    assert '"proposals": ["2027-04-10", "2028-03-31"]' in result.out
    listed = otasuke("queue", "list", "--json")
    assert listed.out == ""  # explaining queues nothing


def test_explain_shows_the_faqs_answer_to_a_question(otasuke) -> None:
    result = otasuke("mail", "explain", str(CORPUS / "q01_deadline_question.eml"))
    assert result.code == 0, result.err
    assert "action: none" in result.out
    assert "第12条1項" in result.out.split("== acknowledgement")[1]
