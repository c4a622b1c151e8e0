"""Pictures for the HTML report, drawn as inline SVG: certainty bars, the cause-to-remedy
picture and the roadmap timeline.

Clients would rather look than read, and a report must open anywhere without fetching
anything, so each picture is a self-contained SVG string (no scripts, no fonts, no links).
Every piece of text is escaped here, because names and notes come from files a consultant
or a client wrote. Sizes are computed from the content so nothing overlaps, and each
picture scales to the page through its viewBox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
from markupsafe import Markup, escape

from .graph import node

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9e2ec"
FOR = "#c2410c"
AGAINST = "#2f855a"
COLUMN_FILL = {"signal": "#e6f0fa", "factor": "#fde8d7", "remedy": "#e3f4ea"}
COLUMN_STROKE = {"signal": "#4a78a6", "factor": "#c2410c", "remedy": "#2f855a"}
PHASE_FILL = {"now": "#fde8d7", "next": "#e6f0fa", "later": "#eef2f6"}
PHASE_BAR = {"now": "#c2410c", "next": "#3b6ea5", "later": "#52606d"}
PHASE_MONTHS = {"now": (0.0, 3.0), "next": (3.0, 6.0), "later": (6.0, 12.0)}
_CHAR_W = 6.6
"""Rough width of one character at 12px in a sans-serif face: enough to size boxes."""


def _fit(text: str, width: float, size: float = 12) -> str:
    """Shorten text to fit a width, with an ellipsis; the full text goes in a <title>."""
    room = max(4, int(width / (_CHAR_W * size / 12)))
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _svg(width: float, height: float, label: str, body: Iterable[str], cls: str) -> Markup:
    head = (
        f'<svg class="picture {cls}" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-label="{escape(label)}" font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif">'
    )
    return Markup(head + f"<title>{escape(label)}</title>" + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, size: float = 12, anchor: str = "start", fill: str = INK, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


# -------------------------------------------------------------------- certainty bars


def certainty_bars(causes: Sequence[dict[str, Any]], ruled_out: Sequence[dict[str, Any]] = ()) -> Markup:
    """One bar per factor on a −1…+1 scale: suspected to the right, ruled out to the left."""
    rows = list(causes) + list(ruled_out)
    label_w, half, value_w, row_h, top = 250.0, 230.0, 50.0, 26.0, 44.0
    width = label_w + 2 * half + value_w
    height = top + row_h * max(len(rows), 1) + 10
    zero = label_w + half
    out: list[str] = []
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = zero + tick * half
        out.append(f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{height - 6:.1f}" stroke="{GRID if tick else MUTED}" stroke-width="1"/>')
        out.append(_text(x, top - 10, f"{tick:+.1f}" if tick else "0", size=10, anchor="middle", fill=MUTED))
    out.append(_text(zero - 8, 12, "← evidence against", size=10, anchor="end", fill=AGAINST))
    out.append(_text(zero + 8, 12, "evidence for →", size=10, fill=FOR))
    if not rows:
        out.append(_text(zero, top + 16, "No factor is supported or ruled out by these observations.", anchor="middle", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * row_h
        conf = float(row["confidence"])
        w = abs(conf) * half
        x = zero if conf >= 0 else zero - w
        colour = FOR if conf >= 0 else AGAINST
        name = str(row["name"])
        out.append(f"<g><title>{escape(name)}: confidence {conf:+.2f}</title>")
        out.append(_text(label_w - 10, y + 16, _fit(name, label_w - 14), anchor="end"))
        out.append(f'<rect x="{x:.1f}" y="{y + 5:.1f}" width="{max(w, 1.5):.1f}" height="{row_h - 10:.1f}" rx="3" fill="{colour}"/>')
        out.append(_text(width - 6, y + 16, f"{conf:+.2f}", anchor="end", weight="bold", fill=colour))
        out.append("</g>")
    return _svg(width, height, "Certainty of each root cause, from −1 (ruled out) to +1 (certain)", out, "bars")


# ------------------------------------------------------------- cause-to-remedy picture


def cause_remedy_graph(g: nx.DiGraph, advice: Any) -> nx.DiGraph:
    """The part of the knowledge graph this advice rests on, as its own networkx graph.

    Nodes: observed signals that a fired rule quoted, the suspected factors and the roadmap's
    remedies. Edges: signal → factor weighted by the strongest rule that fired on it (the
    certainty it contributed), factor → remedy weighted by the remedy's effectiveness (the
    knowledge graph's `remedied_by` edge).
    """
    sub = nx.DiGraph()
    factors = [f.factor for f in advice.causes]
    for f in advice.causes:
        fnode = node("factor", f.factor)
        sub.add_node(fnode, kind="factor", label=f.name, weight=f.confidence)
        for e in f.support:
            for sid in e.observations:
                snode = node("signal", sid)
                if snode not in sub:
                    label = g.nodes[snode]["label"] if snode in g else sid
                    sub.add_node(snode, kind="signal", label=label, weight=1.0)
                old = sub.get_edge_data(snode, fnode, {}).get("weight", 0.0)
                sub.add_edge(snode, fnode, kind="evidence", weight=max(old, e.certainty))
    for item in advice.roadmap:
        rnode = node("remedy", item.remedy)
        sub.add_node(rnode, kind="remedy", label=f"{item.rank}. {item.title}", weight=item.priority)
        for f in factors:
            fnode = node("factor", f)
            if g.has_edge(fnode, rnode) and g.edges[fnode, rnode]["kind"] == "remedied_by":
                sub.add_edge(fnode, rnode, kind="remedied_by", weight=float(g.edges[fnode, rnode]["weight"]))
    return sub


def _order_by_neighbours(nodes: list[str], anchor: dict[str, float], neighbours: dict[str, list[str]]) -> list[str]:
    """Place each node near the average position of its neighbours: fewer crossings."""

    def key(n: str) -> tuple[float, str]:
        pos = [anchor[m] for m in neighbours.get(n, []) if m in anchor]
        return (sum(pos) / len(pos) if pos else len(anchor), n)

    return sorted(nodes, key=key)


def cause_remedy_picture(sub: nx.DiGraph) -> Markup:
    """Observations → factors → remedies in three columns; line width is the edge weight.

    Each edge leaves and arrives at its own point on a box (boxes grow with their edges), so
    the weight written where a line arrives never sits on another one.
    """
    factors = sorted((n for n, d in sub.nodes(data=True) if d["kind"] == "factor"), key=lambda n: (-sub.nodes[n]["weight"], n))
    fpos = {f: float(i) for i, f in enumerate(factors)}
    signals = _order_by_neighbours(
        sorted(n for n, d in sub.nodes(data=True) if d["kind"] == "signal"), fpos, {n: list(sub.successors(n)) for n in sub}
    )
    remedies = sorted((n for n, d in sub.nodes(data=True) if d["kind"] == "remedy"), key=lambda n: (sub.nodes[n]["label"].split(".")[0].zfill(4), n))
    remedies = _order_by_neighbours(remedies, fpos, {n: list(sub.predecessors(n)) for n in sub})
    columns = [
        ("signal", "Observations", signals, 200.0),
        ("factor", "Root causes", factors, 300.0),
        ("remedy", "Remedies on the roadmap", remedies, 330.0),
    ]
    gap, port, space, top = 100.0, 13.0, 8.0, 40.0

    def box_height(n: str) -> float:
        return max(24.0, port * (max(sub.in_degree(n), sub.out_degree(n)) + 1))

    heights = {n: box_height(n) for _k, _t, nodes, _w in columns for n in nodes}
    column_h = [sum(heights[n] for n in nodes) + space * max(len(nodes) - 1, 0) for _k, _t, nodes, _w in columns]
    inner = max(column_h + [30.0])
    height = top + inner + 44
    width = sum(c[3] for c in columns) + gap * 2 + 20
    xs: dict[str, tuple[float, float]] = {}
    ys: dict[str, float] = {}
    x = 10.0
    out: list[str] = []
    for (kind, title, nodes, w), total in zip(columns, column_h):
        out.append(_text(x + w / 2, 18, title, anchor="middle", weight="bold", fill=COLUMN_STROKE[kind]))
        y = top + (inner - total) / 2
        for n in nodes:
            xs[n] = (x, x + w)
            ys[n] = y  # top of the box
            y += heights[n] + space
        x += w + gap
    if not factors:
        out.append(_text(width / 2, top + 20, "No suspected cause: nothing to draw.", anchor="middle", fill=MUTED))

    def ports(n: str, others: list[str]) -> dict[str, float]:
        ordered = sorted(others, key=lambda o: (ys[o], o))
        step = heights[n] / (len(ordered) + 1)
        return {o: ys[n] + step * (i + 1) for i, o in enumerate(ordered)}

    outs = {n: ports(n, list(sub.successors(n))) for n in sub}
    ins = {n: ports(n, list(sub.predecessors(n))) for n in sub}
    # edges first, so boxes sit on top of them
    for u, v, d in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1])):
        x1, y1 = xs[u][1], outs[u][v]
        x2, y2 = xs[v][0], ins[v][u]
        w = float(d["weight"])
        colour = COLUMN_STROKE["factor"] if d["kind"] == "evidence" else COLUMN_STROKE["remedy"]
        mid = (x1 + x2) / 2
        what = "certainty" if d["kind"] == "evidence" else "effectiveness"
        out.append(
            f'<g><title>{escape(sub.nodes[u]["label"])} → {escape(sub.nodes[v]["label"])}: {what} {w:.2f}</title>'
            f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2 - 26:.1f},{y2:.1f} L{x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="{colour}" stroke-opacity="{0.25 + 0.6 * w:.2f}" stroke-width="{0.8 + 5 * w:.1f}"/>'
        )
        # the weight, written just before the line arrives
        out.append(
            f'<rect x="{x2 - 25:.1f}" y="{y2 - 6:.1f}" width="22" height="12" rx="2" fill="#ffffff" fill-opacity="0.9"/>'
            + _text(x2 - 14, y2 + 3.5, f"{w:.2f}", size=9, anchor="middle", fill=INK)
        )
        out.append("</g>")
    for kind, _title, nodes, w in columns:
        for n in nodes:
            x0, y = xs[n][0], ys[n]
            label = str(sub.nodes[n]["label"])
            extra = f" ({sub.nodes[n]['weight']:.2f})" if kind == "factor" else ""
            out.append(
                f'<g><title>{escape(label + extra)}</title><rect x="{x0:.1f}" y="{y:.1f}" width="{w:.1f}" height="{heights[n]:.1f}" rx="5" '
                f'fill="{COLUMN_FILL[kind]}" stroke="{COLUMN_STROKE[kind]}"/>'
            )
            out.append(_text(x0 + 8, y + heights[n] / 2 + 4, _fit(label + extra, w - 14), size=12, weight="bold" if kind == "factor" else "normal"))
            out.append("</g>")
    # legend
    ly = height - 14
    out.append(_text(10, ly + 4, "Line width = weight: rule certainty (observation → cause), remedy effectiveness (cause → remedy)", size=11, fill=MUTED))
    lx = width - 250
    for i, w in enumerate((0.25, 0.5, 1.0)):
        xx = lx + i * 82
        out.append(f'<line x1="{xx:.1f}" y1="{ly:.1f}" x2="{xx + 36:.1f}" y2="{ly:.1f}" stroke="{MUTED}" stroke-opacity="{0.25 + 0.6 * w:.2f}" stroke-width="{0.8 + 5 * w:.1f}"/>')
        out.append(_text(xx + 42, ly + 4, f"{w:.2f}", size=11, fill=MUTED))
    return _svg(width, height, "From observations to root causes to remedies", out, "flow")


# ------------------------------------------------------------------- roadmap timeline


def _months(weeks: float) -> float:
    return weeks * 12 / 52


def roadmap_timeline(roadmap: Sequence[dict[str, Any]]) -> Markup:
    """A Gantt-style plan: phases as bands, each remedy from its phase's start to its impact.

    The solid part of a bar runs to the earliest time the KPIs should move, the pale part to
    the latest; an arrow joins a prerequisite to each remedy that builds on it.
    """
    label_w, chart_w, row_h, top = 380.0, 560.0, 28.0, 44.0
    months = 15.0
    width = label_w + chart_w + 20
    height = top + row_h * max(len(roadmap), 1) + 34

    def mx(m: float) -> float:
        return label_w + min(m, months) / months * chart_w

    out: list[str] = [
        '<defs><marker id="tl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
    ]
    for phase, (start, end) in PHASE_MONTHS.items():
        out.append(f'<rect x="{mx(start):.1f}" y="{top - 20:.1f}" width="{mx(end) - mx(start):.1f}" height="{height - top - 4:.1f}" fill="{PHASE_FILL[phase]}"/>')
        out.append(_text((mx(start) + mx(end)) / 2, top - 28, phase, size=12, anchor="middle", weight="bold", fill=PHASE_BAR[phase]))
    for m in range(0, int(months) + 1, 3):
        out.append(f'<line x1="{mx(m):.1f}" y1="{top - 20:.1f}" x2="{mx(m):.1f}" y2="{height - 18:.1f}" stroke="{GRID}"/>')
        out.append(_text(mx(m), height - 4, f"{m} mo", size=10, anchor="middle", fill=MUTED))
    if not roadmap:
        out.append(_text(label_w + chart_w / 2, top + 18, "No remedy is warranted by the evidence so far.", anchor="middle", fill=MUTED))
    rows: dict[str, float] = {}
    bars: dict[str, tuple[float, float]] = {}
    for i, item in enumerate(roadmap):
        y = top + i * row_h
        rows[item["remedy"]] = y + row_h / 2
        start = PHASE_MONTHS.get(item["phase"], (0.0, 3.0))[0]
        lo, hi = (float(w) for w in item["time_to_impact_weeks"])
        x0, x1, x2 = mx(start), mx(start + _months(lo)), mx(start + _months(hi))
        bars[item["remedy"]] = (x0, x1)
        colour = PHASE_BAR.get(item["phase"], INK)
        label = f'{item["rank"]}. {item["title"]}'
        out.append(
            f'<g><title>{escape(label)}: {escape(item["phase"])}, impact in {lo:g}–{hi:g} weeks, '
            f'effort {escape(item["effort"])}</title>'
        )
        out.append(_text(label_w - 20, y + row_h / 2 + 4, _fit(label, label_w - 26), anchor="end"))
        out.append(f'<rect x="{x0:.1f}" y="{y + 6:.1f}" width="{max(x2 - x0, 3):.1f}" height="{row_h - 12:.1f}" rx="3" fill="{colour}" fill-opacity="0.25"/>')
        out.append(f'<rect x="{x0:.1f}" y="{y + 6:.1f}" width="{max(x1 - x0, 3):.1f}" height="{row_h - 12:.1f}" rx="3" fill="{colour}"/>')
        out.append("</g>")
    for item in roadmap:
        for pre in item["depends_on"]:
            if pre not in rows:
                continue
            # a bracket on the left of both bars: prerequisite's start, down, into the dependant
            x_pre, y_pre = bars[pre][0], rows[pre]
            x_to, y_to = bars[item["remedy"]][0], rows[item["remedy"]]
            x_side = min(x_pre, x_to) - 8
            out.append(
                f'<path d="M{x_pre:.1f},{y_pre:.1f} L{x_side:.1f},{y_pre:.1f} L{x_side:.1f},{y_to:.1f} L{x_to - 1:.1f},{y_to:.1f}" fill="none" '
                f'stroke="{INK}" stroke-width="1.3" marker-end="url(#tl-arrow)"><title>after {escape(pre)}</title></path>'
            )
    return _svg(width, height, "Roadmap timeline: phases, time to impact and dependencies", out, "timeline")
