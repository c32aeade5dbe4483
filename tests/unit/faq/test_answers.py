"""Answers: language, verbatim quotes with citations, hand-off templates, personal sentences."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.faq.answers import AnswerEngine, templates
from knowledge.faq.faq import parse_faq
from knowledge.faq.normalize import detect_language
from knowledge.formatting import format_date, format_fact, format_yen
from knowledge.terms import load_default_terms

FIXTURE = Path(__file__).parents[2] / "data" / "faq_fixture.yaml"


@pytest.fixture(scope="module")
def engine(analyzer):
    terms = load_default_terms()
    return AnswerEngine(terms, parse_faq(FIXTURE.read_text("utf-8"), terms), analyzer)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("解約したい", "ja"),
        ("How do I cancel?", "en"),
        ("UTMの設置方法", "ja"),
        ("UTM setup?", "en"),
    ],
)
def test_mostly_latin_letters_means_english(text, lang):
    assert detect_language(text) == lang


def test_a_japanese_question_gets_the_japanese_answer_and_the_clause_quoted_verbatim(engine):
    answer = engine.answer("満期で解約する期限はいつまで？")
    terms = engine.terms
    assert not answer.handoff
    assert answer.citation == "第12条1項"
    assert answer.articles[0] == 12
    assert answer.answer.startswith("利用期間の満了（3月31日）で解約するには")
    assert terms.clause("第12条1項").text in answer.answer
    assert "【規約 第12条1項】" in answer.answer


def test_an_english_question_gets_an_english_answer_with_the_japanese_quote(engine):
    answer = engine.answer("By when must I cancel before the contract renews?")
    assert answer.lang == "en"
    assert answer.answer.startswith("To cancel at the end of the period")
    assert engine.terms.clause("第12条1項").text in answer.answer
    assert "第12条1項" in answer.answer


def test_an_off_topic_question_gets_the_unsure_template_and_suggestions_not_an_answer(engine):
    answer = engine.answer("おすすめのラーメン屋を教えて")
    assert answer.handoff
    assert answer.citation is None
    assert answer.answer == templates("ja")["unsure"]
    assert "確かなことが申し上げられません" in answer.answer
    assert len(answer.suggestions) == 3
    for entry in engine.retriever.faq:
        assert entry.answer_ja.strip() not in answer.answer


def test_english_hand_off_is_in_english_with_english_suggestions(engine):
    answer = engine.answer("Who won the football match yesterday?")
    assert answer.handoff
    assert answer.answer.startswith("I'm sorry, I don't know for sure")
    assert all(detect_language(s) == "en" for s in answer.suggestions)


def test_the_json_object_has_exactly_the_contract_keys(engine):
    data = engine.answer("料金はいくら？").to_json()
    spec = {"answer", "articles", "citation", "confidence", "handoff", "suggestions"}
    # The spec's keys, and the whole quoted clauses for the chat's button (extra keys are fine).
    assert set(data) == spec | {"clause_text"}
    assert all(engine.terms.clause(c).text == text for c, text in data["clause_text"].items())
    assert isinstance(data["confidence"], float)
    assert 0.0 <= data["confidence"] <= 1.0
    assert all(isinstance(a, int) for a in data["articles"])


def test_an_empty_question_is_refused(engine):
    with pytest.raises(ValueError, match="empty"):
        engine.answer("   ")


FACTS = {
    "period_end": date(2027, 3, 31),
    "cancel_deadline": date(2027, 1, 29),
    "annual_fee": 79_200,
    "member": True,
}


def test_a_known_customer_sees_their_own_deadline_in_japanese(engine):
    answer = engine.answer("満期で解約する期限はいつまで？", FACTS)
    assert (
        "お客様の現在の利用期間は2027年3月31日までで、満期解約の期限は2027年1月29日です。"
        in answer.answer
    )


def test_a_known_customer_sees_their_own_deadline_in_english(engine):
    answer = engine.answer("What is the deadline to cancel at the end of the period?", FACTS)
    assert "the deadline to cancel at its end is January 29, 2027" in answer.answer


def test_a_personal_sentence_missing_a_fact_is_left_out(engine):
    answer = engine.answer("満期で解約する期限はいつまで？", {"period_end": date(2027, 3, 31)})
    assert "お客様の現在の利用期間" not in answer.answer


def test_without_facts_there_is_no_personal_sentence(engine):
    assert "お客様の現在の利用期間" not in engine.answer("満期で解約する期限はいつまで？").answer


def test_dates_and_yen_are_formatted_per_language():
    assert format_date(date(2027, 1, 29), "ja") == "2027年1月29日"
    assert format_date(date(2027, 1, 29), "en") == "January 29, 2027"
    assert format_yen(79_200, "ja") == "79,200円"
    assert format_yen(79_200, "en") == "¥79,200"
    assert format_fact("member", False, "ja") == "非会員"
    assert format_fact("annual_fee", 99_000, "en") == "¥99,000"
