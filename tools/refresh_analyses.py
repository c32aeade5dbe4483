"""Write knowledge/data/analyses.json.gz: the analyses of every text the default engine reads at
start-up (`make analyses`; run it after changing the FAQ, the intents, the asked questions, the
terms, the synonyms or the analyser). tests/unit/test_analyses.py fails while it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import knowledge.analyzer as analyzer_module  # noqa: E402
from knowledge.analyses import FILE, encode  # noqa: E402
from knowledge.analyzer import Analysis, Analyzer  # noqa: E402


class Recording(Analyzer):
    """An analyser that remembers every text it was asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def analyse(self, text: str) -> Analysis:
        self.texts.append(text)
        return super().analyse(text)


def main() -> None:
    recording = Recording()
    analyzer_module._DEFAULT = recording
    from knowledge.answers import default_engine

    default_engine()
    target = ROOT / "knowledge" / FILE
    data = encode(Analyzer(), recording.texts)
    target.write_bytes(data)
    print(f"{target.relative_to(ROOT)}: {len(set(recording.texts))} texts, {len(data)} bytes")


if __name__ == "__main__":
    main()
