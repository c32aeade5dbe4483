"""The sentences of a clause that carry an answer: quoted instead of the whole clause."""

from __future__ import annotations

import re

SHORT_CLAUSE = 160  # a clause this short is quoted whole
QUOTE_BUDGET = 320  # beyond the best sentence, others join only while the quote stays this short
# A sentence longer than this is quoted by its phrases (cut after 、) that carry the answer, each
# up to the predicate that completes it: 第4条1項(3) opens with one sentence of about 470
# characters, most of it conditions beside any one answer's point.
LONG_SENTENCE = 200
PHRASE_BUDGET = 240  # the phrases quoted of a long sentence stay about this short
_PREDICATE_ENDS = ("し、", "。")  # a phrase that completes a predicate (〜ものとし、, 〜します。)
ELLIPSIS = "…"
_OPEN, _CLOSE = "（(「『【", "）)」』】"
_NOISE = re.compile(r"\s+")


def sentences(text: str) -> list[str]:
    """The clause's sentences: split after 。 outside brackets, and at line breaks."""
    return [s for line in text.splitlines() for s in _split(line, "。")]


def phrases(sentence: str) -> list[str]:
    """The sentence's phrases: split after 、 outside brackets (joined, they are the sentence)."""
    return _split(sentence, "、", strip=False)


def _split(line: str, mark: str, strip: bool = True) -> list[str]:
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(line):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch == mark and depth == 0:
            out.append(line[start : i + 1])
            start = i + 1
    out.append(line[start:])
    if strip:
        out = [piece.strip() for piece in out]
    return [piece for piece in out if piece.strip()]


def _bigrams(text: str) -> set[str]:
    text = _NOISE.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def excerpt(clause_text: str, answer: str) -> str:
    """The sentence(s) of `clause_text` that best match `answer`, in the clause's order, with
    … where text is left out; a short clause whole, an over-long sentence by its phrases."""
    if len(clause_text) <= SHORT_CLAUSE:
        return clause_text
    parts = sentences(clause_text)
    wanted = _bigrams(answer)
    chosen = _best(parts, wanted, QUOTE_BUDGET) if len(parts) > 1 else [0]
    long = len(chosen) == 1 and len(parts[chosen[0]]) > LONG_SENTENCE
    if len(parts) == 1 and not long:
        return clause_text
    cut = (lambda part: _phrases_of(part, wanted)) if long else (lambda part: part)
    return _joined([cut(p) if i in chosen else "" for i, p in enumerate(parts)])


def _best(parts: list[str], wanted: set[str], budget: int) -> list[int]:
    """The parts that best share the answer's character pairs (lightly favouring short ones
    over long ones that say more), in order: the best, and those close to it within `budget`."""
    scores = [len(_bigrams(s) & wanted) / (len(s) ** 0.25) for s in parts]
    best = max(range(len(parts)), key=lambda i: scores[i])
    chosen = {best}
    size = len(parts[best])
    for i in sorted(range(len(parts)), key=lambda i: -scores[i]):
        if i in chosen or scores[i] < 0.6 * scores[best]:
            continue
        if size + len(parts[i]) > budget:
            continue
        chosen.add(i)
        size += len(parts[i])
    return sorted(chosen)


def _phrases_of(sentence: str, wanted: set[str]) -> str:
    """A long sentence's phrases that carry the answer, each followed up to the predicate that
    completes it (Japanese puts it last: 〜ものとし、 or the sentence's end)."""
    pieces = phrases(sentence)
    if len(pieces) <= 1:
        return sentence
    chosen = set(_best(pieces, wanted, PHRASE_BUDGET))
    for start in sorted(chosen):
        i = start
        while i < len(pieces) - 1 and not pieces[i].rstrip().endswith(_PREDICATE_ENDS):
            i += 1
            chosen.add(i)
    return _joined([p if i in chosen else "" for i, p in enumerate(pieces)]).strip()


def _joined(pieces: list[str]) -> str:
    """The non-empty pieces in order, with … for each run of empty ones (text left out)."""
    out: list[str] = []
    gap = False
    for piece in pieces:
        if piece:
            # A piece already marks its own cuts (a long sentence's phrases): one … is enough.
            if gap and not piece.startswith(ELLIPSIS) and not (out and out[-1].endswith(ELLIPSIS)):
                out.append(ELLIPSIS)
            out.append(piece)
            gap = False
        else:
            gap = True
    if gap and not (out and out[-1].endswith(ELLIPSIS)):
        out.append(ELLIPSIS)
    return "".join(out)
