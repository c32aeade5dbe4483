"""A customer's question normalised once: the one value every scorer and the answer read."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.faq.analyzer import Analysis, Analyzer
from knowledge.faq.normalize import detect_language, fold

# What is read of a question. A message that long is a pasted document, not a question: the
# length feature stops at 300 characters (retrieval.LENGTH_CAP), and the rest would only cost
# time (the reading is compared with every FAQ text). The analyser itself takes any length.
QUESTION_CHARS = 4_000


@dataclass(frozen=True)
class Question:
    """A question normalised, folded, with synonyms applied, analysed and its language known."""

    text: str  # as asked, at most QUESTION_CHARS characters
    normalised: str  # NFKC, lower case, multi-word synonyms rewritten (Analyzer.prepare)
    folded: str  # the normalised text folded for string comparison (kana, punctuation)
    analysis: Analysis  # content words, words and reading
    lang: str  # "ja" or "en" (the chat contract: mostly Latin letters is English)


def prepare_question(text: str, analyzer: Analyzer) -> Question:
    """The question as every scorer reads it: normalised once, its first QUESTION_CHARS read."""
    text = text[:QUESTION_CHARS]
    normalised = analyzer.prepare(text)
    return Question(
        text=text,
        normalised=normalised,
        folded=fold(normalised),
        analysis=analyzer.analyse(text, normalised),
        lang=detect_language(text),
    )
