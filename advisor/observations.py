"""The observations file: parsing every form the contract allows and deriving states.

A consultant writes `up`, `0.68`, `"42%"` or a mapping with a baseline and a target; the
rules only ever see states (`worsened`, `below_target`, ...) and values. This module turns
the one into the other, following docs/observations.md, and refuses anything it cannot
read with the file, line and column and a suggestion.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import UserError, did_you_mean
from .fields import check_keys, check_number, describe, describe_key, require_list, require_mapping
from .knowledge import Knowledge, Signal
from .yamlio import MAX_BYTES, Mapping, Mark, Sequence, error_at, load_path, loads

SOURCES = ("data", "document", "survey", "interview", "floor_walk", "anecdote")
SOURCE_CONFIDENCE = {
    "data": 1.0,
    "document": 1.0,
    "survey": 0.8,
    "interview": 0.7,
    "floor_walk": 0.7,
    "anecdote": 0.5,
}
TRENDS = ("up", "down", "flat")
_MIN_YEAR, _MAX_YEAR = 1900, 2999
"""Assessment years accepted: a typo such as 0204 or 9999 is caught, and review dates exist."""
PROGRESS = ("done", "in_progress", "not_started", "dropped")
TOP_KEYS = (
    "centre",
    "assessed",
    "period",
    "assessor",
    "core_services",
    "kpis_tracked",
    "context",
    "observations",
    "progress",
)
CONTEXT_NUMBERS = {
    # key: (lowest allowed, must be whole, must be above the lowest)
    "agents": (0, False, False),
    "contacts_per_month": (0, False, False),
    "hourly_cost": (0, False, False),
    "overtime_premium": (0, False, False),
    "replacement_cost": (0, False, False),
    "cost_per_contact": (0, False, False),
    "interval_contacts": (0, False, False),
    "interval_minutes": (0, False, True),
    "interval_agents": (0, True, False),
    "service_level_threshold_s": (0, False, False),
}
CONTEXT_TEXT = ("currency",)
CONTEXT_MAPPINGS = ("remedy_costs",)
"""remedy_costs (an extension): {remedy id: amount} overriding the knowledge base's estimate."""
UNIT_ALIASES = {
    "fraction": {"fraction": 1.0, "ratio_0_1": 1.0, "percent": 0.01, "%": 0.01},
    "seconds": {"seconds": 1.0, "s": 1.0, "sec": 1.0, "minutes": 60.0, "min": 60.0},
    "hours": {"hours": 1.0, "h": 1.0, "hrs": 1.0},
    "weeks": {"weeks": 1.0, "days": 1 / 7, "months": 52 / 12},
}
_SERVICE_ID = re.compile(r"^\w[\w.-]*$")
"""A core-service id is a word (any script): reports quote it as code, so no spaces or markup."""
_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Observation:
    """One signal as observed, with the states rules can match."""

    signal: str
    kind: str
    states: frozenset[str]
    confidence: float
    source: str
    value: float | None = None
    baseline: float | None = None
    target: float | None = None
    trend: str | None = None
    present: bool | None = None
    date: dt.date | None = None
    note: str | None = None
    line: int | None = None
    column: int | None = None
    derived: bool = False


@dataclass(frozen=True)
class CoreService:
    id: str
    name: str
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """One assessment of one centre, parsed and checked."""

    path: str
    centre: str
    assessed: dt.date
    observations: dict[str, Observation]
    period: str | None = None
    assessor: str | None = None
    core_services: tuple[CoreService, ...] = ()
    kpis_tracked: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, str] = field(default_factory=dict)
    staffing: Any = None
    warnings: tuple[str, ...] = ()

    @property
    def unlinked_kpis(self) -> tuple[str, ...]:
        """Tracked KPIs that no core service lists (only meaningful when services are declared)."""
        if not self.core_services:
            return ()
        linked = {k for cs in self.core_services for k in cs.kpis}
        return tuple(k for k in self.kpis_tracked if k not in linked)

    @property
    def review_date(self) -> dt.date:
        return add_months(self.assessed, 6)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


# ---------------------------------------------------------------------------- loading


def load(path: str | Path, knowledge: Knowledge, *, max_bytes: int = MAX_BYTES) -> Assessment:
    """Read an observations file and return the checked `Assessment`."""
    path = Path(path)
    doc = load_path(path, max_bytes=max_bytes)
    return parse(doc, knowledge, str(path))


def parse_text(text: str, knowledge: Knowledge, name: str = "<observations>") -> Assessment:
    return parse(loads(text, name), knowledge, name)


def parse(doc: Any, knowledge: Knowledge, name: str) -> Assessment:
    if not isinstance(doc, Mapping):
        raise UserError(
            f"expected a mapping of centre, assessed and observations at the top, got {describe(doc)}",
            file=name,
            line=1,
            column=1,
        )
    check_keys(doc, "observations file", required=("centre", "assessed", "observations"), optional=TOP_KEYS)
    centre = _text(doc, "centre")
    assessed = _date(doc["assessed"], doc.value_mark("assessed"), "assessed")
    if not _MIN_YEAR <= assessed.year <= _MAX_YEAR:
        raise error_at(
            doc.value_mark("assessed"),
            f"assessed: {assessed.isoformat()} is not a plausible assessment date (expected a year from {_MIN_YEAR} to {_MAX_YEAR})",
        )
    core_services = _core_services(doc, knowledge)
    kpis_tracked = _kpis_tracked(doc)
    context = _context(doc, knowledge)
    progress = _progress(doc, knowledge)
    obs_node = require_mapping(doc["observations"], doc, "observations", "observations")
    if not obs_node:
        raise error_at(doc.value_mark("observations"), "observations: expected at least one observation")
    observations: dict[str, Observation] = {}
    for key, value in obs_node.items():
        sid = str(key)
        signal = knowledge.signals.get(sid)
        if signal is None or not isinstance(key, str):
            raise error_at(
                obs_node.key_mark(key),
                f"unknown signal {describe_key(key)}",
                did_you_mean(sid, [s.id for s in knowledge.signals.values() if s.kind != "derived"])
                or "run `advise init` for the catalogue of signals",
            )
        if signal.kind == "derived":
            raise error_at(obs_node.key_mark(key), f"{sid} is derived by the advisor from the rest of the file; do not write it")
        obs = _observation(signal, value, obs_node, key)
        if obs.date is not None and obs.date > assessed:
            raise error_at(
                value.value_mark("date") if isinstance(value, Mapping) else obs_node.value_mark(key),
                f"{sid}: date {obs.date.isoformat()} is after the assessment ({assessed.isoformat()}); an observation cannot come from the future",
                "check the year, or the assessment date",
            )
        observations[sid] = obs
    assessment = Assessment(
        path=name,
        centre=centre,
        assessed=assessed,
        observations=observations,
        period=_opt_text(doc, "period"),
        assessor=_opt_text(doc, "assessor"),
        core_services=core_services,
        kpis_tracked=kpis_tracked,
        context=context,
        progress=progress,
    )
    return _with_derived(assessment, knowledge, doc)


def _text(doc: Mapping, key: str) -> str:
    value = doc.get(key)
    if isinstance(value, (Mapping, Sequence)) or value is None or isinstance(value, bool):
        raise error_at(doc.value_mark(key), f"{key}: expected text, got {describe(value)}")
    value = str(value).strip()
    if not value:
        raise error_at(doc.value_mark(key), f"{key}: must not be empty")
    return value


def _opt_text(doc: Mapping, key: str) -> str | None:
    if key not in doc or doc[key] is None:
        return None
    return _text(doc, key)


def _date(value: Any, mark: Mark, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise error_at(mark, f"{what}: expected an ISO date such as 2024-06-14, got {describe(value)}")


def _core_services(doc: Mapping, knowledge: Knowledge) -> tuple[CoreService, ...]:
    if doc.get("core_services") is None:
        return ()
    seq = require_list(doc["core_services"], doc, "core_services", "core_services")
    out: list[CoreService] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(seq):
        node = require_mapping(item, seq, i, f"core_services entry {i + 1}")
        check_keys(node, f"core service {node.get('id', i + 1)}", required=("id", "kpis"), optional=("name",))
        sid = _text(node, "id")
        if not _SERVICE_ID.match(sid):
            raise error_at(
                node.value_mark("id"),
                f"core service id {sid!r} must be one word: letters, digits, '_', '-' or '.'",
                "put the service's full name under name:",
            )
        if sid in seen:
            raise error_at(node.value_mark("id"), f"duplicate core service id {sid!r} (first at line {seen[sid]})")
        seen[sid] = node.value_mark("id").line
        kpis_node = node["kpis"]
        kpis_list = [kpis_node] if isinstance(kpis_node, str) else require_list(kpis_node, node, "kpis", f"core service {sid}: kpis")
        kpis: list[str] = []
        for j, kpi in enumerate(kpis_list):
            mark = kpis_list.item_mark(j) if isinstance(kpis_list, Sequence) else node.value_mark("kpis")
            sig = knowledge.signals.get(kpi) if isinstance(kpi, str) else None
            if sig is None or not sig.is_metric or sig.kind == "derived":
                metrics = [s.id for s in knowledge.signals.values() if s.kind == "metric"]
                raise error_at(
                    mark,
                    f"core service {sid}: unknown KPI {kpi!r}: core-service KPIs are metric signal ids",
                    did_you_mean(str(kpi), metrics),
                )
            kpis.append(kpi)
        if not kpis:
            raise error_at(node.value_mark("kpis"), f"core service {sid}: list at least one KPI")
        name = _opt_text(node, "name") or sid.replace("_", " ").capitalize()
        out.append(CoreService(id=sid, name=name, kpis=tuple(kpis)))
    return tuple(out)


def _kpis_tracked(doc: Mapping) -> tuple[str, ...]:
    if doc.get("kpis_tracked") is None:
        return ()
    value = doc["kpis_tracked"]
    seq = [value] if isinstance(value, str) else require_list(value, doc, "kpis_tracked", "kpis_tracked")
    out: list[str] = []
    for j, item in enumerate(seq):
        if not isinstance(item, str) or not item.strip():
            mark = seq.item_mark(j) if isinstance(seq, Sequence) else doc.value_mark("kpis_tracked")
            raise error_at(mark, f"kpis_tracked: expected KPI names, got {describe(item)}")
        if item not in out:
            out.append(item.strip())
    return tuple(out)


def _context(doc: Mapping, knowledge: Knowledge) -> dict[str, Any]:
    if doc.get("context") is None:
        return {}
    node = require_mapping(doc["context"], doc, "context", "context")
    check_keys(node, "context", optional=tuple(CONTEXT_NUMBERS) + CONTEXT_TEXT + CONTEXT_MAPPINGS)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "remedy_costs":
            out[key] = _remedy_costs(node, knowledge)
            continue
        if key in CONTEXT_TEXT:
            out[key] = _text(node, key)
            continue
        low, whole, strict = CONTEXT_NUMBERS[key]
        number = check_number(value, node.value_mark(key), f"context: {key}", low=low, integer=whole)
        if strict and number <= low:
            raise error_at(node.value_mark(key), f"context: {key} must be above {low}, got {value}")
        out[key] = int(number) if whole else number
    return out


def _remedy_costs(context: Mapping, knowledge: Knowledge) -> dict[str, float]:
    """A consultant's own price for a remedy, by remedy id, for the business case."""
    node = require_mapping(context["remedy_costs"], context, "remedy_costs", "context: remedy_costs")
    out: dict[str, float] = {}
    for key, value in node.items():
        if key not in knowledge.remedies:
            raise error_at(
                node.key_mark(key),
                f"context: remedy_costs: unknown remedy {key!r}",
                did_you_mean(str(key), knowledge.remedies) or "see `advise kb show` for remedy ids",
            )
        out[str(key)] = float(check_number(value, node.value_mark(key), f"context: remedy_costs: {key}", low=0))
    return dict(sorted(out.items()))


def _progress(doc: Mapping, knowledge: Knowledge) -> dict[str, str]:
    if doc.get("progress") is None:
        return {}
    node = require_mapping(doc["progress"], doc, "progress", "progress")
    out: dict[str, str] = {}
    for key, value in node.items():
        if key not in knowledge.remedies:
            raise error_at(
                node.key_mark(key),
                f"progress: unknown remedy {key!r}",
                did_you_mean(str(key), knowledge.remedies) or "see `advise kb show` for remedy ids",
            )
        if value not in PROGRESS:
            raise error_at(
                node.value_mark(key),
                f"progress: {key} must be one of {', '.join(PROGRESS)}; got {describe(value)}",
                did_you_mean(str(value), PROGRESS),
            )
        out[str(key)] = str(value)
    return out


# ----------------------------------------------------------------- one observation


def _observation(signal: Signal, value: Any, parent: Mapping, key: Any) -> Observation:
    mark = parent.value_mark(key)
    if signal.is_metric:
        obs = _metric(signal, value, mark)
    else:
        obs = _presence(signal, value, mark)
    return replace(obs, line=parent.key_mark(key).line, column=parent.key_mark(key).column)


def _source(node: Mapping, what: str, default: str) -> tuple[str, float]:
    source = default
    if "source" in node:
        source = node["source"]
        if source not in SOURCES:
            raise error_at(
                node.value_mark("source"),
                f"{what}: source must be one of {', '.join(SOURCES)}; got {describe(source)}",
                did_you_mean(str(source), SOURCES),
            )
    confidence = SOURCE_CONFIDENCE[source]
    if "confidence" in node:
        confidence = check_number(node["confidence"], node.value_mark("confidence"), f"{what}: confidence", low=0, high=1)
    return str(source), confidence


def _note(node: Mapping, what: str) -> str | None:
    if node.get("note") is None:
        return None
    note = node["note"]
    if isinstance(note, (Mapping, Sequence)):
        raise error_at(node.value_mark("note"), f"{what}: note must be text, got {describe(note)}")
    if isinstance(note, bool):
        return "yes" if note else "no"
    return str(note)


def _metric(signal: Signal, raw: Any, mark: Mark) -> Observation:
    what = signal.id
    if isinstance(raw, str) and raw.strip().lower() in TRENDS:
        trend = raw.strip().lower()
        return _finish_metric(signal, None, None, None, trend, "data", 1.0, None)
    if isinstance(raw, Mapping):
        check_keys(raw, what, optional=("value", "baseline", "target", "trend", "unit", "source", "confidence", "note"))
        scale = _unit_scale(signal, raw)
        value = _metric_number(signal, raw.get("value"), raw.value_mark("value"), f"{what}: value", scale) if raw.get("value") is not None else None
        baseline = _metric_number(signal, raw.get("baseline"), raw.value_mark("baseline"), f"{what}: baseline", scale) if raw.get("baseline") is not None else None
        target = _metric_number(signal, raw.get("target"), raw.value_mark("target"), f"{what}: target", scale) if raw.get("target") is not None else None
        trend = None
        if raw.get("trend") is not None:
            trend = raw["trend"]
            if not isinstance(trend, str) or trend not in TRENDS:
                raise error_at(raw.value_mark("trend"), f"{what}: trend must be up, down or flat; got {describe(trend)}")
            if value is not None and baseline is not None:
                derived = _trend(signal, value, baseline)
                if derived != trend and not (trend != "flat" and derived == "flat" and _direction(value, baseline) == trend):
                    raise error_at(
                        raw.value_mark("trend"),
                        f"{what}: trend {trend!r} contradicts value {_fmt(value)} against baseline {_fmt(baseline)}",
                        "drop the trend (it is derived from value and baseline) or correct the figures",
                    )
        if value is None and baseline is None and target is None and trend is None:
            raise error_at(mark, f"{what}: give at least a value, a baseline with a value, a target or a trend")
        if baseline is not None and value is None and trend is None:
            raise error_at(raw.value_mark("baseline"), f"{what}: a baseline needs the current value to compare with")
        source, confidence = _source(raw, what, "data")
        return _finish_metric(signal, value, baseline, target, trend, source, confidence, _note(raw, what))
    if isinstance(raw, (int, float, str)) and not isinstance(raw, bool):
        value = _metric_number(signal, raw, mark, what, 1.0)
        return _finish_metric(signal, value, None, None, None, "data", 1.0, None)
    raise error_at(
        mark,
        f"{what}: expected up, down, flat, a number, a percentage or a mapping with value/baseline/target; got {describe(raw)}",
    )


_TREND_WORDS = {
    "up": ("rising", "increasing", "increase", "increased", "higher", "growing"),
    "down": ("falling", "decreasing", "decrease", "decreased", "lower", "dropping", "declining"),
    "flat": ("stable", "steady", "same", "unchanged", "level", "constant"),
}


def _trend_hint(raw: str) -> str | None:
    word = raw.strip().lower()
    for trend, words in _TREND_WORDS.items():
        if word in words:
            return f"for a trend write {trend!r}"
    return did_you_mean(word, TRENDS)


def _unit_scale(signal: Signal, node: Mapping) -> float:
    if node.get("unit") is None:
        return 1.0
    unit = str(node["unit"]).strip().lower()
    aliases = UNIT_ALIASES.get(signal.unit or "", {signal.unit or "": 1.0})
    if unit not in aliases:
        raise error_at(
            node.value_mark("unit"),
            f"{signal.id}: unit {unit!r} does not fit this metric (measured in {signal.unit})",
            "units accepted: " + ", ".join(aliases),
        )
    return aliases[unit]


def _metric_number(signal: Signal, raw: Any, mark: Mark, what: str, scale: float) -> float:
    if isinstance(raw, str):
        m = _PERCENT.match(raw)
        if not m:
            if what == signal.id:  # the bare form, where a trend is also allowed
                raise error_at(
                    mark,
                    f"{what}: expected up, down, flat, a number or a percentage such as \"42%\"; got {describe(raw)}",
                    _trend_hint(raw),
                )
            raise error_at(mark, f"{what}: expected a number or a percentage such as \"42%\", got {describe(raw)}")
        if signal.unit != "fraction":
            raise error_at(mark, f"{what}: a percentage only fits a fraction metric; {signal.id} is in {signal.unit}")
        number = float(m.group(1)) / 100
    else:
        number = check_number(raw, mark, what) * scale
    if math.isnan(number) or math.isinf(number):
        raise error_at(mark, f"{what}: must be a finite number")
    if signal.unit == "fraction":
        if not 0 <= number <= 1:
            hint = f"write {_fmt(number)}% or {_fmt(number / 100)}" if 1 < number <= 100 else None
            raise error_at(mark, f"{what}: a fraction must be between 0 and 1, got {_fmt(number)}", hint)
    elif signal.id == "nps":
        if not -100 <= number <= 100:
            raise error_at(mark, f"{what}: NPS runs from -100 to 100, got {_fmt(number)}")
    elif signal.id == "customer_effort":
        if not 1 <= number <= 7:
            raise error_at(mark, f"{what}: customer effort is on a 1–7 scale, got {_fmt(number)}")
    elif number < 0 and signal.unit in ("seconds", "hours", "count", "weeks", "ratio"):
        raise error_at(mark, f"{what}: cannot be negative, got {_fmt(number)}")
    return number


def _presence(signal: Signal, raw: Any, mark: Mark) -> Observation:
    what = signal.id
    default_source = "interview" if signal.kind == "finding" else "data"
    if isinstance(raw, bool):
        source = default_source
        return _finish_presence(signal, raw, None, source, SOURCE_CONFIDENCE[source], None)
    if isinstance(raw, Mapping):
        check_keys(raw, what, optional=("present", "date", "source", "confidence", "note"))
        present = raw.get("present", True)
        if not isinstance(present, bool):
            raise error_at(raw.value_mark("present"), f"{what}: present must be yes or no, got {describe(present)}")
        date = _date(raw["date"], raw.value_mark("date"), f"{what}: date") if raw.get("date") is not None else None
        source, confidence = _source(raw, what, default_source)
        return _finish_presence(signal, present, date, source, confidence, _note(raw, what))
    raise error_at(mark, f"{what}: {'an' if signal.kind[0] in 'aeiou' else 'a'} {signal.kind} takes yes, no or a mapping (present, date, source, confidence, note); got {describe(raw)}")


def _finish_presence(signal: Signal, present: bool, date: dt.date | None, source: str, confidence: float, note: str | None) -> Observation:
    return Observation(
        signal=signal.id,
        kind=signal.kind,
        states=frozenset({"present" if present else "absent"}),
        confidence=confidence,
        source=source,
        present=present,
        date=date,
        note=note,
    )


# ------------------------------------------------------------------------- states


def _direction(value: float, baseline: float) -> str:
    return "up" if value > baseline else "down" if value < baseline else "flat"


def _trend(signal: Signal, value: float, baseline: float) -> str:
    """Value against baseline; a change within the tolerance is flat."""
    scale = abs(baseline) if baseline else 1.0
    if signal.id == "nps":  # a score around zero: tolerance in points of the 200-point scale
        scale = 100.0
    if abs(value - baseline) <= signal.tolerance * scale + 1e-12:
        return "flat"
    return _direction(value, baseline)


def _band_distance(signal: Signal, value: float) -> float:
    bm = signal.benchmark
    if bm is None:
        return 0.0
    if bm.low is not None and value < bm.low:
        return bm.low - value
    if bm.high is not None and value > bm.high:
        return value - bm.high
    return 0.0


def _finish_metric(
    signal: Signal,
    value: float | None,
    baseline: float | None,
    target: float | None,
    trend: str | None,
    source: str,
    confidence: float,
    note: str | None,
) -> Observation:
    if trend is None and value is not None and baseline is not None:
        trend = _trend(signal, value, baseline)
    states: set[str] = set()
    if trend is not None:
        states.add(trend)
        states |= _goodness(signal, value, baseline, trend)
    if target is not None and value is not None:
        states.add("below_target" if value < target else "above_target" if value > target else "on_target")
    if value is not None and signal.benchmark is not None:
        states.add(_benchmark_state(signal, value))
    return Observation(
        signal=signal.id,
        kind=signal.kind,
        states=frozenset(states),
        confidence=confidence,
        source=source,
        value=value,
        baseline=baseline,
        target=target,
        trend=trend,
        note=note,
    )


def _goodness(signal: Signal, value: float | None, baseline: float | None, trend: str) -> set[str]:
    if trend == "flat" or signal.good in (None, "context"):
        return set()
    if signal.good == "up":
        return {"improved" if trend == "up" else "worsened"}
    if signal.good == "down":
        return {"worsened" if trend == "up" else "improved"}
    # a band: movement away from the band is worse, towards it better
    if value is not None and baseline is not None and signal.benchmark is not None:
        before, after = _band_distance(signal, baseline), _band_distance(signal, value)
        if after > before:
            return {"worsened"}
        if after < before:
            return {"improved"}
        if after == 0:
            return set()
    if value is not None and signal.benchmark is not None:
        bm = signal.benchmark
        if bm.high is not None and value > bm.high:
            return {"worsened" if trend == "up" else "improved"}
        if bm.low is not None and value < bm.low:
            return {"worsened" if trend == "down" else "improved"}
    return {"worsened" if trend == signal.hurts else "improved"}


def _benchmark_state(signal: Signal, value: float) -> str:
    bm = signal.benchmark
    assert bm is not None
    below = bm.low is not None and value < bm.low
    above = bm.high is not None and value > bm.high
    if signal.good == "up":
        return "worse_than_benchmark" if below else "better_than_benchmark" if above else "within_benchmark"
    if signal.good == "down":
        return "worse_than_benchmark" if above else "better_than_benchmark" if below else "within_benchmark"
    return "worse_than_benchmark" if below or above else "within_benchmark"


# -------------------------------------------------------------------- derived signals


def _with_derived(assessment: Assessment, knowledge: Knowledge, doc: Mapping) -> Assessment:
    """Add what the advisor computes itself: unlinked KPI share, Erlang C shortfall."""
    derived = dict(assessment.observations)
    warnings: list[str] = []
    signals = knowledge.signals
    if "unlinked_kpi_share" in signals and assessment.kpis_tracked and assessment.core_services:
        unlinked = assessment.unlinked_kpis
        share = len(unlinked) / len(assessment.kpis_tracked)
        obs = _finish_metric(signals["unlinked_kpi_share"], share, None, None, None, "document", 1.0, None)
        derived["unlinked_kpi_share"] = replace(obs, derived=True, note="tracked but not linked to a core service: " + (", ".join(unlinked) or "none"))
    staffing = None
    if "erlang_c_shortfall" in signals:
        staffing = _staffing(assessment, doc)
        lacking = _staffing_lacks(assessment)
        if staffing is None and lacking and any(k in assessment.context for k in ("interval_contacts", "interval_agents", "interval_minutes")):
            warnings.append("Staffing (Erlang C) not computed: it needs " + ", ".join(lacking) + ".")
        if staffing is not None and staffing.gap_fte is not None:
            present = staffing.gap_fte > 0
            note = (
                f"{staffing.agents_rostered_needed} agents needed on the roster for the busiest interval, "
                f"{staffing.agents_rostered} scheduled"
            )
            obs = _finish_presence(signals["erlang_c_shortfall"], present, None, "data", 1.0, note)
            derived["erlang_c_shortfall"] = replace(obs, derived=True)
            sl = assessment.observations.get("service_level")
            modelled = staffing.service_level_now
            if present and sl is not None and sl.value is not None and modelled is not None and sl.value - modelled > 0.3 and not (sl.target is not None and sl.value >= sl.target):
                warnings.append(
                    f"Erlang C gives the scheduled agents a service level of {modelled:.2f} in the busiest interval, far below "
                    f"the {format_value(sl.value, signals.get('service_level'))} measured. Peaks run below the day's average, "
                    "but a gap this wide suggests checking interval_contacts, interval_agents (before shrinkage) and shrinkage."
                )
            if present and sl is not None and sl.value is not None and sl.target is not None and sl.value >= sl.target:
                warnings.append(
                    f"Erlang C finds the busiest interval {staffing.gap_fte} short "
                    f"({staffing.agents_rostered_needed} needed on the roster, {staffing.agents_rostered} scheduled), "
                    f"yet the measured service level ({format_value(sl.value, signals.get('service_level'))}) meets its target. "
                    "Check the interval inputs: interval_contacts is the busiest interval's offered contacts, "
                    "interval_agents the agents scheduled in it before shrinkage, and the shrinkage figure."
                )
    return replace(assessment, observations=derived, staffing=staffing, warnings=tuple(warnings))


_STAFFING_WORDS = {
    "contacts": "context.interval_contacts",
    "aht_s": "the aht observation (seconds)",
    "threshold_s": "context.service_level_threshold_s",
    "scheduled_agents": "context.interval_agents",
    "interval_minutes": "context.interval_minutes",
}


def _staffing_lacks(assessment: Assessment) -> list[str]:
    """What the Erlang C staffing still needs from the file, in the file's own words."""
    ctx = assessment.context
    lacking = [f"context.{k}" for k in ("interval_contacts", "interval_minutes", "service_level_threshold_s") if k not in ctx]
    aht = assessment.observations.get("aht")
    if aht is None or aht.value is None:
        lacking.append("an aht value (seconds)")
    sl = assessment.observations.get("service_level")
    if sl is None or sl.target is None:
        lacking.append("a service_level target")
    return lacking


def _staffing(assessment: Assessment, doc: Mapping) -> Any:
    ctx = assessment.context
    aht = assessment.observations.get("aht")
    sl = assessment.observations.get("service_level")
    needed = ("interval_contacts", "interval_minutes", "service_level_threshold_s")
    if not all(k in ctx for k in needed) or aht is None or aht.value is None or sl is None or sl.target is None:
        return None
    from .staffing import StaffingError, staff_interval

    shrink = assessment.observations.get("shrinkage")
    shrinkage = shrink.value if shrink is not None and shrink.value is not None else 0.30
    try:
        return staff_interval(
            contacts=ctx["interval_contacts"],
            interval_minutes=ctx["interval_minutes"],
            aht_s=aht.value,
            target=sl.target,
            threshold_s=ctx["service_level_threshold_s"],
            shrinkage=shrinkage,
            scheduled_agents=ctx.get("interval_agents"),
        )
    except StaffingError as exc:
        context = doc.get("context")
        mark = context.mark if isinstance(context, Mapping) else doc.mark
        # say it in the file's own words, not the Erlang C function's parameter names
        message = str(exc)
        for internal, written in _STAFFING_WORDS.items():
            message = re.sub(rf"\b{internal}\b", written, message)
        raise error_at(mark, f"staffing (Erlang C): {message}") from None


def problems(obs: Observation, signal: Signal | None) -> list[str]:
    """What is wrong with an observation, in words ('below target', 'worsened'); [] if nothing."""
    if obs.present is not None:
        return ["present"] if obs.present else []
    good = signal.good if signal else None
    out: list[str] = []
    if "below_target" in obs.states and good in ("up", "band"):
        out.append("below target")
    if "above_target" in obs.states and good in ("down", "band"):
        out.append("above target")
    if "worsened" in obs.states:
        out.append("worsened")
    if "worse_than_benchmark" in obs.states:
        out.append("worse than benchmark")
    return out


# --------------------------------------------------------------------- formatting


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def format_value(value: float | None, signal: Signal | None) -> str:
    """A number as a consultant writes it: fractions to two places, units spelled out."""
    if value is None:
        return "?"
    unit = signal.unit if signal else None
    if unit == "fraction":
        return f"{value:.2f}" if abs(value) >= 0.095 or value == 0 else f"{value:.3f}"
    text = f"{value:,.0f}" if abs(value) >= 10_000 and value == int(value) else _fmt(value)
    if unit == "seconds":
        return f"{text} s"
    if unit in ("hours", "weeks"):
        return f"{text} {unit if value != 1 else unit[:-1]}"
    return text


def phrase(obs: Observation, signal: Signal | None) -> str:
    """The observation as a phrase for rationales: '0.68 against a 0.75 target, down from 0.76'."""
    if obs.present is not None:
        if not obs.present:
            return "no (looked for, not found)"
        details = [d for d in (obs.date.isoformat() if obs.date else None, obs.note) if d]
        return "yes" + (f" ({'; '.join(details)})" if details else "")
    if obs.value is None:
        parts = [obs.trend or "observed"]
        if obs.target is not None:
            parts.append(f"target {format_value(obs.target, signal)}")
        return ", ".join(parts)
    text = format_value(obs.value, signal)
    if obs.target is not None:
        text += f" against a {format_value(obs.target, signal)} target"
    if obs.baseline is not None:
        if obs.trend == "flat":
            text += f", flat against {format_value(obs.baseline, signal)} before"
        else:
            text += f", {obs.trend} from {format_value(obs.baseline, signal)}"
    elif obs.trend is not None:
        text += f", trending {obs.trend}"
    return text


def labelled(obs: Observation, signal: Signal | None) -> str:
    """The observation with its name: 'FCR 0.68 against a 0.75 target', 'Tool workarounds: yes'."""
    label = signal.label if signal else obs.signal
    return f"{label} {phrase(obs, signal)}" if obs.present is None else f"{label}: {phrase(obs, signal)}"


def part(obs: Observation, field_name: str, signal: Signal | None) -> str:
    """One field of an observation for `{signal.field}` placeholders."""
    if field_name in ("value", "baseline", "target"):
        value = getattr(obs, field_name)
        return format_value(value, signal) if value is not None else "not given"
    if field_name == "date":
        return obs.date.isoformat() if obs.date else "undated"
    if field_name == "trend":
        return obs.trend or "no trend given"
    if field_name == "note":
        return obs.note or ""
    if field_name == "source":
        return obs.source
    return ""
