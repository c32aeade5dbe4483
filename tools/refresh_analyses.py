"""Write knowledge/data/analyses.json.gz: the analyses of every text the default engine reads at
start-up, then knowledge/data/classifiers.npz: its classifiers, trained on them (`make analyses`;
run it after changing the FAQ, the intents, the asked questions, the terms, the synonyms, the
analyser or the classifier). tests/unit/faq/test_analyses.py and test_prebuilt.py fail while
they are stale."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.faq.analyses import FILE, encode  # noqa: E402
from knowledge.faq.analyzer import Analyzer  # noqa: E402
from knowledge.faq.answers import default_engine, startup_texts  # noqa: E402
from knowledge.faq.prebuilt import FILE as CLASSIFIERS  # noqa: E402
from knowledge.faq.prebuilt import encode as encode_classifiers  # noqa: E402


def main() -> None:
    texts = startup_texts()
    target = ROOT / "knowledge" / FILE
    data = encode(Analyzer(), texts)
    target.write_bytes(data)
    print(f"{target.relative_to(ROOT)}: {len(texts)} texts, {len(data)} bytes")
    # Trained here, over the analyses just written (the shipped classifiers are not used).
    retriever = default_engine(prebuilt={}).retriever
    target = ROOT / "knowledge" / CLASSIFIERS
    data = encode_classifiers(retriever.prebuilt_parts)
    target.write_bytes(data)
    print(f"{target.relative_to(ROOT)}: 2 classifiers and 5 indexes, {len(data)} bytes")


if __name__ == "__main__":
    main()
