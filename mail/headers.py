"""What the headers say before anyone reads the body: machine mail, lists, our own mail, spoofs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from mail.authresults import AuthResultsError, parse_auth_results
from mail.charsets import decode_header
from mail.words import Words

_AUTO_SUBJECT = re.compile(
    r"自動応答|自動返信|自動送信|不在(?:通知|のお知らせ|です|にします|につき|期間|中)|休暇中|"
    r"out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[-\s]?reply|autoreply|"
    r"away\s+from\s+(?:the\s+)?office|on\s+vacation|vacation\s+reply",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail\s*delivery)", re.IGNORECASE)
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply-|no_reply)", re.I)
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


class Headers:
    """A mail's headers by lower-case name, as written: one pass over compat32's list."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in message.raw_items():
            self._values.setdefault(key.lower(), []).append(str(value))

    def get(self, name: str) -> str | None:
        """The first value of a header, or None."""
        values = self._values.get(name.lower())
        return values[0] if values else None

    def content_type(self) -> str:
        """`type/subtype`, lower case; none or malformed → text/plain (RFC 2045 5.2)."""
        kind = (self.get("Content-Type") or "").split(";")[0].strip().lower()
        return kind if kind.count("/") == 1 else "text/plain"

    def all(self, name: str) -> list[str]:
        """Every value of a header, topmost first."""
        return self._values.get(name.lower(), [])


# One plain address, with or without a display name: most From lines; the rest go to the
# standard library's full RFC 5322 parser.
_PLAIN_ADDRESS = re.compile(
    r'^\s*(?:"?([^"<>,;@]*?)"?\s*)?<?([^\s<>,;:"()\[\]@]+@[^\s<>,;:"()\[\]@]+)>?\s*$'
)


def addresses(headers: Headers, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address header, names decoded."""
    values = [decode_header(value) for value in headers.all(name)]
    if not values:  # no such header (most Reply-To): nothing for the full parser to do
        return []
    if len(values) == 1:
        plain = _PLAIN_ADDRESS.match(values[0])
        if plain is not None:
            return [((plain[1] or "").strip(), plain[2].lower())]
    return [(display, address.strip().lower()) for display, address in getaddresses(values)]


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


# Footers only machine-sent mail carries: a newsletter's unsubscribe line, a no-reply notice.
_MACHINE_TEXT = Words(
    r"配信停止|配信解除|配信を停止|メールマガジン|メルマガ|購読(?:を)?解除|"
    r"(?:この|本)メール(?:アドレス)?は(?:送信専用|配信専用|自動(?:送信|配信))|送信専用(?:の)?(?:アドレス|メール)|"
    r"ご返信(?:いただいても|されても)|返信(?:は)?(?:できません|しないで)|"
    r"unsubscribe|do\s+not\s+reply|this\s+(?:is\s+an?\s+)?(?:automated|auto-generated)\s+(?:message|e-?mail)|"
    r"newsletter",
)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|返信)\s*[:：]", re.IGNORECASE)


def machine_text(body: str, subject: str, in_reply_to: str | None) -> tuple[str | None, str]:
    """Machine mail told by its text alone: an automatic answer, or a newsletter or notice."""
    found = _MACHINE_TEXT.search(body.lower())
    if found is None:
        return None, ""
    if in_reply_to or _REPLY_SUBJECT.match(subject):
        return "auto_reply", f"{found[0]!r} in a reply → auto-reply"
    return "list", f"{found[0]!r} → machine-sent notice or newsletter"


def read_signals(
    message: Message,
    headers: Headers,
    sender: str,
    reply_to: str | None,
    subject: str,
    authserv_id: str | None,
) -> HeaderSignals:
    """Classify by headers (SPEC: auto-replies, bounces, lists, our own mail; spoofs held)."""
    notes: list[str] = []
    machine = _machine(message, headers, sender, subject, notes)
    hold = _spoof(headers, sender, reply_to, authserv_id, notes)
    return HeaderSignals(machine, hold, tuple(notes))


def _machine(
    message: Message, headers: Headers, sender: str, subject: str, notes: list[str]
) -> str | None:
    kind = headers.get("X-Otasuke-Kind")
    if kind:
        notes.append(f"X-Otasuke-Kind: {kind.strip()} → our own mail")
        return "own"
    content_type = headers.content_type()
    if content_type == "multipart/report":
        report = (message.get_param("report-type") or "").lower()
        if report in ("delivery-status", ""):
            notes.append("multipart/report (delivery-status) → bounce")
            return "bounce"
    local = sender.partition("@")[0]
    if _BOUNCE_SENDER.match(local) or _BOUNCE_SENDER.match(sender):
        notes.append(f"From {sender} → bounce")
        return "bounce"
    if _NO_REPLY.match(local):
        notes.append(f"From {sender}: an address nobody reads → machine mail")
        return "list"
    return_path = headers.get("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        if _BOUNCE_SUBJECT.search(subject) or content_type == "multipart/report":
            notes.append("empty Return-Path with a delivery-failure subject → bounce")
            return "bounce"
        notes.append("empty Return-Path → machine mail (auto-reply)")
        return "auto_reply"
    if _BOUNCE_SUBJECT.search(subject) and not headers.get("In-Reply-To"):
        notes.append("delivery-failure subject → bounce")
        return "bounce"
    auto = (headers.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        notes.append(f"Auto-Submitted: {auto} → auto-reply")
        return "auto_reply"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply"):
        if headers.get(name):
            notes.append(f"{name} → auto-reply")
            return "auto_reply"
    if _AUTO_SUBJECT.search(subject):
        notes.append(f"subject {subject!r} → auto-reply")
        return "auto_reply"
    precedence = (headers.get("Precedence") or "").strip().lower()
    if headers.get("List-Id") or headers.get("List-Unsubscribe") or precedence in ("list", "bulk"):
        notes.append("List-Id / List-Unsubscribe / Precedence list|bulk → list mail")
        return "list"
    if precedence in ("junk", "auto_reply"):
        notes.append(f"Precedence: {precedence} → auto-reply")
        return "auto_reply"
    return None


def _spoof(
    headers: Headers, sender: str, reply_to: str | None, authserv_id: str | None, notes: list[str]
) -> str | None:
    verdict = _failed_authentication(headers, authserv_id, notes)
    if verdict:
        return verdict
    if reply_to and sender and _domain(reply_to) != _domain(sender):
        notes.append(f"Reply-To {reply_to} is elsewhere than From {sender}")
        return f"Reply-To {reply_to} differs from the sender {sender}"
    return None


def _failed_authentication(
    headers: Headers, authserv_id: str | None, notes: list[str]
) -> str | None:
    """DMARC or SPF failed in the Authentication-Results our own server wrote (RFC 8601)."""
    # Only our server's header can be trusted: anyone can write one below it. Without a
    # configured authserv-id, the topmost header (the last server's) alone is taken (SPEC).
    values = headers.all("Authentication-Results")
    for raw in values if authserv_id is not None else values[:1]:
        try:
            header = parse_auth_results(raw)
        except AuthResultsError as exc:
            notes.append(f"Authentication-Results unreadable ({exc}): ignored")
            continue
        if authserv_id is not None and header.authserv_id != authserv_id.lower():
            notes.append(f"Authentication-Results by {header.authserv_id}: not ours, ignored")
            continue
        results = header.results
        notes.append(f"Authentication-Results by {header.authserv_id}: {results}")
        failed = [m for m in ("dmarc", "spf") if results.get(m) in ("fail", "softfail")]
        if results.get("spf") == "softfail" and results.get("dmarc") not in (None, "fail"):
            failed.remove("spf")  # ~all alone is common among small senders; DMARC decides
        if failed:
            return f"{' and '.join(m.upper() for m in failed)} failed ({header.authserv_id})"
        return None
    return None
