"""Reading what notices follow from: customers, contracts, periods, payments, cancellations, alerts.

Everything is read in a few bulk queries (50,000 customers in seconds); nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.models import (
    Action,
    Alert,
    Contract,
    ContractPeriod,
    Customer,
    Notice,
    Payment,
    UtmReturn,
)
from core.notice_plan import CustomerState, NoticeRules, PlannedNotice
from knowledge.rules.billing import Period
from knowledge.rules.calendar import JST, jst_date
from knowledge.rules.notices import dispatch_window_end, is_critical_alert

# An on-time term-end cancellation not rejected keeps the renewal notice away (R17).
_LIVE_STATUSES = ("pending", "approved", "done")


def load_states(
    session: Session, rules: NoticeRules, pks: Collection[int] | None = None
) -> list[CustomerState]:
    """Every customer's state (or those with primary keys `pks`), in customer_id order."""

    def only(column: object, query: object) -> object:
        return query if pks is None else query.where(column.in_(pks))  # type: ignore[attr-defined]

    # Plain Core rows (the connection, not the ORM), fetched whole: 50,000 customers in bulk.
    connection = session.connection()

    contracts = {
        pk: (applied, approved, member)
        for pk, applied, approved, member in connection.execute(
            only(
                Contract.customer_pk,
                select(
                    Contract.customer_pk, Contract.applied_on, Contract.approved_on, Contract.member
                ),
            )
        )
    }
    billed: dict[int, list[Period]] = defaultdict(list)
    for pk, number, starts, ends, fee, due, member in connection.execute(
        only(
            Contract.customer_pk,
            select(
                Contract.customer_pk,
                ContractPeriod.number,
                ContractPeriod.starts_on,
                ContractPeriod.ends_on,
                ContractPeriod.fee,
                ContractPeriod.due_on,
                ContractPeriod.member,
            )
            .join(Contract, Contract.id == ContractPeriod.contract_id)
            .order_by(Contract.customer_pk, ContractPeriod.number),
        )
    ).all():
        billed[pk].append(Period(number, starts, ends, fee, due, member))
    payments: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for pk, paid_on, amount in connection.execute(
        only(
            Payment.customer_pk,
            select(Payment.customer_pk, Payment.paid_on, Payment.amount).order_by(
                Payment.customer_pk, Payment.paid_on, Payment.id
            ),
        )
    ).all():
        payments[pk].append((paid_on, amount))
    returned = dict(
        connection.execute(
            only(UtmReturn.customer_pk, select(UtmReturn.customer_pk, UtmReturn.returned_on))
        ).all()
    )
    cancelling = _term_end_cancellations(session, pks)
    states = []
    for row in connection.execute(
        only(
            Customer.id,
            select(
                Customer.id,
                Customer.customer_id,
                Customer.company,
                Customer.contact_name,
                Customer.email,
                Customer.member,
                Customer.status,
                Customer.ended_on,
                Customer.applied_on,
                Customer.approved_on,
                Customer.lang,
            ).order_by(Customer.customer_id),
        )
    ).all():
        applied, approved, member = contracts.get(
            row.id, (row.applied_on, row.approved_on, row.member)
        )
        states.append(
            CustomerState(
                pk=row.id,
                customer_id=row.customer_id,
                company=row.company,
                contact_name=row.contact_name,
                email=row.email,
                member=row.member,
                status=row.status,
                ended_on=row.ended_on,
                terms=rules.terms(applied, approved, member),
                billed=tuple(billed.get(row.id, ())),
                payments=tuple(payments.get(row.id, ())),
                cancelling_at=frozenset(cancelling.get(row.id, ())),
                utm_returned_on=returned.get(row.id),
                lang=row.lang or "ja",
            )
        )
    return states


def _term_end_cancellations(session: Session, pks: Collection[int] | None) -> dict[int, set[date]]:
    query = select(Action.customer_pk, Action.payload).where(
        Action.kind == "cancel_at_term_end", Action.status.in_(_LIVE_STATUSES)
    )
    if pks is not None:
        query = query.where(Action.customer_pk.in_(pks))
    found: dict[int, set[date]] = defaultdict(set)
    for pk, payload in session.execute(query):
        if pk is None or not payload.get("on_time"):
            continue
        for name in ("effective_date", "requested_date"):
            value = payload.get(name)
            if value:
                try:
                    found[pk].add(date.fromisoformat(str(value)))
                except ValueError:
                    continue
    return found


def alert_notices(
    session: Session, *, on: date, only_on: bool, unsent_only: bool = False
) -> list[PlannedNotice]:
    """Alert mails scheduled on `on` (`only_on`) or by `on`: one per alert, the day it came in.

    An alert for a contract that had ended by the alert's time is never mailed (staff are told
    when it is imported, core.alerts).
    """
    day_end = datetime.combine(on + timedelta(days=1), time(), JST)
    query = (
        select(Alert, Customer)
        .join(Customer, Customer.id == Alert.customer_pk)
        .where(Alert.created_at < day_end)
        .order_by(Alert.id)
    )
    if only_on:
        query = query.where(Alert.created_at >= datetime.combine(on, time(), JST))
    if unsent_only:
        sent = select(Notice.id).where(
            and_(
                Notice.customer_pk == Alert.customer_pk,
                Notice.kind == "alert",
                Notice.about == Alert.source_key,
                Notice.sent_at.is_not(None),
            )
        )
        query = query.where(~sent.exists())
    out = []
    for alert, customer in session.execute(query):
        if alert_for_ended_contract(customer.ended_on, alert.received_at):
            continue
        critical = alert.critical or is_critical_alert(alert.subject)
        out.append(
            PlannedNotice(
                customer.id,
                customer.customer_id,
                "alert",
                alert.source_key or f"alert-{alert.id}",
                jst_date(alert.created_at),
                customer.email,
                {
                    "customer_id": customer.customer_id,
                    "company": customer.company,
                    "contact_name": customer.contact_name,
                    "title": alert.subject.replace("★★★", "").strip(),
                    "detail": alert.detail,
                    "severity": alert.severity,
                    "at": alert.received_at.astimezone(JST),
                    "critical": critical,
                    "window_end": alert.dispatch_window_end
                    or (dispatch_window_end(alert.received_at) if critical else None),
                },
                customer.lang or "ja",
            )
        )
    return out


def alert_for_ended_contract(ended_on: date | None, at: datetime) -> bool:
    """Whether the contract had ended by the alert's (JST) day."""
    return ended_on is not None and jst_date(at) > ended_on
