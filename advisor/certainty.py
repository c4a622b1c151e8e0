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
    """Evidence for and against, each pooled first, then weighed against each other once.

    For certainties strictly inside (-1, 1) this equals combining one by one in any order;
    pooling first also makes the edge case (a certain +1 against a certain -1) independent of
    the order rules fired in.
    """
    values = list(values)
    pro = con = 0.0
    for value in values:
        if value > 0:
            pro = combine(pro, value)
        elif value < 0:
            con = combine(con, value)
    return combine(pro, con)


def steps(values: Iterable[float]) -> list[tuple[float, float]]:
    """(contribution, running total) for each value, for step-by-step explanations."""
    out: list[tuple[float, float]] = []
    total = 0.0
    for value in values:
        total = combine(total, value)
        out.append((value, total))
    return out
