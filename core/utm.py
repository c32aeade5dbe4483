"""UTM returns (第12条6項): staff record that a customer's UTM came back; reminders stop."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.models import Customer, UtmReturn, utcnow


def record_utm_returned(session: Session, customer: Customer, on: date, actor: str) -> UtmReturn:
    """Record the return on `on` (a second record replaces the date); audited."""
    returned = session.scalar(select(UtmReturn).where(UtmReturn.customer_pk == customer.id))
    if returned is None:
        returned = UtmReturn(customer_pk=customer.id, returned_on=on, recorded_by=actor)
        session.add(returned)
    else:
        returned.returned_on, returned.recorded_by = on, actor
    returned.recorded_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "utm.returned", f"customer:{customer.customer_id}", {"on": on.isoformat()}
    )
    return returned
