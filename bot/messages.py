"""What goes in and out of a chat, whatever carries it (Telegram or the console)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Telegram's limit for one message's text (sendMessage: 1-4096 characters).
MAX_TEXT = 4096


@dataclass(frozen=True)
class Button:
    """An inline button: its label and the data a press sends back (at most 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One message to a chat, with rows of inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Incoming:
    """A message typed in a chat (`text`) or a button pressed (`data`)."""

    chat_id: int
    user_id: int
    text: str | None = None
    data: str | None = None
    user_name: str | None = None
    language_code: str | None = None


@dataclass
class Response:
    """The replies to send to the chat, and for a button press the short notice it shows."""

    replies: list[Reply] = field(default_factory=list)
    notice: str | None = None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at Telegram's limit: at a blank line, else a line break, else anywhere."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n\n")
        if cut <= 0:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:].lstrip("\n")
    if rest or not parts:
        parts.append(rest)
    return parts


class DeliveryError(Exception):
    """A message could not be delivered; `permanent` when retrying cannot help (blocked, bad)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
