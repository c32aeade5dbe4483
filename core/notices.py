"""Notices: what is due on a day (the plan, read only), and sending each exactly once.

Exactly once, whatever restarts or second instances happen (SPEC "Notices"): each notice has a
unique row (customer, kind, about); a sweep claims its rows with a lease before it sends, then
queues the mail (core.outbox, under the notice's own outbox key) and marks the row sent with the
outbox id in one transaction, guarded by its claim. A sweep that dies after claiming leaves a
lease that runs out: the next sweep sends the notice, once. APScheduler's job store plays no part
(shared/notes/scheduler-and-claims.md §2, §4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from core import queue
from core.models import Customer, Notice, OutboxMail, utcnow
from core.notice_plan import NoticeRules, PlannedNotice, current_notices
from core.notice_state import alert_notices, load_states
from core.outbox import enqueue_mail
from core.templates import RenderedMail, render_mail, render_subject

# The claim outlives the work it covers many times over: rendering and queueing a batch takes
# milliseconds. Even when it does run out, the mark-sent UPDATE is guarded by the claim.
LEASE = timedelta(minutes=5)
BATCH = 200

# Called after each batch with (notices handled so far, notices to handle).
Progress = Callable[[int, int], None]


def render_notice(notice: PlannedNotice) -> RenderedMail:
    """The notice's mail, from its template (core/templates/mail/<kind>.<lang>.j2)."""
    return render_mail(notice.kind, notice.lang, **notice.context)


def planned(
    session: Session,
    rules: NoticeRules,
    on: date,
    *,
    only_on: bool,
    kinds: Iterable[str] | None = None,
) -> list[PlannedNotice]:
    """Notices current on `on` (`only_on`: only those scheduled on `on` itself); writes nothing."""
    wanted = set(kinds) if kinds is not None else None
    found: list[PlannedNotice] = []
    if wanted is None or wanted - {"alert"}:
        for state in load_states(session, rules):
            for notice in current_notices(state, on, rules):
                if (wanted is None or notice.kind in wanted) and (
                    not only_on or notice.scheduled_on == on
                ):
                    found.append(notice)
    if wanted is None or "alert" in wanted:
        found += alert_notices(session, on=on, only_on=only_on, unsent_only=not only_on)
    return found


def due(session: Session, rules: NoticeRules, on: date) -> list[dict[str, Any]]:
    """SPEC `notices due --on DATE --json`: the notices scheduled for `on`, sent or not."""
    notices = planned(session, rules, on, only_on=True)
    sent = _sent_keys(session, notices)
    return [
        {
            "customer_id": notice.customer_id,
            "kind": notice.kind,
            "about": notice.about,
            "to": notice.to,
            "subject": render_subject(notice.kind, notice.lang, **notice.context),
            "scheduled_on": notice.scheduled_on.isoformat(),
            "sent": notice.key in sent,
        }
        for notice in notices
    ]


def _sent_keys(session: Session, notices: Sequence[PlannedNotice]) -> set[tuple[int, str, str]]:
    if not notices:
        return set()
    earliest = min(notice.scheduled_on for notice in notices)
    rows = session.execute(
        select(Notice.customer_pk, Notice.kind, Notice.about).where(
            Notice.sent_at.is_not(None), Notice.scheduled_on >= earliest
        )
    )
    return {(pk, kind, about) for pk, kind, about in rows}


@dataclass
class SendReport:
    """What one sweep did."""

    planned: int = 0  # current on the day and not sent before
    sent: int = 0  # queued into the outbox by this sweep
    taken: int = 0  # claimed or sent by another sweep meanwhile
    failed: list[str] = field(default_factory=list)  # notices whose mail could not be made
    actions: list[int] = field(default_factory=list)  # `suspend` actions queued
    outbox_ids: list[int] = field(default_factory=list)  # the mails queued, to send now


def send_due(
    sessions: sessionmaker[Session],
    rules: NoticeRules,
    on: date,
    *,
    me: str,
    now: datetime | None = None,
    kinds: Iterable[str] | None = None,
    lease: timedelta = LEASE,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SendReport:
    """Send every notice scheduled on or before `on` that is unsent and still applies, once."""
    with sessions.begin() as session:
        notices = planned(session, rules, on, only_on=False, kinds=kinds)
        sent = _sent_keys(session, notices)
    pending = [notice for notice in notices if notice.key not in sent]
    report = SendReport(planned=len(pending))
    for start in range(0, len(pending), BATCH):
        if should_stop():
            break
        batch = pending[start : start + BATCH]
        # The clock at each batch (unless one is given): a sweep of minutes leases its last
        # batch for as long as its first.
        moment = now or utcnow()
        with sessions.begin() as session:
            claimed = claim(session, batch, me=me, now=moment, lease=lease)
        report.taken += len(batch) - len(claimed)
        with sessions.begin() as session:
            deliver(session, claimed, me=me, now=moment, report=report)
        if progress:
            progress(start + len(batch), len(pending))
    return report


def claim(
    session: Session,
    notices: Sequence[PlannedNotice],
    *,
    me: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> dict[int, PlannedNotice]:
    """Create the notices' rows (once) and take those free for `lease` → {row id: notice}.

    Commit before sending. The UPDATE's own WHERE says "free" (unsent, no live lease): on
    PostgreSQL a row another sweep changed meanwhile is re-checked against it (Read Committed),
    so two sweeps never both win; SQLite's transactions take the write lock at BEGIN IMMEDIATE.
    """
    if not notices:
        return {}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    created = utcnow()
    session.execute(
        dialect.insert(Notice).on_conflict_do_nothing(
            index_elements=["customer_pk", "kind", "about"]
        ),
        [
            {
                "customer_pk": n.customer_pk,
                "kind": n.kind,
                "about": n.about,
                "scheduled_on": n.scheduled_on,
                "created_at": created,
            }
            for n in notices
        ],
    )
    by_key = {notice.key: notice for notice in notices}
    ids = {
        row_id: by_key[(pk, kind, about)]
        for row_id, pk, kind, about in session.execute(
            select(Notice.id, Notice.customer_pk, Notice.kind, Notice.about).where(
                tuple_(Notice.customer_pk, Notice.kind, Notice.about).in_(list(by_key))
            )
        )
    }
    free = and_(
        Notice.sent_at.is_(None), or_(Notice.lease_until.is_(None), Notice.lease_until < now)
    )
    # RETURNING names the rows won: rowcount says nothing useful here on PostgreSQL (the note).
    won = session.scalars(
        update(Notice)
        .where(Notice.id.in_(list(ids)), free)
        .values(claimed_by=me, lease_until=now + lease)
        .returning(Notice.id)
        .execution_options(synchronize_session=False)
    ).all()
    return {row_id: ids[row_id] for row_id in won}


def deliver(
    session: Session,
    claimed: dict[int, PlannedNotice],
    *,
    me: str,
    now: datetime,
    report: SendReport | None = None,
) -> list[int]:
    """Queue the mail of each notice this sweep still holds and mark it sent → the sent ids."""
    report = report if report is not None else SendReport()
    mails: dict[int, RenderedMail] = {}
    for row_id, notice in claimed.items():
        try:
            mails[row_id] = render_notice(notice)
        except Exception as exc:  # a template that cannot be filled must not stop the others
            report.failed.append(f"{notice.outbox_key}: {exc}")
    if not mails:
        return []
    # Guarded by the claim: a sweep whose lease ran out and was re-claimed marks nothing here.
    held = session.scalars(
        update(Notice)
        .where(Notice.id.in_(list(mails)), Notice.claimed_by == me, Notice.sent_at.is_(None))
        .values(sent_at=now)
        .returning(Notice.id)
        .execution_options(synchronize_session=False)
    ).all()
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_({claimed[i].customer_pk for i in held}))
        )
    }
    links = []
    for row_id in held:
        notice, mail = claimed[row_id], mails[row_id]
        queued = enqueue_mail(
            session,
            notice.outbox_key,
            notice.kind,
            notice.to,
            mail.subject,
            mail.body,
            customer_pk=notice.customer_pk,
        )
        links.append({"id": row_id, "outbox_id": queued.id})
        if notice.kind == "payment_overdue" and notice.context.get("suspend"):
            action = _queue_suspension(session, customers[notice.customer_pk], notice)
            report.actions.append(action)
    if links:
        session.execute(update(Notice), links)
        report.outbox_ids += [row["outbox_id"] for row in links]
    report.sent += len(held)
    report.taken += len(mails) - len(held)
    return list(held)


def _queue_suspension(session: Session, customer: Customer, notice: PlannedNotice) -> int:
    """第9条1項(1), 第10条1項(1): after the last overdue notice, staff decide on suspending."""
    due_on: date = notice.context["due_on"]
    amount: int = notice.context["amount"]
    summary = (
        f"{customer.customer_id} {customer.company}: suspend the service (第9条1項(1)) — "
        f"{amount:,} yen due {due_on.isoformat()} still unpaid after overdue notice "
        f"#{notice.context['count']} of {notice.scheduled_on.isoformat()}"
    )
    action = queue.enqueue(
        session,
        "suspend",
        summary,
        payload={
            "customer_id": customer.customer_id,
            "due_on": due_on.isoformat(),
            # `amount` and `lang` are what core.executor's suspension mail states.
            "amount": amount,
            "owed": amount,
            "lang": notice.lang,
            "notice": notice.outbox_key,
        },
        customer=customer,
        actor="scheduler",
    )
    return action.id


@dataclass(frozen=True)
class NoticeRecord:
    """One row of a customer's notice history."""

    kind: str
    about: str
    scheduled_on: date
    sent_at: datetime | None
    outbox_id: int | None
    mail_status: str | None
    subject: str | None


def history(session: Session, customer: Customer) -> list[NoticeRecord]:
    """The customer's notices, oldest first, with the state of each one's mail."""
    rows = session.execute(
        select(Notice, OutboxMail.status, OutboxMail.subject)
        .outerjoin(OutboxMail, OutboxMail.id == Notice.outbox_id)
        .where(Notice.customer_pk == customer.id)
        .order_by(Notice.scheduled_on, Notice.id)
    )
    return [
        NoticeRecord(n.kind, n.about, n.scheduled_on, n.sent_at, n.outbox_id, status, subject)
        for n, status, subject in rows
    ]
