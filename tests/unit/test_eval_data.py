"""Integrity of the FAQ evaluation sets in tests/data (see tests/data/README.md)."""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
DEV = DATA / "faq_eval.jsonl"
HELDOUT = DATA / "faq_heldout.jsonl"
DEV2 = DATA / "faq_dev2.jsonl"  # second development set, validation while tuning
HELDOUT2 = DATA / "faq_heldout2.jsonl"  # second held-out set, written after the bot was built
HELDOUT3 = DATA / "faq_heldout3.jsonl"  # third held-out set, scored once at the end of the session
HELDOUT4 = DATA / "faq_heldout4.jsonl"  # fourth held-out set, scored once at the end of its session
HELDOUT5 = DATA / "faq_heldout5.jsonl"  # fifth held-out set, the test set of the session that asked
ARTICLES = range(1, 27)  # the terms have 26 articles
KEYS = {"q", "article", "also", "lang"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def load(path: Path) -> list[dict[str, Any]]:
    """Parse one JSON object per non-empty line; fail naming the line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            pytest.fail(f"{path.name}:{number}: not JSON ({error})")
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


def normalise(question: str) -> str:
    """Fold width, case and spacing so near-identical questions compare equal."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", question)).strip().casefold()


def is_article(value: object) -> bool:
    """True for an int article number of the terms (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in ARTICLES


@pytest.fixture(
    scope="module",
    params=[DEV, HELDOUT, DEV2, HELDOUT2, HELDOUT3, HELDOUT4, HELDOUT5],
    ids=["dev", "heldout", "dev2", "heldout2", "heldout3", "heldout4", "heldout5"],
)
def rows(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return load(request.param)


def test_every_row_has_exactly_the_known_fields(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert {"q", "article", "lang"} <= row.keys() <= KEYS, row


def test_every_question_is_a_non_empty_string(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert isinstance(row["q"], str), row
        assert row["q"].strip() == row["q"] != "", row


def test_article_is_a_terms_article_or_null(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert row["article"] is None or is_article(row["article"]), row


def test_also_lists_other_articles_only_beside_an_answer(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if "also" not in row:
            continue
        also = row["also"]
        assert row["article"] is not None, f"an unanswerable question has also: {row}"
        assert isinstance(also, list), row
        assert also, f"empty also: leave the key out instead: {row}"
        assert all(is_article(article) for article in also), row
        assert row["article"] not in also, row
        assert len(set(also)) == len(also), row


def test_lang_matches_the_script_of_the_question(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert row["lang"] in {"ja", "en"}, row
        expected = "ja" if JAPANESE.search(row["q"]) else "en"
        assert row["lang"] == expected, row


def test_english_is_a_minority_share_like_real_traffic(rows: list[dict[str, Any]]) -> None:
    share = sum(row["lang"] == "en" for row in rows) / len(rows)
    assert 0.10 <= share <= 0.20, share


def test_no_question_repeats_within_a_file(rows: list[dict[str, Any]]) -> None:
    counts = Counter(normalise(row["q"]) for row in rows)
    assert [q for q, n in counts.items() if n > 1] == []


def test_dev_set_has_enough_questions_and_unanswerable_ones() -> None:
    dev = load(DEV)
    assert len(dev) >= 160
    assert sum(row["article"] is None for row in dev) >= 25


def test_heldout_set_has_enough_questions_and_unanswerable_ones() -> None:
    heldout = load(HELDOUT)
    assert len(heldout) >= 50
    assert sum(row["article"] is None for row in heldout) >= 8


def test_every_article_is_asked_about_at_least_twice_in_dev() -> None:
    counts = Counter(row["article"] for row in load(DEV))
    assert [article for article in ARTICLES if counts[article] < 2] == []


def test_dev2_set_has_enough_questions_and_unanswerable_ones() -> None:
    dev2 = load(DEV2)
    assert len(dev2) >= 180
    assert sum(row["article"] is None for row in dev2) >= 35


def test_every_article_is_asked_about_at_least_three_times_in_dev2() -> None:
    counts = Counter(row["article"] for row in load(DEV2))
    assert [article for article in ARTICLES if counts[article] < 3] == []


def test_no_question_appears_in_both_dev_and_heldout() -> None:
    dev = {normalise(row["q"]) for row in load(DEV)}
    heldout = {normalise(row["q"]) for row in load(HELDOUT)}
    assert dev & heldout == set()


@pytest.mark.parametrize("other", [DEV, HELDOUT], ids=["dev", "heldout"])
def test_no_dev2_question_appears_in_another_set(other: Path) -> None:
    dev2 = {normalise(row["q"]) for row in load(DEV2)}
    assert sorted(dev2 & {normalise(row["q"]) for row in load(other)}) == []


def test_heldout2_set_has_enough_questions_and_unanswerable_ones() -> None:
    heldout2 = load(HELDOUT2)
    assert len(heldout2) >= 150
    assert sum(row["article"] is None for row in heldout2) >= 30


def test_every_article_is_asked_about_at_least_twice_in_heldout2() -> None:
    counts = Counter(row["article"] for row in load(HELDOUT2))
    assert [article for article in ARTICLES if counts[article] < 2] == []


@pytest.mark.parametrize("other", [DEV, HELDOUT, DEV2], ids=["dev", "heldout", "dev2"])
def test_no_heldout2_question_appears_in_another_set(other: Path) -> None:
    heldout2 = {normalise(row["q"]) for row in load(HELDOUT2)}
    assert sorted(heldout2 & {normalise(row["q"]) for row in load(other)}) == []


def test_heldout3_set_has_enough_questions_and_unanswerable_ones() -> None:
    heldout3 = load(HELDOUT3)
    assert len(heldout3) >= 160
    assert sum(row["article"] is None for row in heldout3) >= 32


def test_every_article_is_asked_about_at_least_twice_in_heldout3() -> None:
    counts = Counter(row["article"] for row in load(HELDOUT3))
    assert [article for article in ARTICLES if counts[article] < 2] == []


@pytest.mark.parametrize(
    "other", [DEV, HELDOUT, DEV2, HELDOUT2], ids=["dev", "heldout", "dev2", "heldout2"]
)
def test_no_heldout3_question_appears_in_another_set(other: Path) -> None:
    heldout3 = {normalise(row["q"]) for row in load(HELDOUT3)}
    assert sorted(heldout3 & {normalise(row["q"]) for row in load(other)}) == []


def test_heldout4_set_has_enough_questions_and_unanswerable_ones() -> None:
    heldout4 = load(HELDOUT4)
    assert len(heldout4) >= 170
    assert sum(row["article"] is None for row in heldout4) >= 40


def test_every_article_is_asked_about_at_least_twice_in_heldout4() -> None:
    counts = Counter(row["article"] for row in load(HELDOUT4))
    assert [article for article in ARTICLES if counts[article] < 2] == []


@pytest.mark.parametrize(
    "other",
    [DEV, HELDOUT, DEV2, HELDOUT2, HELDOUT3],
    ids=["dev", "heldout", "dev2", "heldout2", "heldout3"],
)
def test_no_heldout4_question_appears_in_another_set(other: Path) -> None:
    heldout4 = {normalise(row["q"]) for row in load(HELDOUT4)}
    assert sorted(heldout4 & {normalise(row["q"]) for row in load(other)}) == []


def test_heldout5_set_has_enough_questions_and_unanswerable_ones() -> None:
    heldout5 = load(HELDOUT5)
    assert len(heldout5) >= 200
    assert sum(row["article"] is None for row in heldout5) >= 50


def test_every_article_is_asked_about_at_least_twice_in_heldout5() -> None:
    counts = Counter(row["article"] for row in load(HELDOUT5))
    assert [article for article in ARTICLES if counts[article] < 2] == []


@pytest.mark.parametrize(
    "other",
    [DEV, HELDOUT, DEV2, HELDOUT2, HELDOUT3, HELDOUT4],
    ids=["dev", "heldout", "dev2", "heldout2", "heldout3", "heldout4"],
)
def test_no_heldout5_question_appears_in_another_set(other: Path) -> None:
    heldout5 = {normalise(row["q"]) for row in load(HELDOUT5)}
    assert sorted(heldout5 & {normalise(row["q"]) for row in load(other)}) == []
