"""`advise init`: the assessment questionnaire as an annotated observations template.

Every catalogue signal (overlays included) appears commented out, grouped in the order a
consultant walks a centre, with its meaning, unit, good direction, benchmark and source, and
the forms it accepts. Uncommenting a line and writing what was observed is all it takes; a
line left commented out means "not observed", never "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .knowledge import GROUPS, Knowledge, Signal
from .observations import CONTEXT_NUMBERS, CONTEXT_TEXT, PROGRESS, format_value

CONTEXT_HELP = {
    "agents": ("120", "FTE rostered on the phones and queues"),
    "contacts_per_month": ("85000", "contacts offered per month"),
    "hourly_cost": ("32", "loaded cost of one agent hour"),
    "currency": ("NZD", "currency of the costs"),
    "overtime_premium": ("1.5", "overtime pay as a multiple of the hourly cost"),
    "replacement_cost": ("14000", "cost to replace one leaver"),
    "cost_per_contact": ("6.5", "cost of one assisted contact"),
    "interval_contacts": ("100", "busiest interval: contacts offered (for Erlang C)"),
    "interval_minutes": ("30", "length of that interval in minutes"),
    "interval_agents": ("16", "agents scheduled in that interval, before shrinkage"),
    "service_level_threshold_s": ("20", 'the "20" of an 80/20 service-level target, in seconds'),
}
_GOOD = {"up": "higher is better", "down": "lower is better", "band": "a band is best", "context": "context: no good or bad direction"}
_EXAMPLE = {"fraction": 0.5, "seconds": 300.0, "hours": 120.0, "count": 1000.0, "score": 30.0, "ratio": 2.5, "weeks": 12.0}


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    about: str
    forms: str


def _example(sig: Signal) -> tuple[str, str]:
    """A current value and an earlier one that read naturally for this metric."""
    bm = sig.benchmark
    if bm is not None and bm.low is not None and bm.high is not None:
        value = (bm.low + bm.high) / 2
    elif bm is not None:
        value = bm.low if bm.low is not None else bm.high  # type: ignore[assignment]
    else:
        value = _EXAMPLE.get(sig.unit or "", 1.0)
    if sig.id == "customer_effort":
        value = 5.0
    baseline = value * 1.1 if value else 1.0
    if sig.unit == "fraction":
        baseline = min(baseline, 1.0)
    return _plain(value, sig), _plain(baseline, sig)


def _plain(value: float, sig: Signal) -> str:
    if sig.unit == "fraction":
        return f"{value:.2f}"
    return f"{value:g}" if value != int(value) else str(int(value))


def entry(sig: Signal) -> Entry:
    title = sig.name + (f" ({sig.short})" if sig.short and sig.short != sig.name else "") + f" — {sig.description}"
    if sig.is_metric:
        unit = sig.unit or ""
        if unit == "fraction":
            unit = 'fraction 0–1, or a percentage such as "72%"'
        good = _GOOD.get(sig.good or "", "")
        if sig.good == "band" and sig.hurts:
            good += f", too {'high' if sig.hurts == 'up' else 'low'} usually hurts"
        about = f"{unit}; {good}"
        if sig.benchmark is not None:
            about += f"; benchmark {sig.benchmark.describe(lambda v, s=sig: format_value(v, s))}. Source: {sig.benchmark.source}"
        value, baseline = _example(sig)
        forms = f"up, down, flat, a value ({value}) or {{value: {value}, baseline: {baseline}, target: {value}}}"
    else:
        about = "an event: did it happen in the period?" if sig.kind == "event" else "a finding: look for it in interviews, documents and on the floor"
        forms = "yes, no (looked for, not found) or {present: yes, date: 2024-03-01, source: interview, note: ...}"
    return Entry(id=sig.id, title=title, about=about + ".", forms=forms)


def questionnaire(knowledge: Knowledge) -> dict[str, Any]:
    """The data the `init.yaml.j2` template renders."""
    groups = []
    for group in GROUPS:
        entries = [entry(s) for s in knowledge.signals.values() if s.group == group and s.kind != "derived"]
        if entries:
            groups.append({"name": group, "entries": entries})
    derived = [s for s in knowledge.signals.values() if s.kind == "derived"]
    context = [(k, *CONTEXT_HELP.get(k, ("0", k.replace("_", " ")))) for k in (*CONTEXT_NUMBERS, *CONTEXT_TEXT)]
    return {
        "groups": groups,
        "derived": derived,
        "context": context,
        "progress": " | ".join(PROGRESS),
        "width": max((len(e.id) for g in groups for e in g["entries"]), default=10) + 2,
    }


__all__ = ["entry", "questionnaire"]
