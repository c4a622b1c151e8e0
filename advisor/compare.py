"""The half-yearly review: the same centre at two dates, and what changed between them.

The method behind the advisor is a current-state assessment followed by a review every six
months that checks progress and corrects course. A review answers three questions on one
screen: what improved, what did not (including remedies reported done whose KPIs did not
move), and what to do next (the later assessment's roadmap, with what was carried over).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .advice import Advice
from .errors import UserError
from .knowledge import Signal
from .observations import Observation, format_value, problems
from .observations import _band_distance as band_distance
from .observations import _trend as derived_trend
from .roadmap import MIN_CONFIDENCE, PHASE_WINDOWS, PHASES, RoadmapItem

BETTER, WORSE, UNCHANGED, MOVED = "better", "worse", "unchanged", "moved"
"""How a measure moved: by its good direction; `moved` for context measures with none."""


@dataclass(frozen=True)
class MetricChange:
    """One signal observed in both assessments, and how it moved."""

    signal: str
    name: str
    before: str
    after: str
    value_before: float | None
    value_after: float | None
    verdict: str
    problems_before: tuple[str, ...]
    problems_after: tuple[str, ...]


@dataclass(frozen=True)
class CauseChange:
    """A factor suspected in either assessment: resolved, new or persisting."""

    factor: str
    name: str
    status: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class KpiMove:
    signal: str
    verdict: str
    """better, worse, unchanged, moved, or `not compared` when not observed in both files"""


@dataclass(frozen=True)
class RemedyProgress:
    """A remedy of the earlier roadmap (or one the later file reports on) and how it went."""

    remedy: str
    title: str
    status: str
    """done, in_progress, not_started, dropped, or not_reported"""
    in_earlier_roadmap: bool
    kpis: tuple[KpiMove, ...]
    flag: str | None
    """Set when a remedy is reported done but none of its KPIs improved."""


@dataclass(frozen=True)
class Comparison:
    earlier: Advice
    later: Advice
    metrics: tuple[MetricChange, ...]
    causes: tuple[CauseChange, ...]
    progress: tuple[RemedyProgress, ...]
    roadmap: tuple[RoadmapItem, ...]
    carried_over: frozenset[str]
    warnings: tuple[str, ...]

    @property
    def next_review(self) -> dt.date:
        return self.later.review_date


def same_centre(a: str, b: str) -> bool:
    """Names that differ only in case or spacing are the same centre."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def compare(earlier: Advice, later: Advice, *, force: bool = False) -> Comparison:
    """Compare two assessments of one centre; refuse two centres unless `force`."""
    a, b = earlier.assessment, later.assessment
    warnings: list[str] = []
    if not same_centre(a.centre, b.centre):
        if not force:
            raise UserError(
                f"these files describe different centres: {a.centre!r} ({a.path}) and {b.centre!r} ({b.path})",
                file=b.path,
                hint="compare two assessments of the same centre, or pass --force to compare them anyway",
            )
        warnings.append(f"Different centres compared on purpose (--force): {a.centre!r} and {b.centre!r}.")
    if b.assessed <= a.assessed:
        raise UserError(
            f"the later assessment ({b.assessed.isoformat()}) is not after the earlier one ({a.assessed.isoformat()})",
            file=b.path,
            hint="give the earlier assessment first: advise compare EARLIER.yaml LATER.yaml",
        )
    if not b.progress:
        warnings.append("The later file has no `progress` section, so the earlier roadmap's progress is not reported.")
    earlier_ids = {item.remedy for item in earlier.roadmap}
    return Comparison(
        earlier=earlier,
        later=later,
        metrics=metric_changes(earlier, later),
        causes=cause_changes(earlier, later),
        progress=remedy_progress(earlier, later),
        roadmap=later.roadmap,
        carried_over=frozenset(i.remedy for i in later.roadmap if i.remedy in earlier_ids),
        warnings=tuple(warnings) + later.warnings,
    )


# ----------------------------------------------------------------------- measures


def judge(signal: Signal | None, before: Observation, after: Observation) -> str:
    """Better, worse, unchanged or (for context measures) moved: by the signal's good direction."""
    if before.present is not None or after.present is not None:
        if before.present == after.present or before.present is None or after.present is None:
            return UNCHANGED
        if signal is not None and signal.kind == "event":
            return MOVED
        return BETTER if before.present and not after.present else WORSE
    good = signal.good if signal else None
    if before.value is not None and after.value is not None and signal is not None:
        # the earlier value is the later one's baseline: the same tolerance as a derived trend
        trend = derived_trend(signal, after.value, before.value)
        if trend == "flat":
            return UNCHANGED
        if good == "up":
            return BETTER if trend == "up" else WORSE
        if good == "down":
            return BETTER if trend == "down" else WORSE
        if good == "band":
            gap_before, gap_after = band_distance(signal, before.value), band_distance(signal, after.value)
            return BETTER if gap_after < gap_before else WORSE if gap_after > gap_before else UNCHANGED
        return MOVED
    # no two values to set side by side: judge by what is wrong with each
    n_before = len(problems(before, signal))
    n_after = len(problems(after, signal))
    if n_after < n_before:
        return BETTER
    if n_after > n_before:
        return WORSE
    return UNCHANGED if before.states == after.states or good not in (None, "context") else MOVED


def brief(obs: Observation, signal: Signal | None) -> str:
    """An observation without its history (the other file is the history): '0.78 (target 0.80)'."""
    if obs.present is not None:
        return "yes" if obs.present else "no"
    if obs.value is None:
        return obs.trend or "observed"
    text = format_value(obs.value, signal)
    return text + (f" (target {format_value(obs.target, signal)})" if obs.target is not None else "")


_VERDICT_ORDER = {WORSE: 0, BETTER: 1, MOVED: 2, UNCHANGED: 3}


def metric_changes(earlier: Advice, later: Advice) -> tuple[MetricChange, ...]:
    """Every signal observed in both files, worse first, then better, then the rest."""
    kb = later.knowledge
    out: list[MetricChange] = []
    before_obs = earlier.assessment.observations
    for sid, after in later.assessment.observations.items():
        before = before_obs.get(sid)
        if before is None:
            continue
        sig = kb.signals.get(sid)
        out.append(
            MetricChange(
                signal=sid,
                name=sig.label if sig else sid,
                before=brief(before, sig),
                after=brief(after, sig),
                value_before=before.value,
                value_after=after.value,
                verdict=judge(sig, before, after),
                problems_before=tuple(problems(before, sig)),
                problems_after=tuple(problems(after, sig)),
            )
        )
    return tuple(sorted(out, key=lambda m: (_VERDICT_ORDER[m.verdict], m.signal)))


# ------------------------------------------------------------------------- causes


def cause_changes(earlier: Advice, later: Advice) -> tuple[CauseChange, ...]:
    """Factors suspected in either file: new first, then persisting, then resolved."""
    out: list[CauseChange] = []
    for fid, finding in later.findings.items():
        before = earlier.findings[fid].confidence if fid in earlier.findings else 0.0
        after = finding.confidence
        # suspected means strong enough for the roadmap to act on; a faint trace is not a cause
        if before < MIN_CONFIDENCE and after < MIN_CONFIDENCE:
            continue
        status = "new" if before < MIN_CONFIDENCE else "resolved" if after < MIN_CONFIDENCE else "persisting"
        out.append(CauseChange(factor=fid, name=finding.name, status=status, before=round(before, 2), after=round(after, 2)))
    order = {"new": 0, "persisting": 1, "resolved": 2}
    return tuple(sorted(out, key=lambda c: (order[c.status], -c.after, -c.before, c.factor)))


# ----------------------------------------------------------------------- progress


def remedy_progress(earlier: Advice, later: Advice) -> tuple[RemedyProgress, ...]:
    """The earlier roadmap in its order, then any other remedy the later file reports on."""
    kb = later.knowledge
    reported = later.assessment.progress
    ids = [item.remedy for item in earlier.roadmap]
    ids += sorted(r for r in reported if r not in ids)
    in_roadmap = {item.remedy for item in earlier.roadmap}
    out: list[RemedyProgress] = []
    for rid in ids:
        remedy = kb.remedies.get(rid) or earlier.knowledge.remedies.get(rid)
        kpis = remedy.kpis if remedy else ()
        moves = tuple(_kpi_move(kpi, earlier, later) for kpi in kpis)
        status = reported.get(rid, "not_reported")
        flag = None
        if status == "done":
            compared = [m for m in moves if m.verdict != "not compared"]
            if not compared:
                flag = "marked done, but none of its KPIs was measured in both assessments: its effect is unconfirmed"
            elif not any(m.verdict == BETTER for m in compared):
                flag = "marked done, but none of its KPIs improved: " + ", ".join(f"{m.signal} {m.verdict}" for m in compared)
        out.append(
            RemedyProgress(
                remedy=rid,
                title=remedy.title if remedy else rid,
                status=status,
                in_earlier_roadmap=rid in in_roadmap,
                kpis=moves,
                flag=flag,
            )
        )
    return tuple(out)


def _kpi_move(kpi: str, earlier: Advice, later: Advice) -> KpiMove:
    before = earlier.assessment.observations.get(kpi)
    after = later.assessment.observations.get(kpi)
    if before is None or after is None:
        return KpiMove(kpi, "not compared")
    return KpiMove(kpi, judge(later.knowledge.signals.get(kpi), before, after))


# ------------------------------------------------------------------------- output


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """The JSON document of `advise compare --format json`; templates render the same data."""
    a, b = c.earlier.assessment, c.later.assessment
    counts = {v: sum(1 for m in c.metrics if m.verdict == v) for v in (BETTER, WORSE, UNCHANGED, MOVED)}
    causes = {s: [x.factor for x in c.causes if x.status == s] for s in ("resolved", "new", "persisting")}
    done = [p for p in c.progress if p.status == "done"]
    return {
        "centre": b.centre,
        "earlier": {"file": a.path, "assessed": a.assessed.isoformat(), "period": a.period, "centre": a.centre},
        "later": {"file": b.path, "assessed": b.assessed.isoformat(), "period": b.period, "centre": b.centre},
        "summary": {
            "metrics": counts,
            "causes": {k: len(v) for k, v in causes.items()},
            "remedies_in_earlier_roadmap": sum(1 for p in c.progress if p.in_earlier_roadmap),
            "remedies_done": len(done),
            "done_without_kpi_improvement": [p.remedy for p in done if p.flag],
        },
        "metrics": [
            {
                "signal": m.signal,
                "name": m.name,
                "verdict": m.verdict,
                "before": m.before,
                "after": m.after,
                "value_before": m.value_before,
                "value_after": m.value_after,
                "problems_before": list(m.problems_before),
                "problems_after": list(m.problems_after),
            }
            for m in c.metrics
        ],
        "causes": [
            {"factor": x.factor, "name": x.name, "status": x.status, "before": x.before, "after": x.after, "change": x.change}
            for x in c.causes
        ],
        "progress": [
            {
                "remedy": p.remedy,
                "title": p.title,
                "status": p.status,
                "in_earlier_roadmap": p.in_earlier_roadmap,
                "kpis": [{"signal": k.signal, "verdict": k.verdict} for k in p.kpis],
                "flag": p.flag,
            }
            for p in c.progress
        ],
        "roadmap": [
            {
                "rank": i.rank,
                "remedy": i.remedy,
                "title": i.title,
                "phase": i.phase,
                "priority": i.priority,
                "addresses": list(i.addresses),
                "depends_on": list(i.depends_on),
                "carried_over": i.remedy in c.carried_over,
                "status": i.status,
                "owner": i.owner,
                "kpis": list(i.kpis),
            }
            for i in c.roadmap
        ],
        "next_review": c.next_review.isoformat(),
        "warnings": list(c.warnings),
    }


def render_comparison(c: Comparison, fmt: str, *, color: bool = False) -> str:
    """The review as text, md, html (templates `compare.*.j2`) or JSON."""
    from .render import environment, to_json

    doc = comparison_dict(c)
    if fmt == "json":
        return to_json(doc)
    phases = [
        {"id": p, "window": PHASE_WINDOWS[p], "items": [i for i in doc["roadmap"] if i["phase"] == p]}
        for p in PHASES
    ]
    env = environment(color=color)
    suffix = {"text": "txt", "md": "md", "html": "html"}[fmt]
    return env.get_template(f"compare.{suffix}.j2").render(
        doc=doc,
        phases=[p for p in phases if p["items"]],
        factor_names={f.id: f.name for f in c.later.knowledge.factors.values()},
    )
