"""Alerts (imported once, mailed once, never for an ended contract), UTM returns, the digest."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core import outbox, queue
from core.alerts import import_alerts
from core.customers import get_customer, upsert_customer
from core.db import session_factory
from core.digest import digest_context
from core.models import Alert, OutboxMail, Payment, StaffNotice
from core.notice_plan import NoticeRules
from core.notice_state import load_states
from core.settings import load_settings
from core.staff_notices import tell_staff
from core.sweep import alert_sweep, daily_sweep
from core.templates import render_mail
from core.utm import record_utm_returned
from knowledge.rules.calendar import JST

RULES = NoticeRules()


def _add(session: Session, cid: str, **changes: object) -> None:
    values = {
        "customer_id": cid, "company": f"{cid}商事", "contact_name": "鈴木",
        "email": f"{cid.lower()}@example.jp", "member": True,
        "applied_on": date(2026, 5, 10), "approved_on": date(2026, 5, 20),
    } | changes  # fmt: skip
    upsert_customer(session, values, date(2026, 5, 20), RULES.calendar)


@pytest.fixture
def sessions(fresh_engine: Engine) -> sessionmaker[Session]:
    made = session_factory(fresh_engine)
    with made.begin() as session:
        _add(session, "NIG-000001")
        _add(session, "NIG-000002", status="cancelled", ended_on=date(2026, 11, 30))
    return made


def _jsonl(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "alerts.jsonl"
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


CRITICAL = {
    "alert_id": "A-1", "customer_id": "nig000001", "at": "2026-12-03T23:30:00",
    "severity": "critical", "title": "不正な通信を検知しました", "detail": "端末 PC-03",
}  # fmt: skip


def test_a_critical_alert_is_mailed_once_with_stars_and_the_windows_last_day(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Imported and swept on the alert's own day, whatever the real clock says (the sweep mails
    # what came in by the end of its day).
    now = datetime(2026, 12, 3, 23, 31, tzinfo=JST)
    with sessions.begin() as session:
        report = import_alerts(session, _jsonl(tmp_path, CRITICAL), now=now)
    assert report.inserted == 1
    assert alert_sweep(sessions, load_settings({}), now.date(), me="a", now=now).sent == 1
    assert alert_sweep(sessions, load_settings({}), now.date(), me="b", now=now).sent == 0
    with sessions.begin() as session:
        [mail] = session.scalars(select(OutboxMail)).all()
    assert mail.to_address == "nig-000001@example.jp"
    assert "★★★" in mail.subject
    assert "不正な通信を検知しました" in mail.subject
    # At 23:30 JST on 12/3 (14:30 UTC): the window's last day is 1/2, R16.
    assert "駆け付けのお申し出期限：2027年1月2日(土)" in mail.body
    assert "端末 PC-03" in mail.body


def test_a_repeated_alert_id_is_counted_and_skipped_and_a_bad_row_is_reported_by_line(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        import_alerts(session, _jsonl(tmp_path, CRITICAL))
    low = CRITICAL | {"alert_id": "A-2", "severity": "low", "title": "ポートスキャン"}
    path = _jsonl(
        tmp_path, CRITICAL, "{not json", low, low,
        CRITICAL | {"alert_id": "A-3", "severity": "urgent", "at": "yesterday"},
        CRITICAL | {"alert_id": "A-4", "customer_id": "NIG-999999"},
    )  # fmt: skip
    with sessions.begin() as session:
        report = import_alerts(session, path)
        stored = sorted(session.scalars(select(Alert.source_key)))
    assert (report.inserted, report.duplicates) == (1, 2)
    assert [line for line, _ in report.errors] == [2, 5, 6]
    assert "severity" in report.errors[1][1]
    assert "at" in report.errors[1][1]
    assert "no customer NIG-999999" in report.errors[2][1]
    assert stored == ["A-1", "A-2"]


def test_alerts_come_as_csv_with_the_same_names(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "alerts.csv"
    path.write_text(
        "alert_id,customer_id,at,severity,title,detail\n"
        "C-1,NIG-000001,2026-12-03T10:00:00+09:00,high,不審なログイン,\n",
        encoding="utf-8",
    )
    with sessions.begin() as session:
        assert import_alerts(session, path).inserted == 1


def test_an_alert_for_an_ended_contract_is_not_mailed_and_staff_are_told(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    ended = CRITICAL | {"alert_id": "E-1", "customer_id": "NIG-000002"}
    with sessions.begin() as session:
        report = import_alerts(session, _jsonl(tmp_path, ended))
    assert report.ended == ["E-1"]
    now = datetime(2026, 12, 4, 9, tzinfo=JST)
    assert alert_sweep(sessions, load_settings({}), now.date(), me="a", now=now).sent == 0
    with sessions.begin() as session:
        [told] = session.scalars(select(StaffNotice)).all()
    assert told.kind == "alert_ended_contract"
    assert "NIG-000002" in told.text
    assert "E-1" in told.text


def _utm_mails(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        rows = session.scalars(
            select(OutboxMail).where(OutboxMail.kind == "utm_return").order_by(OutboxMail.id)
        )
        return [(mail.key.rsplit(":", 1)[1], mail.subject) for mail in rows]


def test_utm_return_reminders_come_every_14_days_until_the_utm_is_recorded_returned(
    sessions: sessionmaker[Session],
) -> None:
    settings = load_settings({})
    day = date(2026, 12, 1)
    while day <= date(2027, 1, 20):
        if day == date(2026, 12, 20):
            with sessions.begin() as session:
                from core.customers import get_customer

                record_utm_returned(session, get_customer(session, "NIG-000002"), day, "cli:t")
        daily_sweep(sessions, settings, day, me="s", now=datetime.combine(day, time(7), JST))
        day += timedelta(days=1)
    assert _utm_mails(sessions) == [
        ("2026-11-30#1", "【お助け隊サービス】UTM装置ご返送のお願い"),
        ("2026-11-30#2", "【お助け隊サービス】【再送】UTM装置ご返送のお願い"),
    ]


def test_the_digest_lists_pending_actions_handoffs_failed_mail_overdue_and_todays_notices(
    sessions: sessionmaker[Session],
) -> None:
    settings = load_settings({"OTASUKE_STAFF_EMAILS": "staff1@example.jp, staff2@example.jp"})
    with sessions.begin() as session:
        queue.enqueue(session, "cancel_midterm", "NIG-000001 cancel mid-term 2027-06-30, on time")
        queue.enqueue(session, "question", "NIG-000001 asks: 保険の対象は？")
        failed = outbox.enqueue_mail(session, "x", "ack", "gone@example.jp", "s", "b")
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.mark_attempt_failed(session, failed.id, "550 no such user")
        tell_staff(
            session, "mailbox_dead", "IMAP login failed", at=datetime(2026, 12, 7, 1, tzinfo=JST)
        )
    on = date(2026, 12, 7)  # a Monday
    for hour in (7, 9):
        daily_sweep(sessions, settings, on, me="s", now=datetime.combine(on, time(hour), JST))
    with sessions.begin() as session:
        digests = session.scalars(select(OutboxMail).where(OutboxMail.kind == "digest")).all()
    assert sorted(mail.to_address for mail in digests) == ["staff1@example.jp", "staff2@example.jp"]
    body = digests[0].body
    # NIG-000001's first fee (due 2026-06-25) was never paid: its overdue notices were due in
    # July, beyond the catch-up horizon, so none is mailed and no `suspend` queued; the debt
    # stays in the digest's overdue list and staff are told, once, why nothing was mailed.
    assert "承認待ち1件・未回答1件・延滞2件・送信失敗1件" in digests[0].subject
    assert "[suspend]" not in body
    assert "[cancel_midterm] NIG-000001 cancel mid-term 2027-06-30, on time" in body
    assert "NIG-000001 asks: 保険の対象は？" in body
    assert "gone@example.jp：550 no such user" in body
    assert "NIG-000001 NIG-000001商事：52,800円（2026年6月25日(木)から未払い）" in body
    assert "[mailbox_dead] IMAP login failed" in body
    assert body.count("[notices_skipped] ") == 1
    assert "notices older than 14 days not sent (first import?): " in body


def test_the_digest_gives_one_line_a_customer_owing_for_two_due_dates_adding_up_to_its_total(
    sessions: sessionmaker[Session],
) -> None:
    settings = load_settings({"OTASUKE_STAFF_EMAILS": "staff1@example.jp"})
    with sessions.begin() as session:
        # NIG-000001: 52,800 due 2026-06-25 and 79,200 due 2027-02-25, 20,000 of it paid.
        customer = get_customer(session, "NIG-000001")
        session.add(Payment(customer_pk=customer.id, paid_on=date(2026, 8, 3), amount=20_000))
    on = date(2027, 3, 1)  # a Monday
    daily_sweep(sessions, settings, on, me="s", now=datetime.combine(on, time(7), JST))
    with sessions.begin() as session:
        [digest] = session.scalars(select(OutboxMail).where(OutboxMail.kind == "digest")).all()
    section = digest.body.split("■ 支払期日を過ぎた未払い")[1].split("■")[0]
    lines = [line for line in section.splitlines()[1:] if line]
    # NIG-000002 (ended 2026-11-30) still owes its first fee.
    assert lines == [
        "NIG-000001 NIG-000001商事：112,000円（2026年6月25日(木)から未払い・期日2回分）",
        "NIG-000002 NIG-000002商事：52,800円（2026年6月25日(木)から未払い）",
        "合計 164,800円",
    ]
    assert "延滞2件" in digest.subject
    with sessions.begin() as session:
        context = digest_context(session, load_states(session, RULES), on)
    english = render_mail("digest", "en", **context)
    assert "NIG-000001 NIG-000001商事: ¥112,000 (unpaid since" in english.body
    assert "Total: ¥164,800" in english.body


def test_no_digest_on_a_day_that_is_not_a_business_day(sessions: sessionmaker[Session]) -> None:
    settings = load_settings({"OTASUKE_STAFF_EMAILS": "staff1@example.jp"})
    saturday = date(2026, 12, 5)
    report = daily_sweep(
        sessions, settings, saturday, me="s", now=datetime.combine(saturday, time(7), JST)
    )
    assert report.digests == []


def test_a_json_line_that_is_not_utf8_is_reported_by_its_line_and_the_rest_load(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "alerts.jsonl"
    good = json.dumps(CRITICAL, ensure_ascii=False).encode("utf-8")
    bad = json.dumps(CRITICAL | {"alert_id": "A-9"}, ensure_ascii=False).encode("cp932")
    path.write_bytes(good + b"\n" + bad + b"\n")
    with sessions.begin() as session:
        report = import_alerts(session, path)
    assert report.inserted == 1
    assert [line for line, _ in report.errors] == [2]
