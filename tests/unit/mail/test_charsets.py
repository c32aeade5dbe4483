"""Decoding every charset customers send, including what Python's own codecs get wrong."""

from __future__ import annotations

import codecs

import pytest

from mail.charsets import decode_bytes, decode_header, iso2022jp_to_cp932

# ISO-2022-JP as Outlook writes it: ① (NEC row 13, JIS 0x2D21), ㈱ (0x2D6A), 髙 (NEC-selected
# IBM row, JIS 0x7C62 = CP932 0xEEE0), then ordinary kanji 解約 (0x3272 0x4C73).
OUTLOOK_JIS = b"\x1b$B-!-j|b2rLs\x1b(B OK"


def test_python_rejects_outlooks_iso2022jp_and_we_read_it() -> None:
    with pytest.raises(UnicodeDecodeError):
        OUTLOOK_JIS.decode("iso2022_jp")
    assert decode_bytes(OUTLOOK_JIS, "ISO-2022-JP")[0] == "①㈱髙解約 OK"


def test_escape_sequences_win_over_a_missing_or_wrong_label() -> None:
    assert decode_bytes(OUTLOOK_JIS, None)[0] == "①㈱髙解約 OK"
    assert decode_bytes(OUTLOOK_JIS, "us-ascii")[0] == "①㈱髙解約 OK"


def test_half_width_katakana_in_iso2022jp() -> None:
    assert iso2022jp_to_cp932(b"\x1b(I6E\x1b(B").decode("cp932") == "ｶﾅ"
    assert decode_bytes(b"\x1b$B2rLs\x1b(I6E\x1b(B", "ISO-2022-JP")[0] == "解約ｶﾅ"


def test_a_shift_jis_label_is_read_as_cp932() -> None:
    data = "髙橋建設㈱①".encode("cp932")  # 髙 as IBM 0xFBFC
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")
    assert decode_bytes(data, "Shift_JIS") == ("髙橋建設㈱①", "cp932")


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "utf-8"])
def test_an_unlabelled_japanese_body_is_recognised(codec: str) -> None:
    text = "お世話になっております。3月末で解約をお願いします。"
    assert decode_bytes(text.encode(codec), None)[0] == text


def test_utf8_under_a_latin_label_is_read_as_utf8() -> None:
    text = "2027年5月31日で解約します"
    assert decode_bytes(text.encode(), "iso-8859-1")[0] == text


def test_an_unknown_label_falls_back_to_guessing() -> None:
    assert decode_bytes("解約".encode(), "x-klingon")[0] == "解約"


def test_latin_text_without_a_label_is_not_taken_for_japanese() -> None:
    assert decode_bytes("Grüße, café".encode("cp1252"), None)[0] == "Grüße, café"


def test_encoded_words_in_every_charset() -> None:
    assert decode_header("=?ISO-2022-JP?B?GyRCLWobKEI=?=") == "㈱"
    assert decode_header("=?UTF-8?B?6Kej57SE?= =?UTF-8?Q?=E3=81=AE?=") == "解約の"
    sjis = (
        "=?Shift_JIS?B?" + codecs.encode("髙橋".encode("cp932"), "base64").decode().strip() + "?="
    )
    assert decode_header(sjis) == "髙橋"
    assert decode_header("Re: =?utf-8?q?hello_world?=") == "Re: hello world"


def test_raw_8bit_header_bytes_are_decoded() -> None:
    raw = "解約のお願い".encode().decode("ascii", "surrogateescape")
    assert decode_header(raw) == "解約のお願い"


def test_a_broken_encoded_word_is_left_as_written() -> None:
    assert decode_header("=?UTF-8?B?!!!?=") == "=?UTF-8?B?!!!?="


@pytest.mark.parametrize("codec", ["utf-8", "cp932", "euc_jp"])
def test_a_body_cut_in_the_middle_of_a_character_keeps_its_charset(codec: str) -> None:
    data = ("3月末で解約します。" * 50).encode(codec)[:-1]
    text, how = decode_bytes(data, codec, cut=True)
    assert text.startswith("3月末で解約します。3月末で")
    assert "fallback" not in how


def test_a_long_unlabelled_body_is_recognised_from_its_first_part() -> None:
    text = "お世話になっております。3月末で解約をお願いします。" * 4000  # past the sample
    for codec in ("cp932", "euc_jp"):
        assert decode_bytes(text.encode(codec), None)[0] == text
