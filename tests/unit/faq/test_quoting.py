"""Quoting the sentences of a clause that carry an answer (knowledge/faq/quoting.py)."""

from __future__ import annotations

import pytest

from knowledge.faq.faq import FaqError, parse_faq
from knowledge.faq.quoting import ELLIPSIS, excerpt, phrases, sentences
from knowledge.terms import load_default_terms


def test_sentences_split_after_the_full_stop_but_not_inside_brackets() -> None:
    text = "第一文です（括弧の中。ここは続く）。第二文です。\n第三文"
    assert sentences(text) == ["第一文です（括弧の中。ここは続く）。", "第二文です。", "第三文"]


def test_a_short_clause_is_quoted_whole() -> None:
    assert excerpt("短い条項です。二文目です。", "無関係") == "短い条項です。二文目です。"


def test_the_proviso_of_13_3_is_quoted_alone_for_an_answer_about_paying_together() -> None:
    clause = load_default_terms().clause("第13条3項").text
    quoted = excerpt(
        clause, "2月・3月開始のお客様は本所と協議することにより合算して一括で支払えます"
    )
    assert quoted.startswith(ELLIPSIS + "なお、")
    assert "協議することにより" in quoted
    assert len(quoted) < len(clause) / 2


def test_every_quoted_piece_is_verbatim_from_the_clause() -> None:
    clause = load_default_terms().clause("第4条1項(3)").text
    quoted = excerpt(clause, "★★★アラートの通知メールが届いてから30日以内に駆け付けを受けられます")
    assert len(quoted) < 600
    assert all(piece in clause for piece in quoted.split(ELLIPSIS) if piece)


def test_phrases_split_after_the_comma_but_not_inside_brackets() -> None:
    sentence = "先ず（但し、例外あり）確認し、次に依頼するものとし、費用を払います。"
    assert phrases(sentence) == [
        "先ず（但し、例外あり）確認し、",
        "次に依頼するものとし、",
        "費用を払います。",
    ]
    assert "".join(phrases(sentence)) == sentence


@pytest.mark.parametrize(
    ("answer", "carried"),
    [
        (  # insurance-coverage's answer (knowledge/data/faq.yaml)
            "★★★アラートをきっかけに不正アクセス等が明らかになったとき、"
            "「お助け実働隊　地域IT事業者」による駆け付け・初動対処の費用が、"
            "保険規約の条件（利用回数制限・保険金上限額）の範囲で保険金として支払われます。",
            "保険金をお支払いします。",
        ),
        ("★★★アラートの通知メールが届いてから30日以内に駆け付けを受けられます", "30日以内に"),
    ],
)
def test_a_sentence_of_hundreds_of_characters_is_quoted_by_the_phrases_that_carry_the_answer(
    answer: str, carried: str
) -> None:
    # 第4条1項(3) opens with one sentence of about 470 characters.
    clause = load_default_terms().clause("第4条1項(3)").text
    assert len(sentences(clause)[0]) > 400
    quoted = excerpt(clause, answer)
    assert carried in quoted
    assert len(quoted) <= 260
    assert ELLIPSIS * 2 not in quoted
    assert all(piece in clause for piece in quoted.split(ELLIPSIS) if piece)
    # Each phrase quoted runs to the predicate that completes it.
    assert all(piece.endswith(("し、", "。")) for piece in quoted.split(ELLIPSIS) if piece)


def test_texts_by_state_that_are_not_a_mapping_of_sentences_are_refused_by_name() -> None:
    faq = "- id: x\n  question_ja: 質問\n  answer_ja: 答え\n  personal_by_state_ja: [a, b]\n"
    with pytest.raises(FaqError, match="personal_by_state_ja"):
        parse_faq(faq)
    ok = "- id: x\n  question_ja: 質問\n  answer_ja: 答え\n  personal_by_state_ja: {ended: 終了}\n"
    assert parse_faq(ok)[0].personal_by_state_ja == (("ended", "終了"),)
