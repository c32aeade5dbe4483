"""The terms parser on the shipped file: articles, titles, clauses, debris and the duplicate."""

from __future__ import annotations

import pytest

from knowledge.terms import citation_of, load_default_terms, parse_citation


@pytest.fixture(scope="module")
def terms():
    return load_default_terms()


def test_the_shipped_terms_have_26_articles_in_order(terms):
    assert [a.number for a in terms.articles] == list(range(1, 27))


def test_the_text_before_article_1_is_the_title(terms):
    assert terms.title == "商工会議所サイバーセキュリティお助け隊サービス利用規約"


def test_article_titles_lose_their_brackets_and_stray_spaces(terms):
    assert terms.article(1).title == "目的"
    assert terms.article(8).title == "利用申し込み"
    assert terms.article(14).title == "権利義務の譲渡の禁止"
    assert terms.article(26).title == "準拠法・裁判管轄"


def test_the_refund_clause_12_4_reads_as_printed(terms):
    text = terms.clause("第12条4項").text
    assert text.startswith("前項にもかかわらず、第５条第５項に該当する場合で、")
    assert "翌月15日" in text
    assert text.endswith("いかなる理由でもサービス利用料金を返金しません。")


def test_item_4_1_3_holds_the_star_alert_and_its_continuation_lines(terms):
    text = terms.clause("第4条1項(3)").text
    assert "★★★" in text
    assert "30日以内" in text
    assert text.endswith("別紙２をご覧ください。")


def test_no_conversion_debris_survives(terms):
    for clause in terms.clauses():
        assert "[bookmark" not in clause.text
        assert "\t" not in clause.text
        assert not clause.text.startswith(("　", " "))


def test_a_line_broken_mid_sentence_is_rejoined(terms):
    assert terms.clause("第16条4項").text.endswith("消滅するものとします。")
    assert "本サービスを事業の用に供して" in terms.clause("第2条1項(1)").text


def test_the_start_date_paragraph_keeps_its_sub_points(terms):
    text = terms.clause("第4条2項").text
    assert "①本サービスを初めて利用される" in text
    assert "②契約更新のお客様" in text


def test_the_duplicated_4_6_is_kept_once_with_the_defined_term_and_reported(terms):
    numbers = [p.number for p in terms.article(4).paragraphs]
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert "本所業務提携先等" in terms.clause("第4条6項").text
    assert any("第4条6項" in w and "委託" in w for w in terms.warnings)


def test_an_article_without_paragraph_numbers_gets_paragraph_1(terms):
    clause = terms.clause("第23条1項(5)")
    assert clause is not None
    assert (
        clause.text
        == "本サービスそれ自体、または本サービスによって得られた情報を商業的に利用する行為"
    )


def test_a_paragraph_with_items_is_quoted_with_them(terms):
    text = terms.clause("第2条1項").text
    assert "（７）「営業日」とは" in text


@pytest.mark.parametrize(
    ("citation", "parsed"),
    [
        ("第12条1項", (12, 1, None)),
        ("第4条1項(3)", (4, 1, 3)),
        ("第２条第１項（７）", (2, 1, 7)),
        ("第12条", (12, 1, None)),
        ("十二条", None),
    ],
)
def test_citations_parse_in_both_widths(citation, parsed):
    assert parse_citation(citation) == parsed


def test_clauses_know_their_citation(terms):
    assert citation_of(4, 1, 3) == "第4条1項(3)"
    cites = {c.citation for c in terms.clauses()}
    assert {"第12条1項", "第4条1項(3)", "第2条1項(7)", "第26条2項"} <= cites
    assert "第4条7項" not in cites
