"""A multinomial naive Bayes classifier over the FAQ's own texts: question → FAQ entry.

Every phrasing of an entry is a labelled example. Features: the analyser's content words
(synonyms mapped, English → Japanese) and character n-grams of the folded hiragana reading, which
still overlap when a word is typed in kana, mistyped by the IME or left without its particles.
Training is counting, but over thousands of texts: the default engine's classifiers are trained
ahead and shipped (`knowledge/faq/prebuilt.py`, `state` and `from_state`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

WORD_WEIGHT = 1.0  # one content word counts as much as…
GRAM_WEIGHT = 0.5  # …two reading n-grams (a word yields several overlapping n-grams)
# Single kana say nothing about the topic; 2- and 3-grams did better in cross-validation.
GRAM_SIZES = (2, 3)
ALPHA = 0.03  # additive smoothing (0.03-0.1 alike; 0.5 blurs the rare, telling n-grams)
# The log-likelihoods are summed over tens of features, so the raw posterior is nearly always
# 0 or 1; dividing by the question's feature mass and scaling by TEMPERATURE spreads it.
TEMPERATURE = 8.0


def features(tokens: Sequence[str], reading: str) -> Counter[str]:
    """Weighted features of a text: its content words and its reading's character n-grams."""
    text = "".join(reading.split())
    # Counted in C (Counter over a list), then weighted: start-up computes this for every text.
    grams = Counter(["r:" + text[i : i + n] for n in GRAM_SIZES for i in range(len(text) - n + 1)])
    out: Counter[str] = Counter({g: c * GRAM_WEIGHT for g, c in grams.items()})
    for t, c in Counter(tokens).items():
        out["w:" + t] += c * WORD_WEIGHT
    return out


class NaiveBayes:
    """Multinomial naive Bayes with additive smoothing; classes are 0..n-1."""

    key: str = ""  # what it was trained on, hashed (knowledge/faq/prebuilt.py)

    def __init__(
        self,
        examples: Iterable[tuple[int, Counter[str]]],
        classes: int,
        background: Iterable[Counter[str]] = (),
        temperature: float = TEMPERATURE,
    ) -> None:
        self.temperature = temperature
        # One more class, the background: every example pooled with `background` (the domain
        # at large). A question that fits no entry better than the domain as a whole leaves
        # its mass there instead of piling it on whichever entry shares a few n-grams.
        # Counting is vectorised (feature ids, then one sort), since start-up trains two
        # classifiers over thousands of texts.
        names: list[str] = []
        amounts: list[float] = []
        sizes: list[int] = []
        example_labels: list[int] = []
        for label, feats in examples:
            names.extend(feats)
            amounts.extend(feats.values())
            sizes.append(len(feats))
            example_labels.append(label)
        pooled = len(names)  # every example counts in the background class too
        for feats in background:
            names.extend(feats)
            amounts.extend(feats.values())
        ids: dict[str, int] = {}
        id_array = np.array([ids.setdefault(f, len(ids)) for f in names], dtype=np.int64)
        id_array = np.concatenate([id_array[:pooled], id_array])
        label_array = np.concatenate(
            [
                np.repeat(np.array(example_labels, dtype=np.int64), sizes),
                np.full(len(names), classes),
            ]
        )
        amount_array = np.array(amounts)
        amount_array = np.concatenate([amount_array[:pooled], amount_array])
        width = classes + 1
        keys, inverse = np.unique(id_array * width + label_array, return_inverse=True)
        counts = np.bincount(inverse, weights=amount_array)
        totals = np.bincount(label_array, weights=amount_array, minlength=width)
        self.classes = classes
        self.vocabulary: AbstractSet[str] = frozenset(ids)
        size = len(ids)
        # A feature a class never saw: log(α / (N_c + α|V|)); a seen one adds log((n + α) / α).
        self.unseen = [math.log(ALPHA / (n + ALPHA * size)) for n in totals.tolist()]
        # Postings as slices of two arrays sorted by feature: a common n-gram is in hundreds
        # of classes and is added in one step per question.
        key_features, key_labels = np.divmod(keys, width)
        self._labels = key_labels.astype(np.intp)
        self._weights = np.log((counts + ALPHA) / ALPHA)
        bounds = np.flatnonzero(np.diff(key_features)) + 1
        starts = np.concatenate([[0], bounds]).tolist()
        ends = np.concatenate([bounds, [len(keys)]]).tolist()
        names = list(ids)
        # feature → its slice of the two arrays (plain ints: cheaper to build than array views)
        self.postings: Mapping[str, tuple[int, int]] = {
            names[f]: (a, b)
            for f, a, b in zip(key_features[starts].tolist(), starts, ends, strict=True)
        }

    def state(self) -> dict[str, np.ndarray]:
        """The trained model as arrays (`from_state` gives it back, every float exact)."""
        return {
            "classes": np.array(self.classes),
            "temperature": np.array(self.temperature),
            "unseen": np.array(self.unseen),
            "labels": self._labels.astype(np.int32),  # read back as is: an index needs no more
            "weights": self._weights,
            "names": np.array(list(self.postings), dtype=np.str_),
            "starts": np.array([a for a, _ in self.postings.values()], dtype=np.int64),
            "ends": np.array([b for _, b in self.postings.values()], dtype=np.int64),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> NaiveBayes:
        """The model `state` was taken from, without training."""
        model = cls.__new__(cls)
        model.classes = int(state["classes"])
        model.temperature = float(state["temperature"])
        model.unseen = state["unseen"].tolist()
        model._labels = state["labels"]
        model._weights = state["weights"]
        model.postings = _Slices(state["names"].tolist(), state["starts"], state["ends"])
        model.vocabulary = model.postings.keys()  # the same names, without a second copy
        return model

    def log_likelihoods(self, feats: Counter[str]) -> tuple[list[float], float]:
        """Per class (the background last), the log-likelihood of the known features, and
        their total weight."""
        known = {f: n for f, n in feats.items() if f in self.vocabulary}
        mass = sum(known.values())
        out = np.array(self.unseen) * mass
        for f, n in known.items():
            start, end = self.postings[f]
            # A class appears once in a posting: no collisions in the indexed add.
            out[self._labels[start:end]] += n * self._weights[start:end]
        return out.tolist(), mass

    def posterior(self, feats: Counter[str]) -> list[float]:
        """P(class | text) with the log-likelihoods tempered per unit of feature mass; what
        the classes leave to the background is missing from the sum."""
        return self.posterior_of(*self.log_likelihoods(feats))

    def posterior_of(self, scores: list[float], mass: float) -> list[float]:
        """`posterior` from `log_likelihoods`' result (computed once, used twice)."""
        if not mass:
            return [0.0] * self.classes
        scale = self.temperature / mass
        top = max(scores)
        exp = [math.exp((s - top) * scale) for s in scores]
        total = sum(exp)
        return [e / total for e in exp[: self.classes]]

    def log_odds(self, scores: list[float], mass: float, label: int) -> float:
        """Per unit of feature mass, how much likelier the text is under class `label` than
        under the other classes taken together (equal weights, the background left out); 0
        for a text with no known feature."""
        if not mass:
            return 0.0
        others = [s for c, s in enumerate(scores[: self.classes]) if c != label]
        top = max(others)
        mixture = top + math.log(sum(math.exp(s - top) for s in others) / len(others))
        return (scores[label] - mixture) / mass


class _Slices(Mapping[str, tuple[int, int]]):
    """feature → its (start, end) in the postings, kept as two arrays: a shipped classifier has
    ~65,000 features, and a tuple of two ints for each is a fifth of the engine's memory."""

    def __init__(self, names: list[str], starts: np.ndarray, ends: np.ndarray) -> None:
        self._rows = {name: row for row, name in enumerate(names)}
        self._starts, self._ends = starts, ends

    def __getitem__(self, name: str) -> tuple[int, int]:
        row = self._rows[name]
        return int(self._starts[row]), int(self._ends[row])

    def __contains__(self, name: object) -> bool:
        return name in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)
