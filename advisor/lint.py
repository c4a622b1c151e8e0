"""`advise kb check`: every defect of the knowledge base, with file and line, in one pass.

The loader stops at the first defect, which is right for a run of the advisor; an author
fixing a knowledge base wants them all. Errors (the advisor would refuse to run, or a rule
could never do anything) come from the loader in collecting mode plus the graph; warnings
are knowledge that loads but is probably incomplete: a factor no rule concludes about or no
remedy addresses, a signal no rule tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError
from .knowledge import Knowledge, Origin, collect_knowledge

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    severity: str
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def where(self) -> str:
        return ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None) or "knowledge base"

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Report:
    problems: tuple[Problem, ...]
    sources: tuple[str, ...]
    counts: dict[str, int]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "counts": dict(self.counts),
            "sources": list(self.sources),
            "problems": [p.to_json() for p in self.problems],
        }


_CODES = (
    ("unknown signal", "unknown-signal"),
    ("unknown kpi signal", "unknown-signal"),
    ("unknown prerequisite", "unknown-remedy"),
    ("unknown factor", "unknown-factor"),
    ("influences unknown factor", "unknown-factor"),
    ("duplicate", "duplicate-id"),
    ("can never fire", "never-fires"),
    ("certainty", "certainty-range"),
    ("missing required key 'because'", "missing-rationale"),
    ("because must", "missing-rationale"),
    ("because quotes", "rationale-placeholder"),
    ("placeholder", "rationale-placeholder"),
    ("not defined in the knowledge base", "missing-factor"),
)


def _code(message: str) -> str:
    low = message.lower()
    for needle, code in _CODES:
        if needle in low:
            return code
    return "invalid"


def _from_error(err: UserError) -> Problem:
    return Problem(ERROR, _code(err.message), err.message, err.file, err.line, err.column, err.hint)


def _at(origin: Origin | None) -> dict[str, Any]:
    if origin is None:
        return {}
    return {"file": origin.file, "line": origin.line, "column": origin.column}


def _cycles(kb: Knowledge) -> list[Problem]:
    import networkx as nx

    g = nx.DiGraph()
    for rem in kb.remedies.values():
        for pre in rem.prerequisites:
            if pre in kb.remedies:
                g.add_edge(rem.id, pre)
    out = []
    seen: set[tuple[str, ...]] = set()
    for cycle in nx.simple_cycles(g):
        start = cycle.index(min(cycle))
        canon = tuple(cycle[start:] + cycle[:start])
        if canon in seen:
            continue
        seen.add(canon)
        path = " → ".join(canon + (canon[0],))
        out.append(
            Problem(
                ERROR,
                "prerequisite-cycle",
                f"prerequisite cycle among remedies: {path}",
                hint="a remedy cannot (even indirectly) be its own prerequisite; drop one of these prerequisites",
                **_at(kb.remedies[canon[0]].origin),
            )
        )
    return out


def _coverage(kb: Knowledge) -> list[Problem]:
    out: list[Problem] = []
    for fac in kb.factors.values():
        if not kb.rules_for(fac.id):
            out.append(Problem(WARNING, "factor-without-rules", f"factor {fac.id} has no rules: it can never be suspected or ruled out", **_at(fac.origin)))
        if not kb.remedies_for(fac.id):
            out.append(Problem(WARNING, "factor-without-remedies", f"factor {fac.id} has no remedies: the roadmap can offer nothing against it", **_at(fac.origin)))
    tested = {sid for rule in kb.rules.values() for sid in rule.signals}
    for sig in kb.signals.values():
        if sig.id not in tested:
            out.append(
                Problem(
                    WARNING,
                    "unused-signal",
                    f"signal {sig.id} is not tested by any rule: observing it changes no conclusion",
                    hint="add a rule that uses it, or drop it from the catalogue",
                    **_at(sig.origin),
                )
            )
    return out


def check(overlays: Iterable[Path | str] = (), *, standalone: bool = False) -> Report:
    """Lint the shipped knowledge with the overlays (or the overlays alone) and report every problem."""
    kb, errors = collect_knowledge(overlays, standalone=standalone)
    problems = [_from_error(e) for e in errors] + _cycles(kb) + _coverage(kb)
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.severity, p.code, p.message))
    counts = {"signals": len(kb.signals), "factors": len(kb.factors), "rules": len(kb.rules), "remedies": len(kb.remedies)}
    return Report(problems=tuple(unique), sources=kb.sources, counts=counts)


__all__ = ["ERROR", "WARNING", "Problem", "Report", "check"]
