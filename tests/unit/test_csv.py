"""Parsing the chamber's CSV cells: encodings, customer IDs, member flags, dates and amounts."""

from __future__ import annotations

from datetime import date

import pytest

from core.csvfile import (
    MAX_AMOUNT,
    RowError,
    decode,
    parse_amount,
    parse_date,
    parse_member,
)
from core.customers import normalize_customer_id
from core.errors import UserError


def test_a_bom_is_dropped() -> None:
    assert decode("\ufeffcustomer_id".encode()) == "customer_id"


def test_cp932_is_recognised_with_its_nec_specials() -> None:
    assert decode("㈱サンプル①".encode("cp932")) == "㈱サンプル①"


def test_bytes_that_are_neither_utf8_nor_cp932_are_refused() -> None:
    with pytest.raises(UserError, match="neither UTF-8 nor CP932"):
        decode(b"\x81\xff\xfe")


def test_a_damaged_line_of_a_utf8_file_is_named_not_read_as_cp932() -> None:
    data = "株式会社テスト\n株式会社サンプル\n".encode() + b"\xff\n"
    with pytest.raises(UserError, match=r"^a.txt: line 3: not UTF-8 text \(byte 0xff"):
        decode(data, "a.txt")


@pytest.mark.parametrize(
    "written",
    [
        "NIG-000123",
        "nig000123",
        "ＮＩＧ－０００１２３",
        " nig-000123 ",
        "NIG‐000123",
        "NIGー000123",
    ],
)
def test_customer_ids_are_normalised_however_customers_write_them(written: str) -> None:
    assert normalize_customer_id(written) == "NIG-000123"


@pytest.mark.parametrize("written", ["NIG-00123", "NI-000123", "NIGG000123", "NIG-0001234", ""])
def test_malformed_customer_ids_are_not_guessed(written: str) -> None:
    assert normalize_customer_id(written) is None


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("1", True),
        ("0", False),
        ("YES", True),
        ("no", False),
        ("会員", True),
        ("非会員", False),
        ("１", True),
    ],
)
def test_member_is_one_of_the_specs_spellings(text: str, member: bool) -> None:
    assert parse_member(text) is member


def test_another_member_spelling_is_a_row_error() -> None:
    with pytest.raises(RowError, match="member"):
        parse_member("maybe")


@pytest.mark.parametrize("text", ["2025-04-03", "2025/4/3", "2025年4月3日", "２０２５－０４－０３"])
def test_dates_are_read_as_excel_writes_them(text: str) -> None:
    assert parse_date(text, "applied_on") == date(2025, 4, 3)


@pytest.mark.parametrize("text", ["2025-02-30", "04/03/2025", "", "soon"])
def test_a_bad_date_is_a_row_error_naming_the_column(text: str) -> None:
    with pytest.raises(RowError, match="applied_on"):
        parse_date(text, "applied_on")


@pytest.mark.parametrize("text", ["79200", "79,200", "¥79,200", "79,200円", "７９２００"])
def test_amounts_are_whole_yen(text: str) -> None:
    assert parse_amount(text) == 79_200


@pytest.mark.parametrize("text", ["0", "-100", "79.5", "", "abc"])
def test_a_bad_amount_is_a_row_error(text: str) -> None:
    with pytest.raises(RowError, match="amount"):
        parse_amount(text)


def test_the_largest_amount_is_accepted() -> None:
    assert parse_amount("100,000,000") == MAX_AMOUNT == 100_000_000


@pytest.mark.parametrize("text", ["100,000,001", "99999999999999999999", "9" * 5000])
def test_an_absurd_amount_is_a_row_error_not_a_database_overflow(text: str) -> None:
    with pytest.raises(RowError, match=r"amount: .* more than 100,000,000"):
        parse_amount(text)
