"""Rule conditions as logic: normal form for the engine, evaluation for explanations.

durable-rules matches conjunctions of patterns with optional negated patterns, and has no
nested boolean syntax. A rule's `all`/`any`/`none` tree is therefore rewritten into
disjunctive normal form: a list of branches, each a conjunction of literals (an atom,
possibly negated). Each branch becomes one engine rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from .knowledge import Atom, Condition, Group

MAX_BRANCHES = 64
"""A rule expanding to more branches than this is rejected as unreadable."""


@dataclass(frozen=True)
class Literal:
    """One engine pattern: any of `atoms` holds (or, negated, none of them holds).

    An `any` whose items are all signal tests needs no expansion: durable-rules matches it
    with one `$or` pattern. Only `any` over groups multiplies branches.
    """

    atoms: tuple[Atom, ...]
    negated: bool = False

    @property
    def atom(self) -> Atom:
        return self.atoms[0]


Branch = tuple[Literal, ...]


def branches(cond: Condition) -> list[Branch]:
    """The rule in disjunctive normal form; contradictory branches are dropped."""
    out: list[Branch] = []
    for branch in _dnf(cond, negate=False):
        if not _contradictory(branch):
            out.append(_dedupe(branch))
    return out


def _dnf(cond: Condition, *, negate: bool) -> list[Branch]:
    if isinstance(cond, Atom):
        return [(Literal((cond,), negate),)]
    op = cond.op
    if op == "any" and not negate and all(isinstance(i, Atom) for i in cond.items) and len(cond.items) > 1:
        return [(Literal(tuple(cond.items)),)]  # type: ignore[arg-type]
    if op == "none":
        # none(a, b) == all(not a, not b)
        op, negate_children = ("any" if negate else "all"), not negate
    else:
        negate_children = negate
        if negate:  # De Morgan
            op = "any" if op == "all" else "all"
    parts = [_dnf(item, negate=negate_children) for item in cond.items]
    if op == "any":
        return [b for part in parts for b in part]
    result: list[Branch] = []
    for combo in product(*parts):
        result.append(tuple(lit for branch in combo for lit in branch))
        if len(result) > MAX_BRANCHES * 4:
            break
    return result


def _dedupe(branch: Branch) -> Branch:
    seen: dict[Literal, None] = {}
    for lit in branch:
        seen.setdefault(lit, None)
    return tuple(seen)


_EXCLUSIVE = (
    {"up", "down", "flat"},
    {"worsened", "improved"},
    {"below_target", "on_target", "above_target"},
    {"worse_than_benchmark", "within_benchmark", "better_than_benchmark"},
    {"present", "absent"},
)


def _contradictory(branch: Branch) -> bool:
    """True when no set of observations could satisfy every literal of the branch."""
    positive: dict[str, set[str]] = {}
    negative: dict[str, set[str]] = {}
    bounds: dict[str, list[float]] = {}
    for lit in branch:
        if len(lit.atoms) > 1:
            continue  # a disjunction is satisfiable on its own; only single tests can clash
        a = lit.atom
        if a.state is not None:
            (negative if lit.negated else positive).setdefault(a.signal, set()).add(a.state)
        elif not lit.negated:
            lo, hi = bounds.setdefault(a.signal, [float("-inf"), float("inf")])
            n = a.number if a.number is not None else 0.0
            if a.test in ("above", "at_least"):
                lo = max(lo, n + (1e-12 if a.test == "above" else 0))
            else:
                hi = min(hi, n - (1e-12 if a.test == "below" else 0))
            bounds[a.signal] = [lo, hi]
    for signal, states in positive.items():
        if states & negative.get(signal, set()):
            return True
        for group in _EXCLUSIVE:
            if len(states & group) > 1:
                return True
    return any(lo > hi for lo, hi in bounds.values())


def can_match_something(cond: Condition) -> bool:
    """Whether some branch has a positive literal (a rule must rest on an observation)."""
    found = branches(cond)
    return bool(found) and all(any(not lit.negated for lit in b) for b in found)


def is_contradictory(cond: Condition) -> bool:
    """A rule whose every branch is self-contradictory can never fire."""
    return not any(True for _ in branches(cond))


def holds(atom: Atom, states: frozenset[str] | None, value: float | None) -> bool:
    """Whether an observation (its states and value; None when unobserved) satisfies an atom."""
    if states is None:
        return False
    if atom.state is not None:
        return atom.state in states
    if value is None or atom.number is None:
        return False
    n = atom.number
    return {
        "above": value > n,
        "below": value < n,
        "at_least": value >= n,
        "at_most": value <= n,
    }[atom.test or "above"]


def evaluate(cond: Condition, lookup) -> bool:  # type: ignore[no-untyped-def]
    """Evaluate a condition tree in Python (for explanations, not for deciding firings)."""
    if isinstance(cond, Atom):
        return holds(cond, *lookup(cond.signal))
    results = [evaluate(item, lookup) for item in cond.items]
    if cond.op == "all":
        return all(results)
    if cond.op == "any":
        return any(results)
    return not any(results)


__all__ = ["Branch", "Group", "Literal", "branches", "can_match_something", "evaluate", "holds", "is_contradictory"]
