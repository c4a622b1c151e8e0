"""The public API: one call from an observations file to the whole advice.

    from advisor import advise
    advice = advise("observations.yaml")

Every CLI command is a thin wrapper over the calls here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .business_case import build_business_case
from .confirm import to_confirm
from .engine import Firing, RuleEngine
from .findings import Finding, build_findings, ranked
from .graph import build_graph, graph_index
from .knowledge import Knowledge, load_knowledge
from .observations import Assessment, Observation, load, phrase
from .observations import problems as observed_problems
from .roadmap import RoadmapItem, build_roadmap
from .yamlio import MAX_BYTES

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx


@dataclass(frozen=True)
class ServiceStatus:
    """A declared core service: on track, deviating, or not assessed, with the evidence."""

    id: str
    name: str
    status: str
    evidence: tuple[str, ...]
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    assessment: Assessment
    knowledge: Knowledge
    firings: tuple[Firing, ...]
    findings: dict[str, Finding]
    causes: tuple[Finding, ...]
    ruled_out: tuple[Finding, ...]
    core_services: tuple[ServiceStatus, ...]
    unlinked_kpis: tuple[str, ...]
    roadmap: tuple[RoadmapItem, ...]
    review_date: dt.date
    warnings: tuple[str, ...]
    staffing: Any = None
    business_case: Any = None
    to_confirm: tuple[Any, ...] = ()
    non_core_work_share: Observation | None = None
    """The share of agent time on work outside the core services, when observed."""


class Advisor:
    """Knowledge, graph and compiled rules, built once and reused for many assessments."""

    def __init__(self, knowledge: Knowledge | None = None, kb_dirs: Iterable[Path | str] = ()) -> None:
        self.knowledge = knowledge or load_knowledge(kb_dirs)
        self.index = graph_index(self.knowledge)  # checks prerequisite cycles; no networkx when cached
        self.engine = RuleEngine(self.knowledge)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The full networkx graph, built on first use (exports, queries beyond the roadmap)."""
        return build_graph(self.knowledge)

    def load(self, path: str | Path, *, max_bytes: int = MAX_BYTES) -> Assessment:
        return load(path, self.knowledge, max_bytes=max_bytes)

    def advise(self, assessment: Assessment, *, checks: bool = True) -> Advice:
        """The whole advice; `checks=False` skips what to check next (the costly what-if
        search), for callers that do not show it, such as a portfolio of many centres."""
        kb = self.knowledge
        firings = self.engine.run(assessment)
        findings = build_findings(firings, assessment, kb)
        causes, ruled_out = ranked(findings)
        roadmap = build_roadmap(kb, self.index, findings, assessment)
        services = core_service_status(assessment, kb)
        return Advice(
            assessment=assessment,
            knowledge=kb,
            firings=firings,
            findings=findings,
            causes=tuple(causes),
            ruled_out=tuple(ruled_out),
            core_services=services,
            unlinked_kpis=assessment.unlinked_kpis,
            roadmap=roadmap,
            review_date=assessment.review_date,
            warnings=assessment.warnings + preliminary(assessment),
            staffing=assessment.staffing,
            business_case=build_business_case(assessment, kb, findings, roadmap),
            non_core_work_share=assessment.observations.get("non_core_work_share"),
            to_confirm=to_confirm(kb, assessment, findings) if checks else (),
        )


FEW_OBSERVATIONS = 8
"""Below this many observations the advice is a first view and says so."""


def preliminary(assessment: Assessment) -> tuple[str, ...]:
    """A caveat for a thin file: the causes may shift a lot with what is not yet observed."""
    count = sum(1 for o in assessment.observations.values() if not o.derived)
    if count >= FEW_OBSERVATIONS:
        return ()
    return (
        f"Only {count} observation{'s' if count != 1 else ''}: treat this as a first view. The causes can shift "
        "with what was not observed; 'what to check next' lists the measurements that would firm them up.",
    )


def advise(path: str | Path, kb_dirs: Iterable[Path | str] = (), *, max_bytes: int = MAX_BYTES) -> Advice:
    """Read an observations file and return the whole advice."""
    advisor = Advisor(kb_dirs=kb_dirs)
    return advisor.advise(advisor.load(path, max_bytes=max_bytes))


def core_service_status(assessment: Assessment, knowledge: Knowledge) -> tuple[ServiceStatus, ...]:
    out: list[ServiceStatus] = []
    for cs in assessment.core_services:
        evidence: list[str] = []
        observed = 0
        deviating = False
        for kpi in cs.kpis:
            obs = assessment.observations.get(kpi)
            if obs is None:
                continue
            observed += 1
            problems = observed_problems(obs, knowledge.signals.get(kpi))
            said = f"{kpi} {phrase(obs, knowledge.signals.get(kpi))}"
            if problems:
                deviating = True
                evidence.append(f"{said}: {', '.join(problems)}")
            else:
                evidence.append(f"{said}: no deviation")
        missing = [k for k in cs.kpis if k not in assessment.observations]
        if missing:
            evidence.append("not observed: " + ", ".join(missing))
        status = "deviating" if deviating else "on_track" if observed else "not_assessed"
        out.append(ServiceStatus(id=cs.id, name=cs.name, status=status, evidence=tuple(evidence), kpis=cs.kpis))
    return tuple(out)
