"""Write knowledge/data/analyses.json.gz: the analyses of every text the default engine reads at
start-up (`make analyses`; run it after changing the FAQ, the intents, the asked questions, the
terms, the synonyms or the analyser). tests/unit/faq/test_analyses.py fails while it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.faq.analyses import FILE, encode  # noqa: E402
from knowledge.faq.analyzer import Analyzer  # noqa: E402
from knowledge.faq.answers import startup_texts  # noqa: E402


def main() -> None:
    texts = startup_texts()
    target = ROOT / "knowledge" / FILE
    data = encode(Analyzer(), texts)
    target.write_bytes(data)
    print(f"{target.relative_to(ROOT)}: {len(texts)} texts, {len(data)} bytes")


if __name__ == "__main__":
    main()
