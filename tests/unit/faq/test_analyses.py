"""The shipped analyses (knowledge/faq/analyses.py): fresh, equal to live analysis, else ignored."""

from __future__ import annotations

import gzip
import json

import pytest

from knowledge.faq.analyses import decode, encode, load_shipped
from knowledge.faq.analyzer import Analysis, Analyzer
from knowledge.faq.answers import startup_texts


@pytest.fixture(scope="module")
def shipped():
    return load_shipped()


def test_the_default_engine_starts_without_analysing_a_text(shipped):
    missed = [text for text in startup_texts() if text not in shipped]
    assert missed == [], "stale: run `make analyses`"


def test_the_shipped_analyses_are_what_the_analyser_gives_now(shipped):
    live = Analyzer()
    assert shipped, "missing or made for other synonyms, analyser or Sudachi: `make analyses`"
    assert [t for t, a in shipped.items() if live.analyse(t) != a] == []


def test_analyses_made_for_something_else_are_ignored():
    data = encode(Analyzer(), ["解約したい"])
    assert set(decode(data)) == {"解約したい"}
    body = json.loads(gzip.decompress(data))
    body["fingerprint"] = "another analyser"
    assert decode(gzip.compress(json.dumps(body).encode())) == {}


def test_a_known_text_is_not_analysed_again_and_others_are():
    cached = Analysis(["料金"], ["料金"], "りょうきん")
    analyzer = Analyzer(known={"料金？": cached})
    assert analyzer.analyse("料金？") is cached
    assert analyzer.analyse("解約したい").tokens == Analyzer().analyse("解約したい").tokens
