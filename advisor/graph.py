"""The knowledge as a networkx graph, and the questions the roadmap asks of it.

Nodes are `signal:<id>`, `factor:<id>` and `remedy:<id>`; edges:

- signal → factor (`evidence`): some rule about the factor tests the signal;
- factor → factor (`influences`): one cause tends to produce another;
- factor → remedy (`remedied_by`): weight is the remedy's effectiveness;
- remedy → remedy (`requires`): the target is a prerequisite of the source.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import KnowledgeError
from .knowledge import Knowledge, atoms

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

# networkx is imported inside the functions that build or walk the graph: it costs more to
# import than advising on a centre, and a roadmap only needs the `GraphIndex` answers.


def node(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def build_graph(knowledge: Knowledge) -> nx.DiGraph:
    """The whole knowledge graph; a prerequisite cycle is a knowledge-base error."""
    import networkx as nx

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
    import networkx as nx

    return nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v]["kind"] == "requires")


def _influence_view(g: nx.DiGraph) -> nx.DiGraph:
    import networkx as nx

    return nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v]["kind"] == "influences")


def prerequisite_cycle(g: nx.DiGraph) -> list[str]:
    """Remedy ids forming a prerequisite cycle, or [] when there is none."""
    import networkx as nx

    try:
        cycle = nx.find_cycle(_requires_view(g))
    except nx.NetworkXNoCycle:
        return []
    return [u.split(":", 1)[1] for u, _v in cycle]


def prerequisites(g: nx.DiGraph, remedy: str) -> list[str]:
    """Every remedy that must be in place before `remedy`, nearest first, ids sorted per level."""
    import networkx as nx

    view = _requires_view(g)
    start = node("remedy", remedy)
    lengths = nx.single_source_shortest_path_length(view, start)
    return [n.split(":", 1)[1] for n, d in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])) if d > 0]


def explains(g: nx.DiGraph, confidences: dict[str, float]) -> dict[str, dict[str, float]]:
    """For each suspected factor, the other suspected factors it leads to and how strongly.

    The strength of a path is the product of its influence weights; the strongest path
    counts. A factor that explains other suspected factors is more fundamental.
    """
    import networkx as nx

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
    import networkx as nx

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


# ------------------------------------------------------------------ the roadmap's answers


@dataclass(frozen=True)
class GraphIndex:
    """What the roadmap asks of the graph, answered once per knowledge base as plain data.

    Everything here depends on the knowledge alone, so it is computed with networkx when the
    knowledge is first seen and cached with it (see `cache`); a run then needs no networkx.
    Each method gives exactly what the same-named function above gives for the full graph.
    """

    reach: dict[str, dict[str, float]]
    """factor -> every other factor its influences reach, with the strongest path's weight"""
    prerequisites_of: dict[str, tuple[str, ...]]
    """remedy -> every prerequisite, nearest first (as `prerequisites`)"""
    requires: dict[str, tuple[str, ...]]
    """remedy -> its direct prerequisites"""
    evidence: dict[str, tuple[str, ...]]
    """factor -> the signals some rule about it tests, sorted"""

    @classmethod
    def of(cls, g: nx.DiGraph) -> "GraphIndex":
        factors = {d["id"]: 1.0 for _n, d in g.nodes(data=True) if d.get("kind") == "factor"}
        remedies = sorted(d["id"] for _n, d in g.nodes(data=True) if d.get("kind") == "remedy")
        evidence = {
            f: tuple(
                sorted(
                    p.split(":", 1)[1]
                    for p in g.predecessors(node("factor", f))
                    if g.edges[p, node("factor", f)]["kind"] == "evidence"
                )
            )
            for f in factors
        }
        return cls(
            reach=explains(g, factors),
            prerequisites_of={r: tuple(prerequisites(g, r)) for r in remedies},
            requires={
                r: tuple(
                    sorted(
                        s.split(":", 1)[1]
                        for s in g.successors(node("remedy", r))
                        if g.edges[node("remedy", r), s]["kind"] == "requires"
                    )
                )
                for r in remedies
            },
            evidence=evidence,
        )

    def explains(self, confidences: dict[str, float]) -> dict[str, dict[str, float]]:
        suspected = {f for f, c in confidences.items() if c > 0}
        return {
            f: {o: w for o, w in self.reach.get(f, {}).items() if o in suspected}
            for f in sorted(suspected)
        }

    def fundamentality(self, confidences: dict[str, float]) -> dict[str, float]:
        reach = self.explains(confidences)
        raw = {f: sum(w * confidences[o] for o, w in targets.items()) for f, targets in reach.items()}
        top = max(raw.values(), default=0.0)
        return {f: (round(v / top, 4) if top > 0 else 0.0) for f, v in raw.items()}

    def prerequisites(self, remedy: str) -> list[str]:
        return list(self.prerequisites_of.get(remedy, ()))

    def ordered(self, remedies: Iterable[str], key: dict[str, tuple]) -> list[str]:  # type: ignore[type-arg]
        """Prerequisites first, otherwise smallest key first (networkx's lexicographical sort)."""
        chosen = set(remedies)
        waiting = {r: sum(1 for p in self.requires.get(r, ()) if p in chosen) for r in chosen}
        dependants: dict[str, list[str]] = {}
        for r in chosen:
            for p in self.requires.get(r, ()):
                if p in chosen:
                    dependants.setdefault(p, []).append(r)
        ready = [(key[r], r) for r, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        out: list[str] = []
        while ready:
            _k, r = heapq.heappop(ready)
            out.append(r)
            for d in dependants.get(r, ()):
                waiting[d] -= 1
                if waiting[d] == 0:
                    heapq.heappush(ready, (key[d], d))
        if len(out) != len(chosen):  # pragma: no cover - build_graph refuses prerequisite cycles
            raise KnowledgeError("prerequisite cycle among remedies")
        return out

    def evidence_paths(self, remedy: str, factors: Iterable[str], signals: Iterable[str]) -> list[list[str]]:
        observed = set(signals)
        return [
            [node("signal", s), node("factor", f), node("remedy", remedy)]
            for f in factors
            for s in self.evidence.get(f, ())
            if s in observed
        ]


def graph_index(knowledge: Knowledge) -> GraphIndex:
    """The roadmap's graph answers for this knowledge: from the cache, or built with networkx."""
    from . import cache

    cached = cache.read("graph", knowledge.digest)
    if isinstance(cached, GraphIndex):
        return cached
    index = GraphIndex.of(build_graph(knowledge))  # build_graph refuses prerequisite cycles
    cache.write("graph", knowledge.digest, index)
    return index
