"""The business case: what the observed symptoms cost a year, what the roadmap can recover,
what it costs to do, and the return.

A client pays for a roadmap when the money adds up, and a consultant can only defend a
figure whose inputs are on the page. So every line here carries its formula, its inputs
and its assumptions, and anything that cannot be costed is named in `missing` rather than
guessed. The model is deliberately conservative:

* **Cost of the symptoms** is the whole annual cost of each symptom as observed:
  overtime at its premium, replacing leavers, repeat or failure-demand contacts and
  abandoned contacts.
* **The avoidable part** of a line is only what lies beyond a reference level: the
  observation's own target, else its earlier figure (baseline) when that was lower, else the
  published benchmark's bad-side bound. With no reference, nothing of that line counts as
  avoidable, and `missing` says so.
* **Recoverable share** of the avoidable part: for each suspected cause whose evidence quoted
  the symptom, its confidence × the effectiveness of the strongest roadmap remedy against it;
  the best single cause–remedy pair counts. Overlapping remedies are not added up, so the
  share never exceeds what one remedy is rated to achieve.
* **Overtime** is recovered at the premium only: the hours are assumed still to be worked at
  the normal rate (by rostered or new staff, whose salaries are outside this case).
* **Investment** is each roadmap remedy's `investment_hours` × `context.hourly_cost`, or the
  amount a consultant gives in `context.remedy_costs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .findings import Finding
from .knowledge import Knowledge
from .observations import Assessment, Observation
from .roadmap import RoadmapItem

DEFAULT_REPLACEMENT_COST = 14000.0
"""Gartner's figure for replacing one agent (domain notes); used only when context lacks one."""
DEFAULT_OVERTIME_PREMIUM = 1.5
"""The US FLSA rate (domain notes); used only when context lacks one."""

_PERIODS = (("week", 52.0, "week"), ("quarter", 4.0, "quarter"), ("year", 1.0, "year"), ("annual", 1.0, "year"))


@dataclass(frozen=True)
class CostLine:
    """One symptom costed: the annual cost, the avoidable part and what the roadmap recovers."""

    id: str
    label: str
    signal: str
    annual_cost: float
    formula: str
    inputs: tuple[tuple[str, Any], ...]
    avoidable: float | None
    reference: str
    drivers: tuple[tuple[str, float, str | None, float], ...]
    """(factor, confidence, best roadmap remedy or None, its effectiveness)"""
    recoverable_share: float
    annual_benefit: float
    benefit_formula: str
    assumptions: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "signal": self.signal,
            "annual_cost": _money(self.annual_cost),
            "formula": self.formula,
            "inputs": {k: _plain(v) for k, v in self.inputs},
            "avoidable": None if self.avoidable is None else _money(self.avoidable),
            "reference": self.reference,
            "drivers": [
                {"factor": f, "confidence": round(c, 2), "remedy": r, "effectiveness": round(e, 2)}
                for f, c, r, e in self.drivers
            ],
            "recoverable_share": round(self.recoverable_share, 3),
            "annual_benefit": _money(self.annual_benefit),
            "benefit_formula": self.benefit_formula,
            "assumptions": list(self.assumptions),
        }


@dataclass(frozen=True)
class InvestmentLine:
    remedy: str
    title: str
    amount: float
    basis: str

    def to_json(self) -> dict[str, Any]:
        return {"remedy": self.remedy, "title": self.title, "amount": _money(self.amount), "basis": self.basis}


@dataclass(frozen=True)
class BusinessCase:
    currency: str | None
    lines: tuple[CostLine, ...]
    investments: tuple[InvestmentLine, ...]
    annual_cost_of_symptoms: float
    annual_benefit: float
    investment: float | None
    roi: float | None
    payback_months: float | None
    assumptions: tuple[str, ...]
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The contract's keys first (see docs/cli.md), then the lines behind them."""
        return {
            "currency": self.currency,
            "annual_cost_of_symptoms": _money(self.annual_cost_of_symptoms),
            "annual_benefit": _money(self.annual_benefit),
            "investment": None if self.investment is None else _money(self.investment),
            "roi": self.roi,
            "payback_months": self.payback_months,
            "assumptions": list(self.assumptions),
            "missing": list(self.missing),
            "cost_lines": [line.to_json() for line in self.lines],
            "investment_lines": [i.to_json() for i in self.investments],
        }


def _plain(value: Any) -> Any:
    """A whole float as an int (120, not 120.0), so inputs read as they were written."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _money(value: float) -> int:
    return int(round(value))


def _num(value: float) -> str:
    """A figure as written in an assumption: 1,450 or 0.42, never 1450.0."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------- recoverable share


def _drivers(
    signals: tuple[str, ...],
    findings: dict[str, Finding],
    roadmap: tuple[RoadmapItem, ...],
    knowledge: Knowledge,
) -> tuple[tuple[tuple[str, float, str | None, float], ...], float]:
    """Suspected causes that produce one of `signals`, and the share the roadmap can remove.

    A cause produces a symptom when one of its rules tests the symptom's signal (the graph's
    evidence edge) and it is suspected strongly enough for the roadmap to act on it; a remedy
    recovers the symptom only when it works on that cause and tracks the symptom among its
    KPIs (training does not bring attrition down because attrition erodes capability).
    """
    from .roadmap import MIN_CONFIDENCE

    wanted = set(signals)
    out: list[tuple[str, float, str | None, float]] = []
    for factor, finding in sorted(findings.items()):
        if finding.confidence < MIN_CONFIDENCE:
            continue
        if not any(wanted.intersection(rule.signals) for rule in knowledge.rules_for(factor)):
            continue
        best: tuple[float, str] | None = None
        for item in roadmap:
            rem = knowledge.remedies.get(item.remedy)
            if rem is None or not wanted.intersection(rem.kpis):
                continue
            eff = rem.effectiveness(factor)
            if eff > 0 and (best is None or (eff, item.remedy) > best):
                best = (eff, item.remedy)
        out.append((factor, finding.confidence, best[1] if best else None, best[0] if best else 0.0))
    out.sort(key=lambda d: (-d[1] * d[3], d[0]))
    share = max((c * e for _f, c, _r, e in out), default=0.0)
    return tuple(out), min(max(share, 0.0), 1.0)


def _share_words(drivers: tuple[tuple[str, float, str | None, float], ...], knowledge: Knowledge) -> str:
    if not drivers:
        return "no suspected cause produces this symptom, so nothing of it is counted as recoverable"
    f, c, r, e = drivers[0]
    name = knowledge.factors[f].name if f in knowledge.factors else f
    if r is None:
        return f"no remedy on the roadmap works on {name} and tracks this symptom, so nothing of it is counted as recoverable"
    return (
        f"recoverable share {c * e:.2f} = confidence in {name} {c:.2f} × effectiveness of "
        f"{r} {e:.2f} (the strongest single cause–remedy pair; overlapping remedies are not added)"
    )


def _benefit_formula(avoidable: float | None, share: float, middle: str = "", reference: str = "") -> str:
    if avoidable is None:
        return "not counted: no reference level to tell the avoidable part"
    if avoidable <= 0 and reference:
        return f"nothing avoidable: the figure is not beyond {reference}"
    return f"avoidable {_num(round(avoidable))}{middle} × recoverable share {share:.2f}"


# ------------------------------------------------------------------------- reference


def _reference(obs: Observation, knowledge: Knowledge) -> tuple[float | None, str]:
    """The level beyond which a lower-is-better symptom counts as avoidable, and its name."""
    value = obs.value
    assert value is not None
    if obs.target is not None:
        return min(obs.target, value), f"its target of {_num(obs.target)}"
    if obs.baseline is not None and obs.baseline < value:
        # an earlier, lower figure shows what the centre can run at; a higher one shows nothing
        return obs.baseline, f"its earlier figure of {_num(obs.baseline)}"
    sig = knowledge.signals.get(obs.signal)
    bm = sig.benchmark if sig else None
    if bm is not None and bm.high is not None:
        return min(bm.high, value), f"the top of the published range, {_num(bm.high)} ({bm.source})"
    return None, "no target, earlier figure or benchmark to tell normal from excess"


# ---------------------------------------------------------------------------- lines


def _overtime(a: Assessment, kb: Knowledge, findings: dict[str, Finding], roadmap: tuple[RoadmapItem, ...], missing: list[str]) -> CostLine | None:
    obs = a.observations.get("overtime_hours")
    if obs is None:
        return None
    ctx = a.context
    if obs.value is None:
        missing.append("overtime: only a trend was observed; give the hours (value) to cost it")
        return None
    if "hourly_cost" not in ctx:
        missing.append("overtime: context.hourly_cost is needed to cost overtime hours")
        return None
    assumptions: list[str] = []
    per_year, period = 12.0, "month"
    note = (obs.note or "").lower()
    for word, times, name in _PERIODS:
        if word in note:
            per_year, period = times, name
            break
    if period == "month" and "month" not in note:
        assumptions.append("overtime_hours is taken as hours per month (no period in its note)")
    premium = ctx.get("overtime_premium")
    if premium is None:
        premium = DEFAULT_OVERTIME_PREMIUM
        assumptions.append(f"overtime premium {premium} (the US FLSA rate; context.overtime_premium not given)")
    hourly = float(ctx["hourly_cost"])
    cost = obs.value * per_year * hourly * premium
    ref, ref_words = _reference(obs, kb)
    drivers, share = _drivers(("overtime_hours",), findings, roadmap, kb)
    avoidable = None if ref is None else (obs.value - ref) * per_year * hourly * premium
    # only the premium is recovered: the hours are still worked, at the normal rate
    premium_part = (premium - 1.0) / premium if premium > 0 else 0.0
    benefit = 0.0 if avoidable is None else avoidable * premium_part * share
    assumptions.append(f"avoidable: hours above {ref_words}")
    if premium > 1:
        assumptions.append(
            "only the premium is recovered: the hours are assumed still to be worked at the normal rate "
            f"by rostered or new staff (benefit = avoidable × {premium - 1:.2f}/{premium:.2f} × recoverable share)"
        )
    assumptions.append(_share_words(drivers, kb))
    if ref is None:
        missing.append("overtime: no target and no lower earlier figure for overtime_hours, so its avoidable part is not counted")
    return CostLine(
        id="overtime",
        label="Overtime at its premium",
        signal="overtime_hours",
        annual_cost=cost,
        formula=f"overtime hours per {period} × {_num(per_year)} × hourly cost × overtime premium",
        inputs=(("overtime_hours", obs.value), ("periods_per_year", per_year), ("hourly_cost", hourly), ("overtime_premium", premium)),
        avoidable=avoidable,
        reference=ref_words,
        drivers=drivers,
        recoverable_share=share,
        annual_benefit=benefit,
        benefit_formula=_benefit_formula(avoidable, share, f" × {premium - 1:.2f}/{premium:.2f} (the premium part)", ref_words),
        assumptions=tuple(assumptions),
    )


def _leavers(a: Assessment, kb: Knowledge, findings: dict[str, Finding], roadmap: tuple[RoadmapItem, ...], missing: list[str]) -> CostLine | None:
    obs = a.observations.get("attrition_rate")
    if obs is None:
        return None
    ctx = a.context
    if obs.value is None:
        missing.append("leavers: only a trend of attrition was observed; give the rate (value) to cost it")
        return None
    if "agents" not in ctx:
        missing.append("leavers: context.agents is needed to turn the attrition rate into leavers")
        return None
    assumptions: list[str] = ["attrition_rate is annual, against context.agents"]
    replacement = ctx.get("replacement_cost")
    if replacement is None:
        currency = str(ctx.get("currency") or "USD").upper()
        if currency not in ("USD", "US$", "$"):
            # the published default is in US dollars: do not pass it off as another currency
            missing.append(
                f"leavers: context.replacement_cost is needed (the published {_num(DEFAULT_REPLACEMENT_COST)} "
                f"per leaver is in US dollars, not {currency})"
            )
            return None
        replacement = DEFAULT_REPLACEMENT_COST
        assumptions.append(f"replacing one leaver costs {_num(replacement)} US dollars (Gartner; context.replacement_cost not given)")
    agents = float(ctx["agents"])
    cost = obs.value * agents * replacement
    ref, ref_words = _reference(obs, kb)
    avoidable = None if ref is None else (obs.value - ref) * agents * replacement
    drivers, share = _drivers(("attrition_rate",), findings, roadmap, kb)
    benefit = 0.0 if avoidable is None else avoidable * share
    assumptions.append(f"avoidable: attrition above {ref_words}")
    assumptions.append(_share_words(drivers, kb))
    return CostLine(
        id="leavers",
        label="Replacing leavers",
        signal="attrition_rate",
        annual_cost=cost,
        formula="attrition rate × agents × replacement cost",
        inputs=(("attrition_rate", obs.value), ("agents", agents), ("replacement_cost", replacement)),
        avoidable=avoidable,
        reference=ref_words,
        drivers=drivers,
        recoverable_share=share,
        annual_benefit=benefit,
        benefit_formula=_benefit_formula(avoidable, share, reference=ref_words),
        assumptions=tuple(assumptions),
    )


def _contact_line(
    a: Assessment,
    kb: Knowledge,
    findings: dict[str, Finding],
    roadmap: tuple[RoadmapItem, ...],
    missing: list[str],
    *,
    line_id: str,
    label: str,
    signals: tuple[str, ...],
    extra: tuple[str, ...],
) -> CostLine | None:
    """A share of contacts, each costing one contact: repeats, failure demand, abandonment."""
    observed = [a.observations[s] for s in signals if s in a.observations]
    if not observed:
        return None
    valued = [o for o in observed if o.value is not None]
    if not valued:
        missing.append(f"{label.lower()}: only a trend of {', '.join(o.signal for o in observed)} was observed; give the rate (value) to cost it")
        return None
    ctx = a.context
    lacking = [k for k in ("contacts_per_month", "cost_per_contact") if k not in ctx]
    if lacking:
        missing.append(f"{label.lower()}: context.{' and context.'.join(lacking)} needed to cost them")
        return None
    # repeats are a kind of failure demand: cost the larger share once, never both
    obs = max(valued, key=lambda o: (o.value, o.signal))
    assumptions: list[str] = [*extra, "contacts_per_month counts contacts offered"]
    if len(valued) > 1:
        others = ", ".join(o.signal for o in valued if o is not obs)
        assumptions.append(f"{obs.signal} is costed and {others} is taken to lie within it, so they are not added")
    contacts = float(ctx["contacts_per_month"]) * 12
    per_contact = float(ctx["cost_per_contact"])
    cost = obs.value * contacts * per_contact
    ref, ref_words = _reference(obs, kb)
    avoidable = None if ref is None else (obs.value - ref) * contacts * per_contact
    drivers, share = _drivers(tuple(o.signal for o in observed), findings, roadmap, kb)
    benefit = 0.0 if avoidable is None else avoidable * share
    assumptions.append(f"avoidable: the share above {ref_words}")
    assumptions.append(_share_words(drivers, kb))
    if ref is None:
        missing.append(f"{label.lower()}: no target, lower earlier figure or benchmark for {obs.signal}, so its avoidable part is not counted")
    return CostLine(
        id=line_id,
        label=label,
        signal=obs.signal,
        annual_cost=cost,
        formula=f"{obs.signal} × contacts per month × 12 × cost per contact",
        inputs=((obs.signal, obs.value), ("contacts_per_month", float(ctx["contacts_per_month"])), ("cost_per_contact", per_contact)),
        avoidable=avoidable,
        reference=ref_words,
        drivers=drivers,
        recoverable_share=share,
        annual_benefit=benefit,
        benefit_formula=_benefit_formula(avoidable, share, reference=ref_words),
        assumptions=tuple(assumptions),
    )


# ------------------------------------------------------------------------ investment


def _investment(a: Assessment, kb: Knowledge, roadmap: tuple[RoadmapItem, ...], missing: list[str]) -> tuple[tuple[InvestmentLine, ...], float | None]:
    overrides: dict[str, float] = a.context.get("remedy_costs", {})
    hourly = a.context.get("hourly_cost")
    lines: list[InvestmentLine] = []
    uncosted: list[str] = []
    for item in roadmap:
        rem = kb.remedies.get(item.remedy)
        if item.remedy in overrides:
            lines.append(InvestmentLine(item.remedy, item.title, float(overrides[item.remedy]), "context.remedy_costs"))
        elif rem is not None and rem.investment_hours is not None and hourly is not None:
            amount = rem.investment_hours * float(hourly)
            lines.append(InvestmentLine(item.remedy, item.title, amount, f"{_num(rem.investment_hours)} hours × hourly cost {_num(float(hourly))}"))
        else:
            uncosted.append(item.remedy)
    if uncosted:
        why = "context.hourly_cost is not given" if hourly is None else "the knowledge base has no investment_hours for them"
        missing.append(
            f"investment: {', '.join(uncosted)} not costed ({why}); give context.remedy_costs to price them"
        )
        return tuple(lines), None
    return tuple(lines), sum(line.amount for line in lines)


# -------------------------------------------------------------------------- the case


def build_business_case(
    assessment: Assessment,
    knowledge: Knowledge,
    findings: dict[str, Finding],
    roadmap: tuple[RoadmapItem, ...],
) -> BusinessCase | None:
    """The business case, or None when the context gives too little to cost any symptom."""
    missing: list[str] = []
    args = (assessment, knowledge, findings, roadmap, missing)
    candidates = [
        _overtime(*args),
        _leavers(*args),
        _contact_line(
            *args,
            line_id="repeat_contacts",
            label="Repeat and failure-demand contacts",
            signals=("failure_demand", "repeat_contact_rate"),
            extra=("each repeat or failure-demand contact costs one contact at cost_per_contact",),
        ),
        _contact_line(
            *args,
            line_id="abandoned_contacts",
            label="Abandoned contacts",
            signals=("abandonment_rate",),
            extra=(
                "each abandoned contact costs one extra contact at cost_per_contact: abandoners retry, "
                "so the demand is handled anyway, after a wasted attempt and often a longer contact about the wait",
                "customers lost for good and revenue not earned are not costed",
            ),
        ),
    ]
    lines = tuple(line for line in candidates if line is not None)
    if not lines:
        return None
    investments, investment = _investment(assessment, knowledge, roadmap, missing)
    cost = sum(line.annual_cost for line in lines)
    benefit = sum(line.annual_benefit for line in lines)
    roi = round(benefit / investment, 1) if investment and benefit > 0 else None
    if benefit <= 0:
        missing.append("return: no part of the costed symptoms can be credited to the roadmap's remedies, so no return is stated")
    payback = round(investment / (benefit / 12), 1) if investment and benefit > 0 else None
    if investment == 0:
        missing.append("return: the investment comes to zero, so no return can be stated")
    staffing = assessment.staffing
    if staffing is not None and staffing.gap_fte and staffing.gap_fte > 0 and any(
        "staffing_gaps" in item.addresses for item in roadmap
    ):
        missing.append(
            f"investment: the pay of extra agents is not in it; the busiest interval is {staffing.gap_fte} short "
            "on the roster, so part of the staffing benefit may need added hours or hires as well as the remedies"
        )
    assumptions = [
        "figures are a year at run rate once the remedies have taken effect; the first year sees less",
        "benefit counts only the avoidable part of each symptom (beyond its target, earlier figure or benchmark) "
        "times the recoverable share",
        "investment is project effort: each remedy's investment_hours priced at context.hourly_cost, "
        "or the amount in context.remedy_costs (use it for external fees); licences and new hires' "
        "salaries are outside it",
        "return = annual benefit / investment",
    ]
    return BusinessCase(
        currency=assessment.context.get("currency"),
        lines=lines,
        investments=investments,
        annual_cost_of_symptoms=cost,
        annual_benefit=benefit,
        investment=investment,
        roi=roi,
        payback_months=payback,
        assumptions=tuple(assumptions),
        missing=tuple(missing),
    )
