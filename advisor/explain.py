"""Why the advisor concludes what it does: HOW a factor's certainty was reached, what nearly
fired, and what would change it.

A consultant trusts a finding they can question. MYCIN answered "how?" by listing the rules
that fired with their certainties; rule-engine users most often ask why a rule did *not*
fire. This module answers both from the same knowledge the engine ran:

- `explain` lists each fired rule with the observations it matched, the certainty combined
  step by step, the evidence against, the rules that nearly fired (condition by condition:
  held, failed, not observed) and a what-if over the observations;
- `Evaluator` is the rules evaluated in Python, with the engine's semantics (one firing per
  rule, its strongest branch; contribution = certainty x weakest matched confidence). It is
  for explanations and what-ifs only: what fires in an advice is decided by durable-rules,
  and a property test checks that the two agree. What-ifs need a hundred runs or so, and an
  engine run builds a fresh durable-rules host (tens of milliseconds), so they use this.
- `scenarios` builds the plausible observations of a signal not yet observed (bad and good),
  which both the what-if here and `confirm.to_confirm` try.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .certainty import combine, combine_all, steps
from .conditions import Branch, Literal, branches, holds
from .engine import Firing, Match
from .errors import UserError
from .findings import Finding, ranked, supersede
from .knowledge import Atom, Knowledge, Rule, Signal
from .observations import Assessment, Observation, format_value, parse_text, phrase

NEAR_MISS_LIMIT = 6
WHAT_IF_LIMIT = 6
MIN_CHANGE = 0.05
"""A change in certainty smaller than this is not worth a consultant's visit."""


# ------------------------------------------------------------------ Python evaluation


class Evaluator:
    """The rules evaluated in Python with the engine's semantics (for explanations only)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.compiled: tuple[tuple[Rule, tuple[Branch, ...]], ...] = tuple(
            (rule, tuple(branches(rule.when))) for rule in knowledge.rules.values()
        )

        self.by_signal: dict[str, set[str]] = {}
        for rule in knowledge.rules.values():
            for sid in rule.signals:
                self.by_signal.setdefault(sid, set()).add(rule.id)

    def rerun(self, firings: tuple[Firing, ...], assessment: Assessment, signal: str) -> tuple[Firing, ...]:
        """`firings` with only the rules that test `signal` evaluated again on `assessment`.

        Adding or changing one observation can only change the rules that test it, so the
        what-if searches need not evaluate the whole knowledge base each time.
        """
        touched = self.by_signal.get(signal, set())
        kept = tuple(f for f in firings if f.rule not in touched)
        return kept + self.run(assessment, only=touched)

    def run(self, assessment: Assessment, only: set[str] | None = None) -> tuple[Firing, ...]:
        out: list[Firing] = []
        observations = assessment.observations
        for rule, rule_branches in self.compiled:
            if only is not None and rule.id not in only:
                continue
            best: Firing | None = None
            for index, branch in enumerate(rule_branches):
                matches = _branch_matches(branch, observations)
                if matches is None:
                    continue
                weakest = min((m.confidence for m in matches), default=1.0)
                firing = Firing(rule=rule.id, factor=rule.factor, branch=index, matches=matches, contribution=rule.certainty * weakest)
                if best is None or abs(firing.contribution) > abs(best.contribution):
                    best = firing
            if best is not None:
                out.append(best)
        return tuple(out)


def _atom_holds(atom: Atom, observations: dict[str, Observation]) -> bool:
    obs = observations.get(atom.signal)
    return holds(atom, obs.states if obs is not None else None, obs.value if obs is not None else None)


def _branch_matches(branch: Branch, observations: dict[str, Observation]) -> tuple[Match, ...] | None:
    """The strongest observations satisfying every positive literal, or None if the branch fails."""
    matches: list[Match] = []
    for lit in branch:
        held = [a for a in lit.atoms if _atom_holds(a, observations)]
        if lit.negated:
            if held:
                return None
            continue
        if not held:
            return None
        atom = max(held, key=lambda a: observations[a.signal].confidence)
        obs = observations[atom.signal]
        matches.append(Match(signal=atom.signal, state=atom.state, value=obs.value if atom.state is None else None, confidence=obs.confidence))
    return tuple(matches)


def confidences(firings: tuple[Firing, ...], knowledge: Knowledge) -> dict[str, float]:
    """Each factor's combined certainty from some firings (the findings' arithmetic)."""
    per: dict[str, list[float]] = {fid: [] for fid in knowledge.factors}
    for f in supersede(firings, knowledge):
        per.setdefault(f.factor, []).append(round(f.contribution, 4))
    return {fid: round(combine_all(values), 4) for fid, values in per.items()}


# ------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """A plausible observation of a signal not yet observed, and how to say it."""

    label: str  # "bad", "good", "up", "down", "present", "absent"
    observation: Observation
    says: str  # "present", "0.60 against a 0.75 target, down from 0.71"


def _thresholds(signal: str, knowledge: Knowledge) -> list[float]:
    from .knowledge import atoms

    return sorted({a.number for r in knowledge.rules.values() for a in atoms(r.when) if a.signal == signal and a.number is not None})


def _bad_direction(sig: Signal) -> str | None:
    if sig.good == "up":
        return "down"
    if sig.good == "down":
        return "up"
    if sig.good == "band":
        return sig.hurts or "up"
    return None


def _clamp(sig: Signal, value: float) -> float:
    if sig.unit == "fraction":
        return min(1.0, max(0.0, value))
    if sig.id == "nps":
        return min(100.0, max(-100.0, value))
    if sig.id == "customer_effort":
        return min(7.0, max(1.0, value))
    return max(0.0, value)


def _metric_forms(sig: Signal, knowledge: Knowledge) -> list[tuple[str, str]]:
    """(label, YAML value) pairs: the metric plausibly bad and plausibly good."""
    bad = _bad_direction(sig)
    if bad is None:  # a context metric: only its movement means anything
        return [("up", "up"), ("down", "down")]
    good = "up" if bad == "down" else "down"
    bm = sig.benchmark
    candidates = _thresholds(sig.id, knowledge)
    if bm is not None:
        candidates += [b for b in (bm.low, bm.high) if b is not None]
    if not candidates:
        return [("bad", bad), ("good", good)]
    step = 0.15
    if bad == "down":
        worst = min(candidates) * (1 - step) if min(candidates) > 0 else min(candidates) - 1
        best = max(candidates) * (1 + step) if max(candidates) > 0 else max(candidates) + 1
    else:
        worst = max(candidates) * (1 + step) if max(candidates) > 0 else max(candidates) + 1
        best = min(candidates) * (1 - step) if min(candidates) > 0 else min(candidates) - 1
    if bm is not None and bm.low is not None and bm.high is not None:
        best = (bm.low + bm.high) / 2  # inside the band is what good looks like
    worst, best = _clamp(sig, worst), _clamp(sig, best)
    forms = []
    for label, value in (("bad", worst), ("good", best)):
        # the earlier figure on the other side, so the trend says the same as the value
        factor = 1 + step if (label == "bad") == (bad == "down") else 1 - step
        baseline = _clamp(sig, value * factor if value else (1.0 if factor > 1 else -1.0))
        if baseline == value:
            forms.append((label, bad if label == "bad" else good))
            continue
        forms.append((label, f"{{value: {_num(value)}, baseline: {_num(baseline)}, target: {_num(baseline)}}}"))
    return forms


def _num(value: float) -> str:
    return repr(round(value, 4))


_SCENARIOS: dict[tuple[str, Signal], list[Scenario]] = {}
"""Scenarios depend only on the knowledge (by its digest) and the signal: build them once."""


def scenarios(sig: Signal, knowledge: Knowledge) -> list[Scenario]:
    """The plausible observations of a signal, parsed exactly as a consultant's file would be."""
    key = (knowledge.digest, sig)
    if knowledge.digest and key in _SCENARIOS:
        return _SCENARIOS[key]
    found = _scenarios(sig, knowledge)
    if knowledge.digest:
        _SCENARIOS[key] = found
    return found


def _scenarios(sig: Signal, knowledge: Knowledge) -> list[Scenario]:
    if sig.kind == "derived":
        return []
    forms = _metric_forms(sig, knowledge) if sig.is_metric else [("present", "yes"), ("absent", "no")]
    out: list[Scenario] = []
    for label, form in forms:
        text = f"centre: what-if\nassessed: 2000-01-01\nobservations:\n  {sig.id}: {form}\n"
        try:
            obs = parse_text(text, knowledge, "<what-if>").observations[sig.id]
        except UserError:  # a form this signal does not accept: the trend alone still says something
            if form in ("up", "down"):
                continue
            fallback = _bad_direction(sig) if label == "bad" else ("up" if _bad_direction(sig) == "down" else "down")
            obs = parse_text(f"centre: what-if\nassessed: 2000-01-01\nobservations:\n  {sig.id}: {fallback}\n", knowledge, "<what-if>").observations[sig.id]
        says = "present" if obs.present else "absent (looked for, not found)" if obs.present is False else state_words(obs, sig)
        out.append(Scenario(label=label, observation=obs, says=says))
    return out


_STATE_WORDS = (
    ("worsened", "worse than before"),
    ("improved", "better than before"),
    ("worse_than_benchmark", "outside the published range"),
    ("within_benchmark", "within the published range"),
    ("better_than_benchmark", "better than the published range"),
)


def state_words(obs: Observation, sig: Signal) -> str:
    """A trial observation as the states it stands for, not the figures invented to reach them."""
    words = [w for state, w in _STATE_WORDS if state in obs.states]
    if not words:
        words = [{"up": "rising", "down": "falling", "flat": "flat"}.get(obs.trend or "", "observed")]
    if sig.good in ("up", "band") and "below_target" in obs.states or sig.good == "down" and "above_target" in obs.states:
        words.append("off target")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def with_observation(assessment: Assessment, obs: Observation) -> Assessment:
    return replace(assessment, observations={**assessment.observations, obs.signal: obs})


def without_observation(assessment: Assessment, signal: str) -> Assessment:
    return replace(assessment, observations={k: v for k, v in assessment.observations.items() if k != signal})


# ----------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class Quoted:
    """One observation as an explanation quotes it."""

    signal: str
    name: str
    observed: str
    confidence: float
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"signal": self.signal, "name": self.name, "observed": self.observed, "confidence": _r(self.confidence), "source": self.source}


@dataclass(frozen=True)
class Fired:
    """A rule that fired for the factor: its certainty, what it matched, what it contributed."""

    rule: str
    title: str
    rule_certainty: float
    weakest_confidence: float
    contribution: float
    matched: tuple[Quoted, ...]
    because: str
    source: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "rule_certainty": _r(self.rule_certainty),
            "weakest_confidence": _r(self.weakest_confidence),
            "certainty": _r(self.contribution),
            "matched": [q.to_json() for q in self.matched],
            "because": self.because,
            "source": self.source,
        }


@dataclass(frozen=True)
class Step:
    """One step of the combination: the running certainty, a rule's contribution, the result."""

    rule: str
    before: float
    contribution: float
    total: float

    @property
    def formula(self) -> str:
        """MYCIN's combination for this step, with the numbers in."""
        a, b = self.before, self.contribution
        if a == 0:
            return f"{b:+.2f}"
        if a >= 0 and b >= 0:
            return f"{a:.2f} + {b:.2f} × (1 − {a:.2f})"
        if a <= 0 and b <= 0:
            return f"{a:.2f} + {b:.2f} × (1 + {a:.2f})"
        return f"({a:.2f} + {b:.2f}) / (1 − {min(abs(a), abs(b)):.2f})"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "before": _r(self.before), "contribution": _r(self.contribution), "total": _r(self.total), "formula": self.formula}


@dataclass(frozen=True)
class Test:
    """One condition of a rule and how it stands against the observations."""

    text: str
    status: str  # held | failed | not_observed
    observed: tuple[str, ...]  # what was observed of its signals, as phrases

    def to_json(self) -> dict[str, Any]:
        return {"test": self.text, "status": self.status, "observed": list(self.observed)}


@dataclass(frozen=True)
class NearMiss:
    """A rule for the factor that did not fire, condition by condition (its closest branch)."""

    rule: str
    title: str
    certainty: float
    held: tuple[Test, ...]
    failed: tuple[Test, ...]
    not_observed: tuple[Test, ...]

    @property
    def missing(self) -> int:
        return len(self.failed) + len(self.not_observed)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "certainty": _r(self.certainty),
            "held": [t.to_json() for t in self.held],
            "failed": [t.to_json() for t in self.failed],
            "not_observed": [t.to_json() for t in self.not_observed],
        }


@dataclass(frozen=True)
class WhatIf:
    """How the factor's certainty would move if one observation changed."""

    signal: str
    name: str
    kind: str  # "if_observed" (not yet observed) | "without" (observed: drop it)
    says: str
    confidence: float
    change: float

    def to_json(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "name": self.name,
            "kind": self.kind,
            "if": self.says,
            "confidence": _r(self.confidence),
            "change": _r(self.change),
        }


@dataclass(frozen=True)
class Explanation:
    factor: str
    name: str
    description: str
    confidence: float
    status: str  # suspected | ruled_out | no_evidence
    rank: int | None
    fired: tuple[Fired, ...]
    against: tuple[Fired, ...]
    steps: tuple[Step, ...]
    steps_against: tuple[Step, ...]
    weighed: Step | None
    near_misses: tuple[NearMiss, ...]
    what_if: tuple[WhatIf, ...]
    rules_total: int
    feeds: tuple[tuple[str, float], ...]
    fed_by: tuple[tuple[str, float], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "name": self.name,
            "description": self.description,
            "confidence": _r(self.confidence),
            "status": self.status,
            "rank": self.rank,
            "rules_total": self.rules_total,
            "fired": [f.to_json() for f in self.fired],
            "against": [f.to_json() for f in self.against],
            "steps": [s.to_json() for s in self.steps],
            "steps_against": [s.to_json() for s in self.steps_against],
            "weighed": self.weighed.to_json() if self.weighed else None,
            "near_misses": [n.to_json() for n in self.near_misses],
            "what_if": [w.to_json() for w in self.what_if],
            "feeds": [{"factor": f, "weight": w} for f, w in self.feeds],
            "fed_by": [{"factor": f, "weight": w} for f, w in self.fed_by],
        }


def _r(value: float, places: int = 2) -> float:
    out = round(float(value), places)
    return 0.0 if out == 0 else out


def _quote(signal: str, assessment: Assessment, knowledge: Knowledge) -> Quoted | None:
    obs = assessment.observations.get(signal)
    if obs is None:
        return None
    sig = knowledge.signals.get(signal)
    return Quoted(
        signal=signal,
        name=sig.name if sig else signal,
        observed=phrase(obs, sig),
        confidence=obs.confidence,
        source=obs.source + (" (derived)" if obs.derived else ""),
    )


def describe_atom(atom: Atom, knowledge: Knowledge) -> str:
    """A condition as a consultant reads it: 'FCR below target', 'occupancy above 0.90'."""
    sig = knowledge.signals.get(atom.signal)
    label = sig.label if sig else atom.signal
    if atom.state is not None:
        return f"{label} {atom.state.replace('_', ' ')}"
    number = format_value(atom.number, sig) if atom.number is not None else "?"
    return f"{label} {(atom.test or '').replace('_', ' ')} {number}"


def _literal_text(lit: Literal, knowledge: Knowledge) -> str:
    text = " or ".join(describe_atom(a, knowledge) for a in lit.atoms)
    if lit.negated:
        return f"not ({text})" if len(lit.atoms) > 1 else f"not {text}"
    return text


def _test(lit: Literal, assessment: Assessment, knowledge: Knowledge) -> Test:
    obs = assessment.observations
    satisfied = [a for a in lit.atoms if _atom_holds(a, obs)]
    any_held = bool(satisfied)
    # quote what made a test hold, or everything observed that could have made it hold
    shown = satisfied if any_held else list(lit.atoms)
    signals = tuple(dict.fromkeys(a.signal for a in shown))
    observed = tuple(
        f"{knowledge.signals[s].label if s in knowledge.signals else s}: {phrase(obs[s], knowledge.signals.get(s))}"
        for s in signals
        if s in obs
    )
    if lit.negated:
        status = "failed" if any_held else "held"
    elif any_held:
        status = "held"
    elif observed:
        status = "failed"
    else:
        status = "not_observed"
    return Test(text=_literal_text(lit, knowledge), status=status, observed=observed)


def near_miss(rule: Rule, assessment: Assessment, knowledge: Knowledge) -> NearMiss | None:
    """The rule's closest branch, condition by condition; None when nothing of it held."""
    best: tuple[tuple[int, int, int], NearMiss] | None = None
    for index, branch in enumerate(branches(rule.when)):
        tests = [_test(lit, assessment, knowledge) for lit in branch]
        held = tuple(t for t, lit in zip(tests, branch) if t.status == "held" and not lit.negated)
        # an exclusion that holds only because nobody looked says nothing: leave it out
        held_neg = tuple(t for t, lit in zip(tests, branch) if t.status == "held" and lit.negated and t.observed)
        failed = tuple(t for t in tests if t.status == "failed")
        unobserved = tuple(t for t in tests if t.status == "not_observed")
        if not held:
            continue  # nothing observed points this way: not a near miss
        miss = NearMiss(rule=rule.id, title=rule.title, certainty=rule.certainty, held=held + held_neg, failed=failed, not_observed=unobserved)
        key = (miss.missing, -len(held), index)
        if best is None or key < best[0]:
            best = (key, miss)
    return best[1] if best else None


def _fired(firing: Firing, assessment: Assessment, knowledge: Knowledge, because: str) -> Fired:
    rule = knowledge.rules[firing.rule]
    signals = tuple(dict.fromkeys(m.signal for m in firing.matches))
    matched = tuple(q for q in (_quote(s, assessment, knowledge) for s in signals) if q is not None)
    return Fired(
        rule=rule.id,
        title=rule.title,
        rule_certainty=rule.certainty,
        weakest_confidence=min((m.confidence for m in firing.matches), default=1.0),
        contribution=round(firing.contribution, 4),
        matched=matched,
        because=because,
        source=rule.source,
    )


def _chain(fired: tuple[Fired, ...]) -> tuple[tuple[Step, ...], float]:
    """The pool of one side's evidence, step by step (MYCIN pools for and against apart)."""
    out: list[Step] = []
    before = 0.0
    for f, (c, t) in zip(fired, steps(f.contribution for f in fired)):
        out.append(Step(f.rule, round(before, 4), c, round(t, 4)))
        before = t
    return tuple(out), before


def what_if(factor: str, assessment: Assessment, knowledge: Knowledge, evaluator: Evaluator, *, limit: int = WHAT_IF_LIMIT) -> tuple[WhatIf, ...]:
    """The single observations that would move this factor's certainty most.

    Observed signals are dropped one at a time (what the conclusion rests on); signals the
    factor's rules test but nobody observed are tried in their plausible states.
    """
    base = confidences(evaluator.run(assessment), knowledge)[factor]
    tested = {a_sig for r in knowledge.rules_for(factor) for a_sig in r.signals}
    out: list[WhatIf] = []
    for sid in sorted(tested):
        sig = knowledge.signals.get(sid)
        if sig is None:
            continue
        if sid in assessment.observations:
            after = confidences(evaluator.run(without_observation(assessment, sid)), knowledge)[factor]
            if abs(after - base) >= MIN_CHANGE:
                out.append(WhatIf(sid, sig.name, "without", "it had not been observed", after, round(after - base, 4)))
            continue
        best: WhatIf | None = None
        for sc in scenarios(sig, knowledge):
            after = confidences(evaluator.run(with_observation(assessment, sc.observation)), knowledge)[factor]
            change = round(after - base, 4)
            if best is None or abs(change) > abs(best.change):
                best = WhatIf(sid, sig.name, "if_observed", sc.says, after, change)
        if best is not None and abs(best.change) >= MIN_CHANGE:
            out.append(best)
    out.sort(key=lambda w: (-abs(w.change), w.signal))
    return tuple(out[:limit])


def explain(factor: str, findings: dict[str, Finding], firings: tuple[Firing, ...], assessment: Assessment, knowledge: Knowledge, graph: Any = None, *, evaluator: Evaluator | None = None) -> Explanation:
    """HOW the factor's certainty was reached, what nearly fired and what would change it."""
    factor = knowledge.factor_id(factor)
    fac = knowledge.factors[factor]
    finding = findings[factor]
    evaluator = evaluator or Evaluator(knowledge)
    by_rule = {f.rule: f for f in firings if f.factor == factor}
    because = {e.rule: e.because for e in finding.evidence}
    fired_all = [_fired(by_rule[e.rule], assessment, knowledge, because[e.rule]) for e in finding.evidence if e.rule in by_rule]
    support = tuple(f for f in fired_all if f.contribution > 0)
    against = tuple(f for f in fired_all if f.contribution < 0)
    steps_for, pro = _chain(support)
    steps_against, con = _chain(against)
    weighed = Step("for against", round(pro, 4), round(con, 4), round(combine(pro, con), 4)) if support and against else None
    misses: list[NearMiss] = []
    for rule in knowledge.rules_for(factor):
        if rule.id in by_rule:
            continue
        miss = near_miss(rule, assessment, knowledge)
        if miss is not None:
            misses.append(miss)
    misses.sort(key=lambda m: (m.missing, -len(m.held), -abs(m.certainty), m.rule))
    causes, _ = ranked(findings)
    rank = next((i + 1 for i, f in enumerate(causes) if f.factor == factor), None)
    status = "suspected" if finding.confidence > 0 else "ruled_out" if finding.confidence < 0 else "no_evidence"
    feeds = tuple(sorted(((i.factor, i.weight) for i in fac.influences), key=lambda x: (-x[1], x[0])))
    fed_by = tuple(
        sorted(
            ((f.id, i.weight) for f in knowledge.factors.values() for i in f.influences if i.factor == factor),
            key=lambda x: (-x[1], x[0]),
        )
    )
    return Explanation(
        factor=factor,
        name=fac.name,
        description=fac.description,
        confidence=finding.confidence,
        status=status,
        rank=rank,
        fired=support,
        against=against,
        steps=steps_for,
        steps_against=steps_against,
        weighed=weighed,
        near_misses=tuple(misses[:NEAR_MISS_LIMIT]),
        what_if=what_if(factor, assessment, knowledge, evaluator),
        rules_total=len(knowledge.rules_for(factor)),
        feeds=feeds,
        fed_by=fed_by,
    )


__all__ = [
    "Evaluator",
    "Explanation",
    "Scenario",
    "confidences",
    "describe_atom",
    "explain",
    "near_miss",
    "scenarios",
    "what_if",
]
