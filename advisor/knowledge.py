"""The knowledge base: signals, factors, remedies and rules, loaded from YAML and validated.

The shipped knowledge lives in the package (`advisor.knowledge_base`, `advisor.rules`);
a consultant's overlays (`--kb DIR`) are read the same way and merged over it by id.
Every defect is a `KnowledgeError` naming the file, line and column. The format is
documented in docs/knowledge-base.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Union

from .errors import KnowledgeError, UserError, did_you_mean
from .fields import (
    check_keys,
    check_number,
    choice,
    describe,
    id_list,
    number,
    require_list,
    require_mapping,
    text,
)
from .shipped import shipped_dir
from .yamlio import Mapping, Mark, Sequence, error_at, loads, read_text

FACTOR_IDS: tuple[str, ...] = (
    "management_distractions",
    "misaligned_kpis",
    "team_capability",
    "staffing_gaps",
    "inappropriate_technology_deployment",
    "underutilized_technology",
    "misaligned_business_processes",
    "changing_consumer_behavior",
)

SIGNAL_KINDS = ("metric", "event", "finding", "derived")
UNITS = ("fraction", "seconds", "hours", "count", "score", "ratio", "weeks")
GOOD = ("up", "down", "band", "context")
EFFORTS = ("low", "medium", "high")
GROUPS = (
    "Customer outcomes",
    "Access and queues",
    "Handling and resolution",
    "Workforce and scheduling",
    "People and capability",
    "Technology",
    "Processes and demand",
    "Management and KPIs",
    "Changes and events",
)
METRIC_STATES = (
    "up",
    "down",
    "flat",
    "worsened",
    "improved",
    "below_target",
    "on_target",
    "above_target",
    "worse_than_benchmark",
    "within_benchmark",
    "better_than_benchmark",
)
PRESENCE_STATES = ("present", "absent")
NUMERIC_TESTS = ("above", "below", "at_least", "at_most")
DEFAULT_TOLERANCE = 0.03

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_KEBAB = re.compile(r"^[a-z][a-z0-9-]*$")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([a-z_]+))?\}")
PLACEHOLDER_FIELDS = ("value", "baseline", "target", "trend", "date", "note", "source")


@dataclass(frozen=True)
class Origin:
    """Where a knowledge entry was defined (for kb check and error messages)."""

    file: str
    line: int
    column: int

    @classmethod
    def of(cls, mark: Mark) -> "Origin":
        return cls(mark.file, mark.line, mark.column)


@dataclass(frozen=True)
class Benchmark:
    low: float | None
    high: float | None
    source: str
    note: str | None = None

    def describe(self, fmt: Any = str) -> str:
        if self.low is not None and self.high is not None:
            rng = fmt(self.low) if self.low == self.high else f"{fmt(self.low)}–{fmt(self.high)}"
        elif self.low is not None:
            rng = f"at least {fmt(self.low)}"
        else:
            rng = f"at most {fmt(self.high)}"
        return rng + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Signal:
    id: str
    kind: str
    name: str
    description: str
    group: str
    unit: str | None = None
    good: str | None = None
    hurts: str | None = None
    tolerance: float = DEFAULT_TOLERANCE
    benchmark: Benchmark | None = None
    short: str | None = None
    origin: Origin | None = None

    @property
    def label(self) -> str:
        """The name a consultant uses in a sentence (FCR rather than First contact resolution)."""
        return self.short or self.name

    @property
    def is_metric(self) -> bool:
        return self.kind == "metric" or (self.kind == "derived" and self.unit is not None)

    @property
    def states(self) -> tuple[str, ...]:
        return METRIC_STATES if self.is_metric else PRESENCE_STATES


@dataclass(frozen=True)
class Influence:
    factor: str
    weight: float
    because: str


@dataclass(frozen=True)
class Factor:
    id: str
    name: str
    description: str
    influences: tuple[Influence, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True)
class Remedy:
    id: str
    title: str
    description: str
    addresses: tuple[tuple[str, float], ...]
    effort: str
    time_to_impact_weeks: tuple[int, int]
    owner: str
    prerequisites: tuple[str, ...]
    kpis: tuple[str, ...]
    investment_hours: float | None = None
    source: str | None = None
    indicated_by: tuple[str, ...] = ()
    origin: Origin | None = None

    def effectiveness(self, factor: str) -> float:
        return dict(self.addresses).get(factor, 0.0)


@dataclass(frozen=True)
class Atom:
    """One test on one signal: a state, or a number compared with its value."""

    signal: str
    state: str | None = None
    test: str | None = None
    number: float | None = None
    origin: Origin | None = None

    def describe(self) -> str:
        if self.state is not None:
            return f"{self.signal} is {self.state}"
        return f"{self.signal} {self.test.replace('_', ' ')} {self.number:g}"  # type: ignore[union-attr]


@dataclass(frozen=True)
class Group:
    """`all`, `any` or `none` of some conditions."""

    op: str
    items: tuple["Condition", ...]
    origin: Origin | None = None


Condition = Union[Atom, Group]


@dataclass(frozen=True)
class Rule:
    id: str
    factor: str
    title: str
    certainty: float
    when: Condition
    because: str
    source: str | None = None
    superseded_by: tuple[str, ...] = ()
    origin: Origin | None = None

    @property
    def signals(self) -> tuple[str, ...]:
        """Every signal the conditions name, in order of first mention."""
        seen: dict[str, None] = {}
        for atom in atoms(self.when):
            seen.setdefault(atom.signal, None)
        return tuple(seen)


def atoms(cond: Condition) -> Iterator[Atom]:
    if isinstance(cond, Atom):
        yield cond
    else:
        for item in cond.items:
            yield from atoms(item)


@dataclass(frozen=True)
class Knowledge:
    signals: dict[str, Signal]
    factors: dict[str, Factor]
    remedies: dict[str, Remedy]
    rules: dict[str, Rule]
    sources: tuple[str, ...] = field(default=())
    digest: str = ""
    """A hash of the files this was built from (see `cache`); empty when built otherwise."""

    def rules_for(self, factor: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.factor == factor]

    def remedies_for(self, factor: str) -> list[Remedy]:
        found = [r for r in self.remedies.values() if r.effectiveness(factor) > 0]
        return sorted(found, key=lambda r: (-r.effectiveness(factor), r.id))

    def factor_id(self, word: str) -> str:
        """Resolve a factor id typed by a user, with suggestions for a typo."""
        if word in self.factors:
            return word
        by_name = {f.name.lower(): f.id for f in self.factors.values()}
        if word.lower() in by_name:
            return by_name[word.lower()]
        norm = word.lower().replace("-", "_").replace(" ", "_")
        if norm in self.factors:
            return norm
        raise UserError(
            f"unknown factor {word!r}",
            hint=did_you_mean(norm, self.factors) or "factors: " + ", ".join(self.factors),
        )


# --------------------------------------------------------------------------- loading


@dataclass
class _Raw:
    """Entries gathered from the shipped files and overlays, before cross-checks."""

    signals: dict[str, Signal] = field(default_factory=dict)
    factors: dict[str, Factor] = field(default_factory=dict)
    remedies: dict[str, Remedy] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    errors: list[UserError] | None = None
    """None: the first defect raises (normal runs); a list: every defect is collected (kb check)."""


def _report(raw: _Raw, err: UserError) -> None:
    """Raise a defect, or collect it and carry on when `kb check` asked for every defect."""
    if raw.errors is None:
        raise err
    raw.errors.append(err)


def _shipped_files() -> Iterator[tuple[str, str, str]]:
    """(section, display name, text) for every shipped knowledge file, sorted."""
    for folder, section in (("knowledge_base", "kb"), ("rules", "rules")):
        root = shipped_dir(folder)
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                yield section, f"{folder}/{entry.name}", entry.read_text(encoding="utf-8")


def _overlay_files(directory: Path) -> Iterator[tuple[str, str, str]]:
    if not directory.exists():
        raise UserError("no such knowledge directory", file=str(directory))
    if not directory.is_dir():
        raise UserError("--kb expects a directory of YAML files", file=str(directory))
    found = False
    for sub, section in ((directory, "kb"), (directory / "knowledge_base", "kb"), (directory / "rules", "rules")):
        if not sub.is_dir():
            continue
        for path in sorted(sub.iterdir()):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                found = True
                yield section, str(path), read_text(path)
    if not found:
        raise UserError("no .yaml files found in the knowledge directory", file=str(directory))


def load_knowledge(overlays: Iterable[Path | str] = ()) -> Knowledge:
    """The shipped knowledge with each overlay directory merged over it, in order."""
    overlays = tuple(Path(p) for p in overlays)
    if not overlays:
        return _load_shipped()
    files = [(f, False) for f in _shipped_files()]
    try:
        for directory in overlays:
            files.extend((f, True) for f in _overlay_files(directory))
    except UserError as failure:
        # report in the order an uncached load would: defects in the files read so far first
        _parse(files)
        raise failure from None
    return _build(files)


_SHIPPED: Knowledge | None = None


def _load_shipped() -> Knowledge:
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = _build([(f, False) for f in _shipped_files()])
    return _SHIPPED


def _build(files: list[tuple[tuple[str, str, str], bool]]) -> Knowledge:
    """Parse and validate (file, is-overlay) pairs, or reuse the cached result for the same files.

    The cache only ever holds knowledge that passed validation, keyed by the files' contents,
    so a changed file is always read and checked afresh and its errors reported as usual.
    """
    from . import cache

    key = cache.digest((section + (":overlay" if overlay else ""), name, body) for (section, name, body), overlay in files)
    cached = cache.read("knowledge", key)
    if isinstance(cached, Knowledge) and cached.digest == key:
        return cached
    knowledge = replace(_finish(_parse(files)), digest=key)
    cache.write("knowledge", key, knowledge)
    return knowledge


def _parse(files: list[tuple[tuple[str, str, str], bool]]) -> _Raw:
    raw = _Raw()
    for (section, name, body), overlay in files:
        _read_file(raw, section, name, body, overlay=overlay)
    return raw


def collect_knowledge(overlays: Iterable[Path | str] = (), *, standalone: bool = False) -> tuple[Knowledge, list[UserError]]:
    """Load like `load_knowledge`, but collect every defect instead of stopping at the first.

    For `advise kb check`: the knowledge returned holds what could be read (defective
    entries left out). With `standalone` the overlays are checked as a complete knowledge
    base of their own, without the shipped files (the first directory is the base).
    """
    dirs = [Path(p) for p in overlays]
    raw = _Raw(errors=[])
    files: list[tuple[tuple[str, str, str], bool]] = []
    if not standalone:
        files += [(f, False) for f in _shipped_files()]
    for i, directory in enumerate(dirs):
        files += [(f, not (standalone and i == 0)) for f in _overlay_files(directory)]
    for (section, name, body), overlay in files:
        try:
            _read_file(raw, section, name, body, overlay=overlay)
        except UserError as err:  # a file that cannot be read at all: report it, read the rest
            raw.errors.append(err)  # type: ignore[union-attr]
    knowledge = _finish(raw)
    return knowledge, list(raw.errors or [])


def _read_file(raw: _Raw, section: str, name: str, body: str, *, overlay: bool) -> None:
    doc = loads(body, name)
    raw.sources.append(name)
    if not isinstance(doc, Mapping):
        raise KnowledgeError(f"expected a mapping at the top, got {describe(doc)}", file=name, line=1, column=1)
    if section == "rules" or "rules" in doc or "factor" in doc:
        _read_rules(raw, doc, name, overlay)
        return
    check_keys(doc, name, optional=("signals", "factors", "remedies", "rules"))
    if not doc:
        raise KnowledgeError("the file holds no signals, factors or remedies", file=name, line=1, column=1)
    sections: tuple[tuple[str, Any, dict[str, Any], str], ...] = (
        ("signals", _signal, raw.signals, "signal"),
        ("factors", _known_factor, raw.factors, "factor"),
        ("remedies", _remedy, raw.remedies, "remedy"),
    )
    for key, parse, table, kind in sections:
        if key not in doc:
            continue
        for item, mark in _entries(doc, key, name):
            try:
                entry = parse(item, mark)
                _put(table, entry.id, entry, mark, overlay, kind)
            except UserError as err:
                _report(raw, err)


def _known_factor(item: Mapping, mark: Mark) -> Factor:
    """A factor entry, which must be one of the eight fixed factors."""
    fac = _factor(item, mark)
    if fac.id not in FACTOR_IDS:
        raise _located(
            item.value_mark("id"),
            f"unknown factor {fac.id!r}: the eight factor ids are fixed",
            did_you_mean(fac.id, FACTOR_IDS),
        )
    return fac


def _read_rules(raw: _Raw, doc: Mapping, name: str, overlay: bool) -> None:
    check_keys(doc, name, required=("factor", "rules"))
    factor = text(doc, "factor", name) or ""
    if factor not in FACTOR_IDS:
        raise _located(
            doc.value_mark("factor"),
            f"unknown factor {factor!r}",
            did_you_mean(factor, FACTOR_IDS) or "factors: " + ", ".join(FACTOR_IDS),
        )
    for item, mark in _entries(doc, "rules", name):
        try:
            rule = _rule(item, mark, factor)
            _put(raw.rules, rule.id, rule, mark, overlay, "rule")
        except UserError as err:
            _report(raw, err)


def _entries(doc: Mapping, key: str, name: str) -> Iterator[tuple[Mapping, Mark]]:
    seq = require_list(doc[key], doc, key, f"{name}: {key}")
    for i, item in enumerate(seq):
        yield require_mapping(item, seq, i, f"{key} entry {i + 1}"), seq.item_mark(i)


def _put(table: dict[str, Any], key: str, value: Any, mark: Mark, overlay: bool, kind: str) -> None:
    """Add an entry; the same id twice within one layer is an error, an overlay replaces."""
    previous = table.get(key)
    if previous is not None:
        same_layer = previous.origin is not None and (
            previous.origin.file == mark.file or (overlay == _is_overlay_origin(previous.origin))
        )
        if not overlay or same_layer and previous.origin.file == mark.file:
            raise _located(
                mark,
                f"duplicate {kind} id {key!r} (first defined at {previous.origin.file}:{previous.origin.line})",
            )
    table[key] = value


def _is_overlay_origin(origin: Origin) -> bool:
    return not (origin.file.startswith("knowledge_base/") or origin.file.startswith("rules/"))


def _located(mark: Mark | None, message: str, hint: str | None = None) -> KnowledgeError:
    err = error_at(mark, message, hint)
    return KnowledgeError(err.message, file=err.file, line=err.line, column=err.column, hint=hint)


def _id(node: Mapping, what: str, pattern: re.Pattern[str], style: str) -> str:
    value = text(node, "id", what) or ""
    if not pattern.match(value):
        raise _located(node.value_mark("id"), f"{what}: id {value!r} must be {style}")
    return value


def _signal(node: Mapping, mark: Mark) -> Signal:
    what = f"signal {node.get('id', '?')}"
    check_keys(
        node,
        what,
        required=("id", "kind", "name", "description", "group"),
        optional=("unit", "good", "hurts", "tolerance", "benchmark", "short"),
    )
    sid = _id(node, "signal", _SNAKE, "lower_snake_case")
    kind = choice(node, "kind", what, SIGNAL_KINDS) or ""
    metric = kind == "metric" or (kind == "derived" and "unit" in node)
    unit = good = hurts = None
    benchmark = None
    tolerance = DEFAULT_TOLERANCE
    if metric:
        unit = choice(node, "unit", what, UNITS)
        good = choice(node, "good", what, GOOD)
        if good == "band":
            hurts = choice(node, "hurts", what, ("up", "down"))
        elif "hurts" in node:
            raise _located(node.key_mark("hurts"), f"{what}: 'hurts' is only for band metrics (good: band)")
        tolerance = number(node, "tolerance", what, low=0, high=1, required=False) or DEFAULT_TOLERANCE
        if "benchmark" in node:
            benchmark = _benchmark(require_mapping(node["benchmark"], node, "benchmark", what), what)
    else:
        for key in ("unit", "good", "hurts", "tolerance", "benchmark"):
            if key in node:
                raise _located(node.key_mark(key), f"{what}: {key!r} is only for metrics, not {kind}s")
    group = text(node, "group", what) or ""
    if group not in GROUPS:
        raise _located(node.value_mark("group"), f"{what}: unknown group {group!r}", did_you_mean(group, GROUPS))
    return Signal(
        id=sid,
        kind=kind,
        name=text(node, "name", what) or sid,
        description=text(node, "description", what) or "",
        group=group,
        unit=unit,
        good=good,
        hurts=hurts,
        tolerance=tolerance,
        benchmark=benchmark,
        short=text(node, "short", what, required=False),
        origin=Origin.of(mark),
    )


def _benchmark(node: Mapping, what: str) -> Benchmark:
    check_keys(node, f"{what} benchmark", required=("source",), optional=("low", "high", "note"))
    low = number(node, "low", what, required=False)
    high = number(node, "high", what, required=False)
    if low is None and high is None:
        raise _located(node.mark, f"{what} benchmark: needs low, high or both")
    if low is not None and high is not None and low > high:
        raise _located(node.value_mark("low"), f"{what} benchmark: low {low} is above high {high}")
    return Benchmark(low=low, high=high, source=text(node, "source", what) or "", note=text(node, "note", what, required=False))


def _factor(node: Mapping, mark: Mark) -> Factor:
    what = f"factor {node.get('id', '?')}"
    check_keys(node, what, required=("id", "name", "description"), optional=("influences",))
    fid = _id(node, "factor", _SNAKE, "lower_snake_case")
    influences: list[Influence] = []
    if node.get("influences"):
        seq = require_list(node["influences"], node, "influences", what)
        for i, item in enumerate(seq):
            inf = require_mapping(item, seq, i, f"{what} influence")
            check_keys(inf, f"{what} influence", required=("factor", "weight", "because"))
            influences.append(
                Influence(
                    factor=text(inf, "factor", what) or "",
                    weight=number(inf, "weight", f"{what} influence", low=0.01, high=1) or 0.0,
                    because=text(inf, "because", what) or "",
                )
            )
    return Factor(
        id=fid,
        name=text(node, "name", what) or fid,
        description=text(node, "description", what) or "",
        influences=tuple(influences),
        origin=Origin.of(mark),
    )


def _remedy(node: Mapping, mark: Mark) -> Remedy:
    what = f"remedy {node.get('id', '?')}"
    check_keys(
        node,
        what,
        required=(
            "id",
            "title",
            "description",
            "addresses",
            "effort",
            "time_to_impact_weeks",
            "owner",
            "kpis",
        ),
        optional=("prerequisites", "investment_hours", "source", "indicated_by"),
    )
    rid = _id(node, "remedy", _KEBAB, "lower-kebab-case")
    addresses_node = require_mapping(node["addresses"], node, "addresses", what)
    if not addresses_node:
        raise _located(node.value_mark("addresses"), f"{what}: addresses must name at least one factor")
    addresses = []
    for factor, eff in addresses_node.items():
        if factor not in FACTOR_IDS:
            raise _located(
                addresses_node.key_mark(factor),
                f"{what}: unknown factor {factor!r}",
                did_you_mean(str(factor), FACTOR_IDS),
            )
        value = check_number(eff, addresses_node.value_mark(factor), f"{what}: effectiveness against {factor}", low=0.01, high=1)
        addresses.append((str(factor), value))
    ttl = node["time_to_impact_weeks"]
    if not (isinstance(ttl, Sequence) and len(ttl) == 2):
        raise _located(node.value_mark("time_to_impact_weeks"), f"{what}: time_to_impact_weeks must be [min, max] in weeks, got {describe(ttl)}")
    lo = check_number(ttl[0], ttl.item_mark(0), f"{what}: time_to_impact_weeks", low=0, high=520)
    hi = check_number(ttl[1], ttl.item_mark(1), f"{what}: time_to_impact_weeks", low=lo, high=520)
    return Remedy(
        id=rid,
        title=text(node, "title", what) or rid,
        description=text(node, "description", what) or "",
        addresses=tuple(sorted(addresses, key=lambda a: (-a[1], a[0]))),
        effort=choice(node, "effort", what, EFFORTS) or "medium",
        time_to_impact_weeks=(int(lo), int(hi)),
        owner=text(node, "owner", what) or "",
        prerequisites=id_list(node, "prerequisites", what),
        kpis=id_list(node, "kpis", what),
        investment_hours=number(node, "investment_hours", what, low=0, required=False),
        source=text(node, "source", what, required=False),
        indicated_by=id_list(node, "indicated_by", what),
        origin=Origin.of(mark),
    )


def _rule(node: Mapping, mark: Mark, factor: str) -> Rule:
    what = f"rule {node.get('id', '?')}"
    check_keys(node, what, required=("id", "title", "certainty", "when", "because"), optional=("source", "superseded_by"))
    rid = _id(node, "rule", _KEBAB, "lower-kebab-case")
    certainty = number(node, "certainty", what, low=-1, high=1) or 0.0
    if certainty == 0:
        raise _located(node.value_mark("certainty"), f"{what}: certainty 0 says nothing; use a value in [-1, 1] other than 0")
    when = _condition(node["when"], node, "when", what)
    return Rule(
        id=rid,
        factor=factor,
        title=text(node, "title", what) or rid,
        certainty=certainty,
        when=when,
        because=text(node, "because", what) or "",
        source=text(node, "source", what, required=False),
        superseded_by=id_list(node, "superseded_by", what),
        origin=Origin.of(mark),
    )


def _condition(value: Any, parent: Any, key: Any, what: str, depth: int = 0) -> Condition:
    from .yamlio import mark_of

    mark = mark_of(parent, key)
    if depth > 12:
        raise _located(mark, f"{what}: conditions nested too deeply")
    node = require_mapping(value, parent, key, f"{what}: condition")
    ops = [k for k in ("all", "any", "none") if k in node]
    if ops:
        if len(node) != 1:
            raise _located(node.mark, f"{what}: a condition is one of all/any/none, or a signal test; not several in one mapping")
        op = ops[0]
        seq = require_list(node[op], node, op, f"{what}: {op}")
        if not seq:
            raise _located(node.value_mark(op), f"{what}: {op} needs at least one condition")
        items = tuple(_condition(item, seq, i, what, depth + 1) for i, item in enumerate(seq))
        return Group(op=op, items=items, origin=Origin.of(node.mark))
    check_keys(node, f"{what}: condition", required=("signal",), optional=("state",) + NUMERIC_TESTS)
    signal = text(node, "signal", what) or ""
    tests = [k for k in ("state",) + NUMERIC_TESTS if k in node]
    if len(tests) != 1:
        raise _located(
            node.mark,
            f"{what}: a signal test needs exactly one of state, above, below, at_least, at_most",
        )
    test = tests[0]
    if test == "state":
        state = text(node, "state", what) or ""
        states = METRIC_STATES + PRESENCE_STATES
        if state not in states:
            raise _located(node.value_mark("state"), f"{what}: unknown state {state!r}", did_you_mean(state, states))
        return Atom(signal=signal, state=state, origin=Origin.of(node.mark))
    num = number(node, test, what) or 0.0
    return Atom(signal=signal, test=test, number=num, origin=Origin.of(node.mark))


def _finish(raw: _Raw) -> Knowledge:
    """Cross-reference checks that need every file: unknown ids, states that cannot apply."""
    for fid in FACTOR_IDS:
        if fid not in raw.factors:
            _report(raw, KnowledgeError(f"factor {fid!r} is not defined in the knowledge base"))
    for fac in raw.factors.values():
        for inf in fac.influences:
            if inf.factor not in raw.factors:
                _report(raw, _origin_error(fac.origin, f"factor {fac.id}: influences unknown factor {inf.factor!r}", did_you_mean(inf.factor, raw.factors)))
    for rem in raw.remedies.values():
        for pre in rem.prerequisites:
            if pre not in raw.remedies:
                _report(raw, _origin_error(rem.origin, f"remedy {rem.id}: unknown prerequisite {pre!r}", did_you_mean(pre, raw.remedies)))
        for kpi in rem.kpis + rem.indicated_by:
            if kpi not in raw.signals:
                _report(raw, _origin_error(rem.origin, f"remedy {rem.id}: unknown KPI signal {kpi!r}", did_you_mean(kpi, raw.signals)))
    for rule in raw.rules.values():
        for other in rule.superseded_by:
            target = raw.rules.get(other)
            if target is None:
                _report(raw, _origin_error(rule.origin, f"rule {rule.id}: superseded_by names unknown rule {other!r}", did_you_mean(other, raw.rules)))
            elif target.factor != rule.factor or other == rule.id:
                _report(raw, _origin_error(rule.origin, f"rule {rule.id}: superseded_by must name other rules about {rule.factor}, not {other!r}"))
    for rule_id, rule in list(raw.rules.items()):
        problems = rule_problems(rule, raw.signals)
        for err in problems:
            _report(raw, err)
        if problems:
            del raw.rules[rule_id]  # collecting: keep a defective rule out of what is checked next
    return Knowledge(
        signals=dict(raw.signals),
        factors={fid: raw.factors[fid] for fid in FACTOR_IDS if fid in raw.factors},
        remedies=dict(sorted(raw.remedies.items())),
        rules=dict(raw.rules),
        sources=tuple(raw.sources),
    )


def check_rule(rule: Rule, signals: dict[str, Signal]) -> None:
    """A rule may only test signals that exist, in states they can have (raises the first defect)."""
    problems = rule_problems(rule, signals)
    if problems:
        raise problems[0]


def rule_problems(rule: Rule, signals: dict[str, Signal]) -> list[KnowledgeError]:
    """Every defect of one rule: unknown signals, impossible states, contradictions, placeholders."""
    out: list[KnowledgeError] = []
    for atom in atoms(rule.when):
        sig = signals.get(atom.signal)
        if sig is None:
            out.append(_origin_error(atom.origin or rule.origin, f"rule {rule.id}: unknown signal {atom.signal!r}", did_you_mean(atom.signal, signals)))
        elif atom.state is not None and atom.state not in sig.states:
            out.append(
                _origin_error(
                    atom.origin or rule.origin,
                    f"rule {rule.id}: {atom.signal} is a {sig.kind} and has no state {atom.state!r}",
                    "states: " + ", ".join(sig.states),
                )
            )
        elif atom.test is not None and not sig.is_metric:
            out.append(_origin_error(atom.origin or rule.origin, f"rule {rule.id}: {atom.signal} is a {sig.kind}; numeric tests need a metric"))
    from .conditions import MAX_BRANCHES, branches, can_match_something, is_contradictory

    if len(branches(rule.when)) > MAX_BRANCHES:  # the engine would silently drop the rest (issue 6)
        out.append(
            _origin_error(
                rule.origin,
                f"rule {rule.id}: its conditions expand to more than {MAX_BRANCHES} alternatives",
                "each `any` of groups inside an `all` multiplies the alternatives: split the rule into several",
            )
        )
    elif is_contradictory(rule.when):
        out.append(
            _origin_error(
                rule.origin,
                f"rule {rule.id} can never fire: its conditions contradict each other",
                "a signal cannot be in two exclusive states at once (up and down, present and absent), nor above a bound and below a lower one",
            )
        )
    elif not can_match_something(rule.when):
        out.append(_origin_error(rule.origin, f"rule {rule.id}: a rule must test something observed, not only `none` conditions"))
    names = set(rule.signals)
    for m in PLACEHOLDER.finditer(rule.because):
        if m.group(1) == "matched" and not m.group(2):
            continue
        if m.group(1) not in names:
            out.append(_origin_error(rule.origin, f"rule {rule.id}: because quotes {{{m.group(1)}}}, which the rule's conditions do not use"))
        elif m.group(2) and m.group(2) not in PLACEHOLDER_FIELDS:
            out.append(_origin_error(rule.origin, f"rule {rule.id}: unknown placeholder field {m.group(2)!r}", did_you_mean(m.group(2), PLACEHOLDER_FIELDS)))
    return out


def _origin_error(origin: Origin | None, message: str, hint: str | None = None) -> KnowledgeError:
    if origin is None:
        return KnowledgeError(message, hint=hint)
    return KnowledgeError(message, file=origin.file, line=origin.line, column=origin.column, hint=hint)
