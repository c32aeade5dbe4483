"""Dates as customers write them: 2027年3月31日, 令和9年3月末, R9.3.31, 来年3月で, 今年度末.

The one reader of date expressions (SPEC "Where the shared pieces live"), used by the mail intake
and the FAQ. Pure: relative expressions count from a `base` date the caller gives (for a mail,
when the customer wrote it, SPEC "Rules"); nothing here reads the clock.

Written here, not taken from ja-timex (last release 2023): on our corpus it read 令和9年3月末 as
"March, day unknown", 今年度末 and 来月末 only as durations, missed 契約満了時, filled missing
years from the clock, and pulls in a beta of pendulum. japanera is not needed for three eras.
kanjize (maintained) turns kanji numerals (三十一) into digits.
"""

from __future__ import annotations

import calendar as _stdcal
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from kanjize import kanji2number

# Eras still written in contracts and mail (令和元年 = 2019); a letter alone is the short form.
_ERAS = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
# The first numeral apart from the rest: a pattern opening with a repeat makes re try every
# position, one opening with a class lets it skip to the characters in it.
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百千][〇一二三四五六七八九十百千]*(?=[年月日])")
_MONTHS_EN = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_EN = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))

_YEAR = r"(?:(?P<era>令和|平成|[RH])\s*\.?\s*(?P<eray>\d{1,2}|元)|(?P<year>(?:19|20)\d{2}))"
_END = r"(?P<end>末日?|いっぱい|一杯)"
_MONTH_DAY_OR_END = r"\s*(?P<month>\d{1,2})\s*月\s*(?:(?P<day>\d{1,2})\s*日|" + _END + ")"
# A bare month (3月で) names its last day only before a particle that ends a sentence's object.
_BARE_MONTH_END = r"(?=\s*(?:で|に|を|付|づけ|付け|をもって|限り|にて|まで))"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2027年度末, 令和9年度いっぱい: the fiscal year N ends on March 31 of N + 1
    (
        "fy",
        re.compile(
            _YEAR + r"\s*年度\s*(?:の\s*)?(?=末|終わり|いっぱい|一杯|中|で|をもって|限り)(?:末日?)?"
        ),
    ),
    # 2027年3月31日, 令和9年3月31日, 2027年3月末(日), 令和元年5月
    ("ymd", re.compile(_YEAR + r"\s*年" + _MONTH_DAY_OR_END + "?")),
    # 2027/09/30, 2027-9-30, 2027.9.30, R9.3.31, H31/3/31
    (
        "ymd",
        re.compile(_YEAR + r"\s*[/.\-]\s*(?P<month>\d{1,2})\s*[/.\-]\s*(?P<day>\d{1,2})(?![\d])"),
    ),
    # 来年3月(末), 今年9月, 再来年3月
    (
        "rel_year",
        re.compile(r"(?P<rel>再来年|来年|今年|本年|翌年)\s*(?:の\s*)?" + _MONTH_DAY_OR_END + "?"),
    ),
    # 今年度末, 本年度末, 来年度末, 年度末, 今期末
    (
        "fiscal",
        re.compile(
            r"(?P<rel>再来年度|来年度|翌年度|今年度|本年度|当年度|今期|当期|年度)\s*(?:の\s*)?"
            r"(?:末|終わり|いっぱい|一杯|中)"
        ),
    ),
    # 今期で, 今年度で終了, 本年度をもって: this period's end (the contract's, 第4条2項)
    (
        "fiscal",
        re.compile(
            r"(?P<rel>今年度|本年度|当年度|今期|当期)\s*(?=で|をもって|を以て|限り|いっぱい|一杯|中に|末)"
        ),
    ),
    # 来月末, 今月末, 再来月末, 翌月末
    (
        "rel_month",
        re.compile(
            r"(?P<rel>再来月|来月|翌月|今月|当月)\s*(?:の\s*)?"
            r"(?:(?P<day>\d{1,2})\s*日|(?P<end>末日?|いっぱい|一杯|中))"
        ),
    ),
    # 契約満了時, 契約期間満了, 満期, 期間満了日
    (
        "term_end",
        re.compile(r"(?:契約|利用|ご利用|契約期間|利用期間)?\s*(?:期間)?\s*(?:満了|満期)"),
    ),
    # 3月31日, 3月末日, 9月末, 3月いっぱい, 3月で (no year: the next such day)
    (
        "md",
        re.compile(
            r"(?P<month>\d{1,2})\s*月\s*"
            r"(?:(?P<day>\d{1,2})\s*日|(?P<end>末日?|いっぱい|一杯|" + _BARE_MONTH_END + "))"
        ),
    ),
    ("md", re.compile(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})(?![\d/])")),
    # English: March 31, 2027 · 31 March 2027 · end of March (2027)
    (
        "en_mdy",
        re.compile(
            r"\b(?P<mname>" + _MONTH_EN + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?"
            r"(?:\s+(?P<year>(?:19|20)\d{2}))?\b",
            re.I,
        ),
    ),
    (
        "en_dmy",
        re.compile(
            r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mname>" + _MONTH_EN + r")\.?,?"
            r"(?:\s+(?P<year>(?:19|20)\d{2}))?\b",
            re.I,
        ),
    ),
    (
        "en_end",
        re.compile(
            r"\b(?:the\s+)?end\s+of\s+(?P<mname>" + _MONTH_EN + r")\.?,?"
            r"(?:\s+(?P<year>(?:19|20)\d{2}))?\b",
            re.I,
        ),
    ),
    (
        "en_fiscal",
        re.compile(
            r"\b(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|our\s+)?(?:current\s+)?"
            r"(?:fiscal|financial)\s+year\b",
            re.I,
        ),
    ),
    (
        "en_term",
        re.compile(
            r"\b(?:the\s+)?(?:end|expir\w*)\s+of\s+(?:the\s+|this\s+|my\s+|our\s+)?(?:current\s+)?"
            r"(?:contract|subscription|service)?\s*(?:term|period|contract)\b",
            re.I,
        ),
    ),
    ("en_rel_month", re.compile(r"\b(?:the\s+)?end\s+of\s+(?P<rel>next|this)\s+month\b", re.I)),
    # 03/31/2027 (US) or 31/03/2027: day first when it cannot be a month
    (
        "dmy_or_mdy",
        re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>(?:19|20)\d{2})(?![\d])"),
    ),
    # 本日付で, 即日, effective immediately: the day it was written
    (
        "today",
        re.compile(
            r"(?:本日|今日|即日)(?=\s*(?:付け?|づけ)?\s*(?:で|をもって|を以て|限り)(?!は))|即時|"
            r"\b(?:effective\s+)?immediately\b|\b(?:as\s+of|effective)\s+today\b",
            re.I,
        ),
    ),
    # 年内, 今年中, 今年いっぱい: the last day of this year
    (
        "year_end",
        re.compile(
            r"年内|今年中|本年中|今年いっぱい|今年一杯|by\s+the\s+end\s+of\s+(?:this|the)\s+year",
            re.I,
        ),
    ),
    (
        "iso",
        re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})(?![\d])"),
    ),
]


# What may not stand right before a match (a longer number, another date): checked in code, as
# a lookbehind at a pattern's start would stop re from scanning for its first character.
_DIGITS = "0123456789"
_NOT_AFTER = {
    index: _DIGITS + chars
    for index, chars in ((2, "."), (8, "年/.-"), (9, "/.-"), (16, "/."), (19, ""))
}
# The guards are searched in the lower-cased text (no IGNORECASE: it slows the Japanese).
_MONTH_WORD = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_END_OF = re.compile(r"\b(?:end|expir\w*)\s+of\b")
_TODAY = re.compile(r"本日|今日|即日|即時|immediately|today")
_YEAR_END = re.compile(r"年内|今年|本年|end\s+of\s+(?:this|the)\s+year")


@dataclass(frozen=True, eq=False)  # told apart by identity: hashed on every lookup
class _Guard:
    """A cheap search a pattern needs to find before it is worth running.

    `first`, when given, finds everything `pattern` finds and more, and is quicker to miss:
    a pattern opening with `\\b` or a digit class makes re try every position, one opening with
    literals lets it skip to their first characters. Only where `first` finds something does
    `pattern` decide, so the answer is `pattern`'s own.
    """

    pattern: re.Pattern[str]
    first: re.Pattern[str] | None = None

    def found(self, lowered: str) -> bool:
        """Whether the lower-cased text holds what the guarded pattern needs."""
        if self.first is not None and self.first.search(lowered) is None:
            return False
        return self.pattern.search(lowered) is not None


_GUARD_TEXT = {"年": _Guard(re.compile("年")), "月": _Guard(re.compile("月")),
               "期": _Guard(re.compile("年度|期")), "満": _Guard(re.compile("満")),
               "/": _Guard(re.compile("/")), "-": _Guard(re.compile("-")),
               "sep": _Guard(re.compile(r"\d\s*[/.\-]\s*\d"), re.compile(r"[/.\-]")),
               "month": _Guard(_MONTH_WORD, re.compile(_MONTH_WORD.pattern.removeprefix(r"\b"))),
               "end of": _Guard(_END_OF, re.compile("of")),
               "today": _Guard(_TODAY), "year end": _Guard(_YEAR_END)}  # fmt: skip
# The guard of each pattern (same order as above).
_GUARDS = [
    _GUARD_TEXT["期"],
    _GUARD_TEXT["年"], _GUARD_TEXT["sep"], _GUARD_TEXT["年"], _GUARD_TEXT["期"],
    _GUARD_TEXT["期"], _GUARD_TEXT["月"], _GUARD_TEXT["満"], _GUARD_TEXT["月"], _GUARD_TEXT["/"],
    _GUARD_TEXT["month"], _GUARD_TEXT["month"], _GUARD_TEXT["month"], _GUARD_TEXT["end of"],
    _GUARD_TEXT["end of"], _GUARD_TEXT["end of"], _GUARD_TEXT["/"],
    _GUARD_TEXT["today"], _GUARD_TEXT["year end"], _GUARD_TEXT["-"],
]  # fmt: skip
# The patterns under each guard, each with its place in _PATTERNS (which decides among matches
# of the same span) and what may not stand before it: a guard that finds nothing skips them all.
_BY_GUARD: dict[_Guard, list[tuple[int, str, re.Pattern[str], str]]] = {}
for _index, (_guard, (_kind, _pattern)) in enumerate(zip(_GUARDS, _PATTERNS, strict=True)):
    _BY_GUARD.setdefault(_guard, []).append((_index, _kind, _pattern, _NOT_AFTER.get(_index, "")))
# Every pattern needs a digit or one of these words: a text without any has no date.
_ANY_DIGIT_OR_WORD = re.compile(
    r"[0-9]|月|年度|今期|当期|満了|満期|end\s+of|本日|今日|即日|即時|年内|今年|本年|immediately|today",
    re.IGNORECASE,
)
# What most texts hold, found without IGNORECASE (it makes re try every position); a text
# without it still goes to the full search above.
_DIGIT_OR_MONTH = re.compile(r"[0-9]|月")


@dataclass(frozen=True)
class DateMention:
    """One date expression found in a text: the day it names and where it stands."""

    value: date
    start: int
    end: int
    text: str
    relative: bool  # counted from the base (来月末, 3月末 without a year), not written in full


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), kanji numerals before 年/月/日 as digits."""
    text = unicodedata.normalize("NFKC", text)
    return _KANJI_NUMBER.sub(lambda m: str(_kanji_number(m[0])), text)


def _kanji_number(text: str) -> int:
    if all(ch in "〇一二三四五六七八九" for ch in text):  # 二〇二七: digit by digit
        return int(text.translate(str.maketrans("〇一二三四五六七八九", "0123456789")))
    return int(kanji2number(text))


def fiscal_year_end(base: date) -> date:
    """The March 31 ending the fiscal year (and the contract period, 第4条2項) `base` is in."""
    return date(base.year if base.month <= 3 else base.year + 1, 3, 31)


def _month_end(year: int, month: int) -> date:
    return date(year, month, _stdcal.monthrange(year, month)[1])


def _day(year: int, month: int, day: int | None) -> date | None:
    try:
        return _month_end(year, month) if day is None else date(year, month, day)
    except ValueError:
        return None


def _next_occurrence(month: int, day: int | None, base: date) -> date | None:
    """The first such day on or after `base` (3月末 written in May means next March)."""
    for year in (base.year, base.year + 1):
        found = _day(year, month, day)
        if found is None:
            if not 1 <= month <= 12:
                return None
            continue
        if found >= base:
            return found
    return None


def _year(match: re.Match[str]) -> int:
    if match["year"]:
        return int(match["year"])
    era_year = 1 if match["eray"] == "元" else int(match["eray"])
    return _ERAS[match["era"]] + era_year


def _value(kind: str, match: re.Match[str], base: date) -> tuple[date | None, bool]:
    groups = match.groupdict()
    if kind in ("ymd", "iso"):
        day = int(groups["day"]) if groups.get("day") else None
        return _day(_year(match), int(match["month"]), day), False
    if kind == "md":
        day = int(groups["day"]) if groups.get("day") else None
        return _next_occurrence(int(match["month"]), day, base), True
    if kind == "rel_year":
        offset = {"再来年": 2, "来年": 1, "翌年": 1}.get(match["rel"], 0)
        day = int(match["day"]) if match["day"] else None
        return _day(base.year + offset, int(match["month"]), day), True
    if kind == "dmy_or_mdy":
        a, b = int(match["a"]), int(match["b"])
        month, day = (b, a) if a > 12 else (a, b)
        return _day(int(match["year"]), month, day), False
    if kind == "today":
        return base, True
    if kind == "year_end":
        return date(base.year, 12, 31), True
    if kind == "fy":
        return date(_year(match) + 1, 3, 31), False
    if kind == "fiscal":
        offset = {"再来年度": 2, "来年度": 1, "翌年度": 1}.get(match["rel"], 0)
        end = fiscal_year_end(base)
        return end.replace(year=end.year + offset), True
    if kind == "rel_month":
        offset = {"再来月": 2, "来月": 1, "翌月": 1}.get(match["rel"], 0)
        year, month0 = divmod(base.year * 12 + base.month - 1 + offset, 12)
        day = int(match["day"]) if match["day"] else None
        return _day(year, month0 + 1, day), True
    if kind in ("term_end", "en_fiscal", "en_term"):
        return fiscal_year_end(base), True
    if kind == "en_rel_month":
        offset = 1 if match["rel"].lower() == "next" else 0
        year, month0 = divmod(base.year * 12 + base.month - 1 + offset, 12)
        return _month_end(year, month0 + 1), True
    month = _MONTHS_EN[match["mname"].lower()]
    day = int(groups["day"]) if groups.get("day") else None
    if groups.get("year"):
        return _day(int(match["year"]), month, day), False
    return _next_occurrence(month, day, base), True


def find_dates(text: str, base: date, *, normalized: bool = False) -> list[DateMention]:
    """Every date expression in `text`, in order; relative ones counted from `base`.

    Positions refer to `normalize(text)` (or to `text` itself when the caller says it is
    `normalized` already); where expressions overlap the longer one wins.
    """
    normalized_text = text if normalized else normalize(text)
    if not _DIGIT_OR_MONTH.search(normalized_text) and not _ANY_DIGIT_OR_WORD.search(
        normalized_text
    ):
        return []
    found: list[tuple[int, int, int, DateMention]] = []
    lowered = normalized_text.lower()
    for guard, patterns in _BY_GUARD.items():
        if not guard.found(lowered):
            continue
        for index, kind, pattern, not_after in patterns:
            for match in pattern.finditer(normalized_text):
                start, end = match.span()
                if not match[0].strip():
                    continue
                if not_after and start > 0 and normalized_text[start - 1] in not_after:
                    continue
                value, relative = _value(kind, match, base)
                if value is None:
                    continue
                mention = DateMention(value, start, end, match[0], relative)
                found.append((start, start - end, index, mention))
    found.sort()  # by place, the longer first, then in the order of _PATTERNS
    kept: list[DateMention] = []
    for _, _, _, mention in found:
        if kept and mention.start < kept[-1].end:
            continue  # inside a longer expression already taken (年月日 before 月日)
        kept.append(mention)
    return kept


def parse_date(text: str, base: date) -> date | None:
    """The first date `text` names, or None."""
    mentions = find_dates(text, base)
    return mentions[0].value if mentions else None
