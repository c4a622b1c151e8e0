"""The prioritised improvement roadmap: which remedies, in what order, in which phase, why.

Priority of a remedy (in [0, 1]):

    benefit  = 1 − Π over suspected factors f of (1 − effectiveness(f) × confidence(f) × weight(f))
    weight   = 0.85 + 0.15 × fundamentality(f)   (a factor that explains others counts more)
    priority = benefit × effort discount         (low 1.0, medium 0.85, high 0.7)

The roadmap takes the highest-priority remedies, makes sure every suspected cause has at
least its best remedy, pulls in prerequisites, orders everything prerequisites first and
assigns phases (`now` 0–3 months, `next` 3–6, `later` 6–12), never putting a remedy in an
earlier phase than something it depends on.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding
from .graph import GraphIndex
from .knowledge import Knowledge, Remedy
from .observations import Assessment, labelled, problems

PHASES = ("now", "next", "later")
PHASE_WINDOWS = {"now": "0–3 months", "next": "3–6 months", "later": "6–12 months"}
EFFORT_DISCOUNT = {"low": 1.0, "medium": 0.85, "high": 0.7}
MIN_CONFIDENCE = 0.35
"""Factors below this confidence are too weakly suspected to spend money on: they go to
what to check next instead."""
WEAK = 0.5
STRONG = 0.7
"""From this confidence a cause gets up to three remedies and a first move in the `now` phase."""
"""Below this confidence a cause earns only one low-effort, low-regret move."""
COVERED = 0.5
"""A cause counts as covered by a remedy at least this effective against it."""
MIN_PRIORITY = 0.08
MAX_ITEMS = 10


def per_factor_cap(confidence: float) -> int:
    """How many remedies one cause earns: a weak suspicion gets one low-regret move."""
    return 3 if confidence >= STRONG else 2 if confidence >= WEAK else 1


def fits(s: "Scored", factor: str, confidence: float) -> bool:
    """A weakly suspected cause only justifies a low-effort remedy that needs nothing else
    first; a high-effort remedy needs a cause suspected with some conviction."""
    if confidence < WEAK:
        return s.remedy.effort == "low" and not s.remedy.prerequisites
    return s.remedy.effort != "high" or confidence >= FIRM


FIRM = 0.8
"""Below this confidence no high-effort remedy is proposed."""
PHASE_CAPACITY = {"now": 5, "next": 5}
"""How many initiatives a centre can realistically start in one phase."""


@dataclass(frozen=True)
class RoadmapItem:
    rank: int
    remedy: str
    title: str
    phase: str
    addresses: tuple[str, ...]
    depends_on: tuple[str, ...]
    priority: float
    rationale: str
    effort: str
    time_to_impact_weeks: tuple[int, int]
    owner: str
    kpis: tuple[str, ...]
    paths: tuple[tuple[str, ...], ...] = ()
    enables: tuple[str, ...] = ()
    status: str | None = None


@dataclass(frozen=True)
class Scored:
    remedy: Remedy
    priority: float
    addresses: tuple[str, ...]


def score(remedy: Remedy, confidences: dict[str, float], fundamental: dict[str, float]) -> Scored:
    miss = 1.0
    addressed: list[tuple[float, str]] = []
    for factor, eff in remedy.addresses:
        conf = confidences.get(factor, 0.0)
        if conf < MIN_CONFIDENCE:
            continue
        weight = 0.85 + 0.15 * fundamental.get(factor, 0.0)
        part = eff * conf * weight
        miss *= 1 - part
        addressed.append((part, factor))
    benefit = 1 - miss
    priority = round(benefit * EFFORT_DISCOUNT[remedy.effort], 4)
    addresses = tuple(f for _p, f in sorted(addressed, key=lambda x: (-x[0], x[1])))
    return Scored(remedy, priority, addresses)


def indicated(remedy: Remedy, assessment: Assessment, knowledge: Knowledge) -> bool:
    """A remedy for a specific symptom is only a candidate when that symptom was seen."""
    if not remedy.indicated_by:
        return True
    for sid in remedy.indicated_by:
        obs = assessment.observations.get(sid)
        if obs is not None and problems(obs, knowledge.signals.get(sid)):
            return True
    return False


def build_roadmap(
    knowledge: Knowledge,
    g: GraphIndex,
    findings: dict[str, Finding],
    assessment: Assessment,
) -> tuple[RoadmapItem, ...]:
    progress = assessment.progress
    confidences = {f: fi.confidence for f, fi in findings.items()}
    # root-ness counts only the causes strong enough to act on: a faint lead is not a symptom
    # that a remedy "also" cures
    acted_on = {f: (c if c >= MIN_CONFIDENCE else 0.0) for f, c in confidences.items()}
    fundamental = g.fundamentality(acted_on)
    scored = {r.id: score(r, confidences, fundamental) for r in knowledge.remedies.values()}
    candidates = sorted(
        (
            s
            for s in scored.values()
            if s.addresses
            and s.priority >= MIN_PRIORITY
            and progress.get(s.remedy.id) != "dropped"
            and indicated(s.remedy, assessment, knowledge)
        ),
        key=lambda s: (-s.priority, s.remedy.id),
    )
    chosen: dict[str, Scored] = {}
    per_factor: dict[str, int] = {}
    for s in candidates:
        lead = s.addresses[0]
        if len(chosen) >= MAX_ITEMS or per_factor.get(lead, 0) >= per_factor_cap(confidences[lead]):
            continue
        if not fits(s, lead, confidences[lead]):
            continue
        chosen[s.remedy.id] = s
        per_factor[lead] = per_factor.get(lead, 0) + 1
    # every suspected cause gets at least its best remedy
    for factor in sorted(confidences, key=lambda f: (-confidences[f], f)):
        if confidences[factor] < MIN_CONFIDENCE or any(s.remedy.effectiveness(factor) >= COVERED for s in chosen.values()):
            continue
        best = [s for s in candidates if factor in s.addresses and fits(s, factor, confidences[factor])]
        if best:
            best.sort(key=lambda s: (-s.remedy.effectiveness(factor), -s.priority, s.remedy.id))
            chosen[best[0].remedy.id] = best[0]
    # prerequisites come along, whatever their own priority
    pulled_by: dict[str, set[str]] = {}
    for rid in list(chosen):
        for pre in g.prerequisites(rid):
            pulled_by.setdefault(pre, set()).add(rid)
            if pre not in chosen:
                chosen[pre] = scored[pre]
    if not chosen:
        return ()

    phase = _phases(g, chosen, pulled_by, confidences)
    urgency = _urgency(chosen)
    key = {rid: (PHASES.index(phase[rid]), -urgency[rid], -chosen[rid].priority, rid) for rid in chosen}
    order = g.ordered(chosen, key)
    reach = g.explains(acted_on)
    items: list[RoadmapItem] = []
    for rank, rid in enumerate(order, start=1):
        s = chosen[rid]
        rem = s.remedy
        depends = tuple(p for p in rem.prerequisites if p in chosen)
        enables = tuple(sorted(d for d in chosen if rid in knowledge.remedies[d].prerequisites))
        signals = {o for f in s.addresses for e in findings[f].support for o in e.observations}
        paths = tuple(tuple(p) for p in g.evidence_paths(rid, s.addresses, signals))
        items.append(
            RoadmapItem(
                rank=rank,
                remedy=rid,
                title=rem.title,
                phase=phase[rid],
                addresses=s.addresses,
                depends_on=depends,
                priority=round(s.priority, 2),
                rationale=rationale(knowledge, assessment, s, findings, fundamental, reach, depends, enables),
                effort=rem.effort,
                time_to_impact_weeks=rem.time_to_impact_weeks,
                owner=rem.owner,
                kpis=rem.kpis,
                paths=paths,
                enables=enables,
                status=progress.get(rid),
            )
        )
    return tuple(items)


def _urgency(chosen: dict[str, Scored]) -> dict[str, float]:
    """A remedy is as urgent as the most urgent remedy waiting for it (so a prerequisite of
    the top item is done first, not after every unrelated item of middling priority)."""
    urgency = {rid: s.priority for rid, s in chosen.items()}
    changed = True
    while changed:
        changed = False
        for rid, s in chosen.items():
            for pre in s.remedy.prerequisites:
                if pre in urgency and urgency[pre] < urgency[rid]:
                    urgency[pre] = urgency[rid]
                    changed = True
    return urgency


def _phases(g: GraphIndex, chosen: dict[str, Scored], pulled_by: dict[str, set[str]], confidences: dict[str, float]) -> dict[str, str]:
    """Phase by priority within capacity, make a first move now on every strong cause, then
    pull prerequisites forward and push dependants back."""
    ranked = sorted(chosen.values(), key=lambda s: (-s.priority, s.remedy.id))
    top = ranked[0].priority if ranked else 0.0
    phase: dict[str, str] = {}
    counts = {"now": 0, "next": 0}
    for s in ranked:
        if top > 0 and s.priority >= 0.6 * top and counts["now"] < PHASE_CAPACITY["now"]:
            p = "now"
        elif top > 0 and s.priority >= 0.3 * top and counts["next"] < PHASE_CAPACITY["next"]:
            p = "next"
        else:
            p = "later"
        if p in counts:
            counts[p] += 1
        phase[s.remedy.id] = p
    # a strongly suspected cause is not left waiting: its best remedy starts now
    for factor, conf in confidences.items():
        if conf < STRONG:
            continue
        own = [s for s in ranked if s.addresses and s.addresses[0] == factor]
        if own and not any(phase[s.remedy.id] == "now" for s in own):
            phase[own[0].remedy.id] = "now"
    # a prerequisite starts no later than what needs it ...
    changed = True
    while changed:
        changed = False
        for rid in chosen:
            for pre in chosen[rid].remedy.prerequisites:
                if pre in phase and PHASES.index(phase[pre]) > PHASES.index(phase[rid]):
                    phase[pre] = phase[rid]
                    changed = True
    # ... and a dependant cannot start before its prerequisites have delivered: it starts in
    # the phase its prerequisites' (longest) time to impact, from their own start, reaches
    start: dict[str, int] = {}
    for rid in g.ordered(chosen, {r: (r,) for r in chosen}):
        week = PHASE_START_WEEK[phase[rid]]
        for pre in chosen[rid].remedy.prerequisites:
            if pre in start:
                week = max(week, start[pre] + chosen[pre].remedy.time_to_impact_weeks[1])
        start[rid] = week
        phase[rid] = phase_of_week(week)
    return phase


PHASE_START_WEEK = {"now": 0, "next": 13, "later": 26}


def phase_of_week(week: int) -> str:
    """The phase a start in this week falls in (now: 0–3 months, next: 3–6, later: 6–12)."""
    return "now" if week < 13 else "next" if week < 26 else "later"


def rationale(
    knowledge: Knowledge,
    assessment: Assessment,
    s: Scored,
    findings: dict[str, Finding],
    fundamental: dict[str, float],
    reach: dict[str, dict[str, float]],
    depends: tuple[str, ...],
    enables: tuple[str, ...],
) -> str:
    """Why this remedy: the factors it addresses, their confidence, rules and observed values."""
    rem = s.remedy
    parts: list[str] = []
    for factor in s.addresses:
        finding = findings[factor]
        top = finding.support[:2]
        seen: dict[str, None] = {}
        for e in top:
            for sid in e.observations:
                seen.setdefault(sid, None)
        values = []
        for sid in list(seen)[:4]:
            values.append(labelled(assessment.observations[sid], knowledge.signals.get(sid)))
        rules = ", ".join(e.rule for e in top)
        sentence = f"{finding.name} (confidence {finding.confidence:.2f}; {rules}): {'; '.join(values)}."
        others = reach.get(factor, {})
        if others and fundamental.get(factor, 0) > 0:
            names = listing([findings[o].name for o in others])
            sentence += f" {finding.name} also feeds {names}, so this works on a root cause."
        parts.append(sentence)
    if not s.addresses:
        parts.append("Groundwork: no suspected cause of its own.")
    if enables:
        titles = "; ".join(knowledge.remedies[e].title for e in enables)
        parts.append(f"Comes first because it is a prerequisite for: {titles}.")
    if depends:
        titles = "; ".join(knowledge.remedies[d].title for d in depends)
        parts.append(f"Builds on: {titles}.")
    return " ".join(parts)


def listing(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
