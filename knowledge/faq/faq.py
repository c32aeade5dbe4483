"""The FAQ (knowledge/data/faq.yaml, format in knowledge/data/FAQ_SCHEMA.md) as typed entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from knowledge.faq.yamltext import load_yaml
from knowledge.terms import Terms, parse_citation


class FaqError(ValueError):
    """The FAQ file is not a list of entries in the agreed format."""


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ entry: its questions and phrasings, answers in both languages and clauses."""

    id: str
    topic: str
    question_ja: str
    question_en: str
    phrasings: tuple[str, ...]
    answer_ja: str
    answer_en: str
    clauses: tuple[str, ...]
    personal_ja: str | None = None
    personal_en: str | None = None
    # (state, sentence): said instead of personal_* to a customer in that state (FAQ_SCHEMA.md).
    personal_by_state_ja: tuple[tuple[str, str], ...] = ()
    personal_by_state_en: tuple[tuple[str, str], ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        """Every way the entry's question is written: both questions, then the phrasings."""
        return tuple(t for t in (self.question_ja, self.question_en, *self.phrasings) if t)

    @cached_property
    def articles(self) -> tuple[int, ...]:
        """The article numbers of the entry's clauses, best first, without repeats."""
        out: list[int] = []
        for citation in self.clauses:
            parsed = parse_citation(citation)
            if parsed and parsed[0] not in out:
                out.append(parsed[0])
        return tuple(out)


def _text(raw: dict, key: str, where: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or not str(value).strip():
        if required:
            raise FaqError(f"{where}: '{key}' is missing")
        return ""
    return str(value).strip()


def _by_state(raw: dict, key: str, where: str) -> tuple[tuple[str, str], ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise FaqError(f"{where}: '{key}' must map state names to sentences")
    return tuple((k, v.strip()) for k, v in value.items())


def parse_faq(text: str, terms: Terms | None = None) -> tuple[FaqEntry, ...]:
    """Parse the FAQ YAML; with `terms`, every cited clause must exist in them."""
    data = load_yaml(text)
    if not isinstance(data, list):
        raise FaqError("the FAQ must be a YAML list of entries")
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for n, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise FaqError(f"entry {n}: not a mapping")
        where = f"entry {n} ({raw.get('id', '?')})"
        entry_id = _text(raw, "id", where)
        if entry_id in seen:
            raise FaqError(f"{where}: id {entry_id!r} is used twice")
        seen.add(entry_id)
        clauses = tuple(str(c).strip() for c in raw.get("clauses") or [])
        for citation in clauses:
            if parse_citation(citation) is None:
                raise FaqError(f"{where}: {citation!r} is not a citation like 第12条1項")
            if terms is not None and terms.clause(citation) is None:
                raise FaqError(f"{where}: the terms have no clause {citation}")
        entries.append(
            FaqEntry(
                id=entry_id,
                topic=_text(raw, "topic", where, required=False) or "other",
                question_ja=_text(raw, "question_ja", where),
                question_en=_text(raw, "question_en", where, required=False),
                phrasings=tuple(str(p).strip() for p in raw.get("phrasings") or [] if p),
                answer_ja=_text(raw, "answer_ja", where),
                answer_en=_text(raw, "answer_en", where, required=False),
                clauses=clauses,
                personal_ja=_text(raw, "personal_ja", where, required=False) or None,
                personal_en=_text(raw, "personal_en", where, required=False) or None,
                personal_by_state_ja=_by_state(raw, "personal_by_state_ja", where),
                personal_by_state_en=_by_state(raw, "personal_by_state_en", where),
            )
        )
    return tuple(entries)


def load_default_faq(terms: Terms | None = None) -> tuple[FaqEntry, ...]:
    """The FAQ shipped with the package (knowledge/data/faq.yaml)."""
    path = resources.files("knowledge").joinpath("data/faq.yaml")
    if not path.is_file():
        raise FaqError("knowledge/data/faq.yaml is missing from the package")
    return parse_faq(path.read_text("utf-8"), terms)


def still_valid(
    faq: Sequence[FaqEntry], written_for: Terms, terms: Terms
) -> tuple[tuple[FaqEntry, ...], tuple[str, ...]]:
    """Split `faq` (written for `written_for`) into entries `terms` still back, and the rest's ids.

    An answer written for one text of the terms is wrong once a clause it rests on reads
    differently (another chamber's terms, or a revision under 第3条3項): such an entry is
    withheld, so the question falls to the hand-off instead of an answer the terms no longer give.
    """
    kept: list[FaqEntry] = []
    withheld: list[str] = []
    for entry in faq:
        if all(_same_clause(citation, written_for, terms) for citation in entry.clauses):
            kept.append(entry)
        else:
            withheld.append(entry.id)
    return tuple(kept), tuple(withheld)


def _same_clause(citation: str, before: Terms, after: Terms) -> bool:
    old, new = before.clause(citation), after.clause(citation)
    return old is not None and new is not None and old.text == new.text
