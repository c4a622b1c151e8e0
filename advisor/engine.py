"""The durable-rules engine: rule files in, a trace of firings out.

Rules are compiled to durable-rules' JSON ruleset form and bound to actions through an
`engine.Host` subclass. A `RuleEngine` owns one host (created on its first run), and each
run is its own durable-rules session (a fresh `sid`, deleted afterwards): `advise FILE` is
one host and one run; a portfolio reuses the host, whose compiled rulesets are the costly
part, and the sessions keep the centres apart. What was verified about durable-rules
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


def _pattern(literal: Literal, copy: int) -> dict[str, Any]:
    if len(literal.atoms) > 1:
        return {"$or": [_atom_pattern(a, copy) for a in literal.atoms]}
    return _atom_pattern(literal.atom, copy)


def _atom_pattern(atom: Atom, copy: int) -> dict[str, Any]:
    test = {"state": atom.state} if atom.state is not None else {_TESTS[atom.test]: {"value": float(atom.number)}}
    return {"$and": [{"signal": atom.signal}, {"copy": copy}, test]}


def copy_indices(branch: Branch) -> list[int]:
    """Which copy of the facts each literal of a branch reads.

    durable-rules binds each fact to at most one pattern of a rule, and a negated pattern does
    not see a fact that a positive pattern of the same rule has bound. Two literals about the
    same signal (`any: [A, B]` with `none: [A]`, or two numeric tests on one value) would then
    interfere. Every fact is therefore asserted in several copies, and literals that share a
    signal read different copies, so each literal is judged on its own, as in the rule file.
    """
    used: list[tuple[set[str], int]] = []
    out: list[int] = []
    for lit in branch:
        signals = {a.signal for a in lit.atoms}
        taken = {k for sigs, k in used if sigs & signals}
        k = next(i for i in range(len(branch) + 1) if i not in taken)
        used.append((signals, k))
        out.append(k)
    return out


class RuleEngine:
    """The knowledge base's rules, compiled once, runnable on many assessments."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.compiled = tuple(CompiledRule(rule, tuple(branches(rule.when))) for rule in knowledge.rules.values())
        self.copies: dict[str, int] = {}
        """how many copies of each signal's facts some rule needs (1 when not listed)"""
        self._definition, self._names = self._compile()
        self._host: _Host | None = None
        self._sessions = 0
        self._sink: list[tuple[CompiledRule, int, tuple[Match, ...]]] | None = None

    def _compile(self) -> tuple[dict[str, Any], dict[str, tuple[CompiledRule, int]]]:
        rules: dict[str, Any] = {}
        names: dict[str, tuple[CompiledRule, int]] = {}
        rulesets: dict[str, Any] = {}
        for compiled in self.compiled:
            for index, branch in enumerate(compiled.branches):
                name = f"{compiled.rule.id}#{index}"
                # the evaluate fact first: negations are then decided with every fact present
                patterns: list[dict[str, Any]] = [{"g": {"phase": "evaluate"}}]
                copy_of = dict(zip(branch, copy_indices(branch)))
                for lit, k in copy_of.items():
                    for atom in lit.atoms:
                        self.copies[atom.signal] = max(self.copies.get(atom.signal, 1), k + 1)
                positives = [lit for lit in branch if not lit.negated]
                negatives = [lit for lit in branch if lit.negated]
                patterns += [{f"m_{i}": _pattern(a, copy_of[a])} for i, a in enumerate(positives)]
                patterns += [{f"n_{i}$not": _pattern(a, copy_of[a])} for i, a in enumerate(negatives)]
                rules[name] = {"all": patterns, "run": name}
                names[name] = (compiled, len(positives))
                if len(rules) >= CHUNK:
                    rulesets[f"{RULESET}{len(rulesets)}"] = rules
                    rules = {}
        if rules or not rulesets:
            rulesets[f"{RULESET}{len(rulesets)}"] = rules
        for body in rulesets.values():
            # the evaluate fact is always handled, even by a ruleset without rules; observation
            # facts that no rule tests are refused in `run` (a catch-all for them would run
            # an action per fact, which costs more than the rules; one that never completes
            # crashes durable-rules' C core when its session is deleted)
            body["~evaluate"] = {"all": [{"m": {"$ex": {"phase": 1}}}], "run": "~ignore"}
        return rulesets, names

    def facts(self, assessment: Assessment, sid: str = SESSION) -> list[dict[str, Any]]:
        """One fact per (signal, state) and one per measured value, in as many copies as needed."""
        out: list[dict[str, Any]] = []
        for obs in assessment.observations.values():
            for copy in range(self.copies.get(obs.signal, 1)):  # see copy_indices
                for state in sorted(obs.states):
                    out.append({"sid": sid, "signal": obs.signal, "copy": copy, "state": state, "conf": obs.confidence})
                if obs.value is not None:
                    out.append({"sid": sid, "signal": obs.signal, "copy": copy, "value": float(obs.value), "conf": obs.confidence})
        return out

    def run(self, assessment: Assessment) -> tuple[Firing, ...]:
        """Fire every rule the observations satisfy; one firing per rule (its strongest branch).

        The host and its compiled rulesets are built on the first run and reused: each run
        is its own durable-rules session (a fresh `sid`), deleted afterwards, so runs cannot
        see each other's facts and creating the rulesets (the costly part) happens once.
        """
        host = self._host or self._start()
        self._sessions += 1
        sid = f"{SESSION}-{self._sessions}"
        raw: list[tuple[CompiledRule, int, tuple[Match, ...]]] = []
        self._sink = raw
        facts = self.facts(assessment, sid)
        try:
            for ruleset in self._definition:
                if facts:
                    try:
                        self._check(host.assert_facts(ruleset, facts))
                    except durable.MessageNotHandledException:
                        # some facts match no rule: durable-rules stores the rest of the batch
                        # and says so; no action can have run (every rule waits for evaluate)
                        pass
                self._check(host.assert_fact(ruleset, {"sid": sid, "phase": "evaluate"}))
        finally:
            self._sink = None
            for ruleset in self._definition:
                host.delete_state(ruleset, sid)  # a kept session holds megabytes in the C core
        return self._firings(raw)

    def _start(self) -> "_Host":
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
                assert self._sink is not None, "a rule fired outside a run"
                self._sink.append((compiled, index, tuple(matches)))

            return action

        def ignore(c: Any) -> None:
            return None

        actions: dict[str, Callable[[Any], None]] = {name: bind(name) for name in self._names}
        actions["~ignore"] = ignore
        host = _Host(actions)
        host.set_rulesets(copy.deepcopy(self._definition))  # Ruleset mutates what it is given
        self._host = host
        return host

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
