"""What notices apply to one customer on a day: a pure function of its state, the rules and the day.

The SPEC's Notices: `renewal_notice` (R17), `payment_reminder` and `payment_overdue` (R6, R7),
`utm_return` (第12条6項). Periods not yet billed are projected by the rules (`schedule`), exactly
as the sweep bills them, so the answer for any day needs no sweep first.

A notice is *current* on a day when it is scheduled on or before it and still applies then:
- a reminder until its due date, while that debt is unpaid;
- the n-th overdue notice from its day until the (n+1)-th's, while unpaid (the last: while
  unpaid): after days without a sweep only the latest count goes, never one per missed day;
- a renewal notice until the period it is about ends, while the contract renews then;
- the n-th UTM return mail until the (n+1)-th's, until staff record the UTM returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise, takewhile
from typing import Any

from core.settings import Settings, business_calendar
from knowledge.rules.billing import Period, due_by, paid_by, schedule
from knowledge.rules.calendar import BusinessCalendar
from knowledge.rules.cancellation import term_end_cancel_deadline
from knowledge.rules.notices import renewal_notice_date
from knowledge.rules.periods import first_fee, first_payment_due, first_period_end, start_date

KINDS = ("renewal_notice", "payment_reminder", "payment_overdue", "alert", "utm_return")
# How far ahead a plan looks at periods: the renewal notice needs the period after the current.
_HORIZON = timedelta(days=400)


@dataclass(frozen=True)
class NoticeRules:
    """The Notices section's defaults as configured (Settings), with the business calendar."""

    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    renewal_notice_day: tuple[int, int] = (1, 15)
    reminder_days_before: int = 7
    overdue_interval_days: int = 7
    overdue_max: int = 3
    utm_return_interval_days: int = 14
    catch_up_days: int = 14  # older notices are recorded as skipped, never sent (core.notices)

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeRules:
        """The rules as this chamber configured them."""
        return cls(
            calendar=business_calendar(settings),
            renewal_notice_day=settings.renewal_notice_day,
            reminder_days_before=settings.payment_reminder_days_before,
            overdue_interval_days=settings.payment_overdue_interval_days,
            overdue_max=settings.payment_overdue_max,
            utm_return_interval_days=settings.utm_return_interval_days,
            catch_up_days=settings.notice_catch_up_days,
        )

    def terms(self, applied_on: date, approved_on: date, member: bool) -> FirstTerms:
        """What the contract's periods follow from (R2–R7), no more: 50,000 of them are quick."""
        start = start_date(applied_on, self.calendar)
        return FirstTerms(
            applied_on=applied_on,
            approved_on=approved_on,
            member=member,
            start_date=start,
            first_period_end=first_period_end(start),
            first_fee=first_fee(start, member),
            first_payment_due=first_payment_due(approved_on),
        )


@dataclass(frozen=True)
class FirstTerms:
    """The first period as formed at approval: what `plan_periods` needs of a ContractTerms."""

    applied_on: date
    approved_on: date
    member: bool
    start_date: date
    first_period_end: date
    first_fee: int
    first_payment_due: date


@dataclass(frozen=True)
class CustomerState:
    """What the notices of one customer follow from, read from the database."""

    pk: int
    customer_id: str
    company: str
    contact_name: str
    email: str
    member: bool
    status: str
    ended_on: date | None
    terms: FirstTerms
    billed: tuple[Period, ...]  # the stored periods, fees as billed (第13条2項)
    payments: tuple[tuple[date, int], ...]  # (paid_on, amount), oldest first
    # Period ends whose term-end cancellation was received on time and not rejected (R17).
    cancelling_at: frozenset[date] = frozenset()
    utm_returned_on: date | None = None
    lang: str = "ja"  # the notices' language (Customer.lang)


@dataclass(frozen=True)
class PlannedNotice:
    """One notice: whom, what, about what, on which day, and the figures its mail states."""

    customer_pk: int
    customer_id: str
    kind: str
    about: str
    scheduled_on: date
    to: str
    context: dict[str, Any]
    lang: str = "ja"

    @property
    def key(self) -> tuple[int, str, str]:
        """The notice's unique key (customer, kind, about)."""
        return (self.customer_pk, self.kind, self.about)

    @property
    def outbox_key(self) -> str:
        """The key of its mail in the outbox: queued once, whoever queues it twice."""
        return f"notice:{self.customer_id}:{self.kind}:{self.about}"


@dataclass(frozen=True)
class Debt:
    """Money due on one date and not covered by the payments received up to a day."""

    due_on: date
    owed: int  # everything due up to `due_on` minus everything paid up to the day


def periods_of(state: CustomerState, on: date) -> list[Period]:
    """The billed periods, then the projected ones, as far as a plan for `on` needs them.

    A term-end cancellation received on time and not rejected ends the plan at its date: the
    renewal it cancels is neither announced nor asked for while staff decide.
    """
    horizon = on + _HORIZON
    ends = [d for d in (state.ended_on, *state.cancelling_at) if d is not None]
    end = min(ends) if ends else None
    return [
        period
        for period in takewhile(
            lambda p: p.number == 1 or p.starts_on <= horizon,
            schedule(state.terms, state.billed, end, state.member),
        )
        if end is None or period.number == 1 or period.starts_on <= end
    ]


def debts(state: CustomerState, periods: list[Period], on: date, until: date) -> Iterator[Debt]:
    """Each due date up to `until` that asks for money and is not paid as of `on` (SPEC)."""
    paid = paid_by(list(state.payments), on)
    seen: set[date] = set()
    for period in periods:
        due = period.due_on
        if due > until or due in seen:
            continue
        seen.add(due)
        # R6: a 0-yen first payment (a March start) owes nothing, so it has no reminder.
        if not sum(p.fee for p in periods if p.due_on == due):
            continue
        owed = due_by(periods, due) - paid
        if owed > 0:
            yield Debt(due, owed)


def current_notices(state: CustomerState, on: date, rules: NoticeRules) -> list[PlannedNotice]:
    """The notices scheduled on or before `on` that still apply on `on` (see the module doc)."""
    periods = periods_of(state, on)
    found = [
        *_payment_notices(state, periods, on, rules),
        *_renewal_notices(state, periods, on, rules),
        *_utm_return_notices(state, on, rules),
    ]
    return found


def overdue_debts(state: CustomerState, on: date) -> list[Debt]:
    """The customer's debts whose due date has passed by `on`, oldest first."""
    periods = periods_of(state, on)
    return list(debts(state, periods, on, on - timedelta(days=1)))


@dataclass(frozen=True)
class Arrears:
    """All a customer owes past its due dates: how much, since when, over how many due dates."""

    owed: int
    since: date  # the oldest due date the payments do not cover
    due_dates: int


def arrears(overdue: list[Debt]) -> Arrears | None:
    """What overdue debts (oldest first) come to: each `owed` counts every earlier one too."""
    if not overdue:
        return None
    return Arrears(overdue[-1].owed, overdue[0].due_on, len(overdue))


def _notice(
    state: CustomerState, kind: str, about: str, scheduled: date, **context: Any
) -> PlannedNotice:
    base = {
        "customer_id": state.customer_id,
        "company": state.company,
        "contact_name": state.contact_name,
    }
    return PlannedNotice(
        state.pk, state.customer_id, kind, about, scheduled, state.email, base | context,
        state.lang,
    )  # fmt: skip


def _payment_notices(
    state: CustomerState, periods: list[Period], on: date, rules: NoticeRules
) -> Iterator[PlannedNotice]:
    before = timedelta(days=rules.reminder_days_before)
    interval = timedelta(days=rules.overdue_interval_days)
    found = list(debts(state, periods, on, on + before))
    # What a `suspend` action states: everything unpaid by `on`, since the oldest due date.
    owing = arrears([debt for debt in found if debt.due_on < on])
    unpaid = (
        {"total_owed": owing.owed, "oldest_due": owing.since, "due_dates": owing.due_dates}
        if owing is not None
        else {}
    )
    for debt in found:
        fees = [p for p in periods if p.due_on == debt.due_on and p.fee]
        figures = {
            "due_on": debt.due_on,
            "amount": debt.owed,
            "periods": [{"start": p.starts_on, "end": p.ends_on, "fee": p.fee} for p in fees],
        }
        reminder_on = debt.due_on - before
        if reminder_on <= on <= debt.due_on:
            yield _notice(
                state, "payment_reminder", debt.due_on.isoformat(), reminder_on, **figures
            )
            continue
        # 第9条1項(1), 第10条1項(1): 支払期日を経過してもなお支払わないとき.
        for count in range(1, rules.overdue_max + 1):
            day = debt.due_on + timedelta(days=1) + interval * (count - 1)
            last = count == rules.overdue_max
            if day <= on and (last or on < day + interval):
                about = f"{debt.due_on.isoformat()}#{count}"
                # With the last one staff are asked to suspend, unless the contract has ended.
                suspend = last and (state.ended_on is None or state.ended_on >= on)
                yield _notice(
                    state, "payment_overdue", about, day, count=count, suspend=suspend,
                    **figures, **unpaid,
                )  # fmt: skip


def _renewal_notices(
    state: CustomerState, periods: list[Period], on: date, rules: NoticeRules
) -> Iterator[PlannedNotice]:
    # R17 (第12条2項): to every active customer whose period ends that March 31.
    if state.status not in ("active", "suspended"):
        return
    month, day = rules.renewal_notice_day
    for period, renewal in pairwise(periods):
        end = period.ends_on
        scheduled = max(
            renewal_notice_date(end.year, rules.calendar, month, day), state.terms.approved_on
        )
        if not scheduled <= on <= end or end in state.cancelling_at:
            continue
        first = period.number == 1
        deadline = term_end_cancel_deadline(end, rules.calendar)
        yield _notice(
            state,
            "renewal_notice",
            end.isoformat(),
            scheduled,
            period_end=end,
            cancel_deadline=deadline,
            # R9: a February/March start's first deadline can precede the application itself.
            cancellable=not first or deadline >= state.terms.applied_on,
            next_start=renewal.starts_on,
            next_end=renewal.ends_on,
            fee=renewal.fee,
            due_on=renewal.due_on,
            member=renewal.member,
        )


def _utm_return_notices(
    state: CustomerState, on: date, rules: NoticeRules
) -> Iterator[PlannedNotice]:
    end = state.ended_on
    # 第12条6項: once the contract has ended, the UTM goes back; none was lent before the start.
    if end is None or end < state.terms.start_date or on <= end:
        return
    if state.utm_returned_on is not None and state.utm_returned_on <= on:
        return
    first = end + timedelta(days=1)
    interval = rules.utm_return_interval_days
    count = (on - first).days // interval + 1
    scheduled = first + timedelta(days=interval * (count - 1))
    yield _notice(
        state,
        "utm_return",
        f"{end.isoformat()}#{count}",
        scheduled,
        ended_on=end,
        count=count,
        reminder=count > 1,
        next_reminder=scheduled + timedelta(days=interval),
    )
