"""The notices' mail texts: every kind renders in Japanese and English with the real figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from core.notice_plan import CustomerState, NoticeRules, PlannedNotice, current_notices
from core.notices import render_notice
from core.templates import render_subject

RULES = NoticeRules()
STATE = CustomerState(
    pk=1, customer_id="NIG-000123", company="株式会社サンプル", contact_name="山田太郎",
    email="a@example.jp", member=True, status="active", ended_on=None,
    terms=RULES.terms(date(2026, 5, 10), date(2026, 5, 20), True), billed=(),
    payments=((date(2026, 6, 20), 52_800),),
)  # fmt: skip


def _notices() -> list[PlannedNotice]:
    found = {}
    day = date(2027, 1, 1)
    ended = replace(STATE, status="cancelled", ended_on=date(2027, 3, 31))
    while day < date(2027, 5, 1):
        for state in (STATE, ended):
            for notice in current_notices(state, day, RULES):
                found.setdefault((notice.kind, notice.about), notice)
        day += timedelta(days=1)
    return list(found.values())


NOTICES = _notices()


def test_the_year_has_every_customer_notice_kind() -> None:
    assert {n.kind for n in NOTICES} == {
        "renewal_notice", "payment_reminder", "payment_overdue", "utm_return",
    }  # fmt: skip


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: f"{n.kind}:{n.about}")
def test_each_notice_renders_with_the_subject_alone_the_same(
    notice: PlannedNotice, lang: str
) -> None:
    mail = render_notice(replace(notice, lang=lang))
    assert mail.subject == render_subject(notice.kind, lang, **notice.context)
    assert "NIG-000123" in mail.body
    assert "{{" not in mail.body


def test_the_renewal_notice_states_the_dates_as_japanese_customers_read_them() -> None:
    [notice] = [n for n in NOTICES if n.kind == "renewal_notice"]
    body = render_notice(notice).body
    assert "現在の利用期間の満了日：2027年3月31日(水)" in body
    assert "満期解約のお申し出期限：2027年1月29日(金)" in body
    assert "次の利用期間：2027年4月1日(木)～2028年3月31日(金)" in body
    assert "次の利用期間の利用料金：79,200円（税込、会員料金）" in body
    assert "お支払期日：2027年2月25日(木)" in body
    assert "お振込み" in body
