"""/status: a linked customer's own dates, what is due, and their open requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context, chat_text
from bot.messages import Incoming, Reply, Response
from core import chat_links
from core.contracts import contract_view
from core.models import Action, Customer
from knowledge.rules.billing import debt_paid
from knowledge.rules.calendar import BusinessCalendar


async def status(ctx: Context, msg: Incoming, lang: str) -> Response:
    """/status: the linked customer's start, period, deadline, what is due, open requests."""
    facts = await ctx.db(_status_facts, msg.user_id, ctx.today(), ctx.calendar)
    return Response([Reply(chat_text("status", lang, **facts))])


def _status_facts(
    session: Session, user_id: int, today: Any, calendar: BusinessCalendar
) -> dict[str, Any]:
    customer = chat_links.linked_customer(session, user_id)
    if customer is None:
        return {"linked": False}
    view = contract_view(session, customer, today, calendar)
    st = view.status
    dues = [
        {
            "amount": period.fee,
            "due_on": period.due_on,
            "paid": debt_paid(view.periods, view.payments, period.due_on, today),
        }
        for period in view.periods
        if period.fee > 0
    ]
    # A fee not billed yet that the payments already cover (a renewal paid early): shown paid,
    # so the customer sees the money arrived, up to the next payment still to make.
    nxt = st.next_payment_due
    billed = {d["due_on"] for d in dues}
    dues += [
        {"amount": period.fee, "due_on": period.due_on, "paid": True}
        for period in view.schedule
        if period.fee > 0
        and period.due_on >= today
        and period.due_on not in billed
        and (nxt is None or period.due_on < nxt)
        and debt_paid(view.schedule, view.payments, period.due_on, today)
    ]
    # The next payment as `customers show` gives it: added when not billed yet; paid in part,
    # one line for its date with what is left beside the fee.
    partial = st.next_payment_amount < st.next_payment_fee
    if nxt is not None and (partial or all(d["due_on"] != nxt for d in dues)):
        dues = [d for d in dues if d["due_on"] != nxt]
        dues.append({"amount": st.next_payment_fee, "due_on": nxt, "paid": False,
                     "owed": st.next_payment_amount})  # fmt: skip
    return {
        "linked": True,
        "customer_id": customer.customer_id,
        "company": customer.company,
        "today": today,
        "start_date": view.terms.start_date,
        "ended_on": customer.ended_on if st.ended else None,
        "ends_on": customer.ended_on if customer.ended_on and not st.ended else None,
        "period_start": st.period_start,
        "period_end": st.period_end,
        "cancel_deadline": st.cancel_deadline,
        "dues": sorted(dues, key=lambda d: d["due_on"])[-3:],
        "requests": _open_requests(session, customer),
    }


def _open_requests(session: Session, customer: Customer) -> list[str]:
    rows = session.scalars(
        select(Action)
        .where(Action.customer_pk == customer.id, Action.status.in_(("pending", "approved")))
        .order_by(Action.id)
    )
    return [f"#{a.id} {a.summary}" for a in rows]
