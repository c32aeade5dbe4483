"""FAQ retrieval: article accuracy, hand-off accuracy, latency and start-up, beside a baseline.

    .venv/bin/python benchmarks/bench_faq.py              # development set, then held-out figures
    .venv/bin/python benchmarks/bench_faq.py --dev-only   # while tuning: never looks at held-out
    .venv/bin/python benchmarks/bench_faq.py --fit        # refit the confidence calibration

The development set is tests/data/faq_eval.jsonl (tune on it); the held-out set,
tests/data/faq_heldout.jsonl, is only scored, at the end. Each line: {"q", "article": int | null,
"also": [int] (optional), "lang"}; null means the terms cannot answer (expect a hand-off).
Baseline: rapidfuzz WRatio of the question against each clause's raw text, top clause's article.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT / "tests/data/faq_eval.jsonl"
HELDOUT = ROOT / "tests/data/faq_heldout.jsonl"
SMOKE = ROOT / "tests/data/faq_dev_smoke.jsonl"
BASELINE_HANDOFF = 50.0  # the baseline hands off when its best WRatio is below this


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def expected(row: dict) -> set[int]:
    return {row["article"], *row.get("also", [])} if row["article"] is not None else set()


def figures(rows: list[dict], ranked: list[list[int]], handoff: list[bool]) -> dict[str, float]:
    answerable = [i for i, r in enumerate(rows) if r["article"] is not None]
    unanswerable = [i for i, r in enumerate(rows) if r["article"] is None]

    def share(ids: list[int], ok) -> float:  # type: ignore[no-untyped-def]
        return 100.0 * sum(1 for i in ids if ok(i)) / len(ids) if ids else float("nan")

    return {
        "top1": share(
            answerable, lambda i: bool(ranked[i][:1]) and ranked[i][0] in expected(rows[i])
        ),
        "top3": share(answerable, lambda i: bool(set(ranked[i][:3]) & expected(rows[i]))),
        "handoff_unanswerable": share(unanswerable, lambda i: handoff[i]),
        "false_handoff": share(answerable, lambda i: handoff[i]),
        "n": len(rows),
    }


def run_engine(engine, rows: list[dict]) -> tuple[dict[str, float], list[float], list]:  # type: ignore[no-untyped-def]
    ranked, handoff, latencies, details = [], [], [], []
    for row in rows:
        t = time.perf_counter()
        answer = engine.answer(row["q"])
        latencies.append((time.perf_counter() - t) * 1000)
        ranked.append(list(answer.articles))
        handoff.append(answer.handoff)
        details.append(answer)
    return figures(rows, ranked, handoff), latencies, details


def run_baseline(terms, rows: list[dict]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from rapidfuzz import fuzz, process

    clauses = list(terms.clauses())
    texts = [c.text for c in clauses]
    ranked, handoff = [], []
    for row in rows:
        hits = process.extract(row["q"], texts, scorer=fuzz.WRatio, limit=30)
        ranked.append(list(dict.fromkeys(clauses[k].article for _, _, k in hits)))
        handoff.append(not hits or hits[0][1] < BASELINE_HANDOFF)
    return figures(rows, ranked, handoff)


def show(name: str, f: dict[str, float]) -> None:
    print(
        f"  {name:<9} top-1 {f['top1']:5.1f} %  top-3 {f['top3']:5.1f} %  "
        f"unanswerable handed off {f['handoff_unanswerable']:5.1f} %  "
        f"false hand-off {f['false_handoff']:5.1f} %  (n={f['n']:.0f})"
    )


def fit(engine, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Logistic regression of 'the top entry's article is right' on (top, margin, unknown share)
    by gradient descent; unanswerable questions are never right. Then a threshold scan."""
    xs, ys = [], []
    for row in rows:
        found = engine.retriever.search(row["q"])
        first = found.matches[0].entry.articles[:1] if found.matches else ()
        ys.append(1.0 if first and first[0] in expected(row) else 0.0)
        xs.append((1.0, found.top, found.margin, found.unknown))
    w = [0.0] * 4
    for _ in range(20000):
        g = [0.0] * 4
        for x, y in zip(xs, ys, strict=True):
            p = 1 / (1 + math.exp(-sum(wj * xj for wj, xj in zip(w, x, strict=True))))
            for j in range(4):
                g[j] += (p - y) * x[j]
        w = [
            wj - 0.5 * gj / len(xs) - 0.5 * 1e-4 * wj * (j > 0)
            for j, (wj, gj) in enumerate(zip(w, g, strict=True))
        ]
    print(
        f"CALIBRATION = ({', '.join(f'{wj:.2f}' for wj in w)})  (n={len(xs)}, right={sum(ys):.0f})"
    )
    none = [i for i, r in enumerate(rows) if r["article"] is None]
    some = [i for i, r in enumerate(rows) if r["article"] is not None]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8):
        conf = [1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x, strict=True)))) for x in xs]
        off = sum(conf[i] < threshold for i in none) / max(1, len(none))
        false = sum(conf[i] < threshold for i in some) / max(1, len(some))
        print(
            f"  threshold {threshold:.1f}: unanswerable handed off {100 * off:5.1f} %, "
            f"false hand-off {100 * false:5.1f} %"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-only", action="store_true", help="do not score the held-out set")
    parser.add_argument("--fit", action="store_true", help="refit the confidence calibration")
    parser.add_argument("--misses", action="store_true", help="list the development set's misses")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from knowledge.answers import default_engine

    engine = default_engine()
    engine.answer("利用料金はいくらですか")  # the first question pays for lazy initialisation
    startup = time.perf_counter() - t0

    dev_path = DEV if DEV.exists() else SMOKE
    dev = load(dev_path)
    if args.fit:
        fit(engine, dev)
        return
    f, latencies, details = run_engine(engine, dev)
    print(f"FAQ retrieval — development set {dev_path.relative_to(ROOT)}")
    show("engine", f)
    show("baseline", run_baseline(engine.terms, dev))
    cut = sorted(latencies)
    p99 = cut[min(len(cut) - 1, math.ceil(0.99 * len(cut)) - 1)]
    print(f"  latency per question p50 {statistics.median(cut):.2f} ms  p99 {p99:.2f} ms")
    print(f"  start-up (import, parse terms and FAQ, build indexes, first answer) {startup:.2f} s")
    print(
        "  targets: top-1 ≥ 90 %, top-3 ≥ 97 %, unanswerable handed off ≥ 90 %, "
        "p99 < 10 ms, start-up < 2 s"
    )
    if args.misses:
        for row, answer in zip(dev, details, strict=True):
            ok = answer.articles[:1] and answer.articles[0] in expected(row)
            wrong_handoff = answer.handoff != (row["article"] is None)
            if (row["article"] is not None and not ok) or wrong_handoff:
                print(
                    f"  MISS want {row['article']} got {list(answer.articles[:3])} "
                    f"h={answer.handoff} c={answer.confidence:.2f} {answer.entry_id} | {row['q']}"
                )
    if not args.dev_only and HELDOUT.exists():
        held, latencies, _ = run_engine(engine, load(HELDOUT))
        print("Held-out set (not tuned on)")
        show("engine", held)
        show("baseline", run_baseline(engine.terms, load(HELDOUT)))


if __name__ == "__main__":
    main()
