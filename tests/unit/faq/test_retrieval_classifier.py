"""The naive Bayes classifier over the FAQ's texts, and the article list it feeds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from knowledge.faq.classifier import NaiveBayes, features
from knowledge.faq.retrieval import ARTICLES, ARTICLES_HANDOFF

FIXTURE = Path(__file__).parents[2] / "data" / "faq_fixture.yaml"


@pytest.fixture
def retriever(fixture_retriever):
    return fixture_retriever


def test_features_are_the_words_and_the_readings_two_and_three_grams():
    feats = features(["解約"], "かいやく")
    assert feats["w:解約"] > 0
    assert {"r:かい", "r:やく", "r:かいや"} <= feats.keys()
    assert "r:か" not in feats


def test_the_class_whose_examples_share_the_features_gets_the_mass():
    nb = NaiveBayes(
        [(0, features(["解約"], "かいやく")), (1, features(["料金"], "りょうきん"))], classes=2
    )
    posterior = nb.posterior(features([], "かいやくしたい"))
    assert posterior[0] > 0.9 > posterior[1]


def test_a_text_that_fits_no_class_better_than_the_background_leaves_the_mass_there():
    background = [features(["反社会的勢力", "排除"], "はんしゃかいてきせいりょくはいじょ")]
    nb = NaiveBayes(
        [(0, features(["解約"], "かいやく")), (1, features(["料金"], "りょうきん"))],
        classes=2,
        background=background,
    )
    assert sum(nb.posterior(features(["排除"], "せいりょくはいじょ"))) < 0.5


def test_a_text_with_no_known_feature_gives_no_class_any_mass():
    nb = NaiveBayes([(0, Counter({"w:解約": 1.0}))], classes=1)
    assert nb.posterior(Counter({"w:天気": 1.0})) == [0.0]


def test_an_answer_lists_at_most_five_articles_and_a_hand_off_at_most_three(retriever):
    answered = retriever.search("キャンセルの締め切りっていつ？")
    assert not answered.handoff
    assert 1 <= len(answered.articles) <= ARTICLES
    handed_off = retriever.search("おすすめのラーメン屋を教えて")
    assert handed_off.handoff
    assert len(handed_off.articles) <= ARTICLES_HANDOFF


def test_articles_without_evidence_are_not_listed(retriever):
    found = retriever.search("キャンセルの締め切りっていつ？")
    assert len(found.articles) < 26
    assert found.articles[0] == 12


def test_an_english_adjective_of_time_maps_to_its_japanese_word(analyzer):
    assert "年" in analyzer.tokens("What is the yearly fee?")
