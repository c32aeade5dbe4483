"""The handler the worker runs for each stored mail: read it (mail.reading), take it in (core)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.intake import IntakeResult, take_in
from core.settings import Settings
from mail.processing import Handler, Outcome
from mail.reading import read_mail


def intake_handler(settings: Settings) -> Handler:
    """Understand a raw mail and take it in; our own mail is recorded and never answered."""

    def handle(session: Session, raw: bytes, received_at: datetime | None) -> Outcome:
        facts = read_mail(raw, received_at=received_at, authserv_id=settings.mail_authserv_id)
        if facts.otasuke_kind is not None:
            # SPEC: every mail we send carries X-Otasuke-Kind; one coming back is not a request.
            return Outcome("own", f"our own mail ({facts.otasuke_kind}): not answered")
        result = take_in(session, facts, settings)
        queued = (result.ack.id,) if result.ack is not None else ()
        return Outcome("done", describe(result), queued)

    return handle


def describe(result: IntakeResult) -> str:
    """One line: what the intake recorded (shown with the stored mail)."""
    parts = [f"request {result.request.id} ({result.request.intent})"]
    if result.duplicate:
        parts.append("taken in before: nothing done again")
    if result.action is not None:
        parts.append(f"action {result.action.id} ({result.action.kind})")
    if result.ack is not None:
        parts.append(f"ack queued (outbox {result.ack.id})")
    elif result.ack_withheld:
        parts.append(f"no ack: {result.ack_withheld}")
    return "; ".join(parts)
