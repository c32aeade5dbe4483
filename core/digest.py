"""The staff digest: each business morning, what staff must look at (SPEC "Alerts and staff")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import OutboxMail, StaffNotice
from core.notice_plan import CustomerState, arrears, overdue_debts
from core.outbox import NewMail, enqueue_all
from core.queue import list_actions
from core.templates import render_mail
from knowledge.rules.calendar import JST


def digest_context(session: Session, states: Sequence[CustomerState], on: date) -> dict[str, Any]:
    """The digest's figures for `on`: pending actions, hand-offs, failed mail, overdue, notices."""
    pending = list_actions(session, "pending")
    # One line a customer: what they owe now and since when (a debt's own `owed` counts every
    # earlier one too, so lines a due date would not add up to anything).
    overdue = [
        {"customer_id": s.customer_id, "company": s.company, "owed": a.owed, "since": a.since,
         "due_dates": a.due_dates}
        for s in states
        if (a := arrears(overdue_debts(s, on))) is not None
    ]  # fmt: skip
    failed = list(
        session.scalars(
            select(OutboxMail).where(OutboxMail.status == "failed").order_by(OutboxMail.id)
        )
    )
    start = datetime.combine(on, time(), JST)
    notices = list(
        session.scalars(
            select(StaffNotice)
            .where(
                StaffNotice.created_at >= start,
                StaffNotice.created_at < start + timedelta(days=1),
            )
            .order_by(StaffNotice.id)
        )
    )
    return {
        "on": on,
        "actions": [
            {"id": a.id, "kind": a.kind, "summary": a.summary}
            for a in pending
            if a.kind != "question"
        ],
        "handoffs": [{"id": a.id, "summary": a.summary} for a in pending if a.kind == "question"],
        "failed_mail": [
            {"id": m.id, "kind": m.kind, "to": m.to_address, "error": m.last_error or ""}
            for m in failed
        ],
        "overdue": sorted(overdue, key=lambda o: (o["since"], o["customer_id"])),
        "overdue_total": sum(o["owed"] for o in overdue),
        "staff_notices": [{"kind": n.kind, "text": n.text} for n in notices],
    }


def enqueue_digest(
    session: Session, addresses: Sequence[str], context: dict[str, Any], lang: str = "ja"
) -> list[int]:
    """Queue the digest for `context['on']` to each address, once a day each → the outbox ids."""
    mail = render_mail("digest", lang, **context)
    day = context["on"].isoformat()
    return enqueue_all(
        session,
        [
            NewMail(f"digest:{day}:{address}", "digest", address, mail.subject, mail.body)
            for address in addresses
        ],
    )
