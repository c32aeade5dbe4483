"""A question is prepared once (knowledge/faq/question.py), and no length of it breaks analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from knowledge.faq.analyzer import Analysis, Analyzer
from knowledge.faq.answers import AnswerEngine
from knowledge.faq.normalize import fold
from knowledge.faq.question import QUESTION_CHARS, prepare_question
from knowledge.faq.retrieval import Retriever


@dataclass
class _Counting(Analyzer):
    """An analyser that counts what it is asked to do."""

    prepared: list[str] = field(default_factory=list)
    analysed: list[str] = field(default_factory=list)

    def prepare(self, text: str) -> str:
        self.prepared.append(text)
        return super().prepare(text)

    def analyse(self, text: str, normalised: str | None = None) -> Analysis:
        self.analysed.append(text)
        return super().analyse(text, normalised)


def test_a_question_is_normalised_and_analysed_once_on_its_way_to_the_answer(
    fixture_retriever: Retriever,
) -> None:
    counting = _Counting(known=fixture_retriever.analyzer.known)
    engine = AnswerEngine(fixture_retriever.terms, fixture_retriever.faq, counting)
    counting.prepared.clear()
    counting.analysed.clear()
    question = "キャンセルの締め切りっていつ？"
    answer = engine.answer(question)
    assert answer.entry_id == "cancel-term-end-deadline"
    assert counting.prepared == [question]
    assert counting.analysed == [question]


def test_the_prepared_question_holds_everything_the_scorers_read(analyzer: Analyzer) -> None:
    question = prepare_question("ＵＴＭの解約、いつまで？", analyzer)
    assert question.normalised == analyzer.prepare("ＵＴＭの解約、いつまで？")
    assert question.folded == fold(question.normalised)
    assert question.analysis == analyzer.analyse("ＵＴＭの解約、いつまで？")
    assert question.lang == "ja"
    assert prepare_question("When can I cancel the UTM?", analyzer).lang == "en"


def test_a_prepared_question_and_its_text_find_the_same(fixture_retriever: Retriever) -> None:
    text = "How much does it cost?"
    assert fixture_retriever.search(fixture_retriever.prepare(text)) == (
        fixture_retriever.search(text)
    )


@pytest.mark.parametrize("length", [20_000, 200_000])
def test_a_text_longer_than_sudachi_takes_is_analysed_in_pieces(length: int) -> None:
    # SudachiPy refuses more than 49,149 bytes at once (about 16,000 Japanese characters).
    sentence = "解約の期限はいつですか。"
    text = (sentence * (length // len(sentence) + 1))[:length]
    analysis = Analyzer().analyse(text)
    assert analysis.tokens.count("解約") == text.count("解約")


def test_a_long_text_without_sentence_ends_is_cut_at_a_comma() -> None:
    analysis = Analyzer().analyse("解約、" * 20_000)
    assert analysis.tokens == ["解約"] * 20_000


def test_a_long_text_without_any_break_is_still_analysed() -> None:
    analysis = Analyzer().analyse("解約" * 30_000)
    # Cut where the pieces end (a word may be cut in two there): nothing else is lost.
    assert analysis.tokens.count("解約") >= 30_000 - 60_000 // 12_287


def test_only_the_start_of_a_very_long_question_is_read(analyzer: Analyzer) -> None:
    question = prepare_question("料金" * QUESTION_CHARS, analyzer)
    assert question.text == "料金" * (QUESTION_CHARS // 2)
