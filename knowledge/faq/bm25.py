"""Two small sparse indexes: TF-IDF cosine over word tokens, BM25 over character n-grams."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

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

    key: str = ""  # what it was built from, hashed (knowledge/faq/prebuilt.py)

    def state(self) -> dict[str, np.ndarray]:
        """The index as arrays (`from_state` gives it back)."""
        return index_state(self)

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> CosineIndex:
        """The index `state` was taken from, without building it."""
        index = cls.__new__(cls)
        _restore(index, state)
        index.unseen_idf = math.log(1 + index.size) + 1.0
        return index

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

    key: str = ""  # what it was built from, hashed (knowledge/faq/prebuilt.py)

    def state(self) -> dict[str, np.ndarray]:
        """The index as arrays (`from_state` gives it back)."""
        return index_state(self)

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> BM25Index:
        """The index `state` was taken from, without building it."""
        index = cls.__new__(cls)
        _restore(index, state)
        return index

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
    """Each term's (documents, weights) arrays, as slices of two shared arrays: a row number a
    term instead of two arrays (the clause n-grams alone have ~12,000 terms)."""

    def __init__(
        self, names: list[str], starts: np.ndarray, ends: np.ndarray, docs: np.ndarray,
        weights: np.ndarray,
    ) -> None:  # fmt: skip
        self.rows = {name: row for row, name in enumerate(names)}
        self._starts, self._ends, self._docs, self._weights = starts, ends, docs, weights

    @classmethod
    def from_lists(cls, postings: dict[str, list[tuple[int, float]]]) -> Postings:
        """From term → [(document, weight)], in that order."""
        sizes = np.array([len(p) for p in postings.values()], dtype=np.int64)
        ends = np.cumsum(sizes)
        return cls(
            list(postings),
            ends - sizes,
            ends,
            np.array([i for p in postings.values() for i, _ in p], dtype=np.intp),
            np.array([w for p in postings.values() for _, w in p], dtype=np.float64),
        )

    def __contains__(self, term: object) -> bool:
        return term in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents and weights (a document appears once in a posting, so an
        indexed add over them has no collisions)."""
        row = self.rows[term]
        start, end = int(self._starts[row]), int(self._ends[row])
        return self._docs[start:end], self._weights[start:end]

    def state(self) -> dict[str, np.ndarray]:
        """The postings as arrays (`from_state` gives them back)."""
        return {
            "names": np.array(list(self.rows), dtype=np.str_),
            "starts": self._starts,
            "ends": self._ends,
            "docs": self._docs.astype(np.int32),  # read back as is: an index needs no more
            "weights": self._weights,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> Postings:
        """The postings `state` was taken from."""
        return cls(
            state["names"].tolist(), state["starts"], state["ends"],
            state["docs"], state["weights"],
        )  # fmt: skip


def _as_arrays(postings: dict[str, list[tuple[int, float]]]) -> Postings:
    """Postings as (documents, weights) arrays: a question adds a whole posting in one step."""
    return Postings.from_lists(postings)


def index_state(index: CosineIndex | BM25Index) -> dict[str, np.ndarray]:
    """An index as arrays: its postings, each term's idf in the postings' order, its size."""
    state = index.postings.state()
    state["idf"] = np.array([index.idf[t] for t in state["names"].tolist()], dtype=np.float64)
    state["size"] = np.array(index.size)
    return state


def _restore(index: CosineIndex | BM25Index, state: Mapping[str, np.ndarray]) -> None:
    index.size = int(state["size"])
    index.postings = Postings.from_state(state)
    index.idf = _Idf(index.postings.rows, state["idf"])


class _Idf(Mapping[str, float]):
    """term → idf, read from an array by the postings' row numbers (no float object a term)."""

    def __init__(self, rows: Mapping[str, int], values: np.ndarray) -> None:
        self._rows, self._values = rows, values

    def __getitem__(self, term: str) -> float:
        return float(self._values[self._rows[term]])

    def __contains__(self, term: object) -> bool:
        return term in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)
