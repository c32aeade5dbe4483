"""What the headers say before anyone reads the body: machine mail, lists, our own mail, spoofs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

import authres

from mail.charsets import decode_header, raw_value, raw_values

_AUTO_SUBJECT = re.compile(
    r"自動応答|自動返信|自動送信|不在(?:通知|のお知らせ|です|にします|につき|期間|中)|休暇中|"
    r"out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[-\s]?reply|autoreply|"
    r"away\s+from\s+(?:the\s+)?office|on\s+vacation|vacation\s+reply",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail\s*delivery)", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery\s+(?:status\s+)?(?:notification|failure|failed)|returned\s+mail|"
    r"failure\s+notice|mail\s+delivery\s+failed|配信(?:不能|失敗|エラー)|送信(?:失敗|エラー)|"
    r"届きませんでした|宛先不明",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class HeaderSignals:
    """What the headers alone tell: the kind of machine mail, if any, and a reason to hold."""

    machine: str | None  # "own" | "bounce" | "auto_reply" | "list" | None
    hold_reason: str | None
    notes: tuple[str, ...]


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address header, names decoded."""
    values = [decode_header(value) for value in raw_values(message, name)]
    return [(display, address.strip().lower()) for display, address in getaddresses(values)]


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def read_signals(message: Message, from_address: str, authserv_id: str | None) -> HeaderSignals:
    """Classify by headers (SPEC: auto-replies, bounces, lists, our own mail; spoofs held)."""
    notes: list[str] = []
    subject = decode_header(raw_value(message, "Subject"))
    machine = _machine(message, from_address, subject, notes)
    hold = _spoof(message, from_address, authserv_id, notes)
    return HeaderSignals(machine, hold, tuple(notes))


def _machine(message: Message, from_address: str, subject: str, notes: list[str]) -> str | None:
    kind = message.get("X-Otasuke-Kind")
    if kind:
        notes.append(f"X-Otasuke-Kind: {kind.strip()} → our own mail")
        return "own"
    content_type = message.get_content_type()
    report = (message.get_param("report-type") or "").lower() if content_type else ""
    if content_type == "multipart/report" and report in ("delivery-status", ""):
        notes.append("multipart/report (delivery-status) → bounce")
        return "bounce"
    local = from_address.partition("@")[0]
    if _BOUNCE_SENDER.match(local) or _BOUNCE_SENDER.match(from_address):
        notes.append(f"From {from_address} → bounce")
        return "bounce"
    return_path = message.get("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        if _BOUNCE_SUBJECT.search(subject) or content_type == "multipart/report":
            notes.append("empty Return-Path with a delivery-failure subject → bounce")
            return "bounce"
        notes.append("empty Return-Path → machine mail (auto-reply)")
        return "auto_reply"
    if _BOUNCE_SUBJECT.search(subject) and not message.get("In-Reply-To"):
        notes.append("delivery-failure subject → bounce")
        return "bounce"
    auto = (message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        notes.append(f"Auto-Submitted: {auto} → auto-reply")
        return "auto_reply"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply"):
        if message.get(name):
            notes.append(f"{name} → auto-reply")
            return "auto_reply"
    if _AUTO_SUBJECT.search(subject):
        notes.append(f"subject {subject!r} → auto-reply")
        return "auto_reply"
    precedence = (message.get("Precedence") or "").strip().lower()
    if message.get("List-Id") or message.get("List-Unsubscribe") or precedence in ("list", "bulk"):
        notes.append("List-Id / List-Unsubscribe / Precedence list|bulk → list mail")
        return "list"
    if precedence in ("junk", "auto_reply"):
        notes.append(f"Precedence: {precedence} → auto-reply")
        return "auto_reply"
    return None


def _spoof(
    message: Message, from_address: str, authserv_id: str | None, notes: list[str]
) -> str | None:
    verdict = _failed_authentication(message, authserv_id, notes)
    if verdict:
        return verdict
    reply_to = [address for _, address in addresses(message, "Reply-To") if address]
    if reply_to and from_address and _domain(reply_to[0]) != _domain(from_address):
        notes.append(f"Reply-To {reply_to[0]} is elsewhere than From {from_address}")
        return f"Reply-To {reply_to[0]} differs from the sender {from_address}"
    return None


def _failed_authentication(
    message: Message, authserv_id: str | None, notes: list[str]
) -> str | None:
    """DMARC or SPF failed in the Authentication-Results our own server wrote (RFC 8601)."""
    # Only our server's header can be trusted: anyone can write one above theirs. Without a
    # configured authserv-id, the topmost header (the last server's) is taken (SPEC).
    for raw in message.get_all("Authentication-Results", []):
        try:
            header = authres.AuthenticationResultsHeader.parse(
                "Authentication-Results: " + " ".join(str(raw).split())
            )
        except Exception as exc:  # authres raises its own and plain errors on bad syntax
            notes.append(f"Authentication-Results unreadable ({type(exc).__name__}): ignored")
            continue
        if authserv_id is not None and header.authserv_id.lower() != authserv_id.lower():
            notes.append(f"Authentication-Results by {header.authserv_id}: not ours, ignored")
            continue
        results = {result.method.lower(): result.result.lower() for result in header.results}
        notes.append(f"Authentication-Results by {header.authserv_id}: {results}")
        failed = [m for m in ("dmarc", "spf") if results.get(m) in ("fail", "softfail")]
        if results.get("spf") == "softfail" and results.get("dmarc") not in (None, "fail"):
            failed.remove("spf")  # ~all alone is common among small senders; DMARC decides
        if failed:
            return f"{' and '.join(m.upper() for m in failed)} failed ({header.authserv_id})"
        return None
    return None
