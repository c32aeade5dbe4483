"""The default engine's classifiers and indexes, built ahead and shipped
(knowledge/data/classifiers.npz).

Training the two naive Bayes classifiers (`knowledge/faq/classifier.py`) means computing the
features of every FAQ text, intent and asked question, and the five indexes
(`knowledge/faq/bm25.py`) count every text's words: most of the engine's start-up time and
memory. Each is stored under a key made of everything its building reads (for a classifier the
examples' labels, words and readings, the classes, the temperature and classifier.py itself;
for an index its documents and bm25.py), so a file made for other texts, another analyser or
other code is simply not found (the part is then built at start-up, as before).
`make analyses` writes the file; tests/unit/faq/test_prebuilt.py fails while it is stale.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TypeVar

import numpy as np

from knowledge.faq import bm25, classifier
from knowledge.faq.bm25 import BM25Index, CosineIndex
from knowledge.faq.classifier import TEMPERATURE, NaiveBayes, features

FILE = "data/classifiers.npz"
# One example's input to `features`: its content words and its reading.
Source = tuple[Sequence[str], str]
State = Mapping[str, np.ndarray]
Index = TypeVar("Index", CosineIndex, BM25Index)


def training_key(
    examples: Sequence[tuple[int, Source]], classes: int, background: Sequence[Source],
    temperature: float,
) -> str:  # fmt: skip
    """What a classifier's training reads, hashed: equal keys train equal classifiers."""
    digest = hashlib.sha256(Path(classifier.__file__).read_bytes())
    digest.update(f"{classes}|{temperature!r}|{len(examples)}|{len(background)}".encode())
    for label, (tokens, reading) in examples:
        digest.update(f"\x1d{label}\x1f{chr(30).join(tokens)}\x1f{reading}".encode())
    for tokens, reading in background:
        digest.update(f"\x1d\x1f{chr(30).join(tokens)}\x1f{reading}".encode())
    return digest.hexdigest()


def trained(
    examples: Sequence[tuple[int, Source]], classes: int, background: Sequence[Source] = (),
    temperature: float = TEMPERATURE, shipped: Mapping[str, State] | None = None,
) -> NaiveBayes:  # fmt: skip
    """The classifier for these examples: the shipped one when `shipped` has it, else trained
    now (features computed one example at a time)."""
    key = training_key(examples, classes, background, temperature)
    state = (shipped or {}).get(key)
    if state is not None:
        model = NaiveBayes.from_state(state)
    else:
        model = NaiveBayes(
            ((label, features(*source)) for label, source in examples),
            classes,
            (features(*source) for source in background),
            temperature,
        )
    model.key = key
    return model


def built(
    kind: type[Index], docs: Sequence[Sequence[str]], shipped: Mapping[str, State] | None = None
) -> Index:
    """The index of `kind` over `docs`: the shipped one when `shipped` has it, else built now."""
    digest = hashlib.sha256(Path(bm25.__file__).read_bytes())
    digest.update(f"{kind.__name__}|{len(docs)}".encode())
    for doc in docs:
        digest.update(f"\x1d{chr(30).join(doc)}".encode())
    key = digest.hexdigest()
    state = (shipped or {}).get(key)
    index = kind.from_state(state) if state is not None else kind(docs)
    index.key = key
    return index


def encode(models: Sequence[NaiveBayes | CosineIndex | BM25Index]) -> bytes:
    """The file's bytes: each model's state under its key."""
    arrays = {f"{m.key}.{name}": value for m in models for name, value in m.state().items()}
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def decode(data: bytes) -> dict[str, State]:
    """The states in a file's bytes, by key."""
    states: dict[str, dict[str, np.ndarray]] = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        for name in npz.files:
            key, _, field = name.partition(".")
            states.setdefault(key, {})[field] = npz[name]
    return states


def load_shipped() -> Mapping[str, State]:
    """The shipped classifiers by key (none when the file is missing); not cached: what an
    engine does not use is freed once it is built."""
    path = resources.files("knowledge").joinpath(FILE)
    if not path.is_file():
        return {}
    return decode(path.read_bytes())
