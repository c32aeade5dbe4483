"""Folding and synonyms: what customers type meets what the terms say."""

from __future__ import annotations

import pytest

from knowledge.faq.normalize import fold, fold_kana, nfkc, parse_synonyms, to_hiragana


def test_width_and_case_fold():
    assert nfkc("ＵＴＭ　１２３") == "utm 123"


def test_katakana_becomes_hiragana():
    assert to_hiragana("キャンセル") == "きゃんせる"


def test_long_vowels_and_vu_spellings_fold_together():
    assert fold_kana("サーヴァー") == fold_kana("サーバ") == fold_kana("さーば")


def test_punctuation_goes_but_the_star_alert_stays():
    assert fold("「解約」の、期限？！") == "解約の期限"
    assert fold("★★★アラート") == "★★★あらと"


def test_the_synonym_table_maps_variants_to_the_canonical_word():
    table = parse_synonyms(
        "ja:\n  解約: [キャンセル, やめたい, お金を返して]\nen:\n  cancel: 解約\n"
    )
    assert table.canonical(fold_kana("きゃんせる")) == "解約"
    assert table.canonical("cancel") == "解約"
    assert "解約" in table.rewrite(nfkc("もうやめたいです"))


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("キャンセルしたい", "解約"),
        ("払い戻しできますか", "返金"),
        ("お金を返してほしい", "返金"),
        ("ルーターが届かない", "utm"),
        ("箱が壊れた", "utm"),
        ("値段を教えて", "料金"),
        ("締め切りはいつ", "期限"),
        ("いつまでに言えばいい", "期限"),
        ("How do I cancel?", "解約"),
        ("Can I get a refund?", "返金"),
        ("How much is it?", "料金"),
    ],
)
def test_customer_words_reach_the_terms_words(analyzer, question, word):
    assert word in analyzer.tokens(question)


@pytest.mark.parametrize(
    ("english", "japanese"),
    [
        ("virus scan", "ウイルススキャン"),
        ("by email", "メールで"),
        ("onsite dispatch", "駆け付け"),
        ("the free period", "無償期間"),
        ("the service", "サービス"),
        ("the portal", "ポータル"),
    ],
)
def test_an_english_word_becomes_the_tokens_its_japanese_word_has(analyzer, english, japanese):
    # The map names a word (メール); only the analyser's own token of it (める) matches what a
    # customer writes in Japanese.
    assert set(analyzer.tokens(english)) <= set(analyzer.tokens(japanese))
    assert analyzer.tokens(english)


def test_an_english_word_is_looked_up_as_written_before_its_stem(analyzer):
    assert analyzer.tokens("the terms") == ["規約"]  # not "term" (期間)
    assert analyzer.tokens("the term") == ["期間"]


def test_particles_auxiliaries_and_english_stopwords_are_dropped(analyzer):
    assert analyzer.tokens("解約の期限です") == ["解約", "期限"]
    assert "the" not in analyzer.tokens("What is the deadline?")


def test_readings_let_kana_written_for_kanji_match(analyzer):
    assert analyzer.reading("かいやく") == analyzer.reading("解約")
