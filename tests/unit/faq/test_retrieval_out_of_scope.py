"""Out-of-scope intents as negative classes: declined with a note, never answers or suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import answers as answers_module
from knowledge.faq.answers import AnswerEngine, default_engine, templates
from knowledge.faq.confidence import THRESHOLD_NO_OOS
from knowledge.faq.faq import FaqError, load_default_faq, parse_faq
from knowledge.faq.out_of_scope import load_default_out_of_scope, parse_out_of_scope
from knowledge.terms import load_default_terms

DATA = Path(__file__).parents[2] / "data"
FAQ_FIXTURE = (DATA / "faq_fixture.yaml").read_text("utf-8")
OOS_FIXTURE = (DATA / "out_of_scope_fixture.yaml").read_text("utf-8")


@pytest.fixture(scope="module")
def engine(analyzer) -> AnswerEngine:
    terms = load_default_terms()
    faq = parse_faq(FAQ_FIXTURE, terms)
    return AnswerEngine(terms, faq, analyzer, out_of_scope=parse_out_of_scope(OOS_FIXTURE))


@pytest.fixture
def shipped(shipped_engine) -> AnswerEngine:
    return shipped_engine


def test_the_fixture_parses_into_intents_with_notes() -> None:
    intents = parse_out_of_scope(OOS_FIXTURE)
    assert len(intents) >= 5
    assert all(i.note_ja and i.note_en and len(i.texts) >= 5 for i in intents)


def test_an_intent_reusing_a_faq_id_is_refused() -> None:
    text = "- id: fee-amount\n  question_ja: 会費は？\n  note_ja: 定めがありません。\n"
    with pytest.raises(FaqError, match="fee-amount"):
        parse_out_of_scope(text, frozenset({"fee-amount"}))


def test_an_empty_out_of_scope_file_means_no_intents() -> None:
    assert parse_out_of_scope("") == ()


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("UTMのスループットはどのくらい出ますか", "oos-utm-specs"),
        ("商工会議所の会費はいくらですか", "oos-chamber-dues"),
        ("領収書を発行してほしい", "oos-receipt"),
    ],
)
def test_an_out_of_scope_question_is_handed_off_with_its_note(engine, question, intent):
    found = engine.retriever.search(question)
    assert found.out_of_scope is not None
    assert found.out_of_scope.intent.id == intent
    answer = engine.answer(question)
    assert answer.handoff
    assert answer.citation is None
    assert answer.entry_id is None
    assert answer.answer.startswith(found.out_of_scope.intent.note_ja)
    assert answer.answer.endswith(templates("ja")["unsure"])


def test_an_english_out_of_scope_question_gets_the_english_note(engine):
    answer = engine.answer("What is the throughput of the UTM box?")
    assert answer.handoff
    assert answer.answer.startswith("The terms of use do not describe the UTM box's model")


def test_suggestions_after_a_decline_are_in_scope_faq_questions(engine):
    faq_questions = {e.question_ja for e in engine.retriever.faq}
    oos_texts = {t for i in engine.retriever.out_of_scope for t in i.texts}
    answer = engine.answer("領収書を発行してほしい")
    assert len(answer.suggestions) == 3
    assert set(answer.suggestions) <= faq_questions
    assert not set(answer.suggestions) & oos_texts


@pytest.mark.parametrize(
    ("question", "citation"),
    [
        ("UTMは誰の所有物ですか", "第5条3項"),
        ("会員と非会員で料金は違いますか", "第13条1項"),
    ],
)
def test_an_in_scope_question_close_to_an_intent_is_still_answered(shipped, question, citation):
    answer = shipped.answer(question)
    assert not answer.handoff
    assert answer.citation == citation


@pytest.mark.parametrize(
    "question",
    [
        "UTMのLANポートの数を教えて",
        "商工会議所に入会したいのですが会費はいくら？",
        "領収書を発行してほしい",
        "Can you send me a receipt?",
        "UTMは誰の所有物ですか",
    ],
)
def test_out_of_scope_intents_never_appear_as_answers_suggestions_or_articles(shipped, question):
    intents = load_default_out_of_scope()
    oos_ids = {i.id for i in intents}
    oos_texts = {t for i in intents for t in i.texts}
    answer = shipped.answer(question)
    assert answer.entry_id not in oos_ids
    assert not set(answer.suggestions) & oos_texts
    found = shipped.retriever.search(question)
    assert not {m.entry.id for m in found.matches} & oos_ids
    assert all(1 <= a <= 26 for a in answer.articles)


def test_the_shipped_intents_decline_the_utms_throughput(shipped):
    answer = shipped.answer("UTMのスループットは何Mbpsですか")
    assert answer.handoff
    assert "定めがありません" in answer.answer


def test_the_engine_works_without_out_of_scope_intents(fixture_retriever):
    retriever = fixture_retriever
    assert retriever.threshold == THRESHOLD_NO_OOS
    found = retriever.search("キャンセルの締め切りっていつ？")
    assert not found.handoff
    assert found.out_of_scope is None
    assert retriever.search("今日の天気は？").handoff


def test_the_default_engine_works_when_the_out_of_scope_file_is_missing(monkeypatch, analyzer):
    monkeypatch.setattr(answers_module, "load_default_out_of_scope", lambda: ())
    engine = default_engine(analyzer=analyzer)
    assert engine.retriever.out_of_scope == ()
    assert engine.answer("利用料金はいくらですか？").citation == "第13条1項"
    handed_off = engine.answer("UTMのスループットは何Mbpsですか")
    assert handed_off.handoff
    assert handed_off.answer == templates("ja")["unsure"]


def test_a_chambers_own_intents_are_given_as_text(analyzer):
    engine = default_engine(out_of_scope_text=OOS_FIXTURE, analyzer=analyzer)
    assert {i.id for i in engine.retriever.out_of_scope} == {
        i.id for i in parse_out_of_scope(OOS_FIXTURE)
    }
    assert len(engine.retriever.faq) == len(load_default_faq())
