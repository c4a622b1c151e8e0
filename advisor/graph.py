"""The knowledge as a networkx graph, and the questions the roadmap asks of it.

Nodes are `signal:<id>`, `factor:<id>` and `remedy:<id>`; edges:

- signal → factor (`evidence`): some rule about the factor tests the signal;
- factor → factor (`influences`): one cause tends to produce another;
- factor → remedy (`remedied_by`): weight is the remedy's effectiveness;
- remedy → remedy (`requires`): the target is a prerequisite of the source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx

from .errors import KnowledgeError
from .knowledge import Knowledge, atoms


def node(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def build_graph(knowledge: Knowledge) -> nx.DiGraph:
    """The whole knowledge graph; a prerequisite cycle is a knowledge-base error."""
    g = nx.DiGraph()
    for sig in knowledge.signals.values():
        g.add_node(node("signal", sig.id), kind="signal", id=sig.id, label=sig.name)
    for fac in knowledge.factors.values():
        g.add_node(node("factor", fac.id), kind="factor", id=fac.id, label=fac.name)
    for rem in knowledge.remedies.values():
        g.add_node(node("remedy", rem.id), kind="remedy", id=rem.id, label=rem.title, effort=rem.effort)
    for rule in knowledge.rules.values():
        target = node("factor", rule.factor)
        for atom in atoms(rule.when):
            source = node("signal", atom.signal)
            data = g.get_edge_data(source, target)
            if data is None:
                g.add_edge(source, target, kind="evidence", weight=abs(rule.certainty), rules=rule.id)
            else:
                data["weight"] = max(data["weight"], abs(rule.certainty))
                if rule.id not in data["rules"].split(","):
                    data["rules"] = ",".join(sorted(data["rules"].split(",") + [rule.id]))
    for fac in knowledge.factors.values():
        for inf in fac.influences:
            g.add_edge(node("factor", fac.id), node("factor", inf.factor), kind="influences", weight=inf.weight)
    for rem in knowledge.remedies.values():
        for factor, eff in rem.addresses:
            g.add_edge(node("factor", factor), node("remedy", rem.id), kind="remedied_by", weight=eff)
        for pre in rem.prerequisites:
            g.add_edge(node("remedy", rem.id), node("remedy", pre), kind="requires", weight=1.0)
    cycle = prerequisite_cycle(g)
    if cycle:
        first = knowledge.remedies[cycle[0]]
        origin = first.origin
        raise KnowledgeError(
            "prerequisite cycle among remedies: " + " → ".join(cycle + [cycle[0]]),
            file=origin.file if origin else None,
            line=origin.line if origin else None,
            column=origin.column if origin else None,
        )
    return g


def _requires_view(g: nx.DiGraph) -> nx.DiGraph:
    return nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v]["kind"] == "requires")


def _influence_view(g: nx.DiGraph) -> nx.DiGraph:
    return nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v]["kind"] == "influences")


def prerequisite_cycle(g: nx.DiGraph) -> list[str]:
    """Remedy ids forming a prerequisite cycle, or [] when there is none."""
    try:
        cycle = nx.find_cycle(_requires_view(g))
    except nx.NetworkXNoCycle:
        return []
    return [u.split(":", 1)[1] for u, _v in cycle]


def prerequisites(g: nx.DiGraph, remedy: str) -> list[str]:
    """Every remedy that must be in place before `remedy`, nearest first, ids sorted per level."""
    view = _requires_view(g)
    start = node("remedy", remedy)
    lengths = nx.single_source_shortest_path_length(view, start)
    return [n.split(":", 1)[1] for n, d in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])) if d > 0]


def explains(g: nx.DiGraph, confidences: dict[str, float]) -> dict[str, dict[str, float]]:
    """For each suspected factor, the other suspected factors it leads to and how strongly.

    The strength of a path is the product of its influence weights; the strongest path
    counts. A factor that explains other suspected factors is more fundamental.
    """
    suspected = {f for f, c in confidences.items() if c > 0}
    view = _influence_view(g)
    out: dict[str, dict[str, float]] = {}
    for f in sorted(suspected):
        source = node("factor", f)
        if source not in view:
            out[f] = {}
            continue
        # strongest path = shortest path under -log(weight)
        dist = nx.single_source_dijkstra_path_length(
            view, source, weight=lambda u, v, d: -math.log(max(d["weight"], 1e-9))
        )
        reached: dict[str, float] = {}
        for target, cost in dist.items():
            other = target.split(":", 1)[1]
            if target.startswith("factor:") and other != f and other in suspected:
                reached[other] = round(math.exp(-cost), 4)
        out[f] = dict(sorted(reached.items()))
    return out


def fundamentality(g: nx.DiGraph, confidences: dict[str, float]) -> dict[str, float]:
    """Each suspected factor's root-ness in [0, 1]: how much of the rest it explains."""
    reach = explains(g, confidences)
    raw = {f: sum(w * confidences[o] for o, w in targets.items()) for f, targets in reach.items()}
    top = max(raw.values(), default=0.0)
    return {f: (round(v / top, 4) if top > 0 else 0.0) for f, v in raw.items()}


def ordered(g: nx.DiGraph, remedies: Iterable[str], key: dict[str, tuple]) -> list[str]:  # type: ignore[type-arg]
    """Remedies in an order that puts every prerequisite first, ties by `key`."""
    chosen = set(remedies)
    sub = nx.DiGraph()
    sub.add_nodes_from(chosen)
    for r in chosen:
        for pre in g.successors(node("remedy", r)):
            pid = pre.split(":", 1)[1]
            if g.edges[node("remedy", r), pre]["kind"] == "requires" and pid in chosen:
                sub.add_edge(pid, r)  # prerequisite before dependant
    return list(nx.lexicographical_topological_sort(sub, key=lambda r: key[r]))


def evidence_paths(g: nx.DiGraph, remedy: str, factors: Iterable[str], signals: Iterable[str]) -> list[list[str]]:
    """Observation → factor → remedy paths that justify a remedy, for rationales."""
    out: list[list[str]] = []
    observed = set(signals)
    for factor in factors:
        fnode = node("factor", factor)
        for pred in sorted(g.predecessors(fnode)):
            if g.edges[pred, fnode]["kind"] == "evidence" and pred.split(":", 1)[1] in observed:
                out.append([pred, fnode, node("remedy", remedy)])
    return out
