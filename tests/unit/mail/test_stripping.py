"""What the customer wrote and nothing else: quotes, forwarded mail and signatures cut off."""

from __future__ import annotations

import pytest

from mail.stripping import strip_reply


def test_quoted_lines_are_taken_away() -> None:
    stripped = strip_reply("6月末で解約します。\n> 3月31日までにお申し出ください\n＞ 解約期限\n")
    assert stripped.text == "6月末で解約します。"
    assert "3月31日" in stripped.quoted


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----\nFrom: otasuke@example.jp\nSent: Monday",
        "----- Original Message -----",
        "---------- Forwarded message ---------",
        "-----元のメッセージ-----",
        "On Mon, Jan 11, 2027 at 10:00 AM Otasuke <otasuke@example.jp> wrote:",
        "2027年1月15日(金) 9:00 お助け隊事務局 <otasuke@example.jp>:",
        "お助け隊事務局 様のメール:",
        "2027/01/15 9:00、お助け隊事務局 さんは書きました ：",
        "  2027-01-15 9:00 お助け隊事務局 <otasuke@example.jp>：",
        "差出人: お助け隊事務局 <otasuke@example.jp>\n送信日時: 2027年1月15日 9:00",
        "From: Otasuke <otasuke@example.jp>\nSent: Friday, January 15, 2027 9:00 AM",
        "差出人: お助け隊事務局\n宛先: suzuki@example.jp\n送信日時: 2027年1月15日",
    ],
)
def test_everything_below_a_reply_header_is_the_quote(header: str) -> None:
    stripped = strip_reply(
        f"8月末付で解約をお願いします。\n\n{header}\n\n解約期限：2027年1月29日\n"
    )
    assert stripped.text == "8月末付で解約をお願いします。"
    assert "2027年1月29日" in stripped.quoted


def test_a_dash_dash_signature_is_cut() -> None:
    stripped = strip_reply("解約します。\n\n-- \n株式会社山田工業\nTEL 025-000-0000\n")
    assert stripped.text == "解約します。"
    assert "山田工業" in stripped.signature


def test_a_fenced_signature_block_is_cut_at_its_upper_fence() -> None:
    fence = "━━━━━━━━━━"
    text = (
        f"今年度末で解約します。\n\n{fence}\n髙橋建設株式会社\n髙橋 誠\nTEL 0256-00-0000\n{fence}\n"
    )
    stripped = strip_reply(text)
    assert stripped.text == "今年度末で解約します。"
    assert stripped.signature.startswith("━━")


def test_a_rule_inside_the_message_is_not_a_signature() -> None:
    text = "下記のとおり解約します。\n==========\n解約希望日：2027年7月31日\nお客様ID：NIG-000111\n"
    stripped = strip_reply(text)
    assert "2027年7月31日" in stripped.text


def test_a_mail_with_nothing_but_text_is_kept_whole() -> None:
    assert strip_reply("解約をお願いします。\r\nよろしくお願いします。").text == (
        "解約をお願いします。\nよろしくお願いします。"
    )
