"""Rendering advice: the JSON document of the contract, and Jinja2 templates for people.

Templates live in `recommendations/` (shipped in the package as
`advisor.recommendations`). JSON is built here as plain data so the contract's key
names and order are in one place; every other format is a template over that same data,
so what a person reads and what a script reads cannot drift apart.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jinja2

from .advice import Advice
from .cache import template_cache
from .errors import UserError
from .findings import Finding
from .knowledge import Knowledge
from .observations import format_value, phrase
from .roadmap import PHASE_WINDOWS, PHASES
from .shipped import shipped_dir

FORMATS = ("text", "md", "html", "json")
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
    if doc["staffing"] is not None:
        shrinkage = a.observations.get("shrinkage")
        doc["staffing"]["shrinkage_assumed"] = shrinkage is None or shrinkage.value is None
    bc = advice.business_case
    doc["business_case"] = bc.to_json() if hasattr(bc, "to_json") else bc
    doc["to_confirm"] = [t.to_json() if hasattr(t, "to_json") else t for t in advice.to_confirm]
    doc["warnings"] = list(advice.warnings)
    doc["period"] = a.period
    doc["assessor"] = a.assessor
    doc["review_date"] = advice.review_date.isoformat()
    doc["unlinked_kpis"] = list(advice.unlinked_kpis)
    doc["alignment"] = alignment_dict(advice)
    doc["observations"] = observations_list(advice)
    return doc


def untracked_service_kpis(advice: Advice) -> list[str]:
    """KPIs of the core services that management does not steer by (when kpis_tracked is given):
    the other half of misaligned measures, beside tracked KPIs that no service uses."""
    a = advice.assessment
    if not a.kpis_tracked:
        return []
    seen: dict[str, None] = {}
    for cs in a.core_services:
        for kpi in cs.kpis:
            if kpi not in a.kpis_tracked:
                seen.setdefault(kpi, None)
    return list(seen)


def alignment_dict(advice: Advice) -> dict[str, Any]:
    """Does the centre deviate from its core services: which, the unused KPIs, non-core work."""
    services = advice.core_services
    share = advice.non_core_work_share
    non_core = None
    if share is not None:
        sig = advice.knowledge.signals.get("non_core_work_share")
        non_core = {
            "value": share.value,
            "observed": phrase(share, sig),
            "states": sorted(share.states),
            "worsened": "worsened" in share.states,
        }
    return {
        "declared": bool(services),
        "deviating": [s.id for s in services if s.status == "deviating"],
        "on_track": [s.id for s in services if s.status == "on_track"],
        "not_assessed": [s.id for s in services if s.status == "not_assessed"],
        "unlinked_kpis": list(advice.unlinked_kpis),
        "untracked_service_kpis": untracked_service_kpis(advice),
        "non_core_work_share": non_core,
    }


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


def _money(value: Any) -> str:
    """12,345 for a whole amount; an em dash for one that could not be costed."""
    if value is None:
        return "—"
    return f"{float(value):,.0f}"


def _pct(value: Any, places: int = 0) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{places}f}%"


def _md(text: Any) -> str:
    """Escape what Markdown would read as structure inside a table cell or line (markup too)."""
    s = str(text)
    for ch in ("\\", "|", "*", "_", "`", "[", "]", "<", ">"):
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", " ")


def environment(templates: Path | None = None, *, color: bool = False) -> jinja2.Environment:
    """The Jinja2 environment: shipped templates, autoescaped where markup matters."""
    shipped = jinja2.FileSystemLoader(str(shipped_dir("recommendations")))
    loader: jinja2.BaseLoader = shipped
    if templates is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(templates)), shipped])
    # a consultant's own templates run in the sandbox: no reaching into Python from a template
    factory = jinja2.Environment
    if templates is not None:
        from jinja2.sandbox import SandboxedEnvironment

        factory = SandboxedEnvironment
    env = factory(
        loader=loader,
        bytecode_cache=template_cache() if templates is None else None,
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

    env.filters.update(wrap=_wrap, bar=_bar, md=_md, style=style, lookup=lookup, money=_money, pct=_pct)
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
        # "NZD 1,200" with a currency, "1,200" without (never a stray space)
        "currency": (((data["business_case"] or {}).get("currency") or "").strip() + " ").lstrip(),
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
    name = f"{view}.{_TEMPLATE_SUFFIX[fmt]}.j2"
    values = context(advice)
    if fmt == "html":
        values["pictures"] = pictures(advice, values["doc"])
    if templates is None:
        return env.get_template(name).render(**values)
    try:
        return env.get_template(name).render(**values)
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"no template {exc.name!r} in {templates} or the shipped templates") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"template error: {exc.message}", file=exc.filename or exc.name, line=exc.lineno) from None
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        file, line = _template_frame(exc, Path(templates))
        kind = "not allowed in a template" if isinstance(exc, jinja2.exceptions.SecurityError) else "undefined"
        raise UserError(f"template error ({kind}): {exc}", file=file, line=line) from None


def _template_frame(exc: BaseException, templates: Path) -> tuple[str | None, int | None]:
    """The innermost line of a consultant's template in a render error's traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    root = str(templates.resolve())
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") and str(Path(filename).resolve()).startswith(root):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def pictures(advice: Advice, doc: dict[str, Any]) -> dict[str, Any]:
    """The report's SVG pictures (see pictures.py), already escaped."""
    from . import pictures as pics
    from .graph import build_graph

    sub = pics.cause_remedy_graph(build_graph(advice.knowledge), advice)
    return {
        "certainty": pics.certainty_bars(doc["causes"], doc["ruled_out"]),
        "cause_remedy": pics.cause_remedy_picture(sub),
        "timeline": pics.roadmap_timeline(doc["roadmap"]),
    }
