"""Out-of-scope intents (knowledge/data/out_of_scope.yaml): questions in the service's vocabulary
that the terms do not answer (the UTM's throughput, the chamber's own dues, receipts…).

They are negative classes for retrieval: a question closest to one is handed off, with the
intent's note saying what the terms leave out. They never give an answer, a suggestion or an
article. The file is optional: without it the engine hands off by its confidence alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from knowledge.faq.faq import FaqError
from knowledge.faq.yamltext import load_yaml


@dataclass(frozen=True)
class OutOfScope:
    """A question the terms do not answer (an intent), with a note on what they lack."""

    id: str
    topic: str
    question_ja: str
    question_en: str
    phrasings: tuple[str, ...]
    note_ja: str  # a statement about the terms (what they do not say), never an answer
    note_en: str

    @property
    def texts(self) -> tuple[str, ...]:
        """Every way the intent is written: both questions, then the phrasings."""
        return tuple(t for t in (self.question_ja, self.question_en, *self.phrasings) if t)

    def note(self, lang: str) -> str:
        """The note in the language (Japanese when it has no English one)."""
        return self.note_en if lang == "en" and self.note_en else self.note_ja


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    return str(value).strip() if value is not None else ""


def parse_out_of_scope(text: str, taken: frozenset[str] = frozenset()) -> tuple[OutOfScope, ...]:
    """Parse the out-of-scope YAML (a list like the FAQ's, with notes instead of answers);
    `taken` holds the FAQ's ids, which an intent must not reuse."""
    data = load_yaml(text)
    if data is None:
        return ()
    if not isinstance(data, list):
        raise FaqError("the out-of-scope file must be a YAML list of intents")
    out: list[OutOfScope] = []
    seen: set[str] = set(taken)
    for n, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise FaqError(f"out-of-scope intent {n}: not a mapping")
        intent_id = _text(raw, "id")
        where = f"out-of-scope intent {n} ({intent_id or '?'})"
        if not intent_id:
            raise FaqError(f"{where}: 'id' is missing")
        if intent_id in seen:
            raise FaqError(f"{where}: id {intent_id!r} is used twice")
        seen.add(intent_id)
        intent = OutOfScope(
            id=intent_id,
            topic=_text(raw, "topic") or "out_of_scope",
            question_ja=_text(raw, "question_ja"),
            question_en=_text(raw, "question_en"),
            phrasings=tuple(str(p).strip() for p in raw.get("phrasings") or [] if p),
            note_ja=_text(raw, "note_ja"),
            note_en=_text(raw, "note_en"),
        )
        if not intent.texts:
            raise FaqError(f"{where}: no question and no phrasings")
        out.append(intent)
    return tuple(out)


def load_default_out_of_scope() -> tuple[OutOfScope, ...]:
    """The intents shipped with the package; none when the file is absent."""
    path = resources.files("knowledge").joinpath("data/out_of_scope.yaml")
    if not path.is_file():
        return ()
    return parse_out_of_scope(path.read_text("utf-8"))
