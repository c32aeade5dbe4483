"""Deciding a text file's encoding once for the whole file: UTF-8 first, CP932 as Excel saves it."""

from __future__ import annotations

import pytest

from knowledge.textfile import TextFileError, decode_text

ROWS = [f"NIG-{n:06d},株式会社テスト{n},山田太郎" for n in range(1, 21)]


def _texts(data: bytes) -> list[str]:
    return [line.text for line in decode_text(data).lines]


def test_a_bom_is_dropped() -> None:
    assert _texts("\ufeffcustomer_id\r\nNIG-000001\r\n".encode()) == ["customer_id", "NIG-000001"]


def test_cp932_is_recognised_with_its_nec_specials() -> None:
    decoded = decode_text("㈱サンプル①\n株式会社テスト\n".encode("cp932"))
    assert decoded.encoding == "cp932"
    assert [line.text for line in decoded.lines] == ["㈱サンプル①", "株式会社テスト"]


def test_one_damaged_line_in_a_utf8_file_is_reported_and_not_read_as_cp932() -> None:
    data = "\n".join(ROWS).encode()
    damaged = data.replace("テスト5,".encode(), "テスト5".encode() + b"\xff,")
    decoded = decode_text(damaged)
    assert decoded.encoding == "utf-8"
    [bad] = decoded.bad_lines
    assert bad.number == 5
    assert bad.error == "not UTF-8 text (byte 0xff at character 20)"
    assert [line.text for line in decoded.lines if line.error is None] == ROWS[:4] + ROWS[5:]


def test_a_file_with_its_only_non_ascii_line_damaged_keeps_its_good_lines() -> None:
    lines = [f"NIG-{n:06d},Test {n}" for n in range(1, 11)]
    data = "\n".join(lines).encode().replace(b"Test 3", b"Test \xff3")
    decoded = decode_text(data)
    assert [line.number for line in decoded.bad_lines] == [3]
    assert len([line for line in decoded.lines if line.error is None]) == 9


def test_line_breaks_are_only_cr_and_lf() -> None:
    first = "株式会社\x0bテスト\x1cサンプル\u2028本店" + "。" * 20
    assert _texts(f"{first}\r\ne\rf\n".encode()) == [first, "e", "f"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x81\xff\xfe\n\xff\xfe\xfd", "neither UTF-8 nor CP932"),
        ("customer_id\n".encode("utf-16"), "UTF-16"),
        ("customer_id,company\n".encode("utf-16-le"), "binary"),
        (bytes(range(256)) * 20, "binary"),
    ],
)
def test_what_is_not_text_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(TextFileError, match=message):
        decode_text(data)


def test_one_damaged_line_in_a_cp932_file_is_reported_and_the_rest_read() -> None:
    lines = [f"株式会社テスト{n}" for n in range(1, 6)]
    data = "\n".join(lines).encode("cp932").replace("テスト3".encode("cp932"), b"\x82\xff3")
    decoded = decode_text(data)
    assert decoded.encoding == "cp932"
    [bad] = decoded.bad_lines
    assert (bad.number, bad.error) == (3, "not CP932 (Shift_JIS) text (byte 0x82 at character 5)")
    assert [line.text for line in decoded.lines if line.error is None] == [
        lines[0], lines[1], lines[3], lines[4],
    ]  # fmt: skip


def test_the_whole_text_names_the_first_bad_line() -> None:
    assert decode_text("第1条\r\n本文\r\n".encode()).whole_text() == "第1条\n本文"
    with pytest.raises(TextFileError, match=r"^line 2: not UTF-8 text"):
        decode_text("第1条\n".encode() + b"\xff\n" + "本文\n".encode()).whole_text()


def test_json_lines_are_utf8_by_definition_and_never_guessed_as_cp932() -> None:
    data = "㈱サンプル\n".encode("cp932") + "株式会社テスト\n".encode()
    decoded = decode_text(data, cp932=False)
    assert decoded.encoding == "utf-8"
    assert [line.number for line in decoded.bad_lines] == [1]
