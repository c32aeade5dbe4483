"""Notices: what is due on a day (the plan, read only), and sending each exactly once.

Exactly once, whatever restarts or second instances happen (SPEC "Notices"): each notice has a
unique row (customer, kind, about); a sweep claims its rows with a lease before it sends, then
queues the mail (core.outbox, under the notice's own outbox key) and marks the row sent with the
outbox id in one transaction, guarded by its claim. A sweep that dies after claiming leaves a
lease that runs out: the next sweep sends the notice, once. APScheduler's job store plays no part
(shared/notes/scheduler-and-claims.md §2, §4).

The catch-up horizon: a notice scheduled more than `NoticeRules.catch_up_days` before the day
swept is not sent but recorded as skipped (claimed for good by `skipped:<reason>`), so no later
sweep sends it; staff are told once a day (a chamber that imports customers before payments
would otherwise mail every customer a third overdue notice for years-old debts). The horizon
is for money and the box's return, whose history may predate otasuke; a renewal notice still
applies until its period ends and an alert until its dispatch window closes, so those two go
out however late the sweep (a chamber that starts on February 1 still tells its customers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import queue
from core.models import Action, Customer, Notice, OutboxMail, utcnow
from core.notice_plan import NoticeRules, PlannedNotice, current_notices
from core.notice_state import alert_notices, load_states
from core.outbox import NewMail, enqueue_all
from core.staff_notices import tell_staff
from core.templates import RenderedMail, render_mail, render_subject

# The claim outlives the work it covers many times over: rendering and queueing a batch takes
# milliseconds. Even when it does run out, the mark-sent UPDATE is guarded by the claim.
LEASE = timedelta(minutes=5)
BATCH = 200
# A skipped notice is claimed for good: no sweep's "free" condition ever takes it again.
SKIPPED_PREFIX = "skipped:"
TOO_OLD = "too_old"
# The kinds the catch-up horizon applies to (the module docstring says why only these).
HORIZON_KINDS = frozenset({"payment_reminder", "payment_overdue", "utm_return"})
_FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
# PostgreSQL advisory lock key: two sweeps queue `suspend` actions one after the other, so
# neither misses the other's (SQLite's BEGIN IMMEDIATE already runs one writer at a time).
SUSPEND_LOCK_KEY = 0x6F7461737573  # "otasus"
# An open suspension: staff have not decided it, or it is being carried out.
_OPEN_ACTION = ("pending", "approved")

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
    settled = _settled(session, notices)
    return [
        {
            "customer_id": notice.customer_id,
            "kind": notice.kind,
            "about": notice.about,
            "to": notice.to,
            "subject": render_subject(notice.kind, notice.lang, **notice.context),
            "scheduled_on": notice.scheduled_on.isoformat(),
            "sent": settled.get(notice.key) == "sent",
            "skipped": _reason(settled.get(notice.key)),
        }
        for notice in notices
    ]


def _settled(session: Session, notices: Sequence[PlannedNotice]) -> dict[tuple[int, str, str], str]:
    """{key: "sent" or "skipped:<reason>"} for those of `notices` no sweep will send again."""
    if not notices:
        return {}
    earliest = min(notice.scheduled_on for notice in notices)
    rows = session.execute(
        select(Notice.customer_pk, Notice.kind, Notice.about, Notice.claimed_by).where(
            or_(Notice.sent_at.is_not(None), Notice.claimed_by.startswith(SKIPPED_PREFIX)),
            Notice.scheduled_on >= earliest,
        )
    )
    return {
        (pk, kind, about): by if by and by.startswith(SKIPPED_PREFIX) else "sent"
        for pk, kind, about, by in rows
    }


def _reason(settled: str | None) -> str | None:
    if settled is None or not settled.startswith(SKIPPED_PREFIX):
        return None
    return settled.removeprefix(SKIPPED_PREFIX)


@dataclass
class SendReport:
    """What one sweep did."""

    planned: int = 0  # current on the day and not sent before
    sent: int = 0  # queued into the outbox by this sweep
    taken: int = 0  # claimed or sent by another sweep meanwhile
    failed: list[str] = field(default_factory=list)  # notices whose mail could not be made
    skipped: list[PlannedNotice] = field(default_factory=list)  # too old: recorded, not sent
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
        settled = _settled(session, notices)
    oldest = on - timedelta(days=rules.catch_up_days)
    unsettled = [notice for notice in notices if notice.key not in settled]
    stale = [n for n in unsettled if n.kind in HORIZON_KINDS and n.scheduled_on < oldest]
    stale_keys = {notice.key for notice in stale}
    pending = [notice for notice in unsettled if notice.key not in stale_keys]
    report = SendReport(planned=len(pending))
    if stale:
        moment = now or utcnow()
        with sessions.begin() as session:
            report.skipped = skip(session, stale, TOO_OLD, now=moment)
            if report.skipped:
                # All that the day's plan found too old (a second sweep may record a share).
                _tell_staff_skipped(session, stale, on, rules.catch_up_days, moment)
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


def skip(
    session: Session, notices: Sequence[PlannedNotice], reason: str, *, now: datetime
) -> list[PlannedNotice]:
    """Record the notices as never to be sent, for `reason` → those this call recorded.

    The same claim as `claim`, taken for good: a notice another sweep holds or sent is left.
    """
    claimed = claim(session, notices, me=SKIPPED_PREFIX + reason, now=now, lease=_FOREVER - now)
    return list(claimed.values())


def _tell_staff_skipped(
    session: Session, skipped: Sequence[PlannedNotice], on: date, days: int, now: datetime
) -> None:
    """Staff learn once per sweep day that old notices were not sent (the digest lists debts)."""
    kinds: dict[str, int] = {}
    for notice in skipped:
        kinds[notice.kind] = kinds.get(notice.kind, 0) + 1
    customers = sorted({notice.customer_id for notice in skipped})
    more = f" and {len(customers) - 10} more" if customers[10:] else ""
    shown = ", ".join(customers[:10]) + more
    text = (
        f"{len(skipped)} notices older than {days} days not sent (first import?): "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        + f" for {len(customers)} customer(s) ({shown}). Import the payments received "
        "(otasuke payments import) and check the overdue list in the digest."
    )
    try:
        with session.begin_nested():
            tell_staff(
                session, "notices_skipped", text, key=f"notices_skipped:{on.isoformat()}", at=now
            )
    except IntegrityError:
        # Another sweep (a second `otasuke run` on PostgreSQL) told staff the same a moment ago.
        pass


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
    report.taken += len(mails) - len(held)
    if not held:
        return []
    # Every held notice's mail in one statement, in this transaction: a notice is marked sent
    # exactly when its mail is queued.
    notices = [claimed[row_id] for row_id in held]
    queued = enqueue_all(
        session,
        [
            NewMail(n.outbox_key, n.kind, n.to, mails[row_id].subject, mails[row_id].body,
                    customer_pk=n.customer_pk)
            for row_id, n in zip(held, notices, strict=True)
        ],
    )  # fmt: skip
    links = [
        {"id": row_id, "outbox_id": mail_id} for row_id, mail_id in zip(held, queued, strict=True)
    ]
    session.execute(update(Notice), links)
    report.outbox_ids += queued
    report.sent += len(held)
    _queue_suspensions(session, notices, report)
    return list(held)


def _queue_suspensions(
    session: Session, notices: Sequence[PlannedNotice], report: SendReport
) -> None:
    """The `suspend` actions that third overdue notices among `notices` ask for, one a customer."""
    asking = [n for n in notices if n.kind == "payment_overdue" and n.context.get("suspend")]
    if not asking:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Read Committed: after the wait, the other sweep's action is seen (below).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SUSPEND_LOCK_KEY})
    pks = {notice.customer_pk for notice in asking}
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(pks)))}
    # At most one suspension per customer at a time: none while one is open or it holds.
    unsuspendable = set(
        session.scalars(
            select(Action.customer_pk).where(
                Action.kind == "suspend",
                Action.status.in_(_OPEN_ACTION),
                Action.customer_pk.in_(pks),
            )
        )
    ) | {pk for pk, customer in customers.items() if customer.status == "suspended"}
    for notice in asking:
        if notice.customer_pk not in unsuspendable:
            report.actions.append(_queue_suspension(session, customers[notice.customer_pk], notice))
            unsuspendable.add(notice.customer_pk)


def _queue_suspension(session: Session, customer: Customer, notice: PlannedNotice) -> int:
    """第9条1項(1), 第10条1項(1): after the last overdue notice, staff decide on suspending."""
    due_on: date = notice.context["due_on"]
    # Everything unpaid, since the oldest due date still unpaid (not only this notice's debt).
    amount: int = notice.context.get("total_owed", notice.context["amount"])
    oldest: date = notice.context.get("oldest_due", due_on)
    summary = (
        f"{customer.customer_id} {customer.company}: suspend the service (第9条1項(1)) — "
        f"{amount:,} yen unpaid in total, oldest due {oldest.isoformat()}; overdue notice "
        f"#{notice.context['count']} for {due_on.isoformat()} sent "
        f"{notice.scheduled_on.isoformat()}"
    )
    action = queue.enqueue(
        session,
        "suspend",
        summary,
        payload={
            "customer_id": customer.customer_id,
            "due_on": oldest.isoformat(),
            "several_due": notice.context.get("due_dates", 1) > 1,
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
    skipped: str | None = None  # why it was never sent (`too_old`), when it was not


def history(session: Session, customer: Customer) -> list[NoticeRecord]:
    """The customer's notices, oldest first, with the state of each one's mail."""
    rows = session.execute(
        select(Notice, OutboxMail.status, OutboxMail.subject)
        .outerjoin(OutboxMail, OutboxMail.id == Notice.outbox_id)
        .where(Notice.customer_pk == customer.id)
        .order_by(Notice.scheduled_on, Notice.id)
    )
    return [
        NoticeRecord(
            n.kind,
            n.about,
            n.scheduled_on,
            n.sent_at,
            n.outbox_id,
            status,
            subject,
            _reason(n.claimed_by),
        )
        for n, status, subject in rows
    ]
