"""Many centres at once: each centre's advice in brief, then what they have in common.

Consultancies and outsourcers assess many centres and then ask what they share ("all ten
centres audited this quarter deviated from their core services; misaligned KPIs in
seven"). A portfolio runs the advice on every file, keeps only what the portfolio view
needs (a compact `CentreResult`, never the whole advice), and summarises: how many deviate
from their core services, each factor's frequency and mean certainty, a centre-by-factor
table, each centre's first three remedies and the remedies that would help most centres.

A file that fails to load is reported with its error and the rest still run. Large
portfolios are spread over worker processes, each reusing one `Advisor` (knowledge, graph
and compiled rules built once); results come back in path order, so output is the same
whatever the number of processes.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .advice import Advisor
from .errors import UserError
from .roadmap import MIN_CONFIDENCE
from .yamlio import MAX_BYTES

SUFFIXES = (".yaml", ".yml")
PARALLEL_FROM = 48
"""Below this many files one process is quicker than starting workers."""
FIRST_REMEDIES = 3
SUSPECTED = MIN_CONFIDENCE
"""A centre counts towards a factor's frequency from the confidence at which the roadmap acts."""


@dataclass(frozen=True)
class CentreResult:
    """What the portfolio keeps of one centre's advice."""

    path: str
    centre: str
    assessed: str
    confidences: tuple[tuple[str, float], ...]
    """every factor's combined certainty, in knowledge-base order"""
    services_declared: int
    deviating_services: tuple[str, ...]
    remedies: tuple[tuple[str, str], ...]
    """the roadmap's (remedy id, title), in the order to carry it out"""

    @property
    def deviating(self) -> bool | None:
        """True or False when core services were declared, else None (cannot tell)."""
        return bool(self.deviating_services) if self.services_declared else None

    @property
    def causes(self) -> tuple[tuple[str, float], ...]:
        return tuple(sorted(((f, c) for f, c in self.confidences if c > 0), key=lambda fc: (-fc[1], fc[0])))


@dataclass(frozen=True)
class Failure:
    """A file that could not be advised on, with the error as the CLI would print it."""

    path: str
    error: str


@dataclass(frozen=True)
class FactorStat:
    factor: str
    name: str
    centres: int
    """how many centres suspect it (confidence at least SUSPECTED)"""
    mean_confidence: float
    """the mean confidence among those centres (0 when none)"""


@dataclass(frozen=True)
class RemedyReach:
    remedy: str
    title: str
    centres: int
    first_three: int
    """in how many of those centres it is among the first three moves"""


@dataclass(frozen=True)
class Portfolio:
    centres: tuple[CentreResult, ...]
    failures: tuple[Failure, ...]
    factor_names: dict[str, str]
    earlier: tuple[CentreResult, ...] = ()
    """older assessments of a centre that also has a later one: shown, not counted"""

    @property
    def deviating(self) -> int:
        return sum(1 for c in self.centres if c.deviating)

    @property
    def declared(self) -> int:
        return sum(1 for c in self.centres if c.services_declared)

    def factor_stats(self) -> tuple[FactorStat, ...]:
        """Each factor: how many centres suspect it and how strongly, most common first."""
        out = []
        for fid, name in self.factor_names.items():
            values = [conf for c in self.centres for f, conf in c.confidences if f == fid and conf >= SUSPECTED]
            mean = round(sum(values) / len(values), 2) if values else 0.0
            out.append(FactorStat(fid, name, len(values), mean))
        return tuple(sorted(out, key=lambda s: (-s.centres, -s.mean_confidence, s.factor)))

    def remedy_reach(self, limit: int = 10) -> tuple[RemedyReach, ...]:
        """The remedies that appear in the most centres' roadmaps."""
        titles: dict[str, str] = {}
        count: dict[str, int] = {}
        early: dict[str, int] = {}
        for c in self.centres:
            for i, (rid, title) in enumerate(c.remedies):
                titles[rid] = title
                count[rid] = count.get(rid, 0) + 1
                if i < FIRST_REMEDIES:
                    early[rid] = early.get(rid, 0) + 1
        ranked = sorted(count, key=lambda r: (-count[r], -early.get(r, 0), r))
        return tuple(RemedyReach(r, titles[r], count[r], early.get(r, 0)) for r in ranked[:limit])


# ---------------------------------------------------------------------------- files


def one_line(exc: UserError) -> str:
    """The error as the CLI prints it (file:line:col: message), its hint on the same line."""
    return "; ".join(part.strip() for part in str(exc).splitlines())


def collect(arguments: Iterable[str]) -> tuple[list[Path], list[Failure]]:
    """The observation files named, directories expanded (their .yaml files, not subdirectories), by path.

    A missing path or a directory without YAML files is a failure, not a stop: the rest run.
    """
    found: set[Path] = set()
    failures: list[Failure] = []
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            files = [p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()]
            if not files:
                failures.append(Failure(str(path), one_line(UserError("no .yaml files in this directory", file=str(path)))))
            found.update(files)
        elif path.exists():
            found.add(path)
        else:
            failures.append(Failure(str(path), one_line(UserError("no such file or directory", file=str(path)))))
    return sorted(found, key=lambda p: str(p)), failures


# ---------------------------------------------------------------------- one centre


def summarise(advisor: Advisor, path: Path, max_bytes: int = MAX_BYTES) -> CentreResult | Failure:
    """One centre's advice reduced to what the portfolio shows; a user error becomes a Failure."""
    try:
        advice = advisor.advise(advisor.load(path, max_bytes=max_bytes), checks=False)
    except UserError as exc:
        return Failure(str(path), one_line(exc))
    a = advice.assessment
    return CentreResult(
        path=str(path),
        centre=a.centre,
        assessed=a.assessed.isoformat(),
        confidences=tuple((fid, f.confidence) for fid, f in advice.findings.items()),
        services_declared=len(advice.core_services),
        deviating_services=tuple(s.id for s in advice.core_services if s.status == "deviating"),
        remedies=tuple((item.remedy, item.title) for item in advice.roadmap),
    )


_WORKER: tuple[Advisor, int] | None = None
"""The advisor a worker process reuses for every file it is given."""


def _init_worker(kb_dirs: tuple[str, ...], max_bytes: int) -> None:
    global _WORKER
    if _WORKER is None or _WORKER[1] != max_bytes:  # inherited through fork when possible
        _WORKER = (Advisor(kb_dirs=kb_dirs), max_bytes)


def _work(path: Path) -> CentreResult | Failure:
    assert _WORKER is not None
    advisor, max_bytes = _WORKER
    return summarise(advisor, path, max_bytes)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def run(
    arguments: Sequence[str],
    *,
    kb_dirs: Iterable[str] = (),
    max_bytes: int = MAX_BYTES,
    jobs: int | None = None,
    advisor: Advisor | None = None,
) -> Portfolio:
    """Advise on every file; `jobs` worker processes (default: the usable cores) when it pays."""
    kb_dirs = tuple(kb_dirs)
    advisor = advisor or Advisor(kb_dirs=kb_dirs)  # a knowledge defect stops here, once
    paths, failures = collect(arguments)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    results: list[CentreResult | Failure]
    if jobs == 1 or len(paths) < PARALLEL_FROM:
        results = [summarise(advisor, p, max_bytes) for p in paths]
    else:
        results = _parallel(paths, advisor, kb_dirs, max_bytes, jobs)
    failures += [r for r in results if isinstance(r, Failure)]
    latest, earlier = latest_per_centre([r for r in results if isinstance(r, CentreResult)])
    return Portfolio(
        centres=latest,
        earlier=earlier,
        failures=tuple(sorted(failures, key=lambda f: f.path)),
        factor_names={f.id: f.name for f in advisor.knowledge.factors.values()},
    )


def latest_per_centre(results: list[CentreResult]) -> tuple[tuple[CentreResult, ...], tuple[CentreResult, ...]]:
    """One assessment per centre (the latest; by name), so a review does not count a centre twice."""
    by_name: dict[str, CentreResult] = {}
    for r in results:
        key = " ".join(r.centre.casefold().split())
        kept = by_name.get(key)
        if kept is None or (r.assessed, r.path) > (kept.assessed, kept.path):
            by_name[key] = r
    latest = {id(r) for r in by_name.values()}
    return (
        tuple(r for r in results if id(r) in latest),
        tuple(r for r in results if id(r) not in latest),
    )


def _parallel(paths: list[Path], advisor: Advisor, kb_dirs: tuple[str, ...], max_bytes: int, jobs: int) -> list[Any]:
    import multiprocessing

    global _WORKER
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods:
        # workers inherit the parent's advisor: nothing to rebuild, nothing to pickle
        ctx = multiprocessing.get_context("fork")
        _WORKER = (advisor, max_bytes)
    else:  # pragma: no cover - spawn platforms build one advisor per worker (from the cache)
        ctx = multiprocessing.get_context()
    chunk = max(1, min(64, len(paths) // (jobs * 8)))
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(kb_dirs, max_bytes)) as pool:
        return list(pool.imap(_work, paths, chunksize=chunk))


# --------------------------------------------------------------------------- output


def _r(value: float) -> float:
    out = round(value, 2)
    return 0.0 if out == 0 else out


def portfolio_dict(p: Portfolio) -> dict[str, Any]:
    """The JSON document of `advise portfolio --format json`; templates render the same data."""
    return {
        "centres": [
            {
                "file": c.path,
                "centre": c.centre,
                "assessed": c.assessed,
                "deviating": c.deviating,
                "deviating_services": list(c.deviating_services),
                "causes": [{"factor": f, "name": p.factor_names.get(f, f), "confidence": _r(conf)} for f, conf in c.causes],
                "confidences": {f: _r(conf) for f, conf in c.confidences},
                "first_remedies": [{"remedy": r, "title": t} for r, t in c.remedies[:FIRST_REMEDIES]],
                "roadmap_length": len(c.remedies),
            }
            for c in p.centres
        ],
        "failed": [{"file": f.path, "error": f.error} for f in p.failures],
        "earlier_assessments": [{"file": c.path, "centre": c.centre, "assessed": c.assessed} for c in p.earlier],
        "summary": {
            "centres": len(p.centres),
            "failed": len(p.failures),
            "core_services_declared": p.declared,
            "deviating": p.deviating,
            "factors": [
                {"factor": s.factor, "name": s.name, "centres": s.centres, "mean_confidence": s.mean_confidence}
                for s in p.factor_stats()
            ],
            "remedies": [
                {"remedy": r.remedy, "title": r.title, "centres": r.centres, "in_first_three": r.first_three}
                for r in p.remedy_reach()
            ],
        },
        "factors": list(p.factor_names),
    }


def portfolio_csv(p: Portfolio) -> str:
    """One row per file: the centre-by-factor table, its first three remedies, or its error."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    factors = list(p.factor_names)
    writer.writerow(["file", "centre", "assessed", "deviating", *factors, "remedy_1", "remedy_2", "remedy_3", "error"])
    rows: list[tuple[str, list[Any]]] = []
    for c in p.centres:
        conf = dict(c.confidences)
        first = [r for r, _t in c.remedies[:FIRST_REMEDIES]]
        first += [""] * (FIRST_REMEDIES - len(first))
        deviating = "" if c.deviating is None else ("yes" if c.deviating else "no")
        rows.append((c.path, [c.path, c.centre, c.assessed, deviating, *(f"{conf.get(f, 0.0):.2f}" for f in factors), *first, ""]))
    for f in p.failures:
        rows.append((f.path, [f.path, "", "", "", *([""] * len(factors)), "", "", "", f.error]))
    for _path, row in sorted(rows, key=lambda r: r[0]):
        writer.writerow(row)
    return out.getvalue()


def render_portfolio(p: Portfolio, fmt: str, *, color: bool = False) -> str:
    """The portfolio as text, md, html (templates `portfolio.*.j2`), JSON or CSV."""
    if fmt == "csv":
        return portfolio_csv(p)
    from .render import environment, to_json

    doc = portfolio_dict(p)
    if fmt == "json":
        return to_json(doc)
    suffix = {"text": "txt", "md": "md", "html": "html"}[fmt]
    return environment(color=color).get_template(f"portfolio.{suffix}.j2").render(doc=doc, factor_names=p.factor_names)
