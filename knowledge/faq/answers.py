"""Answers: the FAQ answer in the question's language, the clause quoted verbatim, or a hand-off."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from knowledge.faq.analyses import load_shipped
from knowledge.faq.analyzer import Analysis, Analyzer
from knowledge.faq.asked import AskedQuestion, load_default_asked, with_unanswered
from knowledge.faq.faq import FaqEntry, load_default_faq, parse_faq, still_valid
from knowledge.faq.out_of_scope import OutOfScope, load_default_out_of_scope, parse_out_of_scope
from knowledge.faq.prebuilt import State
from knowledge.faq.prebuilt import load_shipped as load_prebuilt
from knowledge.faq.quoting import excerpt
from knowledge.faq.retrieval import ARTICLES, Retrieval, Retriever
from knowledge.faq.yamltext import load_yaml
from knowledge.formatting import format_facts
from knowledge.terms import Terms, load_default_terms

QUOTED_CLAUSES = 2  # an entry's first clauses quoted (the sentences that carry the answer)
SUGGESTIONS = 3


@lru_cache(maxsize=2)
def templates(lang: str) -> dict[str, str]:
    """The fixed answer texts for a language (knowledge/data/templates/<lang>.yaml)."""
    path = resources.files("knowledge").joinpath(f"data/templates/{lang}.yaml")
    return {k: str(v).strip() for k, v in load_yaml(path.read_text("utf-8")).items()}


@dataclass(frozen=True)
class Answer:
    """An answer (or a hand-off) with its articles, citation, confidence and suggestions."""

    answer: str
    articles: tuple[int, ...]
    citation: str | None
    confidence: float
    handoff: bool
    suggestions: tuple[str, ...]
    lang: str
    entry_id: str | None = None
    quotes: tuple[tuple[str, str], ...] = field(default=())  # (citation, verbatim excerpt)
    # (citation, the whole clause) of each quoted clause: the chat shows it behind a button.
    clause_texts: tuple[tuple[str, str], ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The spec's `otasuke ask --json` object, with the whole quoted clauses (`clause_text`)."""
        return {
            "answer": self.answer,
            "articles": list(self.articles),
            "citation": self.citation,
            "confidence": self.confidence,
            "handoff": self.handoff,
            "suggestions": list(self.suggestions),
            "clause_text": dict(self.clause_texts),
        }


def _fill(template: str, facts: Mapping[str, str]) -> str | None:
    """The template with the facts in it; None when it needs a fact we do not have."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names <= facts.keys():
        return None
    return template.format_map(facts)


def question_in(entry: FaqEntry, lang: str) -> str:
    """The entry's question in the language (Japanese when it has no English one)."""
    return entry.question_en if lang == "en" and entry.question_en else entry.question_ja


class AnswerEngine:
    """The terms, the FAQ and the retriever, built once; `answer` is then pure and fast."""

    def __init__(
        self,
        terms: Terms,
        faq: Sequence[FaqEntry],
        analyzer: Analyzer,
        threshold: float | None = None,
        out_of_scope: Sequence[OutOfScope] = (),
        notes: bool = True,
        asked: Sequence[AskedQuestion] = (),
        prebuilt: Mapping[str, State] | None = None,
    ):
        self.terms = terms
        # Ids of FAQ entries left out because the terms no longer say what they rest on.
        self.withheld: tuple[str, ...] = ()
        # An intent's note says what the terms lack: only shown over the terms it was written for.
        self.notes = notes
        self.retriever = Retriever(
            terms, faq, analyzer, threshold=threshold, out_of_scope=out_of_scope, asked=asked,
            prebuilt=prebuilt,
        )  # fmt: skip

    def answer(
        self,
        question: str,
        facts: Mapping[str, object] | None = None,
        computed: Callable[[FaqEntry, str], str | None] | None = None,
    ) -> Answer:
        """Answer a question; `facts` (the placeholders of knowledge/data/FAQ_SCHEMA.md)
        personalise it; `computed(entry, lang)` may give a sentence that leads the answer (a
        rule's result for a date the question names)."""
        if not question.strip():
            raise ValueError("the question is empty")
        prepared = self.retriever.prepare(question)
        lang = prepared.lang
        found = self.retriever.search(prepared)
        suggestions = tuple(dict.fromkeys(question_in(m.entry, lang) for m in found.matches))[
            :SUGGESTIONS
        ]
        if found.handoff or not found.matches:
            unsure = templates(lang)["unsure"]
            # 'The terms do not say X' before the hand-off: a fact about the terms, no answer.
            # Only when an intent is the best match: its note is then what the question is about.
            intent = found.out_of_scope
            if self.notes and intent is not None and found.oos_gap > 0 and intent.intent.note(lang):
                unsure = f"{intent.intent.note(lang)}\n\n{unsure}"
            return Answer(
                unsure, found.articles, None, found.confidence, True, suggestions, lang,
            )  # fmt: skip
        entry = found.matches[0].entry
        lead = computed(entry, lang) if computed is not None else None
        text, quotes = self._text(entry, lang, facts, lead)
        return Answer(
            text,
            _articles_led_by(entry, found),
            entry.clauses[0] if entry.clauses else None,
            found.confidence,
            False,
            suggestions[1:] if len(suggestions) > 1 else (),
            lang,
            entry.id,
            quotes,
            self._clauses(entry),
        )

    def _clauses(self, entry: FaqEntry) -> tuple[tuple[str, str], ...]:
        """(citation, whole text) of the entry's quoted clauses."""
        out = []
        for citation in entry.clauses[:QUOTED_CLAUSES]:
            clause = self.terms.clause(citation)
            if clause is not None:
                out.append((clause.citation, clause.text))
        return tuple(out)

    def _text(
        self,
        entry: FaqEntry,
        lang: str,
        facts: Mapping[str, object] | None,
        lead: str | None = None,
    ) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The answer's text, and the excerpts it quotes."""
        t = templates(lang)
        answer = entry.answer_en if lang == "en" and entry.answer_en else entry.answer_ja
        facts = dict(facts or {})
        states = facts.pop("states", ()) or ()
        formatted = format_facts(facts, lang) if facts else {}
        # What is about this customer (or this question's own date) comes first.
        parts = [lead] if lead else []
        # A customer whose contract has ended (or has a fixed end) is told so plainly.
        parts += [t[k].format_map(formatted) for k in ("ended_on", "ends_on") if k in formatted]
        state, personal = _personal(entry, lang, states) if facts else (None, None)
        if state == "payment_none" and "ended_on" in formatted:
            personal = None  # the ended contract's own sentence says it already
        if personal:
            filled = _fill(personal, formatted)
            if filled:
                parts.append(filled)
                if state and state.startswith("payment_"):
                    # What is left of a payment made in part, then what is overdue.
                    for text, fact in _PAYMENT_NOTES:
                        if fact in formatted:
                            parts.append(t[text].format_map(formatted))
                # 第4条3項但し書: insurance shown to a contract that ends inside it is limited.
                if "{insurance_" in personal and "insurance_causes_until" in formatted:
                    parts.append(t["insurance_causes_until"].format_map(formatted))
        parts.append(answer.strip())
        said = "\n".join(parts)
        quotes = tuple((c, excerpt(text, said)) for c, text in self._clauses(entry))
        parts += [t["quote"].format(citation=c, text=text) for c, text in quotes]
        rest = entry.clauses[QUOTED_CLAUSES:]
        if rest:
            parts.append(t["also"].format(citations="、".join(rest)))
        return "\n\n".join(parts), quotes


# (template, the fact it needs): sentences added after a customer's `payment_*` sentence.
_PAYMENT_NOTES = (("part_paid", "next_payment_owed"), ("overdue", "overdue_amount"))


def _personal(entry: FaqEntry, lang: str, states: Sequence[str]) -> tuple[str | None, str | None]:
    """(state, sentence): the entry's sentence for the customer's state (the first it lists
    that they are in), else (None, its plain personal sentence)."""
    by_state = entry.personal_by_state_en if lang == "en" else entry.personal_by_state_ja
    for state, text in by_state:
        if state in states:
            return state, text
    return None, entry.personal_en if lang == "en" else entry.personal_ja


def _articles_led_by(entry: FaqEntry, found: Retrieval) -> tuple[int, ...]:
    """The answered entry's articles first, then the rest of the ranking."""
    return tuple(dict.fromkeys([*entry.articles, *found.articles]))[:ARTICLES]


def default_engine(
    terms: Terms | None = None,
    faq_text: str | None = None,
    out_of_scope_text: str | None = None,
    threshold: float | None = None,
    asked: Sequence[AskedQuestion] | None = None,
    analyzer: Analyzer | None = None,
    prebuilt: Mapping[str, State] | None = None,
) -> AnswerEngine:
    """The engine over `terms` (default: the shipped ones), a FAQ and out-of-scope intents;
    `threshold` overrides the fitted hand-off threshold (knowledge/faq/confidence.py).

    A chamber's own FAQ (`faq_text`) must cite only clauses its terms have. The shipped FAQ is
    written for the shipped terms: over other terms it keeps only the entries whose clauses
    read the same there (`AnswerEngine.withheld` names the others). The shipped out-of-scope
    intents (or the chamber's own, `out_of_scope_text`) always serve as negative classes; the
    shipped ones' notes ("the terms do not say…") are shown only over the shipped terms.
    The questions customers asked (`asked`; default: the shipped ones, knowledge/faq/asked.py) are
    labelled with the shipped terms' articles, so by default they are learnt from only over
    those terms: terms that read the same as the shipped ones (a copy) count as the shipped ones.
    `analyzer` defaults to one with the shipped texts' analyses (knowledge/faq/analyses.py),
    `prebuilt` to the shipped classifiers (knowledge/faq/prebuilt.py; `{}`: train them here).
    """
    shipped = load_default_terms()
    # By content: OTASUKE_TERMS_FILE may name an unchanged copy of the shipped terms.
    own_terms = terms is not None and terms != shipped
    terms = terms or shipped
    faq = parse_faq(faq_text, terms) if faq_text is not None else load_default_faq(shipped)
    withheld: tuple[str, ...] = ()
    if faq_text is None and own_terms:
        faq, withheld = still_valid(faq, shipped, terms)
    if out_of_scope_text is not None:
        intents = parse_out_of_scope(out_of_scope_text, frozenset(e.id for e in faq))
    else:
        intents = load_default_out_of_scope()
    notes = out_of_scope_text is not None or not own_terms
    if asked is None:
        asked = () if own_terms else load_default_asked()
    intents = with_unanswered(intents, asked)
    if analyzer is None:
        analyzer = Analyzer(known=load_shipped())
    if prebuilt is None:
        prebuilt = load_prebuilt()
    engine = AnswerEngine(
        terms, faq, analyzer, threshold, out_of_scope=intents, notes=notes, asked=asked,
        prebuilt=prebuilt,
    )  # fmt: skip
    engine.withheld = withheld
    return engine


@dataclass
class _Recording(Analyzer):
    """An analyser that notes every text it is given (in `texts`)."""

    texts: list[str] = field(default_factory=list)

    def analyse(self, text: str, normalised: str | None = None) -> Analysis:
        """Note the text, then analyse it."""
        self.texts.append(text)
        return super().analyse(text, normalised)


def startup_texts() -> list[str]:
    """Every text the default engine analyses while it is built: what the shipped analyses
    (knowledge/faq/analyses.py, `make analyses`) must hold."""
    recording = _Recording(known=load_shipped())
    default_engine(analyzer=recording)
    return list(dict.fromkeys(recording.texts))
