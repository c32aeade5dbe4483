"""`otasuke ask` end to end: the spec's JSON contract, batches, a customer's own dates, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otasuke.cli import main

HEADER = (
    "customer_id,company,contact_name,email,member,applied_on,approved_on,status,ended_on,"
    "telegram_user"
)
KEYS = {"answer", "articles", "citation", "confidence", "handoff", "suggestions"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return its exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "OTASUKE_CONFIG",
        "OTASUKE_TERMS_FILE",
        "OTASUKE_FAQ_FILE",
        "OTASUKE_FAQ_HANDOFF_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTASUKE_DATABASE_URL", f"sqlite:///{tmp_path / 'otasuke.db'}")


def test_a_question_gets_the_contract_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "利用料金はいくらですか？", "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) >= KEYS  # the spec's keys, exactly as named; extra keys are fine
    assert payload["handoff"] is False
    assert payload["articles"][0] == 13
    assert payload["citation"] == "第13条1項"
    assert "79,200円" in payload["answer"]


def test_an_off_topic_question_is_handed_off_without_an_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "ask", "新潟でおいしいラーメン屋はどこ？", "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["handoff"] is True
    assert payload["citation"] is None
    assert "確かなことが申し上げられません" in payload["answer"]
    assert len(payload["suggestions"]) == 3


def test_an_english_question_is_answered_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "ask", "How much is the yearly fee?", "--json")
    payload = json.loads(out)
    assert payload["answer"].isascii() is False  # the quoted clause stays Japanese
    assert payload["answer"][:40].isascii()
    assert "第13条1項" in payload["answer"]


def test_a_batch_answers_one_json_line_per_question_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "q.txt"
    batch.write_text("利用料金はいくらですか？\n今日の天気は？\nHow do I cancel?\n", "utf-8")
    code, out, _ = run(capsys, "ask", "--batch", str(batch), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert len(lines) == 3
    assert [line["handoff"] for line in lines] == [False, True, False]
    assert lines[0]["articles"][0] == 13
    assert lines[2]["articles"][0] == 12


def test_a_customer_sees_their_own_cancellation_deadline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text(
        f"{HEADER}\nNIG-000123,株式会社テスト,山田太郎,a@example.jp,1,2026-04-10,2026-04-20,active,,\n",
        "utf-8",
    )
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "customers", "import", str(csv), "--today", "2026-05-01")[0] == 0
    code, out, err = run(
        capsys, "ask", "満期で解約したい場合の期限を教えてください", "--customer", "nig000123",
        "--today", "2026-11-01", "--json",
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    # R9: the period ends 2027-03-31; two months before is 1/31 (a Sunday) → Friday 1/29.
    assert "2027年1月29日" in payload["answer"]
    assert payload["citation"] == "第12条1項"


def test_an_unknown_customer_is_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, err = run(capsys, "ask", "料金は？", "--customer", "NIG-999999", "--json")
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert "NIG-999999" in err


@pytest.mark.parametrize(
    "argv",
    [("ask", "   "), ("ask",), ("ask", "料金は？", "--today", "2026-13-01")],
)
def test_bad_input_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str], argv) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == ""
    assert err.startswith("otasuke: error:")
    assert err.count("\n") == 1


def test_without_json_the_answer_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "利用料金はいくらですか？")
    assert code == 0
    assert "第13条1項" in out
    # A person reads the answer: the engine's confidence and article ids only with --verbose.
    assert "confidence" not in out
    assert "articles" not in out


def test_verbose_shows_the_confidence_and_the_articles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "ask", "利用料金はいくらですか？", "--verbose")
    assert code == 0
    assert "confidence" in out
    assert "第13条" in out


def test_a_chamber_answers_from_its_own_faq(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "- id: our-desk\n"
        "  question_ja: 相談窓口の受付時間は何時から何時までですか\n"
        "  phrasings: [窓口は何時まで開いてますか, 電話の受付時間]\n"
        "  answer_ja: 平日9時から18時までです（当所独自の案内）。\n"
        "  clauses: [第4条1項(2)]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OTASUKE_FAQ_FILE", str(faq))
    code, out, _ = run(capsys, "ask", "相談窓口の受付時間は何時から何時までですか", "--json")
    assert code == 0
    assert "当所独自の案内" in json.loads(out)["answer"]


def test_a_faq_citing_a_clause_the_terms_lack_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "- id: x\n  question_ja: 質問\n  answer_ja: 答え\n  clauses: [第40条1項]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OTASUKE_FAQ_FILE", str(faq))
    code, out, err = run(capsys, "ask", "質問", "--json")
    assert code != 0
    assert out == ""
    assert "第40条1項" in err
    assert len(err.strip().splitlines()) == 1


def test_a_chamber_can_hand_off_more_with_a_higher_threshold(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not one of the FAQ's own phrasings: those are answered whatever the threshold.
    question = "うちは年間いくら払うことになるの？"
    code, out, _ = run(capsys, "ask", question, "--json")
    answered = json.loads(out)
    assert code == 0
    assert answered["handoff"] is False
    monkeypatch.setenv(
        "OTASUKE_FAQ_HANDOFF_THRESHOLD", str(min(1.0, answered["confidence"] + 0.01))
    )
    code, out, _ = run(capsys, "ask", question, "--json")
    assert json.loads(out)["handoff"] is True


def test_a_threshold_outside_zero_to_one_is_refused_by_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTASUKE_FAQ_HANDOFF_THRESHOLD", "1.5")
    code, out, err = run(capsys, "ask", "料金は？", "--json")
    assert code != 0
    assert out == ""
    assert "OTASUKE_FAQ_HANDOFF_THRESHOLD" in err
