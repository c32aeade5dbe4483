"""A date the question names, answered with the rule's result: the start date for an application
date (R2), the deadline for a desired end date and whether a received date meets it (R10)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from knowledge.dates import find_dates, normalize
from knowledge.faq.answers import templates
from knowledge.faq.faq import FaqEntry
from knowledge.formatting import format_date
from knowledge.rules.calendar import BusinessCalendar
from knowledge.rules.cancellation import earliest_on_time_date, midterm_cancel_deadline
from knowledge.rules.periods import start_date

# What the words around a date say it is (the few characters after it, or before it in English).
_APPLIED = re.compile(r"申し?込|申請|apply|applied|application|sign(?:ed)?\s*up", re.I)
_RECEIVED = re.compile(
    r"届|受信|受け?付|着|送っ|送信|出し|メールし|連絡し|receiv|sent|send|arriv", re.I
)
_CANCEL = re.compile(r"解約|やめ|辞め|止め|終了|退会|cancel|terminat|quit|end", re.I)
_AROUND = 10


def _roles(question: str, today: date) -> dict[str, date]:
    """The question's dates by role: `applied`, `received`, `desired` (the first of each)."""
    text = normalize(question)
    roles: dict[str, date] = {}
    for mention in find_dates(text, today, normalized=True):
        after = text[mention.end : mention.end + _AROUND]
        before = text[max(0, mention.start - _AROUND) : mention.start]
        if _APPLIED.search(after) or (_APPLIED.search(before[-_AROUND:]) and text.isascii()):
            role = "applied"
        elif _RECEIVED.search(after) or (text.isascii() and _RECEIVED.search(before)):
            role = "received"
        elif _CANCEL.search(after) or (text.isascii() and _CANCEL.search(before)):
            # 9月末で解約, cancel at the end of September: not any date in a question on cancelling
            role = "desired"
        else:
            continue
        roles.setdefault(role, mention.value)
    return roles


def computed_sentence(
    entry: FaqEntry,
    question: str,
    lang: str,
    today: date,
    calendar: BusinessCalendar,
    facts: Mapping[str, object] | None = None,
) -> str | None:
    """The rule's answer for the question's own date, when the entry rests on that rule's
    clause (第4条2項: the start date; 第12条1項: the cancellation deadline); else None."""
    roles = _roles(question, today)
    if not roles:
        return None
    t = templates(lang)

    def d(value: date) -> str:
        return format_date(value, lang)

    if "第4条2項" in entry.clauses and "applied" in roles:
        applied = roles["applied"]
        return t["asked_start"].format(applied=d(applied), start=d(start_date(applied, calendar)))
    if "第12条1項" in entry.clauses and "desired" in roles:
        desired = roles["desired"]
        deadline = midterm_cancel_deadline(desired, calendar)
        parts = [t["asked_cancel"].format(desired=d(desired), deadline=d(deadline))]
        received = roles.get("received")
        if received is not None:
            if received <= deadline:
                on_time = t["asked_cancel_on_time"]
                parts.append(on_time.format(received=d(received), deadline=d(deadline)))
            else:
                earliest = earliest_on_time_date(received, calendar)
                parts.append(
                    t["asked_cancel_late"].format(
                        received=d(received), deadline=d(deadline), earliest=d(earliest)
                    )
                )
        return "".join(parts) if lang == "ja" else " ".join(parts)
    return None
