"""Notices through the real sender to aiosmtpd: decoded, they hold the customer's own figures."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import import_alerts
from core.customers import upsert_customer
from core.db import session_factory
from core.settings import Settings, load_settings
from core.sweep import alert_sweep, daily_sweep
from integration.smtpd import SmtpServer
from knowledge.rules.calendar import DEFAULT_CALENDAR, JST
from otasuke.mailing import send_queued_async


def _settings(url: str, smtpd: SmtpServer) -> Settings:
    return load_settings({
        "OTASUKE_DATABASE_URL": url, "OTASUKE_SMTP_HOST": "127.0.0.1",
        "OTASUKE_SMTP_PORT": str(smtpd.port), "OTASUKE_SMTP_TLS": "none",
        "OTASUKE_MAIL_FROM": "otasuke@chamber.example",
        "OTASUKE_STAFF_EMAILS": "staff@chamber.example",
        # The sweep of 2027-01-15 mails a debt of June 2026 and an alert stored today: the
        # catch-up horizon is widened here (it has its own tests, test_notice_horizon.py).
        "OTASUKE_NOTICE_CATCH_UP_DAYS": "400",
    })  # fmt: skip


async def test_the_renewal_notice_and_a_critical_alert_arrive_decoded_with_real_figures(
    fresh_engine: Engine,
    empty_url: str,
    smtpd: SmtpServer,
    async_sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    sessions = session_factory(fresh_engine)
    with sessions.begin() as session:
        values = {
            "customer_id": "NIG-000123", "company": "株式会社ヤマダ製作所",
            "contact_name": "山田 太郎", "email": "yamada@example.jp", "member": False,
            "applied_on": date(2026, 6, 3), "approved_on": date(2026, 6, 10),
        }  # fmt: skip
        upsert_customer(session, values, date(2026, 6, 10), DEFAULT_CALENDAR)
    alert = {"alert_id": "P-77", "customer_id": "NIG-000123", "at": "2027-01-15T08:10:00",
             "severity": "critical", "title": "外部への不審な通信"}  # fmt: skip
    (tmp_path / "a.jsonl").write_text(json.dumps(alert, ensure_ascii=False), encoding="utf-8")
    with sessions.begin() as session:
        import_alerts(session, tmp_path / "a.jsonl")
    settings = _settings(empty_url, smtpd)
    day = date(2027, 1, 15)
    now = datetime.combine(day, time(8, 30), JST)
    swept = daily_sweep(sessions, settings, day, me="t", now=now)
    alerts = alert_sweep(sessions, settings, day, me="t", now=now)
    ids = [*swept.notices.outbox_ids, *swept.digests, *alerts.outbox_ids]
    report = await send_queued_async(settings, async_sessions, ids)
    assert report.sent == len(ids)
    by_kind = {r.message["X-Otasuke-Kind"]: r.message for r in smtpd.handler.received}
    assert set(by_kind) >= {"renewal_notice", "payment_overdue", "alert", "digest"}

    renewal = by_kind["renewal_notice"]
    assert renewal["To"] == "yamada@example.jp"
    assert renewal["Subject"] == "【お助け隊サービス】契約更新のご案内（2027年3月31日満了）"
    body = renewal.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for figure in (
        "株式会社ヤマダ製作所", "山田 太郎 様", "お客様ID：NIG-000123",
        "現在の利用期間の満了日：2027年3月31日(水)", "満期解約のお申し出期限：2027年1月29日(金)",
        "次の利用期間：2027年4月1日(木)～2028年3月31日(金)",
        "次の利用期間の利用料金：99,000円（税込、非会員料金）", "お支払期日：2027年2月25日(木)",
    ):  # fmt: skip
        assert figure in body

    critical = by_kind["alert"]
    assert critical["Subject"] == "【お助け隊サービス】★★★UTMアラート：外部への不審な通信"
    body = critical.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "駆け付けのお申し出期限：2027年2月14日(日)" in body

    # The first fee (66,000 yen, due 2026-06-25) was never paid: the third overdue notice.
    overdue = by_kind["payment_overdue"]
    body = overdue.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "未払額：66,000円（税込）" in body
    assert "第9条1項(1)" in body
