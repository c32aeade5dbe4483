"""The mails of tests/data/mail/ and their labels (written by hand; built by tools/mail_corpus.py)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from tools.mail_corpus import ADDRESS, CHAMBER, MX, Mail, encode, label, transfer, word

JST = ZoneInfo("Asia/Tokyo")


def at(when: str, minus_minutes: int = 0) -> str:
    """`2027-01-12 10:02` JST as an RFC 5322 date."""
    moment = datetime.fromisoformat(when).replace(tzinfo=JST) - timedelta(minutes=minus_minutes)
    return format_datetime(moment)


SIG_YAMADA = """
--
株式会社山田工業 総務部
山田 太郎
〒950-0000 新潟県新潟市中央区○○1-2-3
TEL 025-000-0000 / FAX 025-000-0001
"""

OUR_RENEWAL_NOTICE = """【お知らせ】契約更新のご案内（NIG-000101）

株式会社山田工業 ご担当者様

現在のご契約期間は2027年3月31日(水)までです。
満期解約をご希望の場合は、2027年1月29日(金)までにメールでお申し出ください。
お申し出がない場合、2027年4月1日に自動更新され、更新後の利用料金79,200円は2027年2月25日(木)までにお支払いください。"""


def _multipart(mail: Mail, parts: list[bytes], subtype: str = "mixed",
               boundary: str = "----=_Part_1234_5678.1700000000000") -> bytes:  # fmt: skip
    from tools.mail_corpus import _received_lines

    head = [
        *_received_lines(mail),
        f"From: {mail.sender}",
        f"To: {CHAMBER}",
        f"Subject: {word(mail.subject, 'utf-8') if mail.subject else ''}",
        f"Date: {mail.date or mail.received}",
        f"Message-ID: <{mail.name}@{mail.sender.rpartition('@')[2]}>",
        "MIME-Version: 1.0",
        *[f"{k}: {v}" for k, v in mail.headers],
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"',
    ]  # fmt: skip
    out = "\r\n".join(head).encode() + b"\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    for part in parts:
        out += f"\r\n--{boundary}\r\n".encode() + part
    return out + f"\r\n--{boundary}--\r\n".encode()


def _part(content_type: str, data: bytes, cte: str = "base64", extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n{extra}\r\n"
    return head.encode() + transfer(data, cte)


def _html_and_text(mail: Mail) -> bytes:
    text = "2027年6月30日をもって、サービスを解約いたします。\r\nよろしくお願いいたします。\r\n"
    html = ("<html><body><div>お世話になっております。</div><div>2027年<b>6月30日</b>をもって、"
            "サービスを解約いたします。</div><div>よろしくお願いいたします。</div></body></html>")  # fmt: skip
    return _multipart(mail, [
        _part("text/plain; charset=UTF-8", text.encode(), "base64"),
        _part("text/html; charset=UTF-8", html.encode(), "quoted-printable"),
    ], "alternative")  # fmt: skip


def _html_only(mail: Mail) -> bytes:
    html = ("<html><head><style>p{margin:0}</style></head><body><p>いつもお世話になっております。</p>"
            "<p>株式会社佐藤商店の佐藤です。</p><p>誠に勝手ながら、<span style='color:red'>2027年8月31日"
            "</span>付けで解約したく、お手続きをお願いいたします。</p><p>お客様ID：NIG-000103</p></body></html>")  # fmt: skip
    return _multipart(mail, [_part("text/html; charset=UTF-8", html.encode(), "quoted-printable")])


def _with_pdf(mail: Mail) -> bytes:
    text = ("お世話になっております。\n解約届を添付いたします。\n"
            "2027年5月31日付で解約をお願いいたします。\n\n有限会社いろは印刷 伊呂波").replace("\n", "\r\n")  # fmt: skip
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    return _multipart(mail, [
        _part("text/plain; charset=ISO-2022-JP", encode(text, "iso-2022-jp"), "7bit"),
        _part('application/pdf; name="kaiyaku.pdf"', pdf, "base64",
              'Content-Disposition: attachment; filename="kaiyaku.pdf"\r\n'),
    ])  # fmt: skip


def _image_only(mail: Mail) -> bytes:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20 + b"\xff\xd9"
    return _multipart(mail, [
        _part('image/jpeg; name="scan.jpg"', jpeg, "base64",
              'Content-Disposition: attachment; filename="scan.jpg"\r\n'),
    ])  # fmt: skip


def _bounce(mail: Mail) -> bytes:
    original = (
        f"From: {CHAMBER}\r\nTo: yamada@yamada-kogyo.co.jp\r\nSubject: {word('【受付】満期解約のお申し出を承りました（NIG-000101）')}\r\n"
        "X-Otasuke-Kind: ack\r\nMessage-ID: <ack.1@niigata-cci.example>\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes("2027年3月31日をもって終了となります。解約".encode())
    notice = ("This is the mail system at host mx.niigata-cci.example.\r\n\r\n"
              "I'm sorry to have to inform you that your message could not\r\n"
              "be delivered to one or more recipients.\r\n\r\n"
              "<yamada@yamada-kogyo.co.jp>: host mail.yamada-kogyo.co.jp said: 550 5.1.1 User unknown\r\n")  # fmt: skip
    status = ("Reporting-MTA: dns; mx.niigata-cci.example\r\n\r\n"
              "Final-Recipient: rfc822; yamada@yamada-kogyo.co.jp\r\nAction: failed\r\n"
              "Status: 5.1.1\r\n")  # fmt: skip
    mail.headers = [("Return-Path", "<>")]
    return _multipart(mail, [
        _part("text/plain; charset=us-ascii", notice.encode(), "7bit",
              "Content-Description: Notification\r\n"),
        _part("message/delivery-status", status.encode(), "7bit"),
        _part("message/rfc822", original, "7bit"),
    ], 'report; report-type=delivery-status')  # fmt: skip


def _no_boundary(mail: Mail) -> bytes:
    from tools.mail_corpus import _received_lines

    head = "\r\n".join([*_received_lines(mail), f"From: {mail.sender}", f"To: {CHAMBER}", f"Subject: {word(mail.subject)}", f"Date: {mail.received}", f"Message-ID: <{mail.name}@tozai-logi.co.jp>", "MIME-Version: 1.0", "Content-Type: multipart/mixed"])  # fmt: skip
    body = ("--b1_a8f3\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            "東西物流の東西です。\r\n2027年9月30日をもって解約させていただきます。\r\n"
            "お客様番号 NIG000111\r\n--b1_a8f3\r\nContent-Type: application/octet-stream\r\n\r\nxx")  # fmt: skip
    return head.encode() + b"\r\n\r\n" + body.encode()


def _raw_8bit_headers(mail: Mail) -> bytes:
    from tools.mail_corpus import _received_lines

    head = "\r\n".join(_received_lines(mail)).encode() + b"\r\n"
    head += b"From: " + "緑川 薫".encode() + f" <{mail.sender}>\r\n".encode()
    head += f"To: {CHAMBER}\r\n".encode()
    head += b"Subject: " + "解約のお願い（みどり薬局）".encode() + b"\r\n"
    head += f"Date: {mail.received}\r\nMessage-ID: <{mail.name}@midori-ph.jp>\r\n".encode()
    head += (
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    body = ("お世話になっております。みどり薬局の緑川です。\r\n"
            "2027年4月30日をもちまして解約させていただきたく存じます。\r\n"
            "手続きのほどよろしくお願い申し上げます。\r\n")  # fmt: skip
    return head + body.encode("euc_jp")


def _garbage(mail: Mail) -> bytes:
    return (b"Received: by mx.niigata-cci.example; " + mail.received.encode() + b"\r\n"
            b"Subject: =?UTF-8?B?!!!notbase64?=\r\nContent-Type: text/plain; charset=x-klingon\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n%%%%\xff\xfe\x00garbage")  # fmt: skip


MAILS: list[Mail] = [
    # --- term-end cancellations (R9) ---------------------------------------------------------
    Mail("t01_iso2022jp_nec_term_end", ADDRESS["NIG-000101"], "㈱山田工業 解約のお願い",
         "お助け隊サービス事務局 御中\n\nいつもお世話になっております。㈱山田工業の山田です。\n"
         "① 契約中のサイバーセキュリティお助け隊サービスについて、\n"
         "３月末日をもちまして解約いたしたく、ご連絡申し上げます。\n"
         "お手続きのほど、よろしくお願いいたします。\n" + SIG_YAMADA,
         at("2027-01-12 10:02"), label("cancel_at_term_end", "NIG-000101", "2027-03-31"),
         name_display="山田 太郎"),
    Mail("t02_shiftjis_cp932_reiwa", ADDRESS["NIG-000102"], "解約届（㈲鈴木製作所）",
         "ご担当者様\n\n㈲鈴木製作所の鈴木でございます。\nお客様ID：ＮＩＧ－０００１０２\n\n"
         "令和9年3月末で、お助け隊サービスを解約させていただきます。\n"
         "長い間ありがとうございました。\n\n鈴木 一郎\n",
         at("2027-01-08 16:45"), label("cancel_at_term_end", "NIG-000102", "2027-03-31",
                                       written="NIG-000102"),
         charset="cp932", cte="8bit", subject_charset="cp932"),
    Mail("t03_utf8_base64_r9", ADDRESS["NIG-000103"], "サービス解約の件",
         "お世話になっております。\n株式会社佐藤商店の佐藤です。\n\n"
         "R9.3.31付で解約を希望します。（お客様ID nig000103）\n必要な書類等あればご連絡ください。\n",
         at("2027-01-15 09:12"), label("cancel_at_term_end", "NIG-000103", "2027-03-31",
                                       written="NIG-000103"),
         charset="utf-8", cte="base64", subject_charset="utf-8"),
    Mail("t04_utf8_qp_keiyaku_manryo", ADDRESS["NIG-000104"], "契約について",
         "ミナト設計の田中です。\n\n諸事情により、現在の契約満了時をもって解約したく、ご連絡いたしました。\n"
         "更新は不要です。よろしくお願いします。\n\n合同会社ミナト設計 田中\n",
         at("2027-01-20 14:30"), label("cancel_at_term_end", "NIG-000104", "2027-03-31"),
         charset="utf-8", cte="quoted-printable", subject_charset="utf-8"),
    Mail("t05_shiftjis_ibm_ext_nendomatsu", ADDRESS["NIG-000105"], "髙橋建設より解約のご連絡",
         "お助け隊ご担当者様\n\n髙橋建設の髙橋です。\n今年度末で解約させていただきたく、お願い申し上げます。\n"
         "UTMの返却方法もあわせてご教示ください。\n\n━━━━━━━━━━━━━━━━\n髙橋建設株式会社\n"
         "髙橋 誠\nTEL 0256-00-0000\n━━━━━━━━━━━━━━━━\n",
         at("2027-01-05 11:20"), label("cancel_at_term_end", "NIG-000105", "2027-03-31"),
         name_display="髙橋 誠", charset="cp932", cte="base64", subject_charset="iso-2022-jp"),
    Mail("t06_late_term_end", ADDRESS["NIG-000110"], "解約希望",
         "いろは印刷です。\n3月31日付で解約をお願いします。\n遅くなり申し訳ありません。\n",
         at("2027-02-10 17:55"), label("cancel_at_term_end", "NIG-000110", "2027-03-31")),
    Mail("t07_eucjp_kanji_numerals", ADDRESS["NIG-000112"], "解約の申し出",
         "拝啓　時下ますますご清栄のこととお慶び申し上げます。\n"
         "さて、弊社はサイバーセキュリティお助け隊サービスを二〇二七年三月三十一日をもって解約いたします。\n"
         "敬具\n\n株式会社みどり薬局\n緑川 薫\n",
         at("2027-01-13 10:00"), label("cancel_at_term_end", "NIG-000112", "2027-03-31"),
         charset="euc-jp", cte="8bit", subject_charset="euc-jp"),
    Mail("t08_english_term_end", ADDRESS["NIG-000106"], "Cancellation of our contract",
         "Dear Sir or Madam,\n\nWe would like to cancel our contract at the end of the current term "
         "(March 31, 2027).\nOur customer ID is NIG-000106.\n\nBest regards,\nJohn Smith\n"
         "Sakura Trading Co., Ltd.\n",
         at("2027-01-18 18:03"), label("cancel_at_term_end", "NIG-000106", "2027-03-31",
                                       written="NIG-000106"),
         name_display="John Smith", charset="us-ascii", subject_charset="utf-8"),
    Mail("t09_rainen_3gatsu", ADDRESS["NIG-000111"], "解約の手続きについて",
         "東西物流の東西です。\n来年3月で解約したいと考えております。手続きをお願いします。\n",
         at("2026-12-10 13:40"), label("cancel_at_term_end", "NIG-000111", "2027-03-31")),
    Mail("t10_konki_de_shuryo", ADDRESS["NIG-000113"], "次回更新について",
         "グリーンテックの緑山です。\n次回の契約更新はせず、今期で終了させてください。\n",
         at("2027-01-22 09:30"), label("cancel_at_term_end", "NIG-000113", "2027-03-31"),
         charset="utf-8", cte="8bit", subject_charset="utf-8"),
    Mail("t11_nendo_with_year", ADDRESS["NIG-000115"], "契約終了のご連絡",
         "山田商事の山田でございます。\n2026年度末をもちまして、契約を終了させていただきます。\n",
         at("2027-01-07 15:00"), label("cancel_at_term_end", "NIG-000115", "2027-03-31"),
         charset="cp932", cte="8bit", subject_charset="cp932"),
    Mail("t12_letter_with_its_own_date", ADDRESS["NIG-000114"], "解約届",
         "2027年1月12日\n\n商工会議所 御中\n\n京都セラミック株式会社\n京極 明\n\n解約届\n\n"
         "下記のとおり、サイバーセキュリティお助け隊サービスの解約を届け出ます。\n\n"
         "記\n1. お客様ID　ＮＩＧ－０００１１４\n2. 解約日　令和9年3月31日\n以上\n",
         at("2027-01-12 13:00"), label("cancel_at_term_end", "NIG-000114", "2027-03-31",
                                       written="NIG-000114")),
    # --- mid-term cancellations (R10) --------------------------------------------------------
    Mail("m01_9gatsu_matsu_tsuke", ADDRESS["NIG-000101"], "中途解約のお願い",
         "山田工業の山田です。\n事業縮小のため、9月末付けで中途解約を希望します。\n" + SIG_YAMADA,
         at("2027-04-15 10:00"), label("cancel_midterm", "NIG-000101", "2027-09-30")),
    Mail("m02_slash_date", ADDRESS["NIG-000102"], "解約日について",
         "鈴木製作所です。\n2027/06/30で解約させていただきます。\nよろしくお願いいたします。\n",
         at("2027-03-01 08:50"), label("cancel_midterm", "NIG-000102", "2027-06-30"),
         charset="cp932", cte="8bit", subject_charset="cp932"),
    Mail("m03_raigetsu_matsu", ADDRESS["NIG-000113"], "解約したいです",
         "お世話になります。グリーンテック緑山です。\n来月末で解約したいです。\n可能でしょうか。\n",
         at("2027-01-18 15:00"), label("cancel_midterm", "NIG-000113", "2027-02-28"),
         charset="utf-8", cte="base64", subject_charset="utf-8"),
    Mail("m04_wrong_clock_relative", ADDRESS["NIG-000114"], "解約申込",
         "京都セラミックの京極です。\n来月末で解約いたします。\n", at("2027-01-18 11:00"),
         label("cancel_midterm", "NIG-000114", "2027-02-28"), date=at("2026-05-01 09:00")),
    Mail("m05_date_header_is_the_base", ADDRESS["NIG-000115"], "解約",
         "山田商事の山田です。今月末で解約いたします。\n", at("2027-02-01 00:10"),
         label("cancel_midterm", "NIG-000115", "2027-01-31"), date=at("2027-01-31 23:50")),
    Mail("m06_english_effective", ADDRESS["NIG-000106"], "Termination request",
         "Hello,\n\nPlease terminate our subscription effective June 30, 2027.\n\nRegards,\nJohn\n",
         at("2027-03-02 10:10"), label("cancel_midterm", "NIG-000106", "2027-06-30"),
         charset="utf-8", cte="quoted-printable", subject_charset="utf-8"),
    Mail("m07_no_date", ADDRESS["NIG-000114"], "サービス解約",
         "お世話になっております。\nサービスの解約をお願いします。\n京都セラミック 京極\n",
         at("2027-02-03 13:00"), label("cancel_midterm", "NIG-000114", None)),
    Mail("m08_html_and_text", ADDRESS["NIG-000108"], "解約のご連絡", "", at("2027-03-10 12:00"),
         label("cancel_midterm", "NIG-000108", "2027-06-30"), raw=_html_and_text),
    Mail("m09_html_only", ADDRESS["NIG-000103"], "解約について", "", at("2027-05-20 10:00"),
         label("cancel_midterm", "NIG-000103", "2027-08-31", written="NIG-000103"),
         raw=_html_only),
    Mail("m10_undeclared_cp932", ADDRESS["NIG-000112"], "12月末で解約",
         "みどり薬局です。\n12月末で解約をお願いいたします。\n", at("2026-10-05 10:00"),
         label("cancel_midterm", "NIG-000112", "2026-12-31"), charset=None, cte="8bit"),
    Mail("m11_mislabelled_utf8", ADDRESS["NIG-000115"], "解約届",
         "山田商事株式会社\n山田花子\n\n2027年5月31日で解約します。\n", at("2027-03-03 10:00"),
         label("cancel_midterm", "NIG-000115", "2027-05-31"), charset="utf-8",
         label_charset="iso-8859-1", cte="8bit", subject_charset="utf-8"),
    Mail("m12_gmail_reply_misleading_quote", ADDRESS["NIG-000101"], "Re: 【お知らせ】契約更新のご案内（NIG-000101）",
         "お世話になっております。\n更新のご案内ありがとうございます。\n"
         "3月末ではなく、6月末で解約でお願いします。\n\n"
         "2027年1月15日(金) 9:00 お助け隊事務局 <otasuke@niigata-cci.example>:\n"
         + "\n".join("> " + line for line in OUR_RENEWAL_NOTICE.split("\n")) + "\n",
         at("2027-03-20 10:00"), label("cancel_midterm", "NIG-000101", "2027-06-30",
                                       written="NIG-000101"),
         charset="utf-8", cte="base64", subject_charset="utf-8",
         headers=[("In-Reply-To", "<renewal.101@niigata-cci.example>")]),
    Mail("m13_outlook_reply_header_quote", ADDRESS["NIG-000102"], "RE: 【お知らせ】契約更新のご案内",
         "鈴木です。\n8月末付で解約をお願いいたします。\n\n"
         "差出人: お助け隊事務局 <otasuke@niigata-cci.example>\n送信日時: 2027年1月15日 9:00\n"
         "宛先: suzuki@suzuki-ss.jp\n件名: 【お知らせ】契約更新のご案内\n\n"
         "現在のご契約期間は2027年3月31日(水)までです。\n満期解約をご希望の場合は、2027年1月29日(金)までにメールでお申し出ください。\n",
         at("2027-05-10 09:00"), label("cancel_midterm", "NIG-000102", "2027-08-31"),
         charset="cp932", cte="base64", subject_charset="cp932"),
    Mail("m14_kibou_bi_label", ADDRESS["NIG-000111"], "解約届の提出",
         "株式会社東西物流\n\n下記のとおり解約を申し込みます。\n\n記\n"
         "申込日：2027年2月1日\n解約希望日：2027年7月31日\nお客様ID：NIG-000111\n以上\n",
         at("2027-02-01 10:30"), label("cancel_midterm", "NIG-000111", "2027-07-31",
                                       written="NIG-000111"),
         charset="utf-8", cte="8bit", subject_charset="utf-8"),
    Mail("m15_fwre_chain_fullwidth", ADDRESS["NIG-000104"], "Ｒｅ：ＲＥ：Fw: ご契約内容のご確認",
         "田中です。\n10月31日をもって解約とさせてください。\n\n-----Original Message-----\n"
         "From: otasuke@niigata-cci.example\nSent: Monday, January 11, 2027 10:00 AM\n"
         "Subject: ご契約内容のご確認\n\n契約期間満了日：2027年3月31日\n解約期限：2027年1月29日\n",
         at("2027-07-01 10:00"), label("cancel_midterm", "NIG-000104", "2027-10-31"),
         charset="iso-2022-jp", subject_charset="iso-2022-jp"),
    Mail("m16_pdf_attachment", ADDRESS["NIG-000110"], "解約届送付", "", at("2027-03-01 09:00"),
         label("cancel_midterm", "NIG-000110", "2027-05-31"), raw=_with_pdf),
    # --- before the start (R11) --------------------------------------------------------------
    Mail("b01_before_start_withdraw", ADDRESS["NIG-000107"], "申込みの取消しについて",
         "北斗システムの北斗です。\n先日申し込みましたが、まだ利用開始前のため、申込みを取り消したく存じます。\n",
         at("2026-12-20 10:00"), label("cancel_before_start", "NIG-000107", None)),
    Mail("b02_before_start_english", ADDRESS["NIG-000107"], "Cancel our application",
         "Hello,\nWe have not started using the service yet. Please cancel our application.\n"
         "Jiro Hokuto\n", at("2027-01-10 10:00"),
         label("cancel_before_start", "NIG-000107", None), charset="us-ascii"),
    Mail("b03_before_start_with_date", ADDRESS["NIG-000107"], "解約の件（利用開始前）",
         "北斗です。\n利用開始日前ですが、1月末で解約させてください。\n",
         at("2027-01-12 10:00"), label("cancel_before_start", "NIG-000107", "2027-01-31"),
         charset="utf-8", cte="quoted-printable", subject_charset="utf-8"),
    Mail("b04_before_start_by_date_only", ADDRESS["NIG-000107"], "解約のお願い",
         "北斗システムの北斗です。\n社内事情により、お助け隊サービスを解約させてください。\n",
         at("2027-01-20 10:00"), label("cancel_before_start", "NIG-000107", None),
         charset="utf-8", cte="base64", subject_charset="utf-8"),
    # --- refund for an incompatible UTM (R12) ------------------------------------------------
    Mail("r01_incompatible_refund", ADDRESS["NIG-000108"], "UTMが使えません（返金のお願い）",
         "はなまる食品の花丸です。\n届いたUTMが社内のネットワーク機器と互換性がなく、使用できません。\n"
         "規約に基づき返金をお願いします。\n", at("2026-10-20 10:00"),
         label("refund_incompatible", "NIG-000108", None)),
    Mail("r02_incompatible_english", ADDRESS["NIG-000109"], "Refund request",
         "Dear staff,\nThe UTM you sent is not compatible with our network equipment. "
         "We request a refund under Article 12.\nTsubasa Aoba\n", at("2026-10-14 10:00"),
         label("refund_incompatible", "NIG-000109", None), charset="utf-8", cte="base64",
         subject_charset="utf-8"),
    Mail("r03_incompatible_late", ADDRESS["NIG-000109"], "返金希望",
         "青葉会計です。\nUTMを設置しましたが接続できないため、返金を希望します。\n",
         at("2026-11-20 10:00"), label("refund_incompatible", "NIG-000109", None),
         charset="cp932", cte="quoted-printable", subject_charset="cp932"),
    Mail("r04_refund_with_date", ADDRESS["NIG-000108"], "解約と返金について",
         "はなまる食品です。\nUTMが弊社の回線に対応していないため、10月31日付で解約し、返金をお願いいたします。\n",
         at("2026-10-22 10:00"), label("refund_incompatible", "NIG-000108", "2026-10-31")),
    # --- after a service change (R13) --------------------------------------------------------
    Mail("s01_service_change_notice_date", ADDRESS["NIG-000105"], "サービス変更に伴う解約",
         "髙橋建設です。\n2027年1月10日付のサービス内容変更のお知らせを受け、検討の結果、3月15日で解約したく存じます。\n",
         at("2027-01-20 10:00"), label("cancel_service_change", "NIG-000105", "2027-03-15"),
         charset="cp932", cte="8bit", subject_charset="cp932"),
    Mail("s02_service_change_english", ADDRESS["NIG-000111"], "Cancellation after service change",
         "Following your notice of the service change, we wish to cancel effective "
         "February 28, 2027.\nMamoru Tozai\n", at("2027-01-25 10:00"),
         label("cancel_service_change", "NIG-000111", "2027-02-28"), charset="us-ascii"),
    Mail("s03_service_change_no_date", ADDRESS["NIG-000112"], "料金改定について",
         "みどり薬局です。\n先日の料金改定（サービス内容の変更）に伴い、解約を希望します。\n",
         at("2027-02-02 10:00"), label("cancel_service_change", "NIG-000112", None),
         charset="utf-8", cte="base64", subject_charset="utf-8"),
    # --- questions ---------------------------------------------------------------------------
    Mail("q01_deadline_question", ADDRESS["NIG-000101"], "解約の期限について",
         "山田工業です。\n満期で解約する場合、いつまでに連絡すればよいですか？\n" + SIG_YAMADA,
         at("2026-12-01 10:00"), label("question", "NIG-000101", None)),
    Mail("q02_invoice_question", ADDRESS["NIG-000103"], "請求書について",
         "佐藤商店です。請求書の再発行はできますでしょうか。\n", at("2026-12-02 10:00"),
         label("question", "NIG-000103", None), charset="utf-8", cte="base64",
         subject_charset="utf-8"),
    Mail("q03_english_dispatch", ADDRESS["NIG-000106"], "Question about dispatch",
         "Hi,\nHow do I request an on-site dispatch after a critical alert?\nThanks,\nJohn\n",
         at("2026-12-03 10:00"), label("question", "NIG-000106", None), charset="us-ascii"),
    Mail("q04_fee_question", ADDRESS["NIG-000110"], "更新料金",
         "いろは印刷です。\n来年度の更新料はいくらになりますか。\n", at("2026-12-04 10:00"),
         label("question", "NIG-000110", None)),
    Mail("q05_prospect_question", "info@kaneko-denki.example", "お助け隊サービスについて",
         "はじめまして。金子電機の金子と申します。\nお助け隊サービスの申込み方法と料金を教えてください。\n",
         at("2026-12-05 10:00"), label("question", None, None), charset="utf-8", cte="8bit",
         subject_charset="utf-8"),
    Mail("q06_what_if_cancel_question", ADDRESS["NIG-000104"], "中途解約した場合",
         "ミナト設計の田中です。\nもし中途解約した場合、支払済みの料金は返金されますか？\n",
         at("2026-12-06 10:00"), label("question", "NIG-000104", None)),
    Mail("q07_considering_cancel", ADDRESS["NIG-000115"], "解約について",
         "山田商事です。\n解約を検討しています。途中で解約した場合、違約金はかかりますか？\n",
         at("2026-12-07 10:00"), label("question", "NIG-000115", None), charset="utf-8",
         cte="quoted-printable", subject_charset="utf-8"),
    # --- auto-replies ------------------------------------------------------------------------
    Mail("a01_auto_submitted", ADDRESS["NIG-000101"], "自動応答: 【お知らせ】契約更新のご案内",
         "ただいま出張のため不在にしております。1月20日以降に返信いたします。\n",
         at("2027-01-15 09:01"), label("auto_reply", "NIG-000101", None),
         headers=[("Auto-Submitted", "auto-replied")]),
    Mail("a02_x_autoreply_english", ADDRESS["NIG-000106"], "Out of Office: Payment reminder",
         "I am out of the office until January 10 with limited access to email.\n",
         at("2027-01-04 09:00"), label("auto_reply", "NIG-000106", None), charset="us-ascii",
         headers=[("X-Autoreply", "yes")]),
    Mail("a03_fuzai_subject_only", ADDRESS["NIG-000102"], "不在通知",
         "鈴木は12月28日から1月5日まで休暇をいただいております。\n", at("2026-12-28 10:00"),
         label("auto_reply", "NIG-000102", None), charset="cp932", cte="8bit",
         subject_charset="cp932"),
    Mail("a04_precedence_junk_vacation", ADDRESS["NIG-000104"], "Re: ご契約内容のご確認",
         "休暇中のため、メールを確認できません。\n", at("2027-01-11 10:05"),
         label("auto_reply", "NIG-000104", None), headers=[("Precedence", "junk")]),
    Mail("a05_auto_reply_quoting_cancel", ADDRESS["NIG-000113"], "Automatic reply: 解約のご案内",
         "自動返信です。担当者より折り返しご連絡いたします。\n\n> 解約をご希望の場合は2027年1月29日までに\n",
         at("2027-01-16 10:00"), label("auto_reply", "NIG-000113", None), charset="utf-8",
         cte="base64", subject_charset="utf-8",
         headers=[("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]),
    # --- bounces -----------------------------------------------------------------------------
    Mail("bo01_multipart_report", "MAILER-DAEMON@mx.niigata-cci.example",
         "Undelivered Mail Returned to Sender", "", at("2027-01-12 10:05"),
         label("bounce", None, None), raw=_bounce),
    Mail("bo02_postmaster_japanese", "postmaster@suzuki-ss.jp", "配信不能のお知らせ",
         "以下のアドレスへのメールは配信できませんでした。\nsuzuki-old@suzuki-ss.jp\n",
         at("2027-01-12 10:06"), label("bounce", None, None), charset="cp932", cte="8bit",
         subject_charset="cp932", headers=[("Return-Path", "<>")]),
    Mail("bo03_mail_delivery_subsystem", "mailer-daemon@googlemail.example",
         "Delivery Status Notification (Failure)",
         "Your message wasn't delivered to kyogoku-old@kyoto-ceramics.example because the address "
         "couldn't be found.\n", at("2027-01-13 10:00"), label("bounce", None, None),
         charset="utf-8", cte="quoted-printable", subject_charset="utf-8"),
    # --- our own mail, lists and newsletters -------------------------------------------------
    Mail("o01_our_own_ack_looped", CHAMBER, "【受付】満期解約のお申し出を承りました（NIG-000101）",
         "2027年3月31日をもって終了となります。\n", at("2027-01-12 10:03"),
         label("other", None, None, written="NIG-000101", reply=False),
         charset="utf-8", cte="base64", subject_charset="utf-8",
         headers=[("X-Otasuke-Kind", "ack"), ("Auto-Submitted", "auto-replied")]),
    Mail("l01_list_newsletter", "news@cci-news.example", "【商工会議所ニュース】1月号",
         "会員の皆様へ\n今月のセミナーのご案内です。\n配信停止をご希望の方はこちら: https://cci-news.example/unsub\n",
         at("2027-01-07 08:00"), label("other", None, None, reply=False), charset="utf-8",
         cte="base64", subject_charset="utf-8",
         headers=[("List-Id", "<news.cci-news.example>"),
                  ("List-Unsubscribe", "<https://cci-news.example/unsub>")]),
    Mail("l02_bulk_vendor_news", "info@security-vendor.example", "セキュリティ通信 Vol.42",
         "最新の脅威情報をお届けします。\nメルマガの解約（配信停止）は下記から。\n",
         at("2027-01-08 08:00"), label("other", None, None, reply=False), charset="utf-8",
         cte="quoted-printable", subject_charset="utf-8", headers=[("Precedence", "bulk")]),
    # --- spam and spoofs ---------------------------------------------------------------------
    Mail("sp01_phishing", "security@amaz0n-verify.example", "【重要】アカウントが停止されました",
         "お客様のアカウントが停止されました。\n24時間以内に下記URLからログインして確認してください。\n"
         "https://amaz0n-verify.example/login\n", at("2027-01-09 03:00"),
         label("spam", None, None), charset="utf-8", cte="base64", subject_charset="utf-8"),
    Mail("sp02_spoof_reply_to", ADDRESS["NIG-000101"], "至急：解約のお願い",
         "山田工業です。\n至急、2027年2月28日で解約してください。返金先の口座は返信にてお知らせします。\n",
         at("2027-01-10 02:00"), label("spam", None, "2027-02-28"),
         charset="utf-8", cte="8bit", subject_charset="utf-8",
         headers=[("Reply-To", "yamada.kogyo.keiri@freemail.example")]),
    Mail("sp03_dmarc_fail_trusted", ADDRESS["NIG-000102"], "解約のお願い",
         "鈴木製作所です。\n3月末で解約します。\n", at("2027-01-11 01:00"),
         label("spam", None, "2027-03-31"),
         headers=[("Authentication-Results", f"{MX}; dkim=none; spf=fail smtp.mailfrom="
                   "suzuki-ss.jp; dmarc=fail (p=reject) header.from=suzuki-ss.jp")]),
    Mail("sp04_forged_results_below_ours", ADDRESS["NIG-000103"], "解約希望（佐藤商店）",
         "佐藤商店です。\n2027年3月31日で解約を希望します。\n", at("2027-01-14 10:00"),
         label("cancel_at_term_end", "NIG-000103", "2027-03-31"), charset="utf-8",
         cte="base64", subject_charset="utf-8",
         headers=[("Authentication-Results", f"{MX}; spf=pass smtp.mailfrom=sato-shoten.jp; "
                   "dkim=pass header.d=sato-shoten.jp; dmarc=pass header.from=sato-shoten.jp"),
                  ("Authentication-Results", "mx.sato-shoten.jp; dmarc=fail header.from=x")]),
    Mail("sp05_lottery_english", "winner@lucky-prize.example", "Congratulations! You won",
         "You have won a prize of $1,000,000 in our lottery. Click here to claim your prize.\n",
         at("2027-01-09 04:00"), label("spam", None, None), charset="us-ascii"),
    Mail("sp06_phishing_threatens_cancel", "support@otasuke-billing.example", "【重要】ご契約が解約されます",
         "お支払い情報の確認が取れないため、ご契約は24時間以内に解約されます。\n"
         "下記URLからログインしてカード情報を更新してください。\nhttps://otasuke-billing.example/login\n",
         at("2027-01-09 05:00"), label("spam", None, None), charset="utf-8", cte="base64",
         subject_charset="utf-8"),
    Mail("ot03_noreply_vendor_notice", "no-reply@utm-vendor.example", "ファームウェア更新のお知らせ",
         "UTMのファームウェアを更新しました。ご質問はサポート窓口へお問い合わせください。\n",
         at("2027-01-15 06:00"), label("other", None, None, reply=False), charset="utf-8",
         cte="base64", subject_charset="utf-8"),
    # --- senders not (certainly) registered --------------------------------------------------
    Mail("u01_private_address_with_id", "taro.yamada.1970@freemail.example", "解約の件",
         "山田工業の山田です。個人のアドレスから失礼します。\nお客様ID：nig-000101\n3月末で解約をお願いします。\n",
         at("2027-01-19 21:00"), label("cancel_at_term_end", None, "2027-03-31",
                                       written="NIG-000101"),
         charset="utf-8", cte="8bit", subject_charset="utf-8"),
    Mail("u02_company_name_only", "y-kogyo@freemail.example", "解約のお願い",
         "いつもお世話になっております。\n2027年3月31日をもって解約いたします。\n\n株式会社 山田工業\n山田\n",
         at("2027-01-19 21:30"), label("cancel_at_term_end", None, "2027-03-31")),
    Mail("u03_colleague_same_domain", "keiri@yamada-kogyo.co.jp", "解約手続きのお願い",
         "経理担当の佐々木です。\n弊社（お客様ID NIG-000101）のサービスを2027年3月31日で解約願います。\n",
         at("2027-01-21 10:00"), label("cancel_at_term_end", "NIG-000101", "2027-03-31",
                                       written="NIG-000101")),
    Mail("u04_stranger_no_clue", "someone@unknown-shop.example", "解約",
         "解約したいです。よろしくお願いします。\n", at("2027-01-22 10:00"),
         label("cancel_midterm", None, None), charset="utf-8", cte="8bit",
         subject_charset="utf-8"),
    # --- other -------------------------------------------------------------------------------
    Mail("ot01_address_change", ADDRESS["NIG-000101"], "住所変更のお知らせ",
         "山田工業です。\n本社を移転いたしましたので、ご登録の住所の変更をお願いいたします。\n"
         "新住所：新潟県新潟市中央区△△4-5-6\n" + SIG_YAMADA,
         at("2027-01-25 10:00"), label("other", "NIG-000101", None)),
    Mail("ot02_thanks", ADDRESS["NIG-000103"], "ありがとうございました",
         "佐藤商店です。\n先日はご対応いただきありがとうございました。今後ともよろしくお願いいたします。\n",
         at("2027-01-26 10:00"), label("other", "NIG-000103", None), charset="utf-8",
         cte="quoted-printable", subject_charset="utf-8"),
    # --- hostile input -----------------------------------------------------------------------
    Mail("h01_multipart_without_boundary", ADDRESS["NIG-000111"], "解約について", "",
         at("2027-03-05 10:00"), label("cancel_midterm", "NIG-000111", "2027-09-30",
                                       written="NIG-000111"), raw=_no_boundary),
    Mail("h02_empty_body", ADDRESS["NIG-000110"], "", "", at("2027-01-27 10:00"),
         label("other", "NIG-000110", None)),
    Mail("h03_no_message_id", ADDRESS["NIG-000111"], "解約",
         "東西物流です。\n2027年3月31日で解約します。\n", at("2027-01-06 10:00"),
         label("cancel_at_term_end", "NIG-000111", "2027-03-31"), message_id=None),
    Mail("h04_image_only", ADDRESS["NIG-000112"], "解約届", "", at("2027-02-05 10:00"),
         label("cancel_midterm", "NIG-000112", None), raw=_image_only),
    Mail("h05_raw_8bit_headers_eucjp_body", ADDRESS["NIG-000112"], "", "",
         at("2027-01-28 10:00"), label("cancel_midterm", "NIG-000112", "2027-04-30"),
         raw=_raw_8bit_headers),
    Mail("h06_garbage", "", "", "", at("2027-01-29 10:00"),
         label("other", None, None, reply=False), raw=_garbage),
]  # fmt: skip
