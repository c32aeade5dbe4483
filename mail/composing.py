"""An outbox row as the mail that goes out: UTF-8 throughout, its Message-ID kept."""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from core.models import OutboxMail, utcnow

# CRLF line ends and RFC 2047 encoded-words for non-ASCII headers: what every server takes.
POLICY = policy.SMTP
_LINE_BREAKS = re.compile(r"[\r\n]+[ \t]*")
# Set here from the row itself; a stored header of the same name must not override them.
_OWN_HEADERS = frozenset({"from", "to", "subject", "date", "message-id", "mime-version"})


def recipients(to_address: str) -> list[str]:
    """The addresses of a To field (`a@x, 山田 <b@y>` → [a@x, b@y])."""
    return [address for _, address in getaddresses([to_address]) if "@" in address]


def domain_of(address: str) -> str:
    """The domain of `otasuke@chamber.example` (for our Message-IDs)."""
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def envelope_sender(mail_from: str) -> str:
    """The bare address of OTASUKE_MAIL_FROM (`商工会議所 <a@x>` → a@x), for MAIL FROM."""
    return parseaddr(mail_from)[1] or mail_from


def compose(mail: OutboxMail, mail_from: str, now: datetime | None = None) -> EmailMessage:
    """The message for one outbox row; a header that cannot be written → ValueError."""
    if not mail.message_id:
        raise ValueError(f"outbox mail {mail.id} has no Message-ID (it must be claimed first)")
    message = EmailMessage(policy=POLICY)
    message["From"] = mail_from
    message["To"] = mail.to_address
    # A subject is one line: a stray line break would end the header section early. Only
    # line breaks go: a full-width space (U+3000) is part of a Japanese subject.
    message["Subject"] = _LINE_BREAKS.sub(" ", mail.subject).strip()
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = mail.message_id
    for name, value in (mail.headers or {}).items():
        if name.lower() not in _OWN_HEADERS:
            message[name] = str(value)
    # base64 keeps Japanese text intact through any server, 7-bit or not.
    message.set_content(mail.body, charset="utf-8", cte="base64")
    return message
