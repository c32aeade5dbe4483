"""Fitting the hand-off model: an L2-regularised logistic regression (Newton's method, pure
Python) and a threshold rule (benchmarks/bench_faq.py fits them leaving one writer out)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Vector = Sequence[float]


def sigmoid(z: float) -> float:
    """The logistic function, safe for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems here are 4×4 to 6×6)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] if m[i][i] else 0.0 for i in range(n)]


# Features whose weight must not be negative (1-based, after the intercept): a better or more
# clear-cut match (top score, margin) or a surer article classifier (P(the top entry's
# article), the 7th feature) never lowers the confidence. Collinear as they are (the top score
# includes that probability), an unconstrained fit can give one a small negative weight that
# would.
MONOTONE = (1, 2, 7)


def fit_logistic(
    xs: Sequence[Vector], ys: Sequence[float], l2: float = 1.0, monotone: Sequence[int] = MONOTONE
) -> list[float]:
    """Weights (intercept first) of P(y=1 | x); `l2` penalises every weight but the intercept
    (features are on a 0..1 scale, so one penalty fits them all). A `monotone` weight that comes
    out negative is fixed at 0 and the rest refitted."""
    zero: set[int] = set()
    while True:
        w = _fit_logistic(xs, ys, l2, zero)
        negative = {j for j in monotone if j < len(w) and w[j] < 0} - zero
        if not negative:
            return w
        zero |= negative


def _fit_logistic(
    xs: Sequence[Vector], ys: Sequence[float], l2: float, zero: set[int]
) -> list[float]:
    d = len(xs[0]) + 1
    w = [0.0] * d
    rows = [tuple(0.0 if j in zero else v for j, v in enumerate((1.0, *x))) for x in xs]
    for _ in range(30):
        grad = [l2 * w[j] * (j > 0) for j in range(d)]
        hess = [[l2 * (i == j and i > 0) for j in range(d)] for i in range(d)]
        for x, y in zip(rows, ys, strict=True):
            p = sigmoid(sum(a * b for a, b in zip(w, x, strict=True)))
            s = p * (1 - p)
            for i in range(d):
                grad[i] += (p - y) * x[i]
                for j in range(d):
                    hess[i][j] += s * x[i] * x[j]
        for i in range(d):
            hess[i][i] += 1e-9
        step = _solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return w


def predict(w: Vector, x: Vector) -> float:
    """P(y=1 | x) under weights `w` (intercept first)."""
    return sigmoid(w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True)))


def choose_threshold(
    probs: Sequence[float],
    answerable: Sequence[bool],
    target: float = 0.9,
    forced: Sequence[bool] | None = None,
) -> float:
    """The lowest threshold that hands off at least `target` of the unanswerable questions:
    every answer below it is handed off, so a lower one means fewer false hand-offs. `forced`
    questions are handed off whatever their probability (the out-of-scope rule): they count."""
    if forced is not None:
        probs = [-1.0 if f else p for p, f in zip(probs, forced, strict=True)]
    none = sorted(p for p, a in zip(probs, answerable, strict=True) if not a)
    if not none:
        return 0.5
    # Hand off the ceil(target · n) lowest-scoring unanswerable ones: a threshold just above them.
    k = math.ceil(target * len(none))
    return none[k - 1] + 1e-6 if k else 0.0


def fit_handoff(
    xs: Sequence[Vector],
    ys: Sequence[float],
    answerable: Sequence[bool],
    gaps: Sequence[float],
    margins: Sequence[float] = (math.inf,),
    l2: float = 1.0,
    target: float = 0.9,
    right_floor: float = 0.5,
) -> tuple[list[float], list[float], float, float]:
    """The hand-off model fitted on these questions: the logistic of 'the terms answer it'
    (`answerable`), that of 'the top entry's article is right' (`ys`), the out-of-scope margin
    (from `margins`) and the threshold on the first with the fewest false hand-offs while
    handing off `target` of the unanswerable ones. A question whose out-of-scope gap exceeds
    the margin, or whose top answer is likelier wrong than right (under `right_floor`), is
    handed off whatever the first says."""
    answers = fit_logistic(xs, [1.0 if a else 0.0 for a in answerable], l2)
    right = fit_logistic(xs, ys, l2)
    likely_wrong = [predict(right, x) < right_floor for x in xs]
    probs = [predict(answers, x) for x in xs]
    best: tuple[float, float, float] | None = None
    for margin in margins:
        forced = [g > margin or w for g, w in zip(gaps, likely_wrong, strict=True)]
        threshold = choose_threshold(probs, answerable, target, forced)
        false = sum(
            a and (f or p < threshold) for a, f, p in zip(answerable, forced, probs, strict=True)
        )
        if best is None or false < best[0]:
            best = (false, margin, threshold)
    if best is None:
        raise ValueError("no margin to choose from")
    return answers, right, best[1], best[2]
