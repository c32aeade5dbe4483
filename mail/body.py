"""A mail's readable text: text parts decoded, HTML turned into text, attachments left alone.

HTML goes through inscriptis: on our mails selectolax (as fast) split inline elements onto lines
of their own (解約を / お願い / します) and kept <style> text; inscriptis keeps a sentence whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from inscriptis import get_text

from mail.charsets import decode_bytes

# A text part larger than this is read only this far: customers' requests are short, and a
# huge "text" part is an attachment in disguise (SPEC: large attachments are never decoded).
MAX_TEXT_BYTES = 512 * 1024
_MAX_PARTS = 200


@dataclass(frozen=True)
class Body:
    """The mail's text and what reading it involved (charsets, skipped parts)."""

    text: str
    notes: tuple[str, ...]


def read_body(message: Message) -> Body:
    """The first text/plain part (else the first text/html as text); never decodes attachments."""
    notes: list[str] = []
    plain: list[str] = []
    html: list[str] = []
    for index, part in enumerate(message.walk()):
        if index >= _MAX_PARTS:
            notes.append(f"more than {_MAX_PARTS} parts: the rest ignored")
            break
        if part.is_multipart():
            continue
        # One pass over the part's headers (compat32's get() scans them all each time).
        fields = {key.lower(): str(value) for key, value in part.raw_items()}
        content_type = _content_type(fields.get("content-type"))
        disposition = fields.get("content-disposition", "").split(";")[0].strip().lower()
        if content_type not in ("text/plain", "text/html") or disposition == "attachment":
            notes.append(f"{content_type} part{' (attachment)' if disposition else ''} not read")
            continue
        if content_type == "text/plain" and plain:
            continue  # a second plain part (often a forwarded copy): the first one is the mail
        text = _decode_part(part, content_type, fields.get("content-type", ""), notes)
        (plain if content_type == "text/plain" else html).append(text)
    if plain:
        return Body(plain[0].replace("\r\n", "\n"), tuple(notes))
    if html:
        notes.append("HTML only: converted to text")
        return Body(_html_text(html[0]), tuple(notes))
    notes.append("no text part")
    return Body("", tuple(notes))


def _content_type(value: str | None) -> str:
    """`type/subtype` in lower case; missing or malformed → text/plain (RFC 2045 5.2)."""
    kind = (value or "").split(";")[0].strip().lower()
    return kind if kind.count("/") == 1 else "text/plain"


def _decode_part(part: Message, content_type: str, header: str, notes: list[str]) -> str:
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        payload = part.get_payload()
        raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    cut = len(raw) > MAX_TEXT_BYTES
    if cut:
        notes.append(f"text part of {len(raw):,} bytes: read only the first {MAX_TEXT_BYTES:,}")
        raw = raw[:MAX_TEXT_BYTES]
    label = _charset(part, header)
    text, how = decode_bytes(raw, label, cut=cut)
    notes.append(f"{content_type} charset {label or 'undeclared'} read as {how}")
    return text


_CHARSET = re.compile(r'charset\s*=\s*"?([^";\s]+)', re.IGNORECASE)


def _charset(part: Message, content_type: str) -> str | None:
    """The charset parameter, read directly (compat32's own parameter parsing is slow)."""
    if "*" in content_type:  # RFC 2231 parameters: the full parser
        return part.get_content_charset()
    found = _CHARSET.search(content_type)
    return found[1].lower() if found else None


def _html_text(html: str) -> str:
    try:
        return get_text(html)
    except Exception:  # inscriptis on broken markup: better the tags stripped crudely than nothing
        return re.sub(r"<[^>]*>", " ", html)
