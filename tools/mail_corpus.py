"""Write the labelled mail corpus tests/data/mail/ (run once; the .eml files are committed).

Each mail is built byte by byte in the charset and transfer encoding a real mailer would use
(ISO-2022-JP with the NEC/IBM rows as Outlook writes it, CP932 labelled Shift_JIS, EUC-JP,
UTF-8 in base64, quoted-printable and 8bit, unlabelled and mislabelled bodies), so the tests
read what customers send, not what Python's email package would write.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import quopri
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "mail"
CHAMBER = "otasuke@niigata-cci.example"
MX = "mx.niigata-cci.example"

CUSTOMERS = [
    # customer_id, company, contact_name, email, member, applied_on, approved_on, status
    ("NIG-000101", "株式会社山田工業", "山田太郎", "yamada@yamada-kogyo.co.jp", "1", "2025-05-03", "2025-05-10", "active"),
    ("NIG-000102", "有限会社鈴木製作所", "鈴木一郎", "suzuki@suzuki-ss.jp", "会員", "2024-09-10", "2024-09-20", "active"),
    ("NIG-000103", "株式会社佐藤商店", "佐藤花子", "sato@sato-shoten.jp", "yes", "2025-07-02", "2025-07-08", "active"),
    ("NIG-000104", "合同会社ミナト設計", "田中健", "tanaka@minato-sekkei.jp", "0", "2025-01-20", "2025-02-03", "active"),
    ("NIG-000105", "髙橋建設株式会社", "髙橋誠", "takahashi@takahashi-kensetsu.co.jp", "1", "2024-04-01", "2024-04-10", "active"),
    ("NIG-000106", "Sakura Trading Co., Ltd.", "John Smith", "j.smith@sakura-trading.example", "no", "2025-06-01", "2025-06-05", "active"),
    ("NIG-000107", "株式会社北斗システム", "北斗次郎", "hokuto@hokuto-sys.jp", "1", "2026-12-10", "2026-12-15", "active"),
    ("NIG-000108", "株式会社はなまる食品", "花丸桜", "hanamaru@hanamaru-foods.jp", "1", "2026-09-03", "2026-09-08", "active"),
    ("NIG-000109", "株式会社青葉会計", "青葉翼", "aoba@aoba-kaikei.jp", "非会員", "2026-08-03", "2026-08-07", "active"),
    ("NIG-000110", "有限会社いろは印刷", "伊呂波茂", "iroha@iroha-print.jp", "1", "2023-06-01", "2023-06-05", "active"),
    ("NIG-000111", "株式会社東西物流", "東西守", "info@tozai-logi.co.jp", "1", "2025-10-01", "2025-10-06", "active"),
    ("NIG-000112", "株式会社みどり薬局", "緑川薫", "midori@midori-ph.jp", "0", "2024-11-04", "2024-11-11", "active"),
    ("NIG-000113", "株式会社グリーンテック", "緑山昇", "midoriyama@greentech.example", "1", "2025-03-03", "2025-03-10", "active"),
    ("NIG-000114", "京都セラミック株式会社", "京極明", "kyogoku@kyoto-ceramics.example", "1", "2024-05-01", "2024-05-09", "active"),
    ("NIG-000115", "山田商事株式会社", "山田花子", "hanako@yamada-shoji.example", "1", "2025-08-01", "2025-08-04", "active"),
]  # fmt: skip
ADDRESS = {row[0]: row[3] for row in CUSTOMERS}


# --- encoders -------------------------------------------------------------------------------


def _nec_selected() -> dict[str, bytes]:
    """CP932's NEC-selected IBM rows (0xED40-0xEEFC): the form ISO-2022-JP can carry (CP50221)."""
    table: dict[str, bytes] = {}
    for s1 in (0xED, 0xEE):
        for s2 in range(0x40, 0xFD):
            with contextlib.suppress(UnicodeDecodeError):
                table.setdefault(bytes((s1, s2)).decode("cp932"), bytes((s1, s2)))
    return table


_NEC_SELECTED = _nec_selected()


def jis(text: str) -> bytes:
    """ISO-2022-JP as Outlook writes it: NEC row 13 and NEC-selected IBM characters included."""
    out = bytearray()
    in_jis = False
    for ch in text:
        if ord(ch) < 0x80:
            if in_jis:
                out += b"\x1b(B"
                in_jis = False
            out += ch.encode("ascii")
            continue
        sjis = ch.encode("cp932")
        if sjis[0] >= 0xFA:
            sjis = _NEC_SELECTED[ch]
        s1, s2 = sjis
        if s1 >= 0xE0:
            s1 -= 0x40
        j1 = (s1 - 0x81) * 2 + 0x21
        if s2 >= 0x9F:
            j1, j2 = j1 + 1, s2 - 0x7E
        else:
            j2 = s2 - (0x20 if s2 >= 0x80 else 0x1F)
        if not in_jis:
            out += b"\x1b$B"
            in_jis = True
        out += bytes((j1, j2))
    if in_jis:
        out += b"\x1b(B"
    return bytes(out)


def encode(text: str, charset: str) -> bytes:
    """The bytes a mailer writes for `text` in `charset`."""
    if charset == "iso-2022-jp":
        return b"\n".join(jis(line) for line in text.split("\n"))
    return text.encode(charset)


def word(text: str, charset: str = "utf-8", kind: str = "B") -> str:
    """An RFC 2047 encoded-word (the label as mailers write it)."""
    label = {"iso-2022-jp": "ISO-2022-JP", "cp932": "Shift_JIS", "utf-8": "UTF-8",
             "euc-jp": "EUC-JP"}[charset]  # fmt: skip
    data = encode(text, charset)
    if kind == "B":
        return f"=?{label}?B?{base64.b64encode(data).decode()}?="
    q = quopri.encodestring(data, header=True).decode().replace("=\n", "")
    return f"=?{label}?Q?{q}?="


def transfer(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


# --- one mail -------------------------------------------------------------------------------


@dataclass
class Mail:
    """One mail of the corpus and its label."""

    name: str
    sender: str
    subject: str
    body: str
    received: str  # RFC 5322 date of the topmost Received header
    label: dict[str, object]
    date: str | None = None  # the Date header (default: 2 minutes before receipt)
    name_display: str | None = None
    charset: str | None = "iso-2022-jp"  # None: no charset parameter
    label_charset: str | None = None  # what the header claims, when it lies
    cte: str = "7bit"
    subject_charset: str = "iso-2022-jp"
    headers: list[tuple[str, str]] = field(default_factory=list)
    message_id: str | None = ""  # "" → made up; None → no Message-ID
    html: bool = False
    raw: Callable[[Mail], bytes] | None = None  # a wholly hand-built mail


def _received_lines(mail: Mail) -> list[str]:
    domain = mail.sender.rpartition("@")[2] or "unknown.example"
    return [
        f"Received: from mail.{domain} (mail.{domain} [203.0.113.25])\r\n\tby {MX} (Postfix) "
        f"with ESMTPS id 4Q{zlib.crc32(mail.name.encode()) % 10**8:08d}\r\n\tfor <{CHAMBER}>; {mail.received}",
        f"Received: from pc01.local (unknown [192.168.1.20])\r\n\tby mail.{domain} "
        f"(Postfix) with ESMTPSA; {mail.date or mail.received}",
    ]


def _header_value(text: str, charset: str) -> str:
    if all(ord(ch) < 0x80 for ch in text):
        return text
    return word(text, charset)


def build(mail: Mail) -> bytes:
    if mail.raw is not None:
        return mail.raw(mail)
    lines = _received_lines(mail)
    display = mail.name_display
    sender = (
        f"{_header_value(display, mail.subject_charset)} <{mail.sender}>"
        if display
        else mail.sender
    )
    lines += [
        f"From: {sender}",
        f"To: {CHAMBER}",
        f"Subject: {_header_value(mail.subject, mail.subject_charset)}",
        f"Date: {mail.date or mail.received}",
    ]
    if mail.message_id == "":
        domain = mail.sender.rpartition("@")[2] or "unknown.example"
        lines.append(f"Message-ID: <{mail.name}.{zlib.crc32(mail.name.encode()):08x}@{domain}>")
    elif mail.message_id is not None:
        lines.append(f"Message-ID: {mail.message_id}")
    lines.append("MIME-Version: 1.0")
    lines += [f"{k}: {v}" for k, v in mail.headers]
    content_type = "text/html" if mail.html else "text/plain"
    charset = mail.label_charset or {"cp932": "Shift_JIS", "euc-jp": "EUC-JP"}.get(
        mail.charset or "", mail.charset
    )
    lines.append(
        f"Content-Type: {content_type}; charset={charset}"
        if charset
        else f"Content-Type: {content_type}"
    )
    lines.append(f"Content-Transfer-Encoding: {mail.cte}")
    head = "\r\n".join(lines).encode("ascii") + b"\r\n\r\n"
    body = encode(mail.body.replace("\n", "\r\n"), mail.charset or "cp932")
    return head + transfer(body, mail.cte)


def write(mails: list[Mail], folder: Path = OUT) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    names = [m.name for m in mails]
    if len(set(names)) != len(names):
        sys.exit("duplicate mail names")
    with (folder / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer_id", "company", "contact_name", "email", "member", "applied_on",
                      "approved_on", "status", "ended_on", "telegram_user"])  # fmt: skip
        for row in CUSTOMERS:
            out.writerow([*row, "", ""])
    with (folder / "labels.jsonl").open("w", encoding="utf-8") as handle:
        for mail in mails:
            (folder / f"{mail.name}.eml").write_bytes(build(mail))
            label = {"file": f"{mail.name}.eml", **mail.label}
            handle.write(json.dumps(label, ensure_ascii=False) + "\n")


def label(intent: str, customer: str | None, date: str | None = None, *,
          written: str | None = None, reply: bool | None = None) -> dict[str, object]:  # fmt: skip
    """A label line; `written` is the customer ID as `mail classify` must print it."""
    silent = intent in ("auto_reply", "bounce", "spam")
    return {
        "intent": intent,
        "customer_id": written,
        "customer": customer,
        "requested_date": date,
        "reply_expected": (not silent) if reply is None else reply,
    }


if __name__ == "__main__":
    from tools.mail_corpus_mails import MAILS  # the mails themselves, kept apart from the tool

    write(MAILS)
    print(f"wrote {len(MAILS)} mails to {OUT}")
