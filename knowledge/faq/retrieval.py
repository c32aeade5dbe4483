"""Question → FAQ entries and clauses, with a calibrated confidence (hand-off below a threshold).

Scores per FAQ text (question_ja, question_en, each phrasing):
- `cos`: TF-IDF cosine of the analyser's content words (synonyms mapped, English → Japanese);
- `read`: rapidfuzz ratio of the hiragana readings, for kana written for kanji and typos;
- `entry`: TF-IDF cosine against all the entry's texts at once, so that one short or odd
  phrasing cannot carry an entry alone.
An entry scores the best of its texts, plus the posterior of a naive Bayes classifier trained
on all the entries' texts (`knowledge/faq/classifier.py`: words and reading n-grams, so kana,
IME slips and dropped particles still find their entry), plus the posterior of a second one,
over articles (`_article_classifier`: the FAQ's texts, the intents' and the questions customers
asked, `knowledge/faq/asked.py`), for the entry's first article. The terms' own clauses are a
second index (BM25 over the content words of article title + clause, plus character 2-3-grams
of the folded text) for questions no FAQ entry covers; entries, clauses and the article
classifier rank the articles. Confidence and hand-off: see `CALIBRATION` and `RIGHT`.

Out-of-scope intents (`knowledge/faq/out_of_scope.py`: the UTM's throughput, the chamber's dues…)
are classes like the entries, scored the same way; they never rank an article or an answer.
When the best of them beats the best entry by more than `OOS_MARGIN`, the question is handed
off whatever the confidence, and their evidence is a feature of the confidence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.faq.analyzer import Analyzer
from knowledge.faq.asked import AskedQuestion
from knowledge.faq.bm25 import BM25Index, CosineIndex, char_ngrams
from knowledge.faq.classifier import NaiveBayes, features
from knowledge.faq.confidence import (
    CALIBRATION,
    CALIBRATION_NO_OOS,
    OOS_MARGIN,
    RIGHT,
    RIGHT_FLOOR,
    RIGHT_NO_OOS,
    THRESHOLD,
    THRESHOLD_NO_OOS,
    calibrated,
)
from knowledge.faq.faq import FaqEntry
from knowledge.faq.normalize import fold, nfkc
from knowledge.faq.out_of_scope import OutOfScope
from knowledge.faq.prebuilt import Source, State, built, trained
from knowledge.faq.question import Question, prepare_question
from knowledge.terms import Clause, Terms

# The three scores count equally: a grid on the development set found a flat optimum around
# equal weights, so nothing is gained by fitting them (and equal weights cannot overfit).
W_COS = W_READ = W_ENTRY = 1 / 3
# The classifier's posterior next to the similarity (0..1 each): at 1 it lifted top-1 by about
# two points in cross-validation and on the validation set; 0.5 and 2 did no better.
W_CLASSIFIER = 1.0
BACKGROUND_CLAUSES = True
# The article classifier's posterior (`_articles_nb`: trained on the FAQ, the intents and the
# questions customers asked) next to each class's score: the FAQ entry's first article, or
# 'none' for an intent. Across writers left out of it, it lifted top-1 by about four points.
W_ARTICLE = 1.0
ARTICLE_TEMPERATURE = 8.0  # as the entry classifier's: 3 and 16 did no better across writers
LENGTH_CAP = 3.0  # the length feature's ceiling: a 300-character message says all it will
ODDS_CAP = 3.0  # the log-odds feature's bound (per unit of feature mass)
# How much the clause index counts in the article ranking, next to the FAQ entries.
W_CLAUSE = 0.3
W_GRAMS = 0.2
FAQ_FLOOR = 0.0  # FAQ scores below this say nothing about the article (0: all count)
ARTICLES = 5  # an answer lists at most this many articles…
ARTICLES_HANDOFF = 3  # …a hand-off the closest few
ARTICLE_FLOOR = 0.2  # an article scoring under this share of the best one has no real evidence


@dataclass(frozen=True)
class Match:
    """An FAQ entry found for a question, with its score and its text that matched best."""

    entry: FaqEntry
    score: float
    text: str  # the entry's text that matched best


@dataclass(frozen=True)
class OutOfScopeMatch:
    """The closest out-of-scope intent, with its score and its text that matched best."""

    intent: OutOfScope
    score: float
    text: str


@dataclass(frozen=True)
class ClauseHit:
    """A clause of the terms found for a question (the clause index)."""

    clause: Clause
    score: float  # relative to the best clause for this question, 0..1


@dataclass(frozen=True)
class Retrieval:
    """What a search found: entries, clauses and articles, the confidence and its features."""

    question: str
    matches: tuple[Match, ...]  # best first
    clause_hits: tuple[ClauseHit, ...]  # best first
    articles: tuple[int, ...]  # best first
    top: float
    margin: float
    unknown: float
    confidence: float
    handoff: bool
    out_of_scope: OutOfScopeMatch | None = None  # the closest out-of-scope intent, if any
    oos_gap: float = 0.0  # its score minus the top entry's (0 without intents)
    background: float = 1.0  # the classifier's mass on none of the entries and intents
    declined: bool = False  # handed off because the out-of-scope intent won (OOS_MARGIN)
    none: float = 0.0  # the article classifier's P(no article answers it)
    article: float = 0.0  # its P(the top entry's article)
    unanswerable: float = 0.0  # its log-odds of 'no article' against the articles
    english: float = 0.0  # 1 for a question in English (its scores run lower)
    length: float = 0.0  # letters / 100 (`_letters`), at most LENGTH_CAP (long ones score lower)
    # How much closer the question is to a question customers asked (or the FAQ phrases) about
    # the top entry's article than to one the terms could not answer (`_asked_evidence`): the
    # answer's own evidence, beside the article classifier's.
    asked: float = 0.0

    @property
    def features(self) -> tuple[float, ...]:
        """What the confidence is computed from (CALIBRATION's order)."""
        return (
            self.top, self.margin, self.unknown, self.oos_gap, self.background, self.none,
            self.article, self.unanswerable, self.english, self.length, self.asked,
        )  # fmt: skip


@dataclass(frozen=True)
class _Text:
    """One text of a class (an entry's or an intent's) with its reading."""

    entry: int
    text: str
    reading: str


class Retriever:
    """Built once from the terms and the FAQ; `search` is then a few milliseconds. `prebuilt`:
    classifiers and indexes built ahead (knowledge/faq/prebuilt.py), each used only when it was
    built from the same data."""

    def __init__(
        self,
        terms: Terms,
        faq: Sequence[FaqEntry],
        analyzer: Analyzer,
        threshold: float | None = None,
        out_of_scope: Sequence[OutOfScope] = (),
        asked: Sequence[AskedQuestion] = (),
        prebuilt: Mapping[str, State] | None = None,
    ) -> None:
        self.terms = terms
        self.faq = tuple(faq)
        self.out_of_scope = tuple(out_of_scope)
        self.analyzer = analyzer
        # The shipped fit is for an engine with out-of-scope intents; the other for one without
        # (a chamber's own FAQ and an empty intents file): the intents' gap is one of the
        # features, and without intents it reads as an intent as close as the best entry.
        learnt = bool(self.out_of_scope)
        self.calibration = CALIBRATION if learnt else CALIBRATION_NO_OOS
        self.right = RIGHT if learnt else RIGHT_NO_OOS
        default = THRESHOLD if learnt else THRESHOLD_NO_OOS
        self.threshold = default if threshold is None else threshold
        texts: list[_Text] = []
        token_docs: list[list[str]] = []
        # Classes 0..n-1 are the FAQ entries, n.. the out-of-scope intents.
        for i, item in enumerate((*self.faq, *self.out_of_scope)):
            for text in item.texts:
                analysis = self.analyzer.analyse(text)
                token_docs.append(analysis.tokens)
                texts.append(_Text(i, text, analysis.reading))
        self._texts = texts
        # Each FAQ entry's own texts (`_verbatim`): one asked word for word is answered from its
        # entry, whatever the scores (see `search`).
        self._verbatim: dict[str, int] = {}
        for t in texts:
            if t.entry < len(self.faq):
                self._verbatim.setdefault(_verbatim(t.text), t.entry)
        self._readings = [t.reading for t in texts]
        # Texts are grouped by class in class order: class i's texts are [starts[i], ends[i]).
        self._entry_of = np.array([t.entry for t in texts], dtype=np.intp)
        counts = np.bincount(self._entry_of, minlength=len(self.faq) + len(self.out_of_scope))
        if len(texts) and not counts.all():
            raise ValueError("every FAQ entry and out-of-scope intent needs a text")
        self._ends = np.cumsum(counts)
        self._starts = self._ends - counts
        self._cosine = built(CosineIndex, token_docs, prebuilt)
        # The entry as a whole (all its texts): one odd phrasing should not carry an entry.
        whole: list[list[str]] = [[] for _ in range(len(self.faq) + len(self.out_of_scope))]
        for t, tokens in zip(texts, token_docs, strict=True):
            whole[t.entry] += tokens
        self._entries = built(CosineIndex, whole, prebuilt)
        # Words the FAQ or the terms use (the intents' words are what the terms lack).
        self._vocabulary: set[str] = {t for doc in whole[: len(self.faq)] for t in doc}
        self._clauses = tuple(terms.clauses())
        # Clause index: content words of the article title and the clause (the title names the
        # topic: 秘密保持, 不可抗力…), plus character n-grams for words the analyser splits oddly.
        clause_analyses = [
            self.analyzer.analyse(f"{c.article_title}。{c.text}") for c in self._clauses
        ]
        clause_docs = [a.tokens for a in clause_analyses]
        # What each text's features are computed from (only when a classifier is trained).
        sources = [(doc, t.reading) for t, doc in zip(texts, token_docs, strict=True)]
        self._classifier = trained(
            list(zip(self._entry_of.tolist(), sources, strict=True)),
            len(whole),
            [(a.tokens, a.reading) for a in clause_analyses] if BACKGROUND_CLAUSES else [],
            shipped=prebuilt,
        )
        # Each class's article for the article classifier: an entry's first one, 0 (none) for
        # an intent.
        self._class_article = np.array(
            [e.articles[0] if e.articles else 0 for e in self.faq] + [0] * len(self.out_of_scope),
            dtype=np.intp,
        )
        self._articles_nb = self._article_classifier(texts, sources, asked, prebuilt)
        self._text_article = self._class_article[self._entry_of]  # each text's article (0: none)
        self._clause_words = built(BM25Index, clause_docs, prebuilt)
        self._vocabulary.update(t for doc in clause_docs for t in doc)
        self._clause_grams = built(
            BM25Index,
            [char_ngrams(fold(self.analyzer.prepare(c.text))) for c in self._clauses],
            prebuilt,
        )

    def _article_classifier(
        self, texts: Sequence[_Text], sources: Sequence[Source], asked: Sequence[AskedQuestion],
        prebuilt: Mapping[str, State] | None,
    ) -> NaiveBayes:  # fmt: skip
        """Question → article, class 0 meaning that no article answers it: learnt from the
        FAQ's texts (their entry's first article), the intents' (none) and the questions
        customers asked, which bring the voices the FAQ's writer did not have."""
        examples = list(zip(self._class_article[self._entry_of].tolist(), sources, strict=True))
        known = {t.text for t in texts}
        asked_tokens: list[list[str]] = []
        asked_readings: list[str] = []
        for a in asked:
            analysis = self.analyzer.analyse(a.question)
            asked_tokens.append(analysis.tokens)
            asked_readings.append(analysis.reading)
            if a.question not in known:  # an unanswered one may already be an intent's text
                examples.append((a.article or 0, (analysis.tokens, analysis.reading)))
        # The asked questions one by one, for `_asked_evidence`: `_asked_about[a]` holds those
        # article a answers, `[0]` those none answers (their positions, their readings).
        self._asked_index = built(CosineIndex, asked_tokens, prebuilt)
        about: dict[int, list[int]] = {}
        for i, a in enumerate(asked):
            for article in sorted(a.articles) or [0]:
                about.setdefault(article, []).append(i)
        self._asked_about = {
            article: (np.array(ids, dtype=np.intp), [asked_readings[i] for i in ids])
            for article, ids in about.items()
        }
        articles = max(
            [c.article for c in self._clauses] + [label for label, _ in examples], default=0
        )
        return trained(examples, articles + 1, temperature=ARTICLE_TEMPERATURE, shipped=prebuilt)

    @property
    def prebuilt_parts(self) -> tuple[NaiveBayes | CosineIndex | BM25Index, ...]:
        """The classifiers and indexes `make analyses` ships (knowledge/faq/prebuilt.py)."""
        return (
            self._classifier, self._articles_nb, self._cosine, self._entries, self._clause_words,
            self._clause_grams, self._asked_index,
        )  # fmt: skip

    def prepare(self, question: str) -> Question:
        """The question prepared once for every score (`search`) and the answer."""
        return prepare_question(question, self.analyzer)

    def search(self, question: Question | str, limit: int = 5) -> Retrieval:
        """Rank the FAQ entries and the articles for a question; decide on a hand-off."""
        if isinstance(question, str):
            question = self.prepare(question)
        analysis = question.analysis
        tokens, reading = analysis.tokens, analysis.reading
        # One score per text, then each class's best text: vectorised, since the FAQ and the
        # intents have thousands of texts and every question is scored against all of them.
        whole = np.asarray(self._entries.scores(tokens))
        text_cosine = np.asarray(self._cosine.scores(tokens))
        text_reading = _fuzzy(reading, self._readings)
        per_text = W_COS * text_cosine + W_READ * text_reading + W_ENTRY * whole[self._entry_of]
        similarity = np.maximum.reduceat(per_text, self._starts) if len(per_text) else per_text
        # The posterior sums to 1 whether or not any entry fits: in the article ranking it
        # counts in proportion to the entry's similarity, so that clauses still rank an
        # article no entry covers.
        background = 1.0
        evidence = scores = similarity
        question_features = features(tokens, reading)
        likelihoods, mass = self._articles_nb.log_likelihoods(question_features)
        by_article = np.asarray(self._articles_nb.posterior_of(likelihoods, mass))
        odds = self._articles_nb.log_odds(likelihoods, mass, 0)
        unanswerable = round(max(-ODDS_CAP, min(ODDS_CAP, odds)), 4)
        english = 1.0 if question.lang == "en" else 0.0
        length = min(LENGTH_CAP, _letters(question.text) / 100)
        if len(similarity):
            posterior = np.asarray(self._classifier.posterior(question_features))
            background = max(0.0, 1.0 - float(posterior.sum()))
            evidence = similarity * (1 + W_CLASSIFIER * posterior)
            scores = (
                similarity + W_CLASSIFIER * posterior + W_ARTICLE * by_article[self._class_article]
            )
        n = len(self.faq)
        ranked = [int(i) for i in np.argsort(-scores[:n], kind="stable")]

        def matched(order: list[int]) -> tuple[Match, ...]:
            return tuple(
                Match(self.faq[i], round(float(scores[i]), 4), self._best_text(per_text, i))
                for i in order[:limit]
            )

        matches = matched(ranked)
        clause_hits = self._clause_hits(question)
        top = matches[0].score if matches else 0.0
        margin = top - _runner_up(matches)
        unknown = self.unknown_share(analysis.words)
        oos, gap = None, 0.0
        if len(scores) > n:
            closest = n + int(np.argmax(scores[n:]))
            best = float(scores[closest])
            text = self._best_text(per_text, closest)
            oos = OutOfScopeMatch(self.out_of_scope[closest - n], round(best, 4), text)
            gap = round(best - top, 4)
        background = round(background, 4)
        none = round(float(by_article[0]), 4)
        first = int(self._class_article[ranked[0]]) if n else 0  # the top entry's article
        article = round(float(by_article[first]), 4) if n else 0.0
        asked = self._asked_evidence(tokens, reading, first, 0.5 * text_cosine + 0.5 * text_reading)
        feature_values = (
            top, margin, unknown, gap, background, none, article, unanswerable, english, length,
            asked,
        )  # fmt: skip
        # Not one word the FAQ or the terms use (emoji, 「ああああ」, keyboard mashing, a topic
        # of its own): nothing in the question says what the terms should answer, however
        # the scores come out (a long run of noise once scored 0.99 on its length alone).
        empty = unknown >= 1.0
        confidence = 0.0 if empty else calibrated(feature_values, self.calibration)
        likely_wrong = calibrated(feature_values, self.right) < RIGHT_FLOOR
        declined = oos is not None and gap > OOS_MARGIN
        handoff = empty or declined or likely_wrong or confidence < self.threshold
        # A question the chamber's FAQ writes word for word is the one its entry answers, first
        # and without a hand-off: the scores cannot know that better than the chamber did, and a
        # phrasing staff add after a hand-off works at once. (「返金は？」 is refund-general's
        # own phrasing, yet the scores put the refund on abolition first.)
        exact = self._verbatim.get(_verbatim(question.text)) if n else None
        if exact is not None:
            if exact != ranked[0]:
                ranked.remove(exact)
                ranked.insert(0, exact)
                matches = matched(ranked)
            handoff, declined = False, False
            confidence = max(confidence, self.threshold)
        articles = self._articles(
            [Match(self.faq[i], float(evidence[i]), "") for i in ranked],  # no intent: no article
            clause_hits,
            by_article,
            ARTICLES_HANDOFF if handoff else ARTICLES,
        )
        return Retrieval(
            question.text, matches, clause_hits, articles, top, margin, unknown, confidence,
            handoff, oos, gap, background, declined, none, article, unanswerable, english, length,
            asked,
        )  # fmt: skip

    def _asked_evidence(
        self, tokens: Sequence[str], reading: str, article: int, texts: np.ndarray
    ) -> float:
        """The question's similarity to the closest question known to be about `article` minus
        that to the closest one no article answers (each 0 when there is none): customers asked
        this of that article, or something like it that the terms do not answer. Known: the
        questions customers asked, and the FAQ's own phrasings (an entry's for its first article,
        an intent's for none); `texts` holds the question's similarity to each of the latter.
        With only the asked questions, 9 of the FAQ's 404 own questions (「UTMとは何ですか？」,
        "How much does the service cost?") were handed off: short and generic, they were as close
        to a question no article answers (the chamber's dues) as to one about theirs. Similarity:
        the mean of the words' cosine and the readings' ratio (across writers left out, the mean
        did better than either alone)."""
        if not article or not self._asked_about:
            return 0.0
        cosine = np.asarray(self._asked_index.scores(tokens))

        def closest(group: int) -> float:
            # Only the two groups' readings are compared: the ratio is most of the cost.
            ids, readings = self._asked_about.get(group, (None, []))
            best = 0.0
            if readings:
                best = float((0.5 * cosine[ids] + 0.5 * _fuzzy(reading, readings)).max())
            phrasings = texts[self._text_article == group]
            return max(best, float(phrasings.max()) if len(phrasings) else 0.0)

        return round(closest(article) - closest(0), 4)

    def _best_text(self, per_text: np.ndarray, item: int) -> str:
        """The text of class `item` that scored best (the first, on a tie)."""
        start, end = self._starts[item], self._ends[item]
        return self._texts[start + int(np.argmax(per_text[start:end]))].text

    def unknown_share(self, words: Sequence[str]) -> float:
        """The share of the question's words that neither the FAQ nor the terms ever use
        (Wi-Fi, インボイス, 駅): a question about something else."""
        if not words:
            return 1.0
        return sum(1 for w in words if w not in self._vocabulary) / len(words)

    def _clause_hits(self, question: Question, limit: int = 12) -> tuple[ClauseHit, ...]:
        words = _relative(self._clause_words.scores(question.analysis.tokens))
        grams = _relative(self._clause_grams.scores(char_ngrams(question.folded)))
        scores = [w + W_GRAMS * g for w, g in zip(words, grams, strict=True)]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:limit]
        return tuple(ClauseHit(self._clauses[i], round(scores[i], 4)) for i in order if scores[i])

    def _articles(
        self,
        matches: Sequence[Match],
        hits: Sequence[ClauseHit],
        posterior: Sequence[float] = (),
        limit: int = ARTICLES,
    ) -> tuple[int, ...]:
        """The articles with real evidence (FAQ entries, clauses and the article classifier's
        `posterior`), best first, at most `limit`."""
        score: dict[int, float] = {}
        for m in matches:
            # A weak match says little about the article: only the part above FAQ_FLOOR counts.
            weight = max(0.0, m.score - FAQ_FLOOR) / (1.0 - FAQ_FLOOR)
            for rank, article in enumerate(m.entry.articles):
                s = weight * (1.0 if rank == 0 else 0.9)
                score[article] = max(score.get(article, 0.0), s)
        # An article's clause evidence: its two best clauses (a topic spread over paragraphs).
        by_clause: dict[int, list[float]] = {}
        for h in hits:
            by_clause.setdefault(h.clause.article, []).append(h.score)
        evidence = {a: sum(sorted(v)[-2:]) for a, v in by_clause.items()}
        top = max(evidence.values(), default=0.0) or 1.0
        for a, e in evidence.items():
            score[a] = score.get(a, 0.0) + W_CLAUSE * e / top
        best = max(score.values(), default=0.0)
        kept = {a for a in score if score[a] > ARTICLE_FLOOR * best}
        # The classifier re-orders the articles with evidence, and adds those it is sure of.
        for a, p in enumerate(posterior):
            if a and p:  # class 0: no article
                score[a] = score.get(a, 0.0) + W_ARTICLE * float(p)
                if p >= ARTICLE_FLOOR:
                    kept.add(a)
        return tuple(sorted(kept, key=lambda a: -score[a])[:limit])


# What a question may differ in from an FAQ text and still be the same words: spaces and the
# marks around them (a str.translate table: start-up reads thousands of texts).
_NOT_WORDS = str.maketrans("", "", " \t\n　?!.,。、・「」『』()（）\"'…〜~ー-")


def _verbatim(text: str) -> str:
    """The text as compared for a word-for-word match: NFKC, case, and no spaces or marks."""
    return nfkc(text).translate(_NOT_WORDS)


def _letters(text: str) -> int:
    """How long a question is for the length feature: its letters and digits, a run of one
    character counted once (「ああああ」, 「！！！」 and emoji say nothing, however many)."""
    count, last = 0, ""
    for char in text:
        if char != last and unicodedata.category(char)[0] in "LN":
            count += 1
        last = char
    return count


def _fuzzy(query: str, choices: list[str]) -> np.ndarray:
    """rapidfuzz's ratio of the query to every choice, 0..1 (cdist: one C loop, no sorting)."""
    if not query or not choices:
        return np.zeros(len(choices))
    return process.cdist([query], choices, scorer=fuzz.ratio, dtype=np.float64)[0] / 100.0


def _relative(scores: list[float]) -> list[float]:
    top = max(scores, default=0.0)
    return [s / top for s in scores] if top > 0 else scores


def _runner_up(matches: Sequence[Match]) -> float:
    """The best score of an entry that points to another article than the top one."""
    if not matches:
        return 0.0
    first = matches[0].entry.articles[:1]
    for m in matches[1:]:
        if m.entry.articles[:1] != first:
            return m.score
    return 0.0
