"""The staff approval queue: enqueue, list, decide exactly once (compare-and-set on `version`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.errors import UserError
from core.models import Action, Customer, utcnow
from core.models.queue import ACTION_STATUSES


class ActionAlreadyDecided(UserError):
    """Someone else decided (or the action moved on) first; nothing was changed."""


def enqueue(
    session: Session,
    kind: str,
    summary: str,
    *,
    payload: dict[str, Any] | None = None,
    customer: Customer | None = None,
    request_id: int | None = None,
    actor: str = "system",
) -> Action:
    """Queue an action for staff; flushed, so its `id` is known (the caller commits)."""
    action = Action(
        kind=kind,
        summary=summary,
        payload=payload or {},
        customer_pk=customer.id if customer is not None else None,
        request_id=request_id,
        created_at=utcnow(),
    )
    session.add(action)
    session.flush()
    audit.record(session, actor, "action.queued", f"action:{action.id}", {"kind": kind})
    return action


def list_actions(session: Session, status: str | None = None) -> list[Action]:
    """Actions oldest first (with their customer loaded), only those in `status` when given."""
    if status is not None and status not in ACTION_STATUSES:
        raise UserError(f"status {status!r}: one of {', '.join(ACTION_STATUSES)}")
    query = select(Action).options(selectinload(Action.customer)).order_by(Action.id)
    if status is not None:
        query = query.where(Action.status == status)
    return list(session.scalars(query))


def get_action(session: Session, action_id: int) -> Action:
    """One action with its customer and request; unknown → UserError."""
    action = session.scalar(
        select(Action)
        .options(selectinload(Action.customer), selectinload(Action.request))
        .where(Action.id == action_id)
        .execution_options(populate_existing=True)
    )
    if action is None:
        raise UserError(f"no action #{action_id}")
    return action


def _transition(
    session: Session,
    action_id: int,
    allowed_from: tuple[str, ...],
    values: dict[str, Any],
    expected_version: int | None,
) -> Action:
    """Move the action on iff it is still where we expect; the UPDATE is the whole race."""
    # The conditional UPDATE is the transaction's first statement on purpose: it takes the row
    # (PostgreSQL) or the write lock (SQLite) before reading, so a loser never acts on a stale read.
    conditions = [Action.id == action_id, Action.status.in_(allowed_from)]
    if expected_version is not None:
        conditions.append(Action.version == expected_version)
    result = session.execute(
        update(Action)
        .where(*conditions)
        .values(**values, version=Action.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = get_action(session, action_id)
        raise ActionAlreadyDecided(
            f"action #{action_id} is {current.status}"
            + (f" (by {current.decided_by})" if current.decided_by else "")
            + ": nothing changed"
        )
    return get_action(session, action_id)


def approve(
    session: Session,
    action_id: int,
    actor: str,
    reason: str | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Action:
    """pending → approved, once: the one caller that gets the Action back executes it."""
    return _decide(session, action_id, actor, "approved", reason, expected_version, now)


def reject(
    session: Session,
    action_id: int,
    actor: str,
    reason: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Action:
    """pending → rejected, once, with the reason staff gave."""
    if not reason.strip():
        raise UserError("a rejection needs a reason")
    return _decide(session, action_id, actor, "rejected", reason, expected_version, now)


def _decide(
    session: Session,
    action_id: int,
    actor: str,
    status: str,
    reason: str | None,
    expected_version: int | None,
    now: datetime | None,
) -> Action:
    """Staff's decision on a pending action, audited as `action.<status>`."""
    now = now or utcnow()
    values = {"status": status, "decided_by": actor, "decided_at": now, "reason": reason}
    action = _transition(session, action_id, ("pending",), values, expected_version)
    audit.record(
        session, actor, f"action.{status}", f"action:{action_id}", {"reason": reason}, at=now
    )
    return action


def mark_done(
    session: Session, action_id: int, actor: str, details: dict[str, Any] | None = None
) -> Action:
    """approved → done, after the executor has carried it out."""
    values = {"status": "done", "finished_at": utcnow()}
    action = _transition(session, action_id, ("approved",), values, None)
    audit.record(session, actor, "action.done", f"action:{action_id}", details)
    return action


def mark_failed(session: Session, action_id: int, actor: str, error: str) -> Action:
    """approved → failed, with what went wrong (staff see it in the queue)."""
    values = {"status": "failed", "finished_at": utcnow(), "error": error}
    action = _transition(session, action_id, ("approved",), values, None)
    audit.record(session, actor, "action.failed", f"action:{action_id}", {"error": error})
    return action


def as_json(action: Action) -> dict[str, Any]:
    """The SPEC's `queue list --json` object (customer must be loaded)."""
    return {
        "id": action.id,
        "kind": action.kind,
        "status": action.status,
        "customer_id": action.customer.customer_id if action.customer is not None else None,
        "summary": action.summary,
    }
