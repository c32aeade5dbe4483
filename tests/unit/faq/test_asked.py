"""The questions customers asked (knowledge/faq/asked.py): parsing, and how retrieval uses them."""

import pytest

from knowledge.faq.asked import (
    UNANSWERED_INTENT,
    AskedQuestion,
    load_default_asked,
    parse_asked,
    with_unanswered,
)
from knowledge.faq.faq import FaqError
from knowledge.faq.out_of_scope import OutOfScope


def test_a_set_parses_into_questions_with_their_articles() -> None:
    text = (
        '{"q": "解約はいつまで？", "article": 12, "also": [13], "lang": "ja"}\n'
        "\n"
        '{"q": "駐車場ある？", "article": null, "lang": "ja"}\n'
    )
    first, second = parse_asked(text, "mine")
    assert first == AskedQuestion("解約はいつまで？", 12, (13,), "mine")
    assert first.articles == {12, 13}
    assert second.article is None
    assert second.articles == frozenset()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "mine:1: not JSON"),
        ('{"article": 3}', "mine:1: needs a non-empty 'q'"),
        ('{"q": "x", "article": "12"}', "mine:1: 'article' must be"),
        ('{"q": "x", "article": true}', "mine:1: 'article' must be"),
        ('{"q": "x", "article": 12, "also": [null]}', "mine:1: 'also' must list"),
    ],
)
def test_a_bad_line_is_an_error_naming_the_set_and_line(line: str, message: str) -> None:
    with pytest.raises(FaqError, match=message):
        parse_asked(line, "mine")


def test_a_set_can_be_left_out_for_evaluation() -> None:
    everything = load_default_asked()
    without = load_default_asked(leave_out=["faq_eval"])
    assert {a.source for a in everything} - {a.source for a in without} == {"faq_eval"}
    assert len(without) < len(everything)


def test_unanswered_questions_join_their_intent_and_nothing_else() -> None:
    intent = OutOfScope(UNANSWERED_INTENT, "out_of_scope", "規約外", "", ("前からある",), "", "")
    other = OutOfScope("oos-other", "out_of_scope", "別", "", ("別の話",), "", "")
    asked = [AskedQuestion("駐車場ある？", None), AskedQuestion("解約は？", 12)]
    joined, untouched = with_unanswered([intent, other], asked)
    assert joined.phrasings == ("前からある", "駐車場ある？")
    assert untouched == other
    assert with_unanswered([other], asked) == (other,)


def test_an_unusual_wording_customers_used_finds_its_article(fixture_retriever) -> None:
    from knowledge.faq.retrieval import Retriever

    plain_retriever = fixture_retriever
    # A word for the fee the fixture FAQ never uses, in questions customers asked.
    asked = [
        AskedQuestion("みかじめ料はおいくら？", 13),
        AskedQuestion("みかじめ料って年にどれくらい", 13),
        AskedQuestion("みかじめ料の振込", 13),
    ]
    question = "うちのみかじめ料は？"
    plain = plain_retriever.search(question)
    learnt = Retriever(
        plain_retriever.terms, plain_retriever.faq, plain_retriever.analyzer, asked=asked
    ).search(question)
    assert plain.matches[0].entry.id != "fee-amount"
    assert learnt.matches[0].entry.id == "fee-amount"
    assert learnt.article > 0.9 > plain.article
