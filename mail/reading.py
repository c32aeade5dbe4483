"""One raw mail → MailFacts: pure (no database, no network), and never raises on hostile input."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message

from core.customers import normalize_customer_id
from core.mailfacts import MailFacts
from knowledge.rules.calendar import JST
from mail.body import read_body
from mail.charsets import decode_header
from mail.headers import Headers, HeaderSignals, addresses, machine_text, read_signals
from mail.intent import ContentReading, is_english, read_content
from mail.moments import header_moment
from mail.stripping import Stripped, strip_reply

# SPEC "Rules": the Date header is the base of relative dates when it lies within 2 days
# before the receipt time.
_WRITTEN_WINDOW = timedelta(days=2)
_CUSTOMER_ID = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})\s?[-‐‑‒–—―−ー－ｰ_]?\s?([0-9]{6})(?![0-9])")
_COMPANY = re.compile(
    r"(?:株式会社|有限会社|合同会社|合資会社|一般社団法人|医療法人|社会福祉法人|\(株\)|\(有\))"
    r"[ \u3000]?[\w・&ー\-]{1,24}"
    r"|(?<![\w・&ー])[\w・&ー]{1,24}?[ \u3000]?(?:株式会社|有限会社|合同会社|\(株\)|\(有\))"
    r"|[A-Z][A-Za-z0-9&.\-' ]{1,40}?\s(?:Co\.,?\s?Ltd\.?|Inc\.|K\.K\.|Corporation|Corp\.|LLC|Ltd\.)"
)
_MACHINE_INTENTS = {"own": "other", "bounce": "bounce", "auto_reply": "auto_reply", "list": "other"}


@dataclass(frozen=True)
class ReadMail:
    """The facts, with the text they were read from and what was cut off (`mail explain`)."""

    facts: MailFacts
    body: str
    stripped: Stripped


def read_mail(
    raw: bytes, *, received_at: datetime | None = None, authserv_id: str | None = None
) -> MailFacts:
    """Everything one mail says (INTERFACES.md); `received_at=None`: topmost Received, else Date."""
    return read_mail_explained(raw, received_at=received_at, authserv_id=authserv_id).facts


def read_mail_explained(
    raw: bytes, *, received_at: datetime | None = None, authserv_id: str | None = None
) -> ReadMail:
    """`read_mail`, keeping the decoded body and the quote and signature it stripped."""
    notes: list[str] = []
    try:
        message = message_from_bytes(raw)
    except Exception as exc:  # compat32 is lenient; anything it still raises makes an empty mail
        notes.append(f"unparseable mail ({type(exc).__name__}: {exc}): read as empty")
        message = Message()
    headers = Headers(message)
    if headers.content_type().startswith("multipart/") and not message.is_multipart():
        message = _with_boundary_found(message, raw, notes)
        headers = Headers(message)
    if message.defects:
        notes.append("MIME defects: " + ", ".join(type(d).__name__ for d in message.defects[:5]))
    message_id = _message_id(headers, raw, notes)
    senders = _safe(lambda: addresses(headers, "From"), [])
    from_name, from_address = senders[0] if senders else ("", "")
    replies = _safe(lambda: addresses(headers, "Reply-To"), [])
    reply_to = replies[0][1] if replies and replies[0][1] else None
    subject = _safe(lambda: decode_header(headers.get("Subject")), "")
    dated = header_moment(headers.get("Date"))
    received = received_at or _received_at(headers, dated, notes)
    written = _written_at(dated, received, notes)
    body = _safe(lambda: read_body(message), None)
    body_text = body.text if body else ""
    notes.extend(body.notes if body else ("body unreadable",))
    stripped = strip_reply(body_text)
    if stripped.quoted:
        notes.append(f"stripped {stripped.quoted.count(chr(10)) + 1} quoted line(s)")
    if stripped.signature:
        notes.append(f"stripped a signature of {stripped.signature.count(chr(10)) + 1} line(s)")
    signals = _safe(
        lambda: read_signals(message, headers, from_address, reply_to, subject, authserv_id),
        HeaderSignals(None, None, ("headers unreadable",)),
    )
    notes.extend(signals.notes)
    if signals.machine is None:
        # Not the quote: a customer's reply quotes our own automatic mail.
        own_words = f"{stripped.text}\n{stripped.signature}"
        machine, why = machine_text(own_words, subject, headers.get("In-Reply-To"))
        if machine is not None:
            signals = replace(signals, machine=machine)
            notes.append(why)
    base = written.astimezone(JST).date()
    reading = _intent(signals.machine, signals.hold_reason, subject, stripped.text, base)
    notes.extend(reading.notes)
    reply_expected = (
        signals.machine is None
        and signals.hold_reason is None
        and reading.intent not in ("spam",)
        and bool(from_address)
    )
    # One NFKC pass over the body serves the customer ID (ＮＩＧ－…) and the company ((株)…).
    plain_body = unicodedata.normalize("NFKC", body_text)
    plain_signature = unicodedata.normalize("NFKC", stripped.signature)
    facts = MailFacts(
        message_id=message_id,
        from_address=from_address,
        from_name=from_name or None,
        reply_to=reply_to,
        subject=subject,
        text=stripped.text,
        language="en" if is_english(f"{subject}\n{stripped.text}") else "ja",
        intent=reading.intent,
        customer_id=_customer_id(unicodedata.normalize("NFKC", subject), plain_body, notes=notes),
        company=_company(plain_signature) or _company(plain_body),
        requested_date=reading.requested_date,
        received_at=received,
        written_at=written,
        reply_expected=reply_expected,
        hold_reason=signals.hold_reason,
        in_reply_to=_one_id(headers.get("In-Reply-To")),
        references=_ids(headers.get("References")),
        otasuke_kind=(headers.get("X-Otasuke-Kind") or "").strip() or None,
        otasuke_action=_int(headers.get("X-Otasuke-Action")),
        notes=notes,
        change_notified_on=reading.notified,
    )
    return ReadMail(facts, body_text, stripped)


_BOUNDARY_LINE = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70})\r?$", re.MULTILINE)
_CONTENT_TYPE = re.compile(rb"^(content-type:[ \t]*multipart/[a-z]+)", re.IGNORECASE | re.MULTILINE)


def _with_boundary_found(message: Message, raw: bytes, notes: list[str]) -> Message:
    """A multipart mail without its boundary parameter, re-read with the one its body uses."""
    head, _, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
    found = _BOUNDARY_LINE.search(body)
    if found is None:
        return message
    boundary = found[1].removesuffix(b"--")
    fixed = _CONTENT_TYPE.sub(lambda m: m[1] + b'; boundary="' + boundary + b'"', head, count=1)
    notes.append(f"multipart without a boundary: read with {boundary.decode()!r} found in it")
    try:
        return message_from_bytes(fixed + b"\r\n\r\n" + body)
    except Exception:  # as hostile as before: keep what we had
        return message


def _intent(
    machine: str | None, hold: str | None, subject: str, text: str, base: date
) -> ContentReading:
    if machine is not None:
        return ContentReading(_MACHINE_INTENTS[machine], None, ())
    reading = read_content(subject, text, base)
    if hold is not None:
        # SPEC: a spoof is spam (the worker holds it for staff); what it asked is kept for them.
        return ContentReading(
            "spam", reading.requested_date, (*reading.notes, f"held: {hold}"), reading.notified
        )
    return reading


def _safe(read, default):  # type: ignore[no-untyped-def]
    try:
        return read()
    except Exception:  # a hostile header must not cost the rest of the mail
        return default


_MAX_ID = 990


def _message_id(headers: Headers, raw: bytes, notes: list[str]) -> str:
    found = _one_id(headers.get("Message-ID"))
    if found and len(found) > _MAX_ID:
        # RFC 5322 allows 998 characters a line; the request store keeps no more (a hostile one).
        notes.append(f"Message-ID of {len(found):,} characters: stored as its SHA-256")
        digest = hashlib.sha256(found.encode("utf-8", "surrogateescape")).hexdigest()
        return f"<{digest}@otasuke.invalid>"
    if found:
        return found
    notes.append("no Message-ID: one made from the mail's bytes")
    return f"<{hashlib.sha256(raw).hexdigest()}@otasuke.invalid>"


def _one_id(value: str | None) -> str | None:
    ids = _ids(value)
    return ids[0] if ids else None


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    return re.findall(r"<[^<>\s]+>", str(value)) or [str(value).split()[0]]


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value else None
    except ValueError:
        return None


def _received_at(headers: Headers, dated: datetime | None, notes: list[str]) -> datetime:
    received = headers.all("Received")
    if received:
        moment = header_moment(str(received[0]).rpartition(";")[2])
        if moment is not None:
            notes.append(f"receipt time {moment.isoformat()} (topmost Received)")
            return moment
    if dated is not None:
        notes.append(f"receipt time {dated.isoformat()} (no Received: the Date header)")
        return dated
    now = datetime.now(UTC)
    notes.append("no Received and no Date header: receipt time is now")
    return now


def _written_at(written: datetime | None, received: datetime, notes: list[str]) -> datetime:
    if written is not None and received - _WRITTEN_WINDOW <= written <= received:
        return written
    if written is not None:
        notes.append(
            "the Date header is not within 2 days before receipt: dates count from receipt"
        )
    return received


_SIX_DIGITS = re.compile(r"[0-9][0-9]{5}")  # not {6}: re skips to a digit only when a class opens
_ID_LABEL = re.compile(r"ID|お客様|顧客|契約者|会員|利用者|customer|account", re.IGNORECASE)


def _customer_id(*texts: str, notes: list[str]) -> str | None:
    """The customer ID written in the (NFKC-normalised) texts, normalised: the first one named
    as an ID (お客様ID：…), else the first of that shape (an invoice number can look alike)."""
    texts = tuple(text for text in texts if _SIX_DIGITS.search(text))  # the cheap scan first
    first: tuple[str, str] | None = None
    for text in texts:
        for match in _CUSTOMER_ID.finditer(text):
            found = normalize_customer_id(f"{match[1]}-{match[2]}")
            if found is None:
                continue
            if _ID_LABEL.search(text[max(0, match.start() - 12) : match.start()]):
                notes.append(f"customer ID {found} written as {match[0]!r}")
                return found
            first = first or (found, match[0])
    if first is not None:
        notes.append(f"customer ID {first[0]} written as {first[1]!r}")
        return first[0]
    return None


_LEGAL_FORM = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|法人|\(株\)|\(有\)|Co\.|Inc\.|K\.K\.|Corp|LLC|Ltd"
)


def _company(text: str) -> str | None:
    """A company name with its legal form in an NFKC-normalised text."""
    if not _LEGAL_FORM.search(text):
        return None
    match = _COMPANY.search(text)
    return match[0].strip() if match else None
