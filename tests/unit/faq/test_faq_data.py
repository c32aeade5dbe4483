"""Integrity of the curated FAQ (knowledge/data/faq.yaml; format: knowledge/data/FAQ_SCHEMA.md)."""

import re
import string
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.faq.faq import parse_faq
from knowledge.terms import Terms, load_default_terms

FAQ = Path(__file__).resolve().parents[3] / "knowledge" / "data" / "faq.yaml"
ARTICLES = range(1, 27)  # the terms have 26 articles
TOPICS = {
    "service", "definitions", "contract", "start", "utm", "alerts", "dispatch", "insurance",
    "desk", "fees", "payment", "cancellation", "refund", "renewal", "suspension", "abolition",
    "damages", "liability", "personal_data", "confidentiality", "account", "prohibited",
    "antisocial", "law", "terms_change", "other",
}  # fmt: skip
REQUIRED = ("id", "topic", "question_ja", "question_en", "phrasings", "answer_ja", "answer_en")
OPTIONAL = (
    "clauses",
    "personal_ja",
    "personal_en",
    "personal_by_state_ja",
    "personal_by_state_en",
)
PLACEHOLDERS = {
    "customer_id", "company", "member", "start_date", "free_period_end", "period_start",
    "period_end", "cancel_deadline", "first_payment_due", "renewal_payment_due", "annual_fee",
    "monthly_fee", "first_fee", "refund_request_deadline", "insurance_start", "insurance_end",
}  # fmt: skip
CITATION = re.compile(r"第(\d+)条(\d+)項(?:\((\d+)\))?")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
# Every yen amount an answer may state: the two annual fees (第13条1項), their twelfths
# (第13条3項) and the worked June-start example (9 months of each).
AMOUNTS = {"79,200", "99,000", "6,600", "8,250", "59,400", "74,250"}


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    data = yaml.safe_load(FAQ.read_text(encoding="utf-8"))
    assert isinstance(data, list), "faq.yaml must be a YAML list of entries"
    assert all(isinstance(e, dict) for e in data), "every entry must be a mapping"
    return data


@pytest.fixture(scope="module")
def terms() -> Terms:
    return load_default_terms()


def fold(text: str) -> str:
    """Fold width, case and spacing so near-identical phrasings compare equal."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def fields_of(template: str) -> set[str]:
    """The `{name}` placeholders of a personal text."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_faq_has_at_least_190_entries(entries):
    assert len(entries) >= 190


def test_ids_are_unique_kebab_case_slugs(entries):
    ids = [e.get("id") for e in entries]
    assert all(isinstance(i, str) and SLUG.fullmatch(i) for i in ids), ids
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_entry_has_the_required_fields_and_no_others(entries):
    for e in entries:
        missing = [k for k in REQUIRED if not e.get(k)]
        assert missing == [], f"{e.get('id')}: missing {missing}"
        assert set(e) <= set(REQUIRED) | set(OPTIONAL), f"{e['id']}: unknown keys"
        for key in ("question_ja", "question_en", "answer_ja", "answer_en"):
            assert isinstance(e[key], str), f"{e['id']}: {key}"
            assert e[key].strip(), f"{e['id']}: {key}"


def test_every_topic_is_one_of_the_agreed_topics(entries):
    assert {e["id"]: e["topic"] for e in entries if e["topic"] not in TOPICS} == {}


def test_japanese_texts_are_japanese_and_english_texts_english(entries):
    for e in entries:
        assert JAPANESE.search(e["question_ja"]), e["id"]
        assert JAPANESE.search(e["answer_ja"]), e["id"]
        assert not JAPANESE.search(e["question_en"]), e["id"]


def test_answers_are_short(entries):
    for e in entries:
        assert len(e["answer_ja"].strip()) <= 240, f"{e['id']}: answer_ja too long"
        assert len(e["answer_en"].split()) <= 95, f"{e['id']}: answer_en too long"


def test_every_entry_has_eleven_distinct_phrasings_with_three_in_english(entries):
    # Customers write in many voices (kana-only, terse, jargon-free, typos, English). Long
    # phrasings with context are few on purpose: their shared preambles ("先月申し込んだ者ですが…")
    # made entries look alike and cost 9 points of false hand-offs in cross-validation.
    for e in entries:
        phrasings = e["phrasings"]
        assert isinstance(phrasings, list), e["id"]
        assert all(isinstance(p, str) and p.strip() for p in phrasings), e["id"]
        assert len(phrasings) >= 11, f"{e['id']}: only {len(phrasings)} phrasings"
        assert len({fold(p) for p in phrasings}) == len(phrasings), f"{e['id']}: repeats"
        english = sum(not JAPANESE.search(p) for p in phrasings)
        assert english >= 3, f"{e['id']}: {english} English phrasings"
        assert len(phrasings) - english >= 6, f"{e['id']}: few Japanese"


def test_no_phrasing_is_shared_by_two_entries(entries):
    owners: dict[str, list[str]] = {}
    for e in entries:
        for text in (e["question_ja"], e["question_en"], *e["phrasings"]):
            owners.setdefault(fold(text), []).append(e["id"])
    assert {t: ids for t, ids in owners.items() if len(set(ids)) > 1} == {}


def test_every_citation_is_well_formed_and_exists_in_the_terms(entries, terms):
    for e in entries:
        clauses = e.get("clauses")
        assert isinstance(clauses, list), f"{e['id']}: clauses must be a list"
        assert clauses, f"{e['id']}: no clauses"
        assert len(set(clauses)) == len(clauses), f"{e['id']}: repeated clause"
        for citation in clauses:
            assert CITATION.fullmatch(citation), f"{e['id']}: {citation!r} is malformed"
            assert terms.clause(citation) is not None, f"{e['id']}: no such clause {citation}"


def test_every_article_is_the_primary_clause_of_some_entry(entries):
    primary = {int(CITATION.fullmatch(e["clauses"][0])[1]) for e in entries}
    assert sorted(set(ARTICLES) - primary) == []


def test_every_article_customers_ask_about_leads_at_least_two_entries(entries):
    # the articles that once had a single entry each: customers ask about them in several ways
    counts = Counter(int(CITATION.fullmatch(e["clauses"][0])[1]) for e in entries)
    thin = {a: counts[a] for a in (1, 2, 3, 9, 10, 14, 15, 18, 19, 21, 22, 24, 26) if counts[a] < 2}
    assert thin == {}


def test_personal_texts_come_in_pairs_and_use_only_the_allowed_placeholders(entries):
    sample = {name: f"<{name}>" for name in PLACEHOLDERS}
    personal = [e for e in entries if "personal_ja" in e or "personal_en" in e]
    assert len(personal) >= 30
    for e in personal:
        ja, en = e.get("personal_ja"), e.get("personal_en")
        assert isinstance(ja, str), f"{e['id']}: personal_en without personal_ja"
        assert isinstance(en, str), f"{e['id']}: personal_ja without personal_en"
        assert fields_of(ja), f"{e['id']}: a personal text without placeholders"
        assert fields_of(ja) <= PLACEHOLDERS, f"{e['id']}: {fields_of(ja) - PLACEHOLDERS}"
        assert fields_of(en) == fields_of(ja), f"{e['id']}: ja and en use other placeholders"
        for text in (ja, en):  # formats cleanly: no stray braces, no positional fields
            assert "{" not in text.format(**sample), e["id"]


# Facts only a customer's state gives (core/answers.py, knowledge/data/FAQ_SCHEMA.md).
STATE_PLACEHOLDERS = PLACEHOLDERS | {
    "next_payment_due", "next_payment_amount", "next_period_start", "next_period_end",
    "renewal_fee",
}  # fmt: skip
STATES = {"ended", "payment_first", "payment_first_and_renewal", "payment_renewal", "payment_none"}


def test_texts_by_state_come_in_pairs_and_use_only_the_allowed_placeholders(entries):
    sample = {name: f"<{name}>" for name in STATE_PLACEHOLDERS}
    by_state = [e for e in entries if "personal_by_state_ja" in e or "personal_by_state_en" in e]
    assert len(by_state) >= 2  # the first payment and the renewal payment
    for e in by_state:
        ja, en = e.get("personal_by_state_ja"), e.get("personal_by_state_en")
        assert isinstance(ja, dict), e["id"]
        assert isinstance(en, dict), e["id"]
        assert list(ja) == list(en), f"{e['id']}: ja and en name other states"
        assert set(ja) <= STATES, f"{e['id']}: {set(ja) - STATES}"
        for state in ja:
            assert fields_of(ja[state]) <= STATE_PLACEHOLDERS, f"{e['id']} {state}"
            assert fields_of(en[state]) == fields_of(ja[state]), f"{e['id']} {state}"
            for text in (ja[state], en[state]):
                assert "{" not in text.format(**sample), e["id"]


def test_no_answer_makes_paying_first_and_renewal_together_an_obligation(entries):
    # 第13条3項 なお書き only lets a February/March starter agree to pay both at once (R7).
    for e in entries:
        texts = [e["answer_ja"], *(e.get("personal_by_state_ja") or {}).values()]
        for text in texts:
            assert "あわせてお支払いいただきます" not in text, e["id"]
            if "合算" in text:
                assert "協議" in text, e["id"]


def test_answers_state_only_amounts_the_terms_give(entries):
    for e in entries:
        for key in ("answer_ja", "answer_en"):
            amounts = set(re.findall(r"\d{1,3}(?:,\d{3})+", e[key]))
            assert amounts <= AMOUNTS, f"{e['id']}: {key} states {amounts - AMOUNTS}"


def test_cancellation_answers_cite_the_cancellation_clauses(entries):
    for e in entries:
        if e["topic"] == "cancellation":
            assert {"第12条1項", "第8条6項", "第12条3項"} & set(e["clauses"]), e["id"]


def test_the_packaged_loader_accepts_the_faq_with_the_terms(entries, terms):
    parsed = parse_faq(FAQ.read_text(encoding="utf-8"), terms)
    assert [p.id for p in parsed] == [e["id"] for e in entries]


def test_the_fast_yaml_loader_reads_every_data_file_as_the_safe_loader_does():
    from pathlib import Path

    from knowledge.faq.yamltext import load_yaml

    data = Path(__file__).resolve().parents[3] / "knowledge" / "data"
    files = [*data.glob("*.yaml"), *data.glob("templates/*.yaml")]
    assert len(files) >= 5
    for path in files:
        text = path.read_text("utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name
