"""The terms parser on damaged copies: it warns, never crashes; a non-terms file is an error."""

from __future__ import annotations

import pytest

from knowledge.terms import TermsParseError, parse_terms, read_terms_text

DAMAGED = (
    "\ufeff　利用規約\r\n"
    "第１条\r\n"  # no title
    "本規約はテストです。\r\n"  # no paragraph number
    "第2条　（定義）\r\n"
    "1．半角の数字の項。\r\n"
    "[bookmark: _Hlk1]３．項の番号が飛んでいる\r\n"
    "　　ので、行が\r\n"
    "途中で折れている。\r\n"
    "（１）号の一つ\r\n"
    "(2)半角の括弧の号\r\n"
    "第３条\t(半角括弧の題)\r\n"
    "１．最後の項。\r\n"
)


def test_a_damaged_copy_parses_with_warnings():
    terms = parse_terms(DAMAGED)
    assert terms.title == "利用規約"
    assert [a.number for a in terms.articles] == [1, 2, 3]
    assert terms.article(1).title == ""
    assert terms.clause("第1条1項").text == "本規約はテストです。"
    paragraph = terms.article(2).paragraphs[1]
    assert paragraph.number == 3
    assert paragraph.text == "項の番号が飛んでいるので、行が途中で折れている。"
    assert terms.clause("第2条3項(2)").text == "半角の括弧の号"
    assert terms.article(3).title == "半角括弧の題"
    warnings = " ".join(terms.warnings)
    assert "第1条 has no title" in warnings
    assert "2項" in warnings  # the gap 1項 → 3項


def test_a_cp932_file_decodes():
    assert read_terms_text("第1条（目的）\n１．本文。\n".encode("cp932")).startswith("第1条")


def test_a_utf8_file_with_bom_decodes():
    assert read_terms_text("\ufeff第1条".encode()) == "第1条"


@pytest.mark.parametrize("text", ["", "ただの文章です。\n第三者に渡さないこと。", "1．本文だけ"])
def test_a_file_without_articles_is_a_clear_error(text):
    with pytest.raises(TermsParseError, match="第1条"):
        parse_terms(text)


def test_a_body_line_starting_with_an_article_reference_is_not_a_heading():
    terms = parse_terms("第1条（目的）\n１．本文\n第4条第5項に定める者をいう。\n")
    assert len(terms.articles) == 1
    assert terms.clause("第1条1項").text == "本文第4条第5項に定める者をいう。"
