"""The mail sender port: what the outbox delivery needs from SMTP or a folder, nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol


@dataclass(frozen=True)
class Refusal:
    """One recipient the server refused while it took the mail for the others."""

    address: str
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        """5xx: trying again will not help (4xx will, later)."""
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.address}: {self.code} {self.text}"


class SendFailed(Exception):
    """The mail was not taken: `permanent` (a 5xx) or worth another try (4xx, no server)."""

    def __init__(self, text: str, *, permanent: bool) -> None:
        super().__init__(text)
        self.permanent = permanent


class Connection(Protocol):
    """An open way out for a batch of mails (one SMTP connection, or the folder)."""

    async def send(self, message: EmailMessage, recipients: Sequence[str]) -> list[Refusal]:
        """Hand one mail over; → the recipients refused (empty: all took it). SendFailed if none."""
        ...


class MailSender(Protocol):
    """The port: SMTP (mail.smtp_sender) or `.eml` files (mail.folder_sender)."""

    name: str

    def connect(self) -> AbstractAsyncContextManager[Connection]:
        """One connection, reused for every mail of a batch and closed after it."""
        ...
