"""Recognisers of the typical mistakes of the multilayer-perceptron lesson; their texts are in ``diagnoses.toml``.

Most mistakes are named by the properties themselves, from the values they already have. The recogniser here reads
the sample of Layer(8, 8) that the statistical properties drew (the same sample, from ``ctx.memo``) and says what
its distribution looks like. Nothing here reads the submission's source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.api import Context, Outcome, Value, fmt, numbers_in
from grader.diagnosis import Finding

SAMPLE_MEMO = "Layer(8, 8) sample"  # where properties.py keeps that sample in ctx.memo


def _weights(outcomes: list[Outcome]) -> list[np.ndarray[Any, Any]] | None:
    found = []
    for outcome in outcomes:
        raw = outcome.attrs.get("weights") if outcome.raised is None else None
        values = numbers_in(raw) if isinstance(raw, Value) else None
        if values is None or values.shape != (8, 8):
            return None
        found.append(values)
    return found


def recognise_init(ctx: Context, failed: set[str]) -> list[Finding]:
    outcomes = ctx.memo.get(SAMPLE_MEMO)
    if not outcomes:
        return []
    weights = _weights(outcomes)
    if weights is None:
        return []
    findings = []
    if len({w.tobytes() for w in weights}) == 1 and np.unique(weights[0]).size > 1:
        findings.append(Finding("init.seeded"))
    every = np.concatenate([w.reshape(-1) for w in weights])
    if every.min() >= 0 and every.max() < 1 and every.max() > 0.5:
        findings.append(Finding("init.weights-nonnegative", {"count": fmt.count(every.size), "low": fmt.num(every.min())}))
    return findings


RECOGNISERS: dict[str, Callable[[Context, set[str]], list[Finding]]] = {
    "Layer.__init__": recognise_init,
}
