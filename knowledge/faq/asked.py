"""Questions customers asked, each labelled with the article staff would cite, or with none.

The FAQ says how the chamber answers; these say how customers ask, in their own words, and what
the terms do not answer. Retrieval learns from both (`knowledge/faq/retrieval.py`): an article
classifier over the labelled questions re-ranks the FAQ entries, and the unanswerable ones
join an out-of-scope intent. Each file under knowledge/data/asked/ holds one writer's set (its
voices are described in that folder's README), so that evaluation can leave a writer out.

One JSON object a line: {"q": "...", "article": 12 | null, "also": [13], "lang": "ja"}.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources

from knowledge.faq.faq import FaqError
from knowledge.faq.out_of_scope import OutOfScope


@dataclass(frozen=True)
class AskedQuestion:
    """A question a customer asked, labelled with the article that answers it (or none)."""

    question: str
    article: int | None  # None: the terms cannot answer it
    also: tuple[int, ...] = ()  # other articles that answer it as well
    source: str = ""  # the set (writer) it comes from

    @property
    def articles(self) -> frozenset[int]:
        """Every article that answers it (empty when none does)."""
        return frozenset((self.article, *self.also)) if self.article is not None else frozenset()


def parse_asked(text: str, source: str = "") -> tuple[AskedQuestion, ...]:
    """Parse one JSON-lines set; a bad line is an error naming the set and the line."""
    out: list[AskedQuestion] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source or 'asked questions'}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise FaqError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("q"), str) or not raw["q"].strip():
            raise FaqError(f"{where}: needs a non-empty 'q'")
        article = raw.get("article")
        also = raw.get("also") or []
        if not _article_or_none(article) or not isinstance(also, list):
            raise FaqError(f"{where}: 'article' must be an article number or null")
        if not all(_article_or_none(a) and a is not None for a in also):
            raise FaqError(f"{where}: 'also' must list article numbers")
        out.append(AskedQuestion(raw["q"].strip(), article, tuple(also), source))
    return tuple(out)


def _article_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


def load_default_asked(leave_out: Iterable[str] = ()) -> tuple[AskedQuestion, ...]:
    """The shipped sets, in file-name order; `leave_out` names sets (file stems) to skip, for
    evaluating on a writer the engine has not learnt from."""
    skip = set(leave_out)
    folder = resources.files("knowledge").joinpath("data/asked")
    if not folder.is_dir():
        return ()
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)
    out: list[AskedQuestion] = []
    for f in files:
        stem = f.name.removesuffix(".jsonl")
        if stem not in skip:
            out += parse_asked(f.read_text("utf-8"), stem)
    return tuple(out)


# The out-of-scope intent (knowledge/data/out_of_scope.yaml) that the unanswerable questions join.
UNANSWERED_INTENT = "oos-asked-before"


def with_unanswered(
    intents: Sequence[OutOfScope], asked: Iterable[AskedQuestion]
) -> tuple[OutOfScope, ...]:
    """The intents, with the questions the terms could not answer added to UNANSWERED_INTENT's
    phrasings (a chamber's own intents without it are returned as they are)."""
    nulls = tuple(dict.fromkeys(a.question for a in asked if a.article is None))
    return tuple(
        replace(i, phrasings=tuple(dict.fromkeys((*i.phrasings, *nulls))))
        if i.id == UNANSWERED_INTENT
        else i
        for i in intents
    )
