"""The confidence of an answer and the hand-off rule, fitted by `benchmarks/bench_faq.py --fit`."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Confidence = P(the terms answer the question), an L2-regularised logistic regression on
# `Retrieval.features`; `RIGHT`, the same on the same features, is P(the top entry's article is
# right). A question is handed off when the first is under THRESHOLD, or when the second is
# under RIGHT_FLOOR (an answer likelier wrong than right is not given). Fitting the confidence
# on what was asked rather than on the top answer being right, with the second model as a
# floor, cut the false hand-offs across writers (each left out) from 11.4 % to 8.3 % at the
# same share of unanswerable questions handed off, for 2.8 % of the answerable questions
# answered from the wrong article instead of 1.7 % (the six newest writers: 15.4 % → 11.3 %,
# 2.9 % → 4.5 %; the closest questions still come with every answer). The features: the top
# score, its margin over the best entry about another article,
# the share of the question's words that the FAQ and the terms never use, the best out-of-scope
# intent's score minus the top entry's, the entry classifier's mass on none of its classes (the
# domain at large), the article classifier's P(no article), P(the top entry's article) and
# log-odds of no article, whether the question is in English, its length (letters), and how
# much closer it is to a question customers asked about the top entry's article than to one
# no article answers. English and length correct the scores for how people write: English
# questions and long messages score lower for the same fit. The last one is the answer's own
# evidence: across writers left out it cut the false hand-offs from 14.3 % to 11.4 % at the
# same share of unanswerable questions handed off (confidence then fitted as P(right)).
# `benchmarks/bench_faq.py --fit` fits it on every writer's set (knowledge/data/asked), each
# answered by an engine that never learnt from that set: the confidence of a new customer.
# Intercept, then one weight per feature in that order.
CALIBRATION = (-0.79, 0.00, 0.00, -1.74, -0.98, 1.38, -0.59, 0.00, -1.08, 0.06, 2.70, 5.41)
RIGHT = (-2.19, 0.18, 0.58, -0.94, -0.77, 0.61, -0.13, 0.11, -0.66, 0.11, 2.79, 6.02)
RIGHT_FLOOR = 0.5
# The lowest threshold that hands off 94 % of the sets' unanswerable questions (those the
# out-of-scope rule hands off count). Scoring each writer's set with the others' fit showed that
# a new writer's unanswerable questions are handed off 2-4 points less often (and vary from
# one writer to the next by ±5): 90 % of them is the aim. It costs about one answerable
# question in nine to twelve, which is handed off with the closest questions as suggestions
# (top-3 is about 99 %). Lower answers what the terms do not say; higher hands off more good answers
# (benchmarks/bench_faq.py).
THRESHOLD = 0.80
# An engine without out-of-scope intents or asked questions (a chamber's own FAQ and an empty
# intents file), fitted the same way.
CALIBRATION_NO_OOS = (-3.06, 1.78, 0.00, -4.19, 0.00, 0.61, -0.36, 0.00, -0.40, -0.17, 5.67, 0.00)
RIGHT_NO_OOS = (-4.04, 1.91, 0.16, -3.37, 0.00, 0.57, -0.10, 0.00, -0.47, -0.39, 5.05, 0.00)
THRESHOLD_NO_OOS = 0.93
# Hand off when the best out-of-scope intent's score exceeds the top entry's by more than this,
# whatever the confidence: the margin with the fewest false hand-offs across writers. Since the
# asked questions' evidence joined the features, none (inf) did as well as any (8.3 % against
# 8.4-9.7 %): the intent's gap is a feature of the confidence, and it decides alone.
OOS_MARGIN = math.inf


def calibrated(features: Sequence[float], weights: Sequence[float] = CALIBRATION) -> float:
    """A logistic of `Retrieval.features` with `weights` (intercept first, then one per
    feature in that order): CALIBRATION's P(answerable), RIGHT's P(the top answer is right)."""
    if len(weights) != len(features) + 1:
        raise ValueError(f"{len(features)} features need {len(features) + 1} weights")
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], features, strict=True))
    return round(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 4)
