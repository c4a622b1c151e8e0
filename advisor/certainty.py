"""Certainty-factor arithmetic (MYCIN's combination rule).

Certainties live in [-1, 1]: positive is evidence for a conclusion, negative evidence
against, 0 says nothing. Combining is commutative and associative, so the order rules
fire in does not change the result.
"""

from __future__ import annotations

from collections.abc import Iterable


def combine(a: float, b: float) -> float:
    """Combine two certainty factors for the same conclusion."""
    if a >= 0 and b >= 0:
        result = a + b * (1 - a)
    elif a <= 0 and b <= 0:
        result = a + b * (1 + a)
    else:
        denominator = 1 - min(abs(a), abs(b))
        result = (a + b) / denominator if denominator > 0 else 0.0
    return max(-1.0, min(1.0, result))


def combine_all(values: Iterable[float]) -> float:
    total = 0.0
    for value in values:
        total = combine(total, value)
    return total


def steps(values: Iterable[float]) -> list[tuple[float, float]]:
    """(contribution, running total) for each value, for step-by-step explanations."""
    out: list[tuple[float, float]] = []
    total = 0.0
    for value in values:
        total = combine(total, value)
        out.append((value, total))
    return out
