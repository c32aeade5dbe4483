"""The confidence of an answer and the hand-off rule, fitted by `benchmarks/bench_faq.py --fit`."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Confidence = P(the top entry's article is right), an L2-regularised logistic regression on
# `Retrieval.features`: the top score, its margin over the best entry about another article,
# the share of the question's words that the FAQ and the terms never use, the best out-of-scope
# intent's score minus the top entry's, the entry classifier's mass on none of its classes (the
# domain at large), the article classifier's P(no article), P(the top entry's article) and
# log-odds of no article, whether the question is in English, and its length. The last two
# correct the scores for how people write: English questions and long messages score lower
# for the same fit.
# `benchmarks/bench_faq.py --fit` fits it on every writer's set (knowledge/data/asked), each
# answered by an engine that never learnt from that set: the confidence of a new customer.
# Intercept, then one weight per feature in that order.
CALIBRATION = (-1.95, 0.00, 0.68, -1.55, -1.12, 0.88, -0.26, 0.00, -1.26, 0.28, 2.40)
# The lowest threshold that hands off 94 % of the sets' unanswerable questions (those the
# out-of-scope rule hands off count). Scoring each writer's set with the others' fit showed that
# a new writer's unanswerable questions are handed off 2-4 points less often (and vary from
# one writer to the next by ±5): 90 % of them is the aim. It costs about one answerable
# question in six, which is handed off with the closest questions as suggestions (top-3 is
# about 99 %). Lower answers what the terms do not say; higher hands off more good answers
# (benchmarks/bench_faq.py).
THRESHOLD = 0.77
# An engine without out-of-scope intents or asked questions (a chamber's own FAQ and an empty
# intents file), fitted the same way.
CALIBRATION_NO_OOS = (-3.99, 2.05, 0.02, -3.42, 0.00, 0.54, -0.07, 0.00, -0.55, -0.72, 4.20)
THRESHOLD_NO_OOS = 0.87
# Hand off when the best out-of-scope intent's score exceeds the top entry's by more than this,
# whatever the confidence: the margin with the fewest false hand-offs across writers.
OOS_MARGIN = 0.2


def calibrated(features: Sequence[float], weights: Sequence[float] = CALIBRATION) -> float:
    """P(the top answer is right): a logistic of `Retrieval.features` with `weights`
    (intercept first, then one per feature in that order)."""
    if len(weights) != len(features) + 1:
        raise ValueError(f"{len(features)} features need {len(features) + 1} weights")
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], features, strict=True))
    return round(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 4)
