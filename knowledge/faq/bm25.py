"""Two small sparse indexes: TF-IDF cosine over word tokens, BM25 over character n-grams."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class CosineIndex:
    """TF-IDF (log tf, smoothed idf) cosine similarity; scores are 0..1, comparable across
    questions. A question word the index never saw still counts in the question's norm, so
    off-topic words lower the score."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.size = len(docs)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        self.idf = {t: math.log((1 + self.size) / (1 + n)) + 1.0 for t, n in df.items()}
        self.unseen_idf = math.log(1 + self.size) + 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            weights = self._weights(doc)
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for t, w in weights.items():
                postings.setdefault(t, []).append((i, w / norm))
        self.postings = _as_arrays(postings)

    def _weights(self, tokens: Sequence[str]) -> dict[str, float]:
        tf = Counter(tokens)
        return {t: (1 + math.log(n)) * self.idf.get(t, self.unseen_idf) for t, n in tf.items()}

    def scores(self, tokens: Sequence[str]) -> list[float]:
        """Cosine similarity of the question to every document, in document order."""
        out = np.zeros(self.size)
        weights = self._weights(tokens)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return out.tolist()
        for t, w in weights.items():
            if t in self.postings:
                docs, doc_weights = self.postings[t]
                out[docs] += w * doc_weights / norm
        return out.tolist()


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    """Character n-grams of a folded string (no word segmentation needed)."""
    return [text[i : i + n] for n in sizes for i in range(len(text) - n + 1)]


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) over token lists."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(docs)
        lengths = [len(d) for d in docs]
        avg = (sum(lengths) / self.size) if self.size else 1.0
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        self.idf = {t: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / (avg or 1.0))
            for t, n in Counter(doc).items():
                postings.setdefault(t, []).append((i, n * (k1 + 1) / (n + norm)))
        self.postings = _as_arrays(postings)

    def scores(self, tokens: Sequence[str]) -> list[float]:
        """BM25 score of every document for the question's tokens, in document order."""
        out = np.zeros(self.size)
        for t in set(tokens):
            idf = self.idf.get(t)
            if idf is None:
                continue
            docs, weights = self.postings[t]
            out[docs] += idf * weights
        return out.tolist()


class Postings:
    """Each term's (documents, weights) arrays, as slices of two arrays: one small tuple a term
    instead of two arrays (the clause n-grams alone have ~12,000 terms)."""

    def __init__(self, postings: dict[str, list[tuple[int, float]]]) -> None:
        self._docs = np.array([i for p in postings.values() for i, _ in p], dtype=np.intp)
        self._weights = np.array([w for p in postings.values() for _, w in p], dtype=np.float64)
        self._bounds: dict[str, tuple[int, int]] = {}
        end = 0
        for t, p in postings.items():
            self._bounds[t] = (end, end + len(p))
            end += len(p)

    def __contains__(self, term: object) -> bool:
        return term in self._bounds

    def __len__(self) -> int:
        return len(self._bounds)

    def __getitem__(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents and weights (a document appears once in a posting, so an
        indexed add over them has no collisions)."""
        start, end = self._bounds[term]
        return self._docs[start:end], self._weights[start:end]


def _as_arrays(postings: dict[str, list[tuple[int, float]]]) -> Postings:
    """Postings as (documents, weights) arrays: a question adds a whole posting in one step."""
    return Postings(postings)
