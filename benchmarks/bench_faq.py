"""FAQ retrieval: article accuracy, hand-off accuracy, latency and start-up, beside a baseline.

    .venv/bin/python benchmarks/bench_faq.py              # development sets, then the test set
    .venv/bin/python benchmarks/bench_faq.py --dev-only   # while tuning: never looks at the test
    .venv/bin/python benchmarks/bench_faq.py --fit        # refit the confidence calibration

Every set was written apart from the FAQ by its own writers (tests/data/README.md).
- Development: tests/data/faq_eval.jsonl and faq_dev2.jsonl. The retrieval was tuned on the
  first; the hand-off model (logistic, out-of-scope margin and threshold) is fitted on both
  pooled, and its figures are reported cross-validated (repeated stratified 5-fold).
- Validation: faq_heldout.jsonl to faq_heldout5.jsonl, each scored once as the test set of its
  day, then pooled: their misses showed what the FAQ and the out-of-scope intents lacked, and
  their unanswerable questions are now the intent `oos-asked-before` (so on those, hand-off
  figures are in-sample). They showed that new writers' unanswerable questions are handed off
  about 8 points less often than the development sets' are in cross-validation: hence TARGET.
- Test: faq_heldout6.jsonl, only scored, at the end.
Each line: {"q", "article": int | null, "also": [int] (optional), "lang"}; null means the
terms cannot answer (expect a hand-off).
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from faq_fit import choose_threshold, cross_validate, fit_handoff  # noqa: E402

DATA = ROOT / "tests/data"
DEV = DATA / "faq_eval.jsonl"
DEV2 = DATA / "faq_dev2.jsonl"
VALIDATION = tuple(DATA / f"faq_heldout{n}.jsonl" for n in ("", "2", "3", "4", "5"))
TEST = DATA / "faq_heldout6.jsonl"
L2 = 1.0  # the logistic's penalty (features are 0..1)
# The share of the development sets' unanswerable questions the threshold hands off. 90 % is
# wanted on questions from new customers, who proved harder: at 92 % here, new held-out sets
# got 80-86 %; 96 % here costs about 6 % of answerable questions in cross-validation.
TARGET = 0.96
BASELINE_HANDOFF = 50.0  # the baseline hands off when its best WRatio is below this
# Candidate out-of-scope margins (knowledge.confidence.OOS_MARGIN); inf: no such rule. Never
# below 0: a question whose best match is an FAQ entry is not declined by the rule.
MARGINS = (0.0, 0.1, 0.2, 0.3, 0.5, math.inf)


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


def separation(engine, rows: list[dict]) -> float:  # type: ignore[no-untyped-def]
    """False hand-offs at the threshold that hands off 90 % of these rows' unanswerable
    questions: how well the confidence separates, whatever the shipped threshold."""
    found = [engine.retriever.search(r["q"]) for r in rows]
    # A question the out-of-scope rule hands off is handed off at any threshold.
    conf = [-1.0 if f.declined else f.confidence for f in found]
    answerable = [r["article"] is not None for r in rows]
    cut = choose_threshold(conf, answerable, 0.9)
    return (
        100.0 * sum(a and c < cut for a, c in zip(answerable, conf, strict=True)) / sum(answerable)
    )


def show(name: str, f: dict[str, float]) -> None:
    print(
        f"  {name:<9} top-1 {f['top1']:5.1f} %  top-3 {f['top3']:5.1f} %  "
        f"unanswerable handed off {f['handoff_unanswerable']:5.1f} %  "
        f"false hand-off {f['false_handoff']:5.1f} %  (n={f['n']:.0f})"
    )


def training_data(engine, rows: list[dict]):  # type: ignore[no-untyped-def]
    """Per question: the features, 'the top entry's article is right', both article rankings
    (led by the answered entry; the fused one given with a hand-off) and the out-of-scope gap
    (-inf without intents)."""
    from knowledge.answers import _articles_led_by

    xs, ys, answered, fused, gaps = [], [], [], [], []
    for row in rows:
        found = engine.retriever.search(row["q"])
        first = found.matches[0].entry.articles[:1] if found.matches else ()
        ys.append(1.0 if first and first[0] in expected(row) else 0.0)
        xs.append(found.features)
        gaps.append(found.oos_gap if found.out_of_scope is not None else -math.inf)
        fused.append(list(found.articles))
        answered.append(
            list(_articles_led_by(found.matches[0].entry, found)) if found.matches else fused[-1]
        )
    return xs, ys, answered, fused, gaps


def cross_validated(engine, rows: list[dict], margins=MARGINS) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The development set's figures with every question judged by a calibration, out-of-scope
    margin and threshold fitted without it (mean over the repeats)."""
    xs, ys, answered, fused, gaps = training_data(engine, rows)
    answerable = [r["article"] is not None for r in rows]
    runs = []
    for handoff in cross_validate(
        xs, ys, answerable, l2=L2, target=TARGET, gaps=gaps, margins=margins
    ):
        ranked = [f if h else a for h, a, f in zip(handoff, answered, fused, strict=True)]
        runs.append(figures(rows, ranked, handoff))
    return {k: statistics.fmean(r[k] for r in runs) for k in runs[0]}


def fit(engine, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Fit the calibration, the out-of-scope margin and the threshold on the development sets
    and print them. The margin is the one with the fewest cross-validated false hand-offs
    (in-sample, the lowest margin always looks best); ties go to the lower one."""
    cv = {m: cross_validated(engine, rows, (m,))["false_handoff"] for m in MARGINS}
    for m, false in cv.items():
        print(f"  OOS_MARGIN {m}: cross-validated false hand-off {false:.1f} %")
    margin = min(MARGINS, key=lambda m: cv[m])
    xs, ys, _, _, gaps = training_data(engine, rows)
    answerable = [r["article"] is not None for r in rows]
    w, margin, threshold = fit_handoff(xs, ys, answerable, gaps, (margin,), L2, TARGET)
    weights = ", ".join(f"{wj:.2f}" for wj in w)
    print(f"CALIBRATION = ({weights})  (n={len(xs)}, right={sum(ys):.0f})")
    print(f"THRESHOLD = {threshold:.2f}")
    print(f"OOS_MARGIN = {margin}")


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

    dev = load(DEV)
    dev2 = load(DEV2) if DEV2.exists() else []
    validation = [row for path in VALIDATION if path.exists() for row in load(path)]
    if args.fit:
        fit(engine, dev + dev2)
        return
    f, latencies, details = run_engine(engine, dev)
    baseline = run_baseline(engine.terms, dev)
    print(f"FAQ retrieval — development set {DEV.relative_to(ROOT)} (in-sample)")
    show("engine", f)
    show("baseline", baseline)
    print("Development set, cross-validated (5-fold × 10, calibration and threshold refitted)")
    show("engine", cross_validated(engine, dev))
    show("baseline", baseline)
    if dev2:
        f2, more, _ = run_engine(engine, dev2)
        latencies += more
        print(f"Second development set {DEV2.relative_to(ROOT)} (in the calibration fit)")
        show("engine", f2)
        show("baseline", run_baseline(engine.terms, dev2))
        sep = separation(engine, dev2)
        print(f"  false hand-off when 90 % of its unanswerable are handed off: {sep:.1f} %")
        print("Both development sets pooled, cross-validated (what judges the calibration fit)")
        show("engine", cross_validated(engine, dev + dev2))
    if validation:
        fv, more, _ = run_engine(engine, validation)
        latencies += more
        print("Validation sets pooled (their unanswerable questions are an intent: in-sample)")
        show("engine", fv)
        show("baseline", run_baseline(engine.terms, validation))
    cut = sorted(latencies)
    p99 = cut[min(len(cut) - 1, math.ceil(0.99 * len(cut)) - 1)]
    print(f"  latency per question p50 {statistics.median(cut):.2f} ms  p99 {p99:.2f} ms")
    print(f"  start-up (import, parse terms and FAQ, build indexes, first answer) {startup:.2f} s")
    print(
        "  targets: top-1 ≥ 90 %, top-3 ≥ 97 %, unanswerable handed off ≥ 90 %, "
        "false hand-off < 10 %, p99 < 10 ms, start-up < 2 s"
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
    if not args.dev_only and TEST.exists():
        rows = load(TEST)
        print(f"Test set {TEST.relative_to(ROOT)} (never tuned on)")
        show("engine", run_engine(engine, rows)[0])
        show("baseline", run_baseline(engine.terms, rows))


if __name__ == "__main__":
    main()
