"""Rendering advice: the JSON document of the contract, and Jinja2 templates for people.

Templates live in `recommendations/` (shipped in the package as
`advisor.recommendations`). JSON is built here as plain data so the contract's key
names and order are in one place; every other format is a template over that same data,
so what a person reads and what a script reads cannot drift apart.
"""

from __future__ import annotations

import json
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .advice import Advice
from .findings import Finding
from .knowledge import Knowledge
from .observations import format_value, phrase
from .roadmap import PHASE_WINDOWS, PHASES

FORMATS = ("text", "md", "json")
_TEMPLATE_SUFFIX = {"text": "txt", "md": "md", "html": "html"}


# --------------------------------------------------------------------------- data


def _r(value: float, places: int = 2) -> float:
    out = round(float(value), places)
    return 0.0 if out == 0 else out


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "factor": f.factor,
        "name": f.name,
        "confidence": _r(f.confidence),
        "evidence": [
            {
                "rule": e.rule,
                "title": e.title,
                "certainty": _r(e.certainty),
                "observations": list(e.observations),
                "because": e.because,
            }
            for e in f.evidence
        ],
    }


def causes_dict(advice: Advice) -> dict[str, Any]:
    a = advice.assessment
    return {
        "centre": a.centre,
        "assessed": a.assessed.isoformat(),
        "causes": [finding_dict(f) for f in advice.causes],
        "ruled_out": [finding_dict(f) for f in advice.ruled_out],
    }


def observations_list(advice: Advice) -> list[dict[str, Any]]:
    kb = advice.knowledge
    out = []
    for obs in advice.assessment.observations.values():
        sig = kb.signals.get(obs.signal)
        item: dict[str, Any] = {
            "signal": obs.signal,
            "name": sig.name if sig else obs.signal,
            "observed": phrase(obs, sig),
            "states": sorted(obs.states),
            "source": obs.source,
            "confidence": _r(obs.confidence),
        }
        if obs.value is not None:
            item["value"] = obs.value
        if sig is not None and sig.benchmark is not None:
            item["benchmark"] = sig.benchmark.describe(lambda v, s=sig: format_value(v, s))
            item["benchmark_source"] = sig.benchmark.source
        if obs.derived:
            item["derived"] = True
        out.append(item)
    return out


def advice_dict(advice: Advice) -> dict[str, Any]:
    """The JSON document of `advise FILE --format json` (see docs/cli.md)."""
    a = advice.assessment
    doc = causes_dict(advice)
    doc["core_services"] = [
        {"id": s.id, "name": s.name, "status": s.status, "kpis": list(s.kpis), "evidence": list(s.evidence)}
        for s in advice.core_services
    ]
    doc["roadmap"] = [
        {
            "rank": item.rank,
            "remedy": item.remedy,
            "title": item.title,
            "phase": item.phase,
            "addresses": list(item.addresses),
            "depends_on": list(item.depends_on),
            "priority": item.priority,
            "rationale": item.rationale,
            "effort": item.effort,
            "time_to_impact_weeks": list(item.time_to_impact_weeks),
            "owner": item.owner,
            "kpis": list(item.kpis),
            "paths": [list(p) for p in item.paths],
            **({"status": item.status} if item.status else {}),
        }
        for item in advice.roadmap
    ]
    doc["staffing"] = advice.staffing.to_json() if advice.staffing is not None else None
    bc = advice.business_case
    doc["business_case"] = bc.to_json() if hasattr(bc, "to_json") else bc
    doc["to_confirm"] = [t.to_json() if hasattr(t, "to_json") else t for t in advice.to_confirm]
    doc["warnings"] = list(advice.warnings)
    doc["period"] = a.period
    doc["assessor"] = a.assessor
    doc["review_date"] = advice.review_date.isoformat()
    doc["unlinked_kpis"] = list(advice.unlinked_kpis)
    doc["observations"] = observations_list(advice)
    return doc


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------- templates


def _wrap(text: str, width: int = 96, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        str(text),
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _bar(value: float, width: int = 10) -> str:
    filled = int(round(abs(value) * width))
    return "█" * filled + "░" * (width - filled)


def _md(text: Any) -> str:
    """Escape what Markdown would read as structure inside a table cell or line."""
    s = str(text)
    for ch in ("\\", "|", "*", "_", "`", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", " ")


def environment(templates: Path | None = None, *, color: bool = False) -> jinja2.Environment:
    """The Jinja2 environment: shipped templates, autoescaped where markup matters."""
    shipped = jinja2.FileSystemLoader(str(resources.files("advisor.recommendations")))
    loader: jinja2.BaseLoader = shipped
    if templates is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(templates)), shipped])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "htm.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def style(text: Any, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
        if not color:
            return str(text)
        import click

        return click.style(str(text), fg=fg, bold=bold, dim=dim)

    def lookup(key: Any, table: dict[str, Any]) -> Any:
        return table.get(key, key)

    env.filters.update(wrap=_wrap, bar=_bar, md=_md, style=style, lookup=lookup)
    return env


def context(advice: Advice) -> dict[str, Any]:
    kb: Knowledge = advice.knowledge
    data = advice_dict(advice)
    phases = [
        {"id": p, "window": PHASE_WINDOWS[p], "items": [i for i in data["roadmap"] if i["phase"] == p]}
        for p in PHASES
    ]
    return {
        "doc": data,
        "phases": [p for p in phases if p["items"]],
        "factor_names": {f.id: f.name for f in kb.factors.values()},
        "remedy_titles": {r.id: r.title for r in kb.remedies.values()},
        "advice": advice,
    }


def render(advice: Advice, fmt: str, *, color: bool = False, templates: Path | None = None, view: str = "advice") -> str:
    """Render the advice (or one view of it, e.g. "causes") in a format."""
    if fmt == "json":
        return to_json(advice_dict(advice) if view == "advice" else causes_dict(advice))
    env = environment(templates, color=color)
    template = env.get_template(f"{view}.{_TEMPLATE_SUFFIX[fmt]}.j2")
    return template.render(**context(advice))
