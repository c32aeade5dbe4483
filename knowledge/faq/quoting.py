"""The sentences of a clause that carry an answer: quoted instead of the whole clause."""

from __future__ import annotations

import re

SHORT_CLAUSE = 160  # a clause this short is quoted whole
QUOTE_BUDGET = 320  # beyond the best sentence, others join only while the quote stays this short
ELLIPSIS = "…"
_OPEN, _CLOSE = "（(「『【", "）)」』】"
_NOISE = re.compile(r"\s+")


def sentences(text: str) -> list[str]:
    """The clause's sentences: split after 。 outside brackets, and at line breaks."""
    out: list[str] = []
    for line in text.splitlines():
        depth, start = 0, 0
        for i, ch in enumerate(line):
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            elif ch == "。" and depth == 0:
                out.append(line[start : i + 1].strip())
                start = i + 1
        if line[start:].strip():
            out.append(line[start:].strip())
    return [s for s in out if s]


def _bigrams(text: str) -> set[str]:
    text = _NOISE.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def excerpt(clause_text: str, answer: str) -> str:
    """The sentence(s) of `clause_text` that best match `answer`, in the clause's order, with
    … where text is left out; a short clause whole."""
    parts = sentences(clause_text)
    if len(clause_text) <= SHORT_CLAUSE or len(parts) <= 1:
        return clause_text
    wanted = _bigrams(answer)
    # Shared character pairs, lightly favouring short sentences over long ones that say more.
    scores = [len(_bigrams(s) & wanted) / (len(s) ** 0.25) for s in parts]
    best = max(range(len(parts)), key=lambda i: scores[i])
    chosen = {best}
    size = len(parts[best])
    for i in sorted(range(len(parts)), key=lambda i: -scores[i]):
        if i in chosen or scores[i] < 0.6 * scores[best]:
            continue
        if size + len(parts[i]) > QUOTE_BUDGET:
            continue
        chosen.add(i)
        size += len(parts[i])
    out, previous = [], -1
    for i in sorted(chosen):
        if i != previous + 1:
            out.append(ELLIPSIS)
        out.append(parts[i])
        previous = i
    if previous != len(parts) - 1:
        out.append(ELLIPSIS)
    return "".join(out)
