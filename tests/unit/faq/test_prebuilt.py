"""The shipped classifiers and indexes (knowledge/faq/prebuilt.py): fresh, exact, else unused."""

from __future__ import annotations

from collections import Counter

import numpy as np

from knowledge.faq.answers import default_engine
from knowledge.faq.bm25 import BM25Index, CosineIndex
from knowledge.faq.classifier import NaiveBayes
from knowledge.faq.prebuilt import built, decode, encode, load_shipped, trained

EXAMPLES = [(0, (["解約"], "かいやく")), (1, (["料金"], "りょうきん")), (1, (["支払"], "しはらい"))]


def test_the_shipped_classifiers_and_indexes_are_the_ones_the_default_engine_builds():
    live = default_engine(prebuilt={}).retriever.prebuilt_parts
    shipped = load_shipped()
    assert [m.key for m in live if m.key not in shipped] == [], "stale: run `make analyses`"
    for model in live:
        stored = shipped[model.key]
        for name, value in model.state().items():
            assert np.array_equal(stored[name], value), name


def test_a_classifier_read_back_scores_exactly_as_the_trained_one():
    model = trained(EXAMPLES, 2)
    again = NaiveBayes.from_state(decode(encode([model]))[model.key])
    question = Counter({"w:料金": 1.0, "r:りょ": 0.5, "r:xx": 0.5})
    assert again.log_likelihoods(question) == model.log_likelihoods(question)
    assert again.posterior(question) == model.posterior(question)


def test_a_classifier_stored_for_other_examples_is_not_used():
    model = trained(EXAMPLES, 2)
    marked = {**model.state(), "unseen": np.zeros(3)}  # recognisable when it is used
    assert trained(EXAMPLES, 2, shipped={model.key: marked}).unseen == [0.0, 0.0, 0.0]
    other_reading = [*EXAMPLES[:2], (1, (["支払"], "しはらう"))]
    for examples, classes in ((EXAMPLES[:2], 2), (other_reading, 2), (EXAMPLES, 3)):
        assert trained(examples, classes, shipped={model.key: marked}).unseen != [0.0] * 3


def test_an_index_read_back_scores_exactly_as_the_built_one():
    docs = [["解約", "期限", "解約"], ["料金", "支払"], [], ["支払", "期限"]]
    for kind in (CosineIndex, BM25Index):
        index = built(kind, docs)
        again = built(kind, docs, decode(encode([index])))
        assert not isinstance(again.idf, dict)  # read back, not built again
        for question in (["解約", "期限"], ["支払", "未知"], []):
            assert again.scores(question) == index.scores(question)
        assert built(kind, docs[:3], decode(encode([index]))).size == 3  # other docs: rebuilt
