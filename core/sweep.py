"""The daily sweep (bill ahead, send what is due, the staff digest) and the alert sweep.

Both are plain functions of the database, the settings and a day: the scheduler calls them on
its timetable and at start (catch-up), `otasuke notices send --on DATE` calls the daily one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.contracts import ContractInputs, extend_contracts
from core.db import chunks
from core.digest import digest_context, enqueue_digest
from core.models import Customer, utcnow
from core.notice_plan import NoticeRules
from core.notice_state import load_states
from core.notices import Progress, SendReport, send_due
from core.settings import Settings

# Renewals are billed at least this far ahead, so every reminder finds its period stored
# (the plan projects them anyway; this is where billing happens, never in a read).
MIN_BILL_AHEAD = timedelta(days=7)
# PostgreSQL advisory lock key for billing: two instances' sweeps bill one after the other.
BILLING_LOCK_KEY = 0x6F7461737562  # "otasub"


@dataclass
class SweepReport:
    """What a daily sweep did."""

    on: date
    billed_to: date
    notices: SendReport = field(default_factory=SendReport)
    digests: list[int] = field(default_factory=list)  # outbox ids of the digest mails


def bill_ahead(sessions: sessionmaker[Session], rules: NoticeRules, on: date) -> date:
    """Store the periods begun or fallen due by a week or more after `on` → that day."""
    until = on + max(MIN_BILL_AHEAD, timedelta(days=rules.reminder_days_before))
    with sessions.begin() as session:
        rows = session.execute(
            select(
                Customer.id,
                Customer.applied_on,
                Customer.approved_on,
                Customer.member,
                Customer.ended_on,
            )
        ).all()
    for chunk in chunks(rows):
        with sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Two sweeps at 07:00 (two instances) would both see a period missing and both
                # insert it (Read Committed): the second waits here, then finds it stored.
                # SQLite's BEGIN IMMEDIATE already runs one writer at a time.
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": BILLING_LOCK_KEY}
                )
            inputs = {row[0]: ContractInputs(*row[1:]) for row in chunk}
            extend_contracts(session, inputs, until, rules.calendar)
    return until


def daily_sweep(
    sessions: sessionmaker[Session],
    settings: Settings,
    on: date,
    *,
    me: str,
    now: datetime | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SweepReport:
    """Bill ahead, send every notice due by `on` once, then the digest on a business day."""
    rules = NoticeRules.from_settings(settings)
    report = SweepReport(on=on, billed_to=bill_ahead(sessions, rules, on))
    report.notices = send_due(
        sessions, rules, on, me=me, now=now, progress=progress, should_stop=should_stop
    )
    if settings.staff_emails and rules.calendar.is_business_day(on) and not should_stop():
        with sessions.begin() as session:
            context = digest_context(session, load_states(session, rules), on)
            report.digests = enqueue_digest(session, settings.staff_emails, context)
    return report


def alert_sweep(
    sessions: sessionmaker[Session],
    settings: Settings,
    on: date,
    *,
    me: str,
    now: datetime | None = None,
) -> SendReport:
    """Mail every imported alert not mailed yet (the one-minute job), once."""
    rules = NoticeRules.from_settings(settings)
    return send_due(sessions, rules, on, me=me, now=now or utcnow(), kinds={"alert"})
