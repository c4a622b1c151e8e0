"""The durable-rules engine: rule files in, a trace of firings out.

Rules are compiled to durable-rules' JSON ruleset form and bound to actions through an
`engine.Host` subclass; one host serves one run. What was verified about durable-rules
2.0.28 (docs: ../shared/notes/durable-rules.md) shapes this module:

- `Host._run` is overridden with a no-op, so no timer thread runs actions behind our back:
  every action has run when `assert_fact` returns, on the calling thread.
- Each condition tree is rewritten into branches (see `conditions`); each branch is one
  engine rule with its own action name, so the action knows which rule fired.
- Negated patterns are decided when the positive facts arrive, so every engine rule starts
  with a pattern on a single "evaluate" fact that is asserted after all observations.
- An exception in an action is stored in the returned state, not raised: we check it.

The engine never prints and never reads files.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from durable import engine as durable

from .conditions import Branch, Literal, branches
from .errors import EngineError
from .knowledge import Atom, Knowledge, Rule
from .observations import Assessment

RULESET = "advice"
CHUNK = 120
"""Engine rules per ruleset: durable-rules refuses one ruleset of a few hundred rules
(error 108), so large knowledge bases are spread over several rulesets."""
SESSION = "assessment"
_TESTS = {"above": "$gt", "below": "$lt", "at_least": "$gte", "at_most": "$lte"}


@dataclass(frozen=True)
class Match:
    """One observation a firing matched: the signal, what was tested, its confidence."""

    signal: str
    state: str | None
    value: float | None
    confidence: float


@dataclass(frozen=True)
class Firing:
    """A rule that fired: which branch, on which observations, contributing what."""

    rule: str
    factor: str
    branch: int
    matches: tuple[Match, ...]
    contribution: float


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    branches: tuple[Branch, ...]


class _Host(durable.Host):
    """A host that runs actions synchronously and records what fired."""

    def __init__(self, actions: dict[str, Callable[[Any], None]]) -> None:
        self._bound = actions
        super().__init__()

    def _run(self) -> None:  # no timer threads: actions run inside assert_fact
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._bound[action_name]


def _pattern(literal: Literal) -> dict[str, Any]:
    if len(literal.atoms) > 1:
        return {"$or": [_atom_pattern(a) for a in literal.atoms]}
    return _atom_pattern(literal.atom)


def _atom_pattern(atom: Atom) -> dict[str, Any]:
    if atom.state is not None:
        return {"$and": [{"signal": atom.signal}, {"state": atom.state}]}
    return {"$and": [{"signal": atom.signal}, {_TESTS[atom.test]: {"value": float(atom.number)}}]}


class RuleEngine:
    """The knowledge base's rules, compiled once, runnable on many assessments."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.compiled = tuple(CompiledRule(rule, tuple(branches(rule.when))) for rule in knowledge.rules.values())
        self._definition, self._names = self._compile()

    def _compile(self) -> tuple[dict[str, Any], dict[str, tuple[CompiledRule, int]]]:
        rules: dict[str, Any] = {}
        names: dict[str, tuple[CompiledRule, int]] = {}
        rulesets: dict[str, Any] = {}
        for compiled in self.compiled:
            for index, branch in enumerate(compiled.branches):
                name = f"{compiled.rule.id}#{index}"
                # the evaluate fact first: negations are then decided with every fact present
                patterns: list[dict[str, Any]] = [{"g": {"phase": "evaluate"}}]
                positives = [lit for lit in branch if not lit.negated]
                negatives = [lit for lit in branch if lit.negated]
                patterns += [{f"m_{i}": _pattern(a)} for i, a in enumerate(positives)]
                patterns += [{f"n_{i}$not": _pattern(a)} for i, a in enumerate(negatives)]
                rules[name] = {"all": patterns, "run": name}
                names[name] = (compiled, len(positives))
                if len(rules) >= CHUNK:
                    rulesets[f"{RULESET}{len(rulesets)}"] = rules
                    rules = {}
        if rules or not rulesets:
            rulesets[f"{RULESET}{len(rulesets)}"] = rules
        for body in rulesets.values():
            # catch-alls: a fact no rule matches would otherwise raise MessageNotHandledException
            body["~observation"] = {"all": [{"m": {"$ex": {"signal": 1}}}], "run": "~ignore"}
            body["~evaluate"] = {"all": [{"m": {"$ex": {"phase": 1}}}], "run": "~ignore"}
        return rulesets, names

    def facts(self, assessment: Assessment) -> list[dict[str, Any]]:
        """One fact per (signal, state) and one per measured value."""
        out: list[dict[str, Any]] = []
        for obs in assessment.observations.values():
            for state in sorted(obs.states):
                out.append({"sid": SESSION, "signal": obs.signal, "state": state, "conf": obs.confidence})
            if obs.value is not None:
                out.append({"sid": SESSION, "signal": obs.signal, "value": float(obs.value), "conf": obs.confidence})
        return out

    def run(self, assessment: Assessment) -> tuple[Firing, ...]:
        """Fire every rule the observations satisfy; one firing per rule (its strongest branch)."""
        raw: list[tuple[CompiledRule, int, tuple[Match, ...]]] = []

        def bind(name: str) -> Callable[[Any], None]:
            compiled, count = self._names[name]
            index = int(name.rsplit("#", 1)[1])

            def action(c: Any) -> None:
                matches = []
                for i in range(count):
                    fact = getattr(c, f"m_{i}")
                    matches.append(
                        Match(
                            signal=fact["signal"],
                            state=fact["state"],  # durable Content: a missing key reads as None
                            value=fact["value"],
                            confidence=float(fact["conf"]),
                        )
                    )
                raw.append((compiled, index, tuple(matches)))

            return action

        def ignore(c: Any) -> None:
            return None

        actions: dict[str, Callable[[Any], None]] = {name: bind(name) for name in self._names}
        actions["~ignore"] = ignore
        host = _Host(actions)
        host.set_rulesets(copy.deepcopy(self._definition))  # Ruleset mutates what it is given
        facts = self.facts(assessment)
        for ruleset in self._definition:
            if facts:
                self._check(host.assert_facts(ruleset, facts))
            self._check(host.assert_fact(ruleset, {"sid": SESSION, "phase": "evaluate"}))
        return self._firings(raw)

    @staticmethod
    def _check(state: Any) -> None:
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed inside durable-rules: {state['exception']}")

    def _firings(self, raw: list[tuple[CompiledRule, int, tuple[Match, ...]]]) -> tuple[Firing, ...]:
        best: dict[str, Firing] = {}
        for compiled, index, matches in raw:
            rule = compiled.rule
            weakest = min((m.confidence for m in matches), default=1.0)
            firing = Firing(
                rule=rule.id,
                factor=rule.factor,
                branch=index,
                matches=matches,
                contribution=rule.certainty * weakest,
            )
            current = best.get(rule.id)
            if current is None or (abs(firing.contribution), -firing.branch) > (abs(current.contribution), -current.branch):
                best[rule.id] = firing
        order = {rule_id: i for i, rule_id in enumerate(self.knowledge.rules)}
        return tuple(sorted(best.values(), key=lambda f: order[f.rule]))
