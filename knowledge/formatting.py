"""Dates and amounts as customers read them, in Japanese and English (the one place for it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# Facts (knowledge/data/FAQ_SCHEMA.md placeholders) that are amounts of yen.
MONEY_FACTS = frozenset(
    {
        "annual_fee",
        "monthly_fee",
        "first_fee",
        "renewal_fee",
        "next_payment_amount",
        "next_payment_paid",
        "next_payment_owed",
        "overdue_amount",
    }
)


WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_date(d: date, lang: str, *, weekday: bool = False) -> str:
    """`2027年1月29日` / `January 29, 2027`; `weekday` adds `(金)` / `Fri, `."""
    if lang == "en":
        text = f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"
        return f"{WEEKDAYS_EN[d.weekday()]}, {text}" if weekday else text
    text = f"{d.year}年{d.month}月{d.day}日"
    return f"{text}({WEEKDAYS_JA[d.weekday()]})" if weekday else text


def format_yen(amount: int, lang: str) -> str:
    """`79,200円` / `¥79,200`."""
    return f"¥{amount:,}" if lang == "en" else f"{amount:,}円"


def format_member(member: bool, lang: str) -> str:
    """会員/非会員, member/non-member (第13条1項)."""
    if lang == "en":
        return "member" if member else "non-member"
    return "会員" if member else "非会員"


def format_fact(name: str, value: object, lang: str) -> str:
    """One customer fact as text: dates and yen formatted, strings as given."""
    if isinstance(value, bool):
        return format_member(value, lang)
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, int) and name in MONEY_FACTS:
        return format_yen(value, lang)
    return str(value)


def format_facts(facts: Mapping[str, object], lang: str) -> dict[str, str]:
    """Every fact formatted for the language (None values left out)."""
    return {k: format_fact(k, v, lang) for k, v in facts.items() if v is not None}
