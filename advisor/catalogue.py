"""The knowledge base as data for people and tools: `remedies`, `kb show` and `kb graph`.

Plain dictionaries in a fixed order, so the JSON and the templates read the same thing and
the same knowledge always gives the same bytes. Graph exports are written from a copy of the
networkx graph with nodes and edges sorted; DOT is written here (pydot is not a dependency).
"""

from __future__ import annotations

from typing import Any

from .knowledge import Knowledge, Remedy, Rule, Signal
from .observations import format_value


def _transitive(knowledge: Knowledge, remedy: str) -> list[str]:
    """Every remedy that must be in place first, nearest first, ids sorted per level."""
    seen: dict[str, int] = {}
    frontier = [remedy]
    depth = 0
    while frontier:
        depth += 1
        nxt: list[str] = []
        for rid in frontier:
            for pre in knowledge.remedies[rid].prerequisites if rid in knowledge.remedies else ():
                if pre not in seen and pre != remedy:
                    seen[pre] = depth
                    nxt.append(pre)
        frontier = sorted(set(nxt))
    return sorted(seen, key=lambda r: (seen[r], r))


def remedy_dict(rem: Remedy, knowledge: Knowledge, factor: str | None = None) -> dict[str, Any]:
    names = {s.id: s.name for s in knowledge.signals.values()}
    titles = {r.id: r.title for r in knowledge.remedies.values()}
    out: dict[str, Any] = {"id": rem.id, "title": rem.title, "description": rem.description}
    if factor is not None:
        out["effectiveness"] = rem.effectiveness(factor)
    out.update(
        {
            "addresses": {f: e for f, e in rem.addresses},
            "effort": rem.effort,
            "time_to_impact_weeks": list(rem.time_to_impact_weeks),
            "owner": rem.owner,
            "prerequisites": [{"id": p, "title": titles.get(p, p)} for p in rem.prerequisites],
            "all_prerequisites": _transitive(knowledge, rem.id),
            "kpis": [{"id": k, "name": names.get(k, k)} for k in rem.kpis],
            "indicated_by": list(rem.indicated_by),
            "investment_hours": rem.investment_hours,
            "source": rem.source,
        }
    )
    return out


def remedies_dict(knowledge: Knowledge, factor: str) -> dict[str, Any]:
    """What the knowledge base offers against one factor, most effective first."""
    fac = knowledge.factors[factor]
    return {
        "factor": fac.id,
        "name": fac.name,
        "description": fac.description,
        "remedies": [remedy_dict(r, knowledge, factor) for r in knowledge.remedies_for(factor)],
    }


def _condition_text(rule: Rule) -> str:
    def walk(cond: Any) -> str:
        if hasattr(cond, "signal"):
            return cond.describe()
        inner = ", ".join(walk(i) for i in cond.items)
        return f"{cond.op}({inner})"

    return walk(rule.when)


def signal_dict(sig: Signal) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sig.id, "kind": sig.kind, "name": sig.name, "group": sig.group, "description": sig.description}
    if sig.is_metric:
        out.update({"unit": sig.unit, "good": sig.good})
        if sig.hurts:
            out["hurts"] = sig.hurts
        if sig.benchmark is not None:
            out["benchmark"] = {
                "low": sig.benchmark.low,
                "high": sig.benchmark.high,
                "text": sig.benchmark.describe(lambda v, s=sig: format_value(v, s)),
                "source": sig.benchmark.source,
            }
    return out


def kb_dict(knowledge: Knowledge) -> dict[str, Any]:
    """Everything the knowledge base holds, for `advise kb show`."""
    factors = []
    for fac in knowledge.factors.values():
        factors.append(
            {
                "id": fac.id,
                "name": fac.name,
                "description": fac.description,
                "influences": [{"factor": i.factor, "weight": i.weight, "because": i.because} for i in fac.influences],
                "rules": [r.id for r in knowledge.rules_for(fac.id)],
                "remedies": [r.id for r in knowledge.remedies_for(fac.id)],
            }
        )
    rules = [
        {
            "id": r.id,
            "factor": r.factor,
            "title": r.title,
            "certainty": r.certainty,
            "signals": list(r.signals),
            "when": _condition_text(r),
            "because": r.because,
            "source": r.source,
            "defined_at": f"{r.origin.file}:{r.origin.line}" if r.origin else None,
        }
        for r in knowledge.rules.values()
    ]
    return {
        "counts": {"factors": len(knowledge.factors), "rules": len(knowledge.rules), "remedies": len(knowledge.remedies), "signals": len(knowledge.signals)},
        "sources": list(knowledge.sources),
        "factors": factors,
        "rules": rules,
        "remedies": [remedy_dict(r, knowledge) for r in knowledge.remedies.values()],
        "signals": [signal_dict(s) for s in knowledge.signals.values()],
    }


# --------------------------------------------------------------------------- graph


def sorted_graph(graph: Any) -> Any:
    """A copy of the graph with nodes and edges inserted in sorted order (stable exports)."""
    import networkx as nx

    g = nx.DiGraph()
    for n in sorted(graph.nodes):
        g.add_node(n, **{k: graph.nodes[n][k] for k in sorted(graph.nodes[n])})
    for u, v in sorted(graph.edges):
        g.add_edge(u, v, **{k: graph.edges[u, v][k] for k in sorted(graph.edges[u, v])})
    return g


def _dot_id(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_attrs(data: dict[str, Any]) -> str:
    parts = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}={_dot_id(value)}")
    return ", ".join(parts)


_SHAPES = {"signal": "ellipse", "factor": "box", "remedy": "component"}


def to_dot(graph: Any) -> str:
    """Graphviz DOT, written by hand: nodes then edges, each sorted."""
    g = sorted_graph(graph)
    lines = ["digraph advisor {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for n, data in g.nodes(data=True):
        attrs = dict(data)
        attrs.setdefault("shape", _SHAPES.get(str(data.get("kind")), "ellipse"))
        lines.append(f"  {_dot_id(n)} [{_dot_attrs(attrs)}];")
    for u, v, data in g.edges(data=True):
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [{_dot_attrs(dict(data))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(graph: Any) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(sorted_graph(graph))) + "\n"


def to_node_link(graph: Any) -> dict[str, Any]:
    import networkx as nx

    try:
        return nx.node_link_data(sorted_graph(graph), edges="links")  # type: ignore[call-arg]
    except TypeError:  # networkx before 3.4 has no `edges` argument
        return nx.node_link_data(sorted_graph(graph))


__all__ = ["kb_dict", "remedies_dict", "remedy_dict", "signal_dict", "sorted_graph", "to_dot", "to_graphml", "to_node_link"]
