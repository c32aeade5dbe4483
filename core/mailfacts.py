"""What one customer mail says, as facts: the mail reader's output and the intake's input."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

# SPEC "`otasuke mail classify`": the intents, requests first.
REQUEST_INTENTS = (
    "cancel_at_term_end",
    "cancel_midterm",
    "cancel_before_start",
    "refund_incompatible",
    "cancel_service_change",
)
INTENTS = (*REQUEST_INTENTS, "question", "auto_reply", "bounce", "spam", "other")
# Intents that never get an answer (SPEC: auto-replies, bounces, spam get no reply).
SILENT_INTENTS = frozenset({"auto_reply", "bounce", "spam"})

_DATES = ("requested_date", "change_notified_on")
_MOMENTS = ("received_at", "written_at")


@dataclass(frozen=True)
class MailFacts:
    """Everything read from one mail (INTERFACES.md); JSON-round-trippable."""

    message_id: str
    from_address: str
    from_name: str | None
    reply_to: str | None
    subject: str
    text: str  # what the customer wrote: decoded, quotes and signature stripped
    language: str  # "ja" | "en"
    intent: str
    customer_id: str | None  # written in the mail, normalised (NIG-000123)
    company: str | None  # a company name written in the mail
    requested_date: date | None
    received_at: datetime  # aware: the server's receipt time
    written_at: datetime  # the base of relative dates (SPEC "Rules")
    reply_expected: bool
    hold_reason: str | None = None  # set when staff must look first (a spoof)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    otasuke_kind: str | None = None
    otasuke_action: int | None = None
    notes: list[str] = field(default_factory=list)  # how each fact was found (`mail explain`)
    change_notified_on: date | None = None  # R13: the service-change notice the mail refers to

    def to_payload(self) -> dict[str, Any]:
        """A JSON-safe dict (ISO dates and date-times) that `from_payload` reads back."""
        payload = asdict(self)
        for name in _DATES + _MOMENTS:
            value = payload[name]
            payload[name] = value.isoformat() if value is not None else None
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> MailFacts:
        """The facts `to_payload` wrote (unknown keys ignored, so older payloads still read)."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in payload.items() if key in known}
        for name in _DATES:
            if values.get(name) is not None:
                values[name] = date.fromisoformat(values[name])
        for name in _MOMENTS:
            values[name] = datetime.fromisoformat(values[name])
        values["references"] = list(values.get("references") or [])
        values["notes"] = list(values.get("notes") or [])
        return cls(**values)

    def classify_json(self) -> dict[str, Any]:
        """The SPEC's `otasuke mail classify --json` object."""
        return {
            "intent": self.intent,
            "customer_id": self.customer_id,
            "from_address": self.from_address,
            "requested_date": self.requested_date.isoformat() if self.requested_date else None,
            "reply_expected": self.reply_expected,
        }
