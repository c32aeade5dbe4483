"""The shipped FAQ over other terms: entries whose clauses read differently are withheld."""

from __future__ import annotations

from importlib import resources

import pytest

from knowledge.faq.answers import default_engine
from knowledge.faq.faq import FaqError, load_default_faq, still_valid
from knowledge.terms import load_default_terms, parse_terms

SHIPPED = load_default_terms()
TEXT = resources.files("knowledge").joinpath("data/terms_ja.txt").read_text("utf-8")


def revised(old: str, new: str) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, 1)


def test_the_shipped_faq_is_whole_over_the_shipped_terms() -> None:
    faq = load_default_faq(SHIPPED)
    kept, withheld = still_valid(faq, SHIPPED, SHIPPED)
    assert kept == faq
    assert withheld == ()


def test_an_entry_resting_on_a_revised_clause_is_withheld() -> None:
    # 第13条1項 with another fee: every answer quoting the old fee must go.
    terms = parse_terms(revised("年間 79,200円", "年間 88,000円"))
    kept, withheld = still_valid(load_default_faq(SHIPPED), SHIPPED, terms)
    assert withheld
    assert all("第13条1項" in entry.clauses for entry in load_default_faq() if entry.id in withheld)
    assert all("第13条1項" not in entry.clauses for entry in kept)


def test_a_revised_fee_is_not_answered_from_the_old_faq(analyzer) -> None:
    engine = default_engine(
        parse_terms(revised("年間 79,200円", "年間 88,000円")), analyzer=analyzer
    )
    answer = engine.answer("会員の年間の利用料金はいくらですか")
    assert "79,200" not in answer.answer
    assert engine.withheld


def test_a_missing_article_withholds_its_entries(analyzer) -> None:
    cut = TEXT[: TEXT.index("第26条")]
    engine = default_engine(parse_terms(cut), analyzer=analyzer)
    assert any(entry_id.startswith("law-") for entry_id in engine.withheld)
    answer = engine.answer("裁判になったらどこの裁判所ですか")
    assert "第26条" not in (answer.citation or "")


def test_a_chambers_own_faq_must_cite_clauses_its_terms_have(analyzer) -> None:
    faq = """
- id: our-fee
  question_ja: 料金はいくらですか
  answer_ja: 年間88,000円です。
  clauses: ["第27条1項"]
"""
    with pytest.raises(FaqError, match="第27条1項"):
        default_engine(SHIPPED, faq, analyzer=analyzer)
