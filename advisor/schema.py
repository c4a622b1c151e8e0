"""`advise schema`: the JSON Schema (draft 2020-12) of the observations file.

Generated from the loaded knowledge (overlays included), so an editor completes and checks
the same signal ids the advisor accepts, and shows each signal's meaning, unit, good
direction and benchmark on hover. The schema describes the file as an editor's YAML parser
sees it: YAML 1.2 editors read `yes`/`no` as text and dates as text, so both spellings are
accepted. The advisor's own loader stays the authority: it also checks what a schema cannot
(a trend that contradicts its figures, a baseline without a value).
"""

from __future__ import annotations

from typing import Any

from .knowledge import Knowledge, Signal
from .observations import CONTEXT_NUMBERS, CONTEXT_TEXT, PROGRESS, SOURCES, TRENDS, UNIT_ALIASES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://advisor.invalid/observations.schema.json"
_GOOD_WORDS = {"up": "higher is better", "down": "lower is better", "band": "a band is best", "context": "context (no good direction)"}
_PERCENT = r"^\s*-?\d+(\.\d+)?\s*%\s*$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TEXT_BOOL = ["yes", "no", "true", "false", "Yes", "No", "True", "False", "YES", "NO", "TRUE", "FALSE"]


def signal_help(sig: Signal, fmt: Any = str) -> str:
    """One line a consultant reads on hover: meaning, unit, good direction, benchmark and source."""
    parts = [f"{sig.name}: {sig.description}"]
    if sig.is_metric:
        good = _GOOD_WORDS.get(sig.good or "", "")
        if sig.good == "band" and sig.hurts:
            good += f" (too {'high' if sig.hurts == 'up' else 'low'} hurts)"
        parts.append(f"Unit: {sig.unit}; {good}.")
        if sig.benchmark is not None:
            parts.append(f"Benchmark: {sig.benchmark.describe(fmt)}. Source: {sig.benchmark.source}.")
    else:
        parts.append(f"A {sig.kind}: yes, no (looked for, not found) or a mapping.")
    return " ".join(parts)


def _number(sig: Signal) -> dict[str, Any]:
    if sig.unit == "fraction":
        return {"type": "number", "minimum": 0, "maximum": 1}
    if sig.id == "nps":
        return {"type": "number", "minimum": -100, "maximum": 100}
    if sig.id == "customer_effort":
        return {"type": "number", "minimum": 1, "maximum": 7}
    return {"type": "number", "minimum": 0}


def _figure(sig: Signal) -> dict[str, Any]:
    number = _number(sig)
    if sig.unit == "fraction":
        return {"oneOf": [number, {"type": "string", "pattern": _PERCENT}]}
    return number


def _metric(sig: Signal) -> dict[str, Any]:
    figure = _figure(sig)
    units = sorted(UNIT_ALIASES.get(sig.unit or "", {sig.unit or "": 1.0}))
    mapping = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "value": figure,
            "baseline": figure,
            "target": figure,
            "trend": {"enum": list(TRENDS)},
            "unit": {"enum": units},
            "source": {"$ref": "#/$defs/source"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "note": {"$ref": "#/$defs/note"},
        },
    }
    forms: list[dict[str, Any]] = [{"enum": list(TRENDS), "description": "the trend alone"}]
    forms.append({**_number(sig), "description": "the current value"})
    if sig.unit == "fraction":
        forms.append({"type": "string", "pattern": _PERCENT, "description": 'a percentage such as "42%"'})
    forms.append({**mapping, "description": "measured, with any of value, baseline, target, trend, source, confidence, note"})
    return {"oneOf": forms}


def _presence() -> dict[str, Any]:
    return {"$ref": "#/$defs/presence"}


def observations_schema(knowledge: Knowledge) -> dict[str, Any]:
    """The schema as plain data, keys in a fixed order (so the output is byte-stable)."""
    from .observations import format_value

    signals: dict[str, Any] = {}
    for sig in knowledge.signals.values():
        if sig.kind == "derived":
            continue
        body = _metric(sig) if sig.is_metric else _presence()
        signals[sig.id] = {"description": signal_help(sig, lambda v, s=sig: format_value(v, s)), **body}
    metric_ids = [s.id for s in knowledge.signals.values() if s.kind == "metric"]
    context = {k: {"type": "number", "exclusiveMinimum" if strict else "minimum": low, **({"multipleOf": 1} if whole else {})} for k, (low, whole, strict) in CONTEXT_NUMBERS.items()}
    context.update({k: {"type": "string", "minLength": 1} for k in CONTEXT_TEXT})
    context["remedy_costs"] = {
        "type": "object",
        "description": "Your own cost estimate for a remedy, by remedy id, in the centre's currency (overrides the knowledge base's estimate).",
        "propertyNames": {"enum": sorted(knowledge.remedies)},
        "additionalProperties": {"type": "number", "minimum": 0},
    }
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "advise observations file",
        "description": "One assessment of one customer-service centre (docs/observations.md). Generate with `advise schema`.",
        "type": "object",
        "required": ["centre", "assessed", "observations"],
        "additionalProperties": False,
        "properties": {
            "centre": {"type": "string", "minLength": 1, "description": "The centre's name."},
            "assessed": {"$ref": "#/$defs/date", "description": "The date of the assessment (ISO, e.g. 2024-06-14)."},
            "period": {"type": "string", "description": "A label such as 2024-H1, shown in reports and compare."},
            "assessor": {"type": "string"},
            "core_services": {
                "type": "array",
                "description": "What the centre is tasked to deliver, each with the metric signals that measure it.",
                "items": {
                    "type": "object",
                    "required": ["id", "kpis"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "name": {"type": "string"},
                        "kpis": {
                            "oneOf": [
                                {"enum": metric_ids},
                                {"type": "array", "minItems": 1, "items": {"enum": metric_ids}},
                            ]
                        },
                    },
                },
            },
            "kpis_tracked": {
                "description": "What management steers by (any names, catalogue ids or not).",
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string", "minLength": 1}}],
            },
            "context": {
                "type": "object",
                "description": "Figures for staffing (Erlang C) and the business case.",
                "additionalProperties": False,
                "properties": context,
            },
            "observations": {
                "type": "object",
                "description": "What was observed, by signal id (`advise init` lists them all with their meaning).",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": signals,
            },
            "progress": {
                "type": "object",
                "description": "In a review: how the earlier roadmap is going, by remedy id.",
                "propertyNames": {"enum": sorted(knowledge.remedies)},
                "additionalProperties": {"enum": list(PROGRESS)},
            },
        },
        "$defs": {
            "date": {"type": "string", "pattern": _DATE},
            "source": {"enum": list(SOURCES)},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "note": {"type": ["string", "number", "boolean"]},
            "presence": {
                "oneOf": [
                    {"type": "boolean", "description": "yes: present; no: looked for and not found"},
                    {"enum": _TEXT_BOOL, "description": "yes/no as a YAML 1.2 editor reads them"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "present": {"oneOf": [{"type": "boolean"}, {"enum": _TEXT_BOOL}]},
                            "date": {"$ref": "#/$defs/date"},
                            "source": {"$ref": "#/$defs/source"},
                            "confidence": {"$ref": "#/$defs/confidence"},
                            "note": {"$ref": "#/$defs/note"},
                        },
                    },
                ]
            },
        },
    }


__all__ = ["DIALECT", "observations_schema", "signal_help"]
