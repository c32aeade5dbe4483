"""What a customer's own words ask for: the SPEC's intents and the date they ask for."""

from __future__ import annotations

from datetime import date

import pytest

from mail.intent import is_english, read_content

BASE = date(2027, 1, 14)


@pytest.mark.parametrize(
    ("subject", "text", "intent", "day"),
    [
        ("解約のお願い", "3月末日をもちまして解約いたします。", "cancel_at_term_end",
         date(2027, 3, 31)),
        ("契約", "契約満了時をもって解約したく存じます。", "cancel_at_term_end", date(2027, 3, 31)),
        ("更新", "次回の契約更新はせず、今期で終了させてください。", "cancel_at_term_end",
         date(2027, 3, 31)),
        ("解約", "9月末付けで中途解約を希望します。", "cancel_midterm", date(2027, 9, 30)),
        ("解約", "サービスの解約をお願いします。", "cancel_midterm", None),
        ("取消", "まだ利用開始前のため、申込みを取り消したく存じます。", "cancel_before_start",
         None),
        ("UTM", "UTMが社内の機器と互換性がなく使用できません。返金をお願いします。",
         "refund_incompatible", None),
        ("返金", "UTMが回線に対応していないため、10月31日付で解約し、返金をお願いいたします。",
         "refund_incompatible", date(2027, 10, 31)),
        ("変更", "1月10日付のサービス内容変更のお知らせを受け、3月15日で解約したく存じます。",
         "cancel_service_change", date(2027, 3, 15)),
        ("期限", "満期で解約する場合、いつまでに連絡すればよいですか？", "question", None),
        ("返金", "もし中途解約した場合、支払済みの料金は返金されますか？", "question", None),
        ("請求書", "請求書の再発行はできますでしょうか。", "question", None),
        ("ご確認", "先日お送りした解約届は届いていますでしょうか。", "question", None),
        ("解約届", "", "cancel_midterm", None),
        ("検討中", "解約を検討しています。違約金はかかりますか？", "question", None),
        ("手続き", "解約の手続きについて教えてください。", "question", None),
        ("更新", "自動更新を停止してください。", "cancel_at_term_end", None),
        ("Cancel", "Can you cancel our contract at the end of March?", "cancel_at_term_end",
         date(2027, 3, 31)),
        ("料金改定", "料金改定に伴い、解約を希望します。", "cancel_service_change", None),
        ("取消", "サービスがまだ始まっていませんが、解約したいです。", "cancel_before_start", None),
        ("【重要】", "ご契約が解約されます。24時間以内に https://x.example/login で本人確認を",
         "spam", None),
        ("住所変更", "本社を移転しましたので住所の変更をお願いします。", "other", None),
        ("【重要】", "アカウントが停止されました。ログインして確認してください。", "spam", None),
        ("Cancel", "Please terminate our subscription effective June 30, 2027.", "cancel_midterm",
         date(2027, 6, 30)),
        ("Refund", "The UTM is not compatible with our network. We request a refund.",
         "refund_incompatible", None),
        ("Hi", "How do I request an on-site dispatch after a critical alert?", "question", None),
    ],
)  # fmt: skip
def test_intent_and_date(subject: str, text: str, intent: str, day: date | None) -> None:
    reading = read_content(subject, text, BASE)
    assert (reading.intent, reading.requested_date) == (intent, day)


def test_a_date_the_customer_denies_is_not_the_request() -> None:
    reading = read_content("Re: 更新", "3月末ではなく、6月末で解約でお願いします。", BASE)
    assert reading.requested_date == date(2027, 6, 30)


def test_the_application_date_is_not_the_requested_date() -> None:
    text = "下記のとおり解約を申し込みます。\n申込日：2027年1月14日\n解約希望日：2027年7月31日"
    assert read_content("解約届", text, BASE).requested_date == date(2027, 7, 31)


def test_the_service_change_notice_date_is_kept_for_r13() -> None:
    text = "2027年1月10日付のサービス内容変更のお知らせを受け、解約を希望します。"
    reading = read_content("変更に伴う解約", text, BASE)
    assert (reading.intent, reading.requested_date, reading.notified) == (
        "cancel_service_change",
        None,
        date(2027, 1, 10),
    )


def test_full_width_reply_prefixes_are_dropped_from_the_subject() -> None:
    reading = read_content(
        "Ｒｅ：ＲＥ：Fw: 解約について", "10月31日をもって解約とさせてください。", BASE
    )
    assert reading.intent == "cancel_midterm"


def test_english_is_mostly_latin_letters() -> None:
    assert is_english("Please cancel our contract (NIG-000106).")
    assert not is_english("解約をお願いします。NIG-000106")


def test_a_reply_that_asks_nothing_is_not_taken_for_its_subject() -> None:
    assert (
        read_content("Re: 解約の件", "承知しました。ありがとうございます。", BASE).intent == "other"
    )
    reading = read_content("Re: 解約の件", "3月末でお願いします。", BASE)
    assert (reading.intent, reading.requested_date) == ("cancel_at_term_end", date(2027, 3, 31))
