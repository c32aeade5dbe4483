"""Integrity of the out-of-scope intents (knowledge/data/out_of_scope.yaml)."""

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.faq.asked import UNANSWERED_INTENT, load_default_asked

DATA = Path(__file__).resolve().parents[3] / "knowledge" / "data"
OOS = DATA / "out_of_scope.yaml"
FAQ = DATA / "faq.yaml"
REQUIRED = ("id", "topic", "question_ja", "question_en", "phrasings", "note_ja", "note_en")
ID = re.compile(r"oos-[a-z0-9]+(?:-[a-z0-9]+)*")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
LATIN = re.compile(r"[A-Za-z]")
MIN_INTENTS = 85
MIN_PHRASINGS = 12
MIN_ENGLISH = 3


def fold(text: str) -> str:
    """NFKC, lower case, no whitespace: texts equal under this read the same to a customer."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def is_english(text: str) -> bool:
    """Written in English: Latin letters and no Japanese script."""
    return bool(LATIN.search(text)) and not JAPANESE.search(text)


@pytest.fixture(scope="module")
def intents() -> list[dict[str, Any]]:
    data = yaml.safe_load(OOS.read_text(encoding="utf-8"))
    assert isinstance(data, list), "out_of_scope.yaml must be a YAML list of intents"
    assert all(isinstance(i, dict) for i in data), "every intent must be a mapping"
    # One intent's phrasings are the unanswerable questions customers asked (faq/asked.py).
    unanswered = [i for i in data if i.get("id") == UNANSWERED_INTENT]
    assert len(unanswered) == 1
    assert "phrasings" not in unanswered[0]
    unanswered[0]["phrasings"] = [a.question for a in load_default_asked() if a.article is None]
    return data


@pytest.fixture(scope="module")
def faq_texts() -> dict[str, str]:
    """Every FAQ question and phrasing, folded, mapped to its entry's id."""
    texts: dict[str, str] = {}
    for entry in yaml.safe_load(FAQ.read_text(encoding="utf-8")):
        for text in [entry["question_ja"], entry["question_en"], *entry["phrasings"]]:
            texts[fold(text)] = entry["id"]
    return texts


def texts_of(intent: dict[str, Any]) -> list[str]:
    return [intent["question_ja"], intent["question_en"], *intent["phrasings"]]


def test_there_are_at_least_85_intents(intents):
    assert len(intents) >= MIN_INTENTS


def test_ids_are_unique_kebab_case_with_the_oos_prefix(intents):
    ids = [i.get("id") for i in intents]
    assert [i for i in ids if not (isinstance(i, str) and ID.fullmatch(i))] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_intent_has_exactly_the_required_fields(intents):
    for intent in intents:
        assert set(intent) == set(REQUIRED), f"{intent.get('id')}: {sorted(intent)}"
        for key in ("question_ja", "question_en", "note_ja", "note_en"):
            assert isinstance(intent[key], str), f"{intent['id']}: {key}"
            assert intent[key].strip(), f"{intent['id']}: {key}"


def test_every_intent_has_the_out_of_scope_topic(intents):
    assert {i["id"] for i in intents if i["topic"] != "out_of_scope"} == set()


def test_japanese_fields_are_japanese_and_english_fields_english(intents):
    for intent in intents:
        assert JAPANESE.search(intent["question_ja"]), intent["id"]
        assert JAPANESE.search(intent["note_ja"]), intent["id"]
        assert is_english(intent["question_en"]), intent["id"]
        assert is_english(intent["note_en"]), intent["id"]


def test_notes_say_that_the_terms_are_silent(intents):
    for intent in intents:
        assert "規約" in intent["note_ja"], intent["id"]
        assert "terms" in intent["note_en"], intent["id"]


def test_each_note_is_one_sentence(intents):
    for intent in intents:
        assert intent["note_ja"].count("。") == 1, intent["id"]
        assert intent["note_ja"].endswith("。"), intent["id"]
        assert re.fullmatch(r"[^.!?]+[.]", intent["note_en"].strip()), intent["id"]


def test_every_intent_has_enough_phrasings_with_some_in_english(intents):
    for intent in intents:
        phrasings = intent["phrasings"]
        assert isinstance(phrasings, list), intent["id"]
        assert all(isinstance(p, str) and p.strip() for p in phrasings), intent["id"]
        assert len(phrasings) >= MIN_PHRASINGS, intent["id"]
        assert sum(is_english(p) for p in phrasings) >= MIN_ENGLISH, intent["id"]
        japanese = sum(not is_english(p) for p in phrasings)
        assert japanese >= MIN_PHRASINGS - MIN_ENGLISH, intent["id"]


def test_no_text_appears_twice_across_the_intents(intents):
    counts = Counter(fold(t) for intent in intents for t in texts_of(intent))
    assert [t for t, n in counts.items() if n > 1] == []


def test_no_phrasing_or_question_repeats_one_of_the_faq(intents, faq_texts):
    clashes = [
        (intent["id"], text, faq_texts[fold(text)])
        for intent in intents
        for text in texts_of(intent)
        if fold(text) in faq_texts
    ]
    assert clashes == []


def test_fold_treats_width_case_and_spacing_as_equal():
    assert fold("ＵＴＭ の Ｗｉ－Ｆｉ") == fold("utmのwi-fi")
    assert fold("UTM 型番") != fold("UTM 品番")
