"""knowledge/dates.py: every way customers write a date, relative ones from the base given."""

from __future__ import annotations

import re
from datetime import date

import pytest

from knowledge.dates import find_dates, fiscal_year_end, parse_date

BASE = date(2027, 1, 14)  # a Thursday in January, inside fiscal year 2026 (ends 2027-03-31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027年3月31日で解約します", date(2027, 3, 31)),
        ("令和9年3月末で解約", date(2027, 3, 31)),
        ("R9.3.31をもって", date(2027, 3, 31)),
        ("Ｒ９．３．３１付", date(2027, 3, 31)),
        ("H31.3.31", date(2019, 3, 31)),
        ("令和元年5月", date(2019, 5, 31)),
        ("３月末日で解約", date(2027, 3, 31)),
        ("2027/09/30付で", date(2027, 9, 30)),
        ("2027-09-30", date(2027, 9, 30)),
        ("来年3月で解約", date(2028, 3, 31)),
        ("9月末付けで解約", date(2027, 9, 30)),
        ("今年度末で解約", date(2027, 3, 31)),
        ("来年度末", date(2028, 3, 31)),
        ("2027年度末で", date(2028, 3, 31)),
        ("令和8年度いっぱい", date(2027, 3, 31)),
        ("今期で終了", date(2027, 3, 31)),
        ("契約満了時に解約", date(2027, 3, 31)),
        ("二〇二七年三月三十一日", date(2027, 3, 31)),
        ("三月三十一日をもって", date(2027, 3, 31)),
        ("3月で解約", date(2027, 3, 31)),
        ("3/31で", date(2027, 3, 31)),
        ("March 31, 2027", date(2027, 3, 31)),
        ("31st March 2027", date(2027, 3, 31)),
        ("the end of March", date(2027, 3, 31)),
        ("at the end of the contract term", date(2027, 3, 31)),
        ("the end of the fiscal year", date(2027, 3, 31)),
        ("03/31/2027", date(2027, 3, 31)),
        ("31/03/2027", date(2027, 3, 31)),
    ],
)
def test_each_way_of_writing_a_date_is_read(text: str, expected: date) -> None:
    assert parse_date(text, BASE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("来月末で", date(2027, 2, 28)),
        ("今月末で", date(2027, 1, 31)),
        ("再来月末", date(2027, 3, 31)),
        ("翌月15日", date(2027, 2, 15)),
        ("end of next month", date(2027, 2, 28)),
        ("9月末", date(2027, 9, 30)),  # the next September after the base
        ("12月末", date(2027, 12, 31)),
        ("1月10日", date(2028, 1, 10)),  # already past this year: next year's
        ("本日付で解約", BASE),
        ("即時解約", BASE),
        ("effective immediately", BASE),
        ("年内で", date(2027, 12, 31)),
    ],
)
def test_relative_dates_count_from_the_base(text: str, expected: date) -> None:
    assert parse_date(text, BASE) == expected


def test_the_fiscal_year_turns_on_april_first() -> None:
    assert fiscal_year_end(date(2027, 3, 31)) == date(2027, 3, 31)
    assert fiscal_year_end(date(2027, 4, 1)) == date(2028, 3, 31)
    assert parse_date("今年度末", date(2027, 4, 2)) == date(2028, 3, 31)


@pytest.mark.parametrize(
    "text", ["2027年2月30日", "13月1日で", "12月の件", "May I ask?", "", "本日はご連絡まで"]
)
def test_impossible_or_absent_dates_are_none(text: str) -> None:
    assert parse_date(text, BASE) is None


def test_a_full_date_wins_over_the_month_day_inside_it() -> None:
    mentions = find_dates("2027年3月31日と9月末", BASE)
    assert [m.value for m in mentions] == [date(2027, 3, 31), date(2027, 9, 30)]
    assert [m.relative for m in mentions] == [False, True]


def test_a_date_inside_a_longer_number_is_no_date() -> None:
    assert find_dates("注文番号 12027-03-31", BASE) == []
    assert find_dates("口座 99/3/31/7", BASE) == []
    assert [m.text for m in find_dates("2027年12月で", BASE)] == ["2027年12月"]


_UNGUARDED_TEXTS = [
    "2027年3月31日で解約します。R9.3.31、3/31、2027/09/30、2027-09-30",
    "Please cancel effective March 31, 2027, or 31st of March; the end of next month.",
    "We would like to END OF the contract term at the End Of the fiscal year, immediately.",
    "Sept.30 2027 / dec 1 / 2027.9.30 / 03/31/2027 / 31/03/2027 / 本日付で / 年内に",
    "decide the market summary on 1 separate day; often mayday",
    "ımmediately, TODAY, 今期で, 来月末, 契約満了時, 今年度いっぱい",
    "数字も月もない文章です",
]


@pytest.mark.parametrize("text", _UNGUARDED_TEXTS)
def test_the_guards_only_save_time_never_change_what_is_found(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.dates as dates

    guarded = find_dates(text, BASE)
    always = dates._Guard(re.compile(""))
    unguarded = {always: [p for patterns in dates._BY_GUARD.values() for p in patterns]}
    monkeypatch.setattr(dates, "_BY_GUARD", unguarded)
    monkeypatch.setattr(dates, "_DIGIT_OR_MONTH", re.compile(""))
    assert find_dates(text, BASE) == guarded
