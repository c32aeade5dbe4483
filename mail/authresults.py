"""Authentication-Results (RFC 8601): who wrote the header and each method's result.

Written here rather than taken from `authres`: that package (last release 2019) parses the whole
grammar into objects at ~0.7 ms a header, more than reading the rest of the mail; we need only
the authserv-id and `method=result` pairs, with comments and quoted strings skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_METHOD = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(?:/\s*\d+\s*)?=\s*([A-Za-z0-9_\-]+)")
_AUTHSERV = re.compile(r"^\s*([^\s;]+)")


class AuthResultsError(ValueError):
    """Not an Authentication-Results header we can read."""


@dataclass(frozen=True)
class AuthResults:
    """One Authentication-Results header: the server that wrote it and what it found."""

    authserv_id: str
    results: dict[str, str]  # method → result, lower case (the first of each method)


_OPENS = re.compile(r'["(]')  # what means something outside a comment (`)` is kept there)
_INSIDE = re.compile(r"[\\()]")  # and inside one; everything else there is dropped


def _without_comments(value: str) -> str:
    """The header with (comments, (nested) too) removed; quoted strings kept as they are."""
    out: list[str] = []
    depth = 0
    i, n = 0, len(value)
    while i < n:
        if depth == 0:
            special = _OPENS.search(value, i)
            if special is None:
                out.append(value[i:])
                break
            j = special.start()
            out.append(value[i:j])
            if value[j] == '"':
                quoted = _QUOTED.match(value, j)
                i = quoted.end() if quoted else n
                out.append(value[j:i])
            else:
                depth, i = 1, j + 1
            continue
        special = _INSIDE.search(value, i)
        if special is None:
            break  # an unclosed comment runs to the end
        j = special.start()
        if value[j] == "\\":
            i = j + 2  # a quoted pair: whatever it escapes does not open or close
        else:
            depth += 1 if value[j] == "(" else -1
            i = j + 1
    if depth:
        raise AuthResultsError("unbalanced comment")
    return "".join(out)


def parse_auth_results(value: str) -> AuthResults:
    """Read one header's value: `authserv-id [version]; method=result props; …`."""
    text = _QUOTED.sub('""', _without_comments(" ".join(value.split())))
    first, *rest = text.split(";")
    found = _AUTHSERV.match(first)
    if found is None:
        raise AuthResultsError("no authserv-id")
    results: dict[str, str] = {}
    for part in rest:
        if not part.strip() or part.strip().lower() == "none":
            continue
        method = _METHOD.match(part)
        if method is None:
            raise AuthResultsError(f"not method=result: {part.strip()[:40]!r}")
        results.setdefault(method[1].lower(), method[2].lower())
    return AuthResults(found[1].lower(), results)
