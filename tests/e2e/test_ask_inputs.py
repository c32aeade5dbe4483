"""`otasuke ask` with input that once broke it: a very long question, a copy of the terms, noise."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

SHIPPED_TERMS = resources.files("knowledge").joinpath("data/terms_ja.txt").read_bytes()
# 24,000 characters (72,000 bytes): more than SudachiPy takes at once (49,149 bytes).
LONG = "満期で解約したい場合の期限はいつですか。" * 1_200


@pytest.fixture(autouse=True)
def _isolated(cli_env: Path) -> None:
    """No OTASUKE_* from outside (cli_env)."""


def test_a_question_longer_than_the_analyser_takes_is_answered(otasuke) -> None:
    result = otasuke("ask", LONG, "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload["articles"][0] == 12


def test_a_very_long_question_in_a_batch_loses_no_other_line(otasuke, cli_env: Path) -> None:
    (cli_env / "q.txt").write_text(
        f"利用料金はいくらですか？\n{LONG}\nHow do I cancel?\n", encoding="utf-8"
    )
    result = otasuke("ask", "--batch", "q.txt", "--json")
    assert result.code == 0, result.err
    first, long, last = (json.loads(line) for line in result.out.splitlines())
    assert first["citation"] == "第13条1項"
    assert long["articles"][0] == 12
    assert last["articles"][0] == 12


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(SHIPPED_TERMS, id="the-same-bytes"),
        pytest.param(
            SHIPPED_TERMS.decode("utf-8").replace("\n", "\r\n").encode("cp932"),
            id="saved-by-windows",
        ),
    ],
)
def test_a_terms_file_that_reads_as_the_shipped_terms_answers_as_they_do(
    otasuke, cli_env: Path, monkeypatch: pytest.MonkeyPatch, copy: bytes
) -> None:
    # The intents' notes ("the terms do not say…") and the learnt questions are kept for terms
    # that read the same as the shipped ones, whatever file they come from.
    questions = ["UTMのスループットは何Mbpsですか", "みかじめ料はおいくら？"]
    (cli_env / "q.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")
    shipped = otasuke("ask", "--batch", "q.txt", "--json")
    (cli_env / "terms.txt").write_bytes(copy)
    monkeypatch.setenv("OTASUKE_TERMS_FILE", str(cli_env / "terms.txt"))
    copied = otasuke("ask", "--batch", "q.txt", "--json")
    assert (copied.code, copied.err) == (0, "")
    assert copied.out == shipped.out
    assert "定めがありません" in json.loads(copied.out.splitlines()[0])["answer"]


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param("😀" * 320, id="emoji"),
        pytest.param("ああ" * 160, id="one-kana-repeated"),
        pytest.param("ｗ" * 300, id="laughter"),
        pytest.param("asdfghjkl " * 40, id="keyboard-mashing"),
        pytest.param("？！。" * 120, id="punctuation"),
    ],
)
def test_a_long_message_without_a_word_the_terms_use_is_handed_off(otasuke, noise: str) -> None:
    # Its length once raised the confidence to 0.99: a confident answer to nothing.
    result = otasuke("ask", noise, "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload["handoff"] is True
    assert payload["citation"] is None
    assert payload["confidence"] == 0.0


def test_a_question_padded_with_noise_is_answered_as_the_question_alone(otasuke) -> None:
    plain = json.loads(otasuke("ask", "解約したい", "--json").out)
    padded = json.loads(otasuke("ask", "ああ" * 150 + "解約したい", "--json").out)
    assert padded["handoff"] is plain["handoff"] is False
    assert padded["articles"][0] == plain["articles"][0] == 12
