"""Japanese typed in Latin letters is read as kana (knowledge/faq/romaji.py), English is not."""

from __future__ import annotations

import pytest

from knowledge.faq.analyzer import Analyzer
from knowledge.faq.normalize import default_synonyms
from knowledge.faq.romaji import romaji_to_kana, to_hiragana


@pytest.mark.parametrize(
    ("word", "kana"),
    [
        ("hoken", "ほけん"),
        ("kaiyaku", "かいやく"),
        ("ryoukin", "りょうきん"),
        ("ryōkin", "りょうきん"),  # a macron is the long vowel
        ("shiharai", "しはらい"),
        ("siharai", "しはらい"),  # kunrei
        ("tsukaeru", "つかえる"),
        ("tukaeru", "つかえる"),
        ("hikkoshi", "ひっこし"),  # a doubled consonant
        ("konnichiwa", "こんにちわ"),  # nn before a vowel: ん, then に
        ("sannen", "さんねん"),
        ("kon'ya", "こんや"),
        ("jusho", "じゅしょ"),
        ("ra-men", "らーめん"),
    ],
)
def test_romaji_words_are_read_as_hiragana(word: str, kana: str) -> None:
    assert to_hiragana(word) == kana


@pytest.mark.parametrize("word", ["service", "the", "what", "refund", "fee", "contract", "hack"])
def test_words_that_are_not_romaji_are_left(word: str) -> None:
    assert to_hiragana(word) is None


def _rewrite(text: str) -> str:
    synonyms = default_synonyms()
    return romaji_to_kana(text, synonyms.english, synonyms.stopwords)


def test_romaji_beside_japanese_is_rewritten_and_jargon_kept() -> None:
    assert _rewrite("hoken で genkin もらえる？") == "ほけん で げんきん もらえる？"
    assert _rewrite("UTMのfirmwareのupdateはだれ？") == "UTMのfirmwareのupdateはだれ？"


def test_acronyms_are_names_not_romaji() -> None:
    assert _rewrite("NPO法人でも入れますか") == "NPO法人でも入れますか"
    assert _rewrite("IPAに登録されていますか") == "IPAに登録されていますか"


def test_a_question_wholly_in_romaji_is_rewritten() -> None:
    assert _rewrite("kaiyaku shitai desu") == "かいやく したい です"
    assert _rewrite("Hoken wa?") == "ほけん わ?"


def test_english_keeps_its_words_that_also_read_as_romaji() -> None:
    # "use" and "home" read as romaji; the English function words say it is English.
    assert _rewrite("Can I use it at home?") == "Can I use it at home?"
    assert _rewrite("What time does the desk open?") == "What time does the desk open?"
    assert _rewrite("data?") == "data?"


def test_romaji_finds_the_words_a_customer_writing_kana_would() -> None:
    analyzer = Analyzer()
    assert analyzer.reading("kaiyaku shitai") == analyzer.reading("かいやく したい")
    assert "保険" in analyzer.tokens("hoken de genkin moraeru?")
