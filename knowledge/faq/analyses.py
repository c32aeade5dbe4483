"""The shipped texts' analyses, computed ahead and shipped (knowledge/data/analyses.json.gz).

Start-up analyses every FAQ text, intent, asked question and clause: with Sudachi that is most
of a second. The results only change when the texts, the synonyms, the analyser or Sudachi
change, so they are computed once (`make analyses`) and loaded in a few milliseconds. A file
made for other synonyms, another analyser version or another dictionary is ignored (start-up then
analyses everything, as before); a text it lacks is analysed when it is met.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import metadata, resources

from knowledge.faq.analyzer import ANALYSER_VERSION, Analysis, Analyzer

FILE = "data/analyses.json.gz"


def fingerprint() -> str:
    """What the shipped analyses depend on besides the texts: the analyser's version, Sudachi's
    dictionary (pinned in pyproject.toml) and the synonym table. Anything else that changes an
    analysis fails tests/unit/faq/test_analyses.py."""
    synonyms = resources.files("knowledge").joinpath("data/synonyms.yaml").read_bytes()
    parts = [
        str(ANALYSER_VERSION),
        metadata.version("sudachidict-core"),
        hashlib.sha256(synonyms).hexdigest(),
    ]
    return "|".join(parts)


def encode(analyzer: Analyzer, texts: Iterable[str]) -> bytes:
    """The file's bytes: each text's analysis by `analyzer` (one with no analyses known), with
    the fingerprint."""
    analyses = {}
    for text in dict.fromkeys(texts):
        a = analyzer.analyse(text)
        analyses[text] = [a.tokens, a.words, a.reading]
    body = {"fingerprint": fingerprint(), "analyses": analyses}
    # mtime=0: the same analyses give the same bytes (no churn in version control).
    return gzip.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), mtime=0)


def decode(data: bytes) -> Mapping[str, Analysis]:
    """The analyses in a file's bytes; none when they were made for something else."""
    body = json.loads(gzip.decompress(data))
    if body.get("fingerprint") != fingerprint():
        return {}
    # One string object per distinct word: the file repeats a few thousand words ~100,000 times.
    words: dict[str, str] = {}
    return {
        text: Analysis([words.setdefault(x, x) for x in t], [words.setdefault(x, x) for x in w], r)
        for text, (t, w, r) in body["analyses"].items()
    }


def load_shipped() -> Mapping[str, Analysis]:
    """The shipped analyses (none when the file is missing or stale)."""
    path = resources.files("knowledge").joinpath(FILE)
    if not path.is_file():
        return {}
    return decode(path.read_bytes())
