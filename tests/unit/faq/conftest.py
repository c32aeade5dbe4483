"""The FAQ's costly values, built once per test session: the analyser, the shipped engine and
a retriever over the fixture FAQ (tests/data/faq_fixture.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq.analyses import load_shipped
from knowledge.faq.analyzer import Analyzer
from knowledge.faq.answers import AnswerEngine, default_engine
from knowledge.faq.faq import parse_faq
from knowledge.faq.retrieval import Retriever
from knowledge.terms import load_default_terms

FAQ_FIXTURE = Path(__file__).parents[2] / "data" / "faq_fixture.yaml"


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The analyser `default_engine` makes: the packaged synonyms and the shipped analyses."""
    return Analyzer(known=load_shipped())


@pytest.fixture(scope="session")
def shipped_engine(analyzer: Analyzer) -> AnswerEngine:
    """`default_engine()`: the shipped terms, FAQ, intents and asked questions."""
    return default_engine(analyzer=analyzer)


@pytest.fixture(scope="session")
def fixture_retriever(analyzer: Analyzer) -> Retriever:
    """A retriever over the shipped terms and the fixture FAQ, without intents."""
    terms = load_default_terms()
    return Retriever(terms, parse_faq(FAQ_FIXTURE.read_text("utf-8"), terms), analyzer)
