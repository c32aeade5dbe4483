"""What the customer wrote, and nothing else: quoted mail, forwarded mail and signatures cut off.

A date or a cancellation inside a quote (our own notice, an earlier mail) is never the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that opens the quoted or forwarded remainder of the mail (top-posting: all below it).
_QUOTE_HEADERS = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\s+Message|Forwarded\s+message|Forwarded\s+Message|元のメッセージ|転送されたメッセージ|Reply\s+message)\s*-{2,}
      | _{10,}\s*$
      | On\s.{4,200}\swrote:\s*$
      | .{0,200}(?:wrote|writes)\s*:\s*$
      | .{0,200}(?:のメール|さんは書きました|は書きました|が書きました|wrote)\s*[:：]\s*$
      | (?:19|20)\d\d[年/.\-]\d{1,2}[月/.\-]\d{1,2}日?.{0,120}[:：]\s*$
      | (?:差出人|From)\s*[:：].*\n\s*(?:送信日時|送信日|日時|Sent|Date)\s*[:：]
      | (?:差出人|From)\s*[:：].*\n\s*(?:宛先|To)\s*[:：].*\n
        \s*(?:送信日時|送信日|日時|Sent|Date)\s*[:：]
      | \*?(?:From|差出人)\s*[:：]\s*\*?.*\n\s*\*?(?:Sent|送信日時)\s*[:：]
    )""",
    re.VERBOSE | re.MULTILINE | re.IGNORECASE,
)
# What any quote header above contains: without one, the costly search is skipped. Searched in
# the lower-cased text (IGNORECASE slows the Japanese); the words in one search, which re
# scans quickly for their first characters, the date at a line's start apart (a `^` would make
# re try every position), and only where a year followed by a separator stands at all.
_QUOTE_HINT = re.compile(  # ten underscores written out: a repeat would hide its first character
    r"wrote|writes|のメール\s*[:：]|書きました\s*[:：]|original|forward|元のメッセージ|転送|reply|"
    r"__________|差出人|from"
)
# A dated quote header ends its line with a colon (2027年1月15日(金) 9:00 … <…>:).
_DATED_LINE = re.compile(r"^\s*(?:19|20)\d\d[年/.\-][^\n]*[:：]", re.MULTILINE)
_YEAR = re.compile(r"(?:19|20)\d\d[年/.\-]")


def _may_hold_quote_header(lowered: str) -> bool:
    """Whether the lower-cased text holds anything a quote header needs."""
    if _QUOTE_HINT.search(lowered):
        return True
    return _YEAR.search(lowered) is not None and _DATED_LINE.search(lowered) is not None


_QUOTED_LINE = re.compile(r"^[ \t]*[>＞|｜]")
# A signature's fence: `-- `, or a line of one repeated rule character.
_SIG_FENCE = re.compile(r"^\s*(?:--\s*|([-=_*~#━─═＝＊－―‐・※◆◇■□☆★+])\1{5,}.*)$")
_SIG_CONTENT = re.compile(
    r"(?:TEL|Tel|tel|電話|FAX|Fax|〒|E-?mail|e-?mail|Mail|mail|URL|http|@|株式会社|有限会社|"
    r"合同会社|\(株\)|㈱|Co\.,?\s*Ltd|Inc\.|代表|部長|課長|担当|住所|[0-9]{2,4}-[0-9]{2,4}-[0-9]{3,4})"
)
_MAX_SIGNATURE_LINES = 15


@dataclass(frozen=True)
class Stripped:
    """The customer's own words, and what was taken away."""

    text: str
    quoted: str
    signature: str


def strip_reply(text: str) -> Stripped:
    """Cut quoted and forwarded text and the signature; keep what the customer wrote."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    quoted: list[str] = []
    header = _QUOTE_HEADERS.search(text) if _may_hold_quote_header(text.lower()) else None
    if header is not None and text[: header.start()].strip():
        quoted.append(text[header.start() :])
        text = text[: header.start()]
    elif header is not None:
        # Nothing above the quote header: the customer wrote below it (bottom-posting) or
        # forwarded with nothing of their own; keep the unquoted lines.
        pass
    kept: list[str] = []
    for line in text.split("\n"):
        (quoted if _QUOTED_LINE.match(line) else kept).append(line)
    body, signature = _cut_signature(kept)
    return Stripped(
        text="\n".join(body).strip(),
        quoted="\n".join(quoted).strip(),
        signature="\n".join(signature).strip(),
    )


def _cut_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    for index in range(len(lines) - 1, -1, -1):
        if len(lines) - index > _MAX_SIGNATURE_LINES + 1:
            break
        if _SIG_FENCE.match(lines[index]):
            tail = lines[index:]
            if lines[index].strip() in ("--", "-- ") or _SIG_CONTENT.search("\n".join(tail)):
                # A fence twice (━━ above and below a signature block): cut at the upper one.
                upper = index
                for above in range(index - 1, max(-1, index - _MAX_SIGNATURE_LINES), -1):
                    if _SIG_FENCE.match(lines[above]):
                        upper = above
                        break
                if upper != index and _has_request_words(lines[upper:index]):
                    upper = index
                return lines[:upper], lines[upper:]
    return lines, []


def _has_request_words(lines: list[str]) -> bool:
    text = "".join(lines)
    return any(word in text for word in ("解約", "返金", "cancel", "refund", "希望", "お願い"))
