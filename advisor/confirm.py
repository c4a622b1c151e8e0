"""What to check next: the unobserved signals that could most change the leading causes.

This is what a consultant takes back to the centre on the next visit. For every signal the
rules test that nobody observed (derived signals aside: the advisor computes those), the
signal is tried in its plausible bad and good states (`explain.scenarios`), the rules are
evaluated again with that observation added, and the largest move in certainty among the
leading causes (or among causes it would bring into the lead) is its value. The most
valuable few are kept, with the factors they would move and the question to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .engine import Firing
from .explain import MIN_CHANGE, Evaluator, confidences, scenarios, with_observation
from .findings import Finding
from .knowledge import Knowledge, Signal
from .observations import Assessment, format_value

LIMIT = 8
LEADING = 3
"""How many of the top causes count as 'leading'."""


class Runner(Protocol):
    def run(self, assessment: Assessment) -> tuple[Firing, ...]: ...


@dataclass(frozen=True)
class Check:
    """One measurement worth taking, and what it could change."""

    signal: str
    name: str
    would_change: tuple[str, ...]
    max_change: float
    question: str
    worth: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "name": self.name,
            "would_change": list(self.would_change),
            "max_change": round(self.max_change, 2),
            "question": self.question,
            "worth": round(self.worth, 2),
        }


def question(sig: Signal) -> str:
    """A short prompt of what to measure or look for, as a consultant would put it."""
    what = sig.short or (sig.name[:1].lower() + sig.name[1:])
    if sig.kind == "metric":
        if sig.good == "context":
            return f"Get {what} for now and six to twelve months ago: which way is it moving?"
        typical = ""
        if sig.benchmark is not None:
            typical = f" (typical {sig.benchmark.describe(lambda v, s=sig: format_value(v, s)).split(' (')[0]})"
        return f"Get {what} now, six to twelve months ago, and its target{typical}."
    if sig.kind == "event":
        return f"{sig.description} Did this happen in the period, and when?"
    return f"{sig.description} Look for it in interviews and on a floor walk; record no if you looked and it is not there."


def _leading(conf: dict[str, float]) -> list[str]:
    positive = sorted((f for f, c in conf.items() if c > 0), key=lambda f: (-conf[f], f))
    return positive[:LEADING]


def to_confirm(
    knowledge: Knowledge,
    assessment: Assessment,
    findings: dict[str, Finding] | None = None,
    *,
    runner: Runner | None = None,
    limit: int = LIMIT,
) -> tuple[Check, ...]:
    """The unobserved signals ranked by how much observing them could change the leading causes.

    `runner` evaluates the rules (the Python `Evaluator` by default; the durable-rules
    `RuleEngine` gives the same answer, only slower). A measurement is worth the moves it
    could cause among the leading causes, each weighed by its cause's rank (1, 0.75, 0.5);
    ties go to the larger single move, then the signal id.
    """
    runner = runner or Evaluator(knowledge)
    base_firings = runner.run(assessment)
    if findings is not None:
        base = {fid: f.confidence for fid, f in findings.items()}
    else:
        base = confidences(base_firings, knowledge)
    leading = _leading(base)
    tested = {sid for rule in knowledge.rules.values() for sid in rule.signals}
    checks: list[Check] = []
    for sid, sig in knowledge.signals.items():
        if sid not in tested or sig.kind == "derived" or sid in assessment.observations:
            continue
        moves: dict[str, float] = {}
        best = 0.0
        for sc in scenarios(sig, knowledge):
            trial = with_observation(assessment, sc.observation)
            if isinstance(runner, Evaluator):  # only the rules testing this signal can change
                after = confidences(runner.rerun(base_firings, trial, sid), knowledge)
            else:
                after = confidences(runner.run(trial), knowledge)
            for fid in leading or list(knowledge.factors):
                delta = abs(after.get(fid, 0.0) - base.get(fid, 0.0))
                best = max(best, delta)
                if delta >= MIN_CHANGE:
                    moves[fid] = max(moves.get(fid, 0.0), delta)
        if best >= MIN_CHANGE:
            order = sorted(moves, key=lambda f: (-round(moves[f], 4), f))
            # the more of the leading causes it moves, and the higher they rank, the more
            # a measurement is worth: weigh each move by its cause's place in the lead
            worth = sum(moves.get(f, 0.0) * (1.0 - 0.25 * i) for i, f in enumerate(leading))
            checks.append(Check(sid, sig.name, tuple(order), round(best, 4), question(sig), round(worth, 4)))
    checks.sort(key=lambda c: (-round(c.worth, 2), -round(c.max_change, 2), c.signal))
    return tuple(checks[:limit])


__all__ = ["Check", "question", "to_confirm"]
