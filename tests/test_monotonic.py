"""One more bad observation never makes a cause less likely.

Adding a metric that got worse (worsened, off target in the bad direction, worse than the
benchmark) may raise a factor's confidence or leave it, but must never lower it: otherwise
a consultant who records more of what is wrong would see the advice weaken. (Events and
findings are exempt: a seasonal peak, say, can rightly explain strain away.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.advice import Advisor
from advisor.explain import Evaluator, confidences, scenarios, with_observation
from advisor.knowledge import Knowledge
from advisor.observations import parse_text, problems

BASES = {
    "empty-ish": "  contact_volume: flat\n",
    "three signals": "  overtime_hours: up\n  fcr: down\n  new_tool_rolled_out: yes\n",
    "queue strain": "  service_level: {value: 0.7, target: 0.8}\n  overtime_hours: up\n",
    "process": "  repeat_contact_rate: up\n  failure_demand: 0.5\n  complaints: up\n",
    "people": "  attrition_rate: 0.5\n  fcr: down\n  quality_score: down\n",
    "technology": "  new_tool_rolled_out: yes\n  tool_workarounds: yes\n",
    "kpis": "  aht_target_pressure: yes\n  fcr: down\n",
    "consumers": "  digital_share: up\n  contact_volume: down\n",
    "unused tools": "  licensed_features_unused: yes\n  spreadsheet_scheduling: yes\n",
    "management": "  conflicting_directives: yes\n  frequent_priority_changes: yes\n",
    "capability": "  skills_gaps: yes\n  insufficient_training: yes\n",
    "healthy": "  service_level: {value: 0.85, target: 0.8}\n  occupancy: 0.8\n  overtime_hours: down\n  fcr: 0.8\n",
}


CENTRES = Path(__file__).parent / "centres"
EXAMPLES = Path(__file__).parent.parent / "examples"
FILES = sorted(CENTRES.glob("*.yaml")) + sorted(p for p in EXAMPLES.glob("*.yaml"))


def _cases() -> list[Any]:
    return [pytest.param(("text", k), id=k) for k in sorted(BASES)] + [pytest.param(("file", p), id=p.name) for p in FILES]


@pytest.mark.parametrize("base", _cases())
def test_a_worse_metric_never_lowers_a_cause(advisor: Advisor, knowledge: Knowledge, base: tuple[str, Any]) -> None:
    kind, what = base
    if kind == "text":
        assessment = parse_text(f"centre: T\nassessed: 2024-01-01\nobservations:\n{BASES[what]}", knowledge)
    else:
        assessment = advisor.load(what)
    evaluator = Evaluator(knowledge)
    before = confidences(evaluator.run(assessment), knowledge)
    failures = []
    for sid, sig in knowledge.signals.items():
        if sig.kind != "metric" or sid in assessment.observations:
            continue
        for sc in scenarios(sig, knowledge):
            states = sc.observation.states
            if not problems(sc.observation, sig) or states & {"improved", "within_benchmark", "better_than_benchmark"}:
                continue  # only scenarios that are plainly worse
            after = confidences(evaluator.run(with_observation(assessment, sc.observation)), knowledge)
            for fid, value in after.items():
                if value < before[fid] - 0.01:
                    failures.append(f"{sid} {sorted(sc.observation.states)} lowers {fid}: {before[fid]:.2f} → {value:.2f}")
    assert not failures, "\n".join(failures)
