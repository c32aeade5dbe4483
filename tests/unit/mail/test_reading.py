"""read_mail: one raw mail to facts, pure, and never a crash on hostile input."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime

import pytest

from core.mailfacts import MailFacts
from mail.body import MAX_TEXT_BYTES
from mail.reading import read_mail

HEAD = (
    b"Received: from mx by mx.niigata-cci.example; Thu, 14 Jan 2027 10:00:00 +0900\r\n"
    b"Received: from pc by mail.yamada-kogyo.co.jp; Thu, 14 Jan 2027 09:59:00 +0900\r\n"
    b"From: =?ISO-2022-JP?B?GyRCLWobKEI=?= <Yamada@Yamada-Kogyo.co.jp>\r\n"
    b"To: otasuke@niigata-cci.example\r\n"
    b"Subject: =?UTF-8?B?6Kej57SE44Gu44GK6aGY44GE?=\r\n"
    b"Date: Thu, 14 Jan 2027 09:58:00 +0900\r\n"
    b"Message-ID: <m1@yamada-kogyo.co.jp>\r\n"
    b"In-Reply-To: <renewal.1@niigata-cci.example>\r\n"
    b"References: <a@x> <renewal.1@niigata-cci.example>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def _mail(body: str, *, extra: bytes = b"", head: bytes = HEAD) -> bytes:
    return (
        head + extra + b"Content-Type: text/plain; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(body.encode())
    )


def test_the_facts_of_a_plain_request() -> None:
    facts = read_mail(
        _mail(
            "お客様ID：ＮＩＧ－０００１２３\n3月末をもって解約します。\n\n-- \n株式会社山田工業\n"
        )
    )
    assert facts.message_id == "<m1@yamada-kogyo.co.jp>"
    assert (facts.from_address, facts.from_name) == ("yamada@yamada-kogyo.co.jp", "㈱")
    assert facts.subject == "解約のお願い"
    assert facts.intent == "cancel_at_term_end"
    assert facts.customer_id == "NIG-000123"
    assert facts.company == "株式会社山田工業"
    assert facts.requested_date is not None
    assert facts.requested_date.isoformat() == "2027-03-31"
    assert facts.text == "お客様ID：ＮＩＧ－０００１２３\n3月末をもって解約します。"
    assert (facts.in_reply_to, facts.references) == (
        "<renewal.1@niigata-cci.example>",
        ["<a@x>", "<renewal.1@niigata-cci.example>"],
    )
    assert facts.reply_expected
    assert facts.language == "ja"
    assert facts.hold_reason is None


def test_the_receipt_time_is_the_topmost_received_header() -> None:
    facts = read_mail(_mail("解約します"))
    assert facts.received_at == datetime(2027, 1, 14, 1, 0, tzinfo=UTC)
    assert facts.written_at == datetime(2027, 1, 14, 0, 58, tzinfo=UTC)


def test_an_explicit_receipt_time_wins() -> None:
    at = datetime(2027, 2, 1, 0, 0, tzinfo=UTC)
    assert read_mail(_mail("解約します"), received_at=at).received_at == at


def test_without_received_the_date_header_serves() -> None:
    head = b"".join(
        line + b"\r\n" for line in HEAD.split(b"\r\n") if not line.startswith(b"Received")
    )
    assert read_mail(_mail("x", head=head)).received_at == datetime(2027, 1, 14, 0, 58, tzinfo=UTC)


def test_a_date_header_far_from_receipt_is_not_the_base_of_relative_dates() -> None:
    head = HEAD.replace(b"Date: Thu, 14 Jan 2027 09:58:00", b"Date: Fri, 1 May 2026 09:00:00")
    facts = read_mail(_mail("来月末で解約します。", head=head))
    assert facts.written_at == facts.received_at
    assert facts.requested_date is not None
    assert facts.requested_date.isoformat() == "2027-02-28"


def test_a_mail_without_message_id_gets_one_from_its_bytes() -> None:
    head = HEAD.replace(b"Message-ID: <m1@yamada-kogyo.co.jp>\r\n", b"")
    raw = _mail("解約します", head=head)
    expected = f"<{hashlib.sha256(raw).hexdigest()}@otasuke.invalid>"
    assert read_mail(raw).message_id == expected


def test_our_own_mail_is_never_answered() -> None:
    facts = read_mail(_mail("解約", extra=b"X-Otasuke-Kind: ack\r\nX-Otasuke-Action: 42\r\n"))
    assert (facts.intent, facts.reply_expected) == ("other", False)
    assert (facts.otasuke_kind, facts.otasuke_action) == ("ack", 42)


def test_a_reply_to_elsewhere_is_held_as_a_spoof() -> None:
    facts = read_mail(_mail("至急解約してください", extra=b"Reply-To: thief@free.example\r\n"))
    assert (facts.intent, facts.reply_expected) == ("spam", False)
    assert facts.hold_reason is not None
    assert "thief@free.example" in facts.hold_reason


@pytest.mark.parametrize("authserv_id", [None, "mx.niigata-cci.example"])
def test_failed_dmarc_in_our_servers_results_is_a_spoof(authserv_id: str | None) -> None:
    extra = (
        b"Authentication-Results: mx.niigata-cci.example; spf=pass; dmarc=fail header.from=x\r\n"
    )
    facts = read_mail(_mail("解約します", extra=extra), authserv_id=authserv_id)
    assert facts.intent == "spam"
    assert facts.hold_reason == "DMARC failed (mx.niigata-cci.example)"


def test_results_written_by_someone_else_are_not_trusted() -> None:
    extra = (
        b"Authentication-Results: mx.niigata-cci.example; dmarc=pass header.from=x\r\n"
        b"Authentication-Results: mx.niigata-cci.example; dmarc=fail header.from=x\r\n"
    )
    forged_below = read_mail(_mail("解約します", extra=extra))
    assert forged_below.hold_reason is None
    other = b"Authentication-Results: evil.example; dmarc=fail\r\n"
    ours = read_mail(_mail("解約します", extra=other), authserv_id="mx.niigata-cci.example")
    assert ours.hold_reason is None


def test_facts_round_trip_through_json() -> None:
    facts = read_mail(_mail("3月末で解約します"))
    import json

    assert MailFacts.from_payload(json.loads(json.dumps(facts.to_payload()))) == facts


def _multipart(*parts: bytes) -> bytes:
    out = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    for part in parts:
        out += b"--b\r\n" + part + b"\r\n"
    return out + b"--b--\r\n"


def test_a_20_mb_attachment_is_never_decoded() -> None:
    text = b"Content-Type: text/plain; charset=UTF-8\r\n\r\n" + "3月末で解約します".encode()
    blob = base64.encodebytes(random.Random(1).randbytes(20 * 1024 * 1024))
    attachment = (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="big.bin"\r\n\r\n' + blob
    )
    facts = read_mail(_multipart(text, attachment))
    assert facts.intent == "cancel_at_term_end"
    assert any("attachment" in note for note in facts.notes)


def test_a_huge_text_part_is_read_only_so_far() -> None:
    facts = read_mail(_mail("3月末で解約します。\n" + "あ" * MAX_TEXT_BYTES))
    assert facts.intent == "cancel_at_term_end"
    assert any("read only the first" in note for note in facts.notes)


def test_an_image_only_mail_has_no_text_and_a_clear_note() -> None:
    image = b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n"
    facts = read_mail(_multipart(image))
    assert facts.text == ""
    assert "no text part" in facts.notes


def test_an_empty_body_is_other_and_still_a_persons_mail() -> None:
    facts = read_mail(
        HEAD.replace(b"Subject: =?UTF-8?B?6Kej57SE44Gu44GK6aGY44GE?=", b"Subject:") + b"\r\n"
    )
    assert (facts.intent, facts.text, facts.reply_expected) == ("other", "", True)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"From: <>\r\nSubject: =?x?B?@@@?=\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n",
        b'Content-Type: text/plain; charset="\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%',
        b"Received: nonsense\r\nDate: not a date\r\nFrom: a@b\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: message/rfc822\r\n\r\n"
        b"Content-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n",
    ],
)
def test_hostile_mail_gives_facts_not_a_crash(raw: bytes) -> None:
    facts = read_mail(raw)
    assert facts.intent in ("other", "question", "spam", "auto_reply", "bounce")
    assert facts.message_id.endswith("@otasuke.invalid>")


def test_random_bytes_never_crash_the_reader() -> None:
    rng = random.Random(12)
    seed = _mail("2027年3月31日で解約します。お客様ID NIG-000101")
    for _ in range(200):
        data = bytearray(seed)
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        assert read_mail(bytes(data)).message_id


def test_a_newsletter_without_list_headers_is_not_answered() -> None:
    body = (
        "今月のセミナーのご案内です。\n\n----------\n配信停止はこちら https://news.example/stop\n"
    )
    head = HEAD.replace(b"In-Reply-To: <renewal.1@niigata-cci.example>\r\n", b"")
    facts = read_mail(_mail(body, head=head))
    assert (facts.intent, facts.reply_expected) == ("other", False)


def test_a_reply_quoting_our_automatic_mail_is_still_the_customers() -> None:
    body = (
        "3月末で解約でお願いします。\n\n> このメールは送信専用です。\n> 解約期限は1月29日です。\n"
    )
    facts = read_mail(_mail(body))
    assert (facts.intent, facts.reply_expected) == ("cancel_at_term_end", True)


def test_an_id_named_as_the_customers_wins_over_an_invoice_number() -> None:
    facts = read_mail(
        _mail("請求書番号INV-202701の件です。\nお客様ID：nig000123\n3月末で解約します。")
    )
    assert facts.customer_id == "NIG-000123"
    assert read_mail(_mail("ABC-123456\n解約します")).customer_id == "ABC-123456"


def test_a_huge_utf8_part_cut_mid_character_is_still_read() -> None:
    facts = read_mail(_mail("お世話になっております。3月末で解約します。\n" * 12_000))
    assert facts.intent == "cancel_at_term_end"


def test_an_overlong_message_id_is_kept_as_its_hash() -> None:
    long_id = b"<" + b"x" * 5000 + b"@evil.example>"
    head = HEAD.replace(b"<m1@yamada-kogyo.co.jp>", long_id)
    facts = read_mail(_mail("解約します", head=head))
    assert facts.message_id.endswith("@otasuke.invalid>")
    assert len(facts.message_id) < 100
