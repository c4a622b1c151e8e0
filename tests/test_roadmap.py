"""The roadmap: prerequisites first, phases never earlier than a dependency, rationale that
cites factors, rules and observed values, and a graph that ranks root causes."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.advice import Advisor
from advisor.errors import KnowledgeError
from advisor.graph import build_graph, fundamentality
from advisor.knowledge import Knowledge
from advisor.observations import parse_text
from advisor.roadmap import MIN_CONFIDENCE, PHASES

RICH = """centre: Rich centre
assessed: 2024-06-14
core_services:
  - {id: service, name: Service, kpis: [fcr, service_level]}
kpis_tracked: [aht, occupancy]
observations:
  overtime_hours: {value: 1400, baseline: 900}
  fcr: {value: 0.66, baseline: 0.75, target: 0.75}
  service_level: {value: 0.70, target: 0.80}
  abandonment_rate: 0.12
  occupancy: 0.92
  repeat_contact_rate: up
  failure_demand: 0.5
  manual_processes: yes
  policy_blocks_resolution: {source: interview}
  aht_target_pressure: yes
  new_tool_rolled_out: {date: 2024-02-01}
  tool_workarounds: yes
  attrition_rate: 0.5
  insufficient_training: {source: survey}
"""


@pytest.fixture
def rich(advisor: Advisor):  # type: ignore[no-untyped-def]
    return advisor.advise(parse_text(RICH, advisor.knowledge, "rich.yaml"))


def test_prerequisites_come_first_and_never_in_a_later_phase(rich) -> None:  # type: ignore[no-untyped-def]
    position = {item.remedy: item for item in rich.roadmap}
    assert [i.rank for i in rich.roadmap] == list(range(1, len(rich.roadmap) + 1))
    for item in rich.roadmap:
        for pre in item.depends_on:
            assert position[pre].rank < item.rank
            assert PHASES.index(position[pre].phase) <= PHASES.index(item.phase)


def test_every_prerequisite_of_a_chosen_remedy_is_in_the_roadmap(rich, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    chosen = {i.remedy for i in rich.roadmap}
    for rid in chosen:
        for pre in knowledge.remedies[rid].prerequisites:
            assert pre in chosen, (rid, pre)


def test_rationale_cites_factor_confidence_rule_and_value(rich) -> None:  # type: ignore[no-untyped-def]
    cited = 0
    for item in rich.roadmap:
        if not item.addresses:
            continue
        finding = rich.findings[item.addresses[0]]
        assert finding.name in item.rationale
        assert f"{finding.confidence:.2f}" in item.rationale
        assert finding.support[0].rule in item.rationale
        cited += 1
    assert cited >= 3
    assert any("0.66 against a 0.75 target" in i.rationale for i in rich.roadmap)


def test_strong_causes_get_remedies_and_weak_ones_few(rich) -> None:  # type: ignore[no-untyped-def]
    addressed = {f for item in rich.roadmap for f in item.addresses}
    for cause in rich.causes:
        if cause.confidence >= MIN_CONFIDENCE:
            assert cause.factor in addressed, cause.factor
    assert len(rich.roadmap) <= 14


def test_priorities_are_fractions_and_now_holds_the_top(rich) -> None:  # type: ignore[no-untyped-def]
    assert all(0 <= i.priority <= 1 for i in rich.roadmap)
    top = max(rich.roadmap, key=lambda i: i.priority)
    assert top.phase == "now"


def test_review_date_six_months_after_assessment(rich) -> None:  # type: ignore[no-untyped-def]
    assert rich.review_date.isoformat() == "2024-12-14"


def test_a_factor_that_explains_others_is_more_fundamental(knowledge: Knowledge) -> None:
    g = build_graph(knowledge)
    sources = [(f.id, inf.factor) for f in knowledge.factors.values() for inf in f.influences]
    cause, effect = sources[0]
    scores = fundamentality(g, {cause: 0.6, effect: 0.6})
    assert scores[cause] > scores.get(effect, 0) or scores[cause] == 1.0


def test_a_prerequisite_cycle_is_a_knowledge_error(knowledge: Knowledge) -> None:
    a, b = sorted(knowledge.remedies)[:2]
    remedies = dict(knowledge.remedies)
    remedies[a] = dataclasses.replace(remedies[a], prerequisites=(b,))
    remedies[b] = dataclasses.replace(remedies[b], prerequisites=(a,))
    with pytest.raises(KnowledgeError, match="cycle"):
        build_graph(dataclasses.replace(knowledge, remedies=remedies))


def test_nothing_wrong_means_no_roadmap(advisor: Advisor) -> None:
    healthy = """centre: Calm
assessed: 2024-01-01
observations:
  service_level: {value: 0.85, target: 0.80}
  fcr: {value: 0.82, baseline: 0.80}
  occupancy: 0.80
  overtime_hours: down
  licensed_features_unused: no
  conflicting_directives: no
"""
    advice = advisor.advise(parse_text(healthy, advisor.knowledge))
    assert all(c.confidence < MIN_CONFIDENCE for c in advice.causes)
    assert advice.roadmap == ()


def test_a_strong_cause_gets_a_first_move_now(rich) -> None:  # type: ignore[no-untyped-def]
    for cause in rich.causes:
        if cause.confidence >= 0.7:
            assert any(i.phase == "now" and i.addresses and i.addresses[0] == cause.factor for i in rich.roadmap), cause.factor


def test_a_dependant_starts_after_its_prerequisites_deliver(rich, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    from advisor.roadmap import PHASE_START_WEEK, phase_of_week

    by_id = {i.remedy: i for i in rich.roadmap}
    for item in rich.roadmap:
        for pre in item.depends_on:
            ready = PHASE_START_WEEK[by_id[pre].phase] + knowledge.remedies[pre].time_to_impact_weeks[1]
            assert PHASES.index(item.phase) >= PHASES.index(phase_of_week(ready)), (pre, item.remedy)


def test_a_thin_file_is_called_a_first_view(advisor: Advisor) -> None:
    advice = advisor.advise(parse_text("centre: T\nassessed: 2024-01-01\nobservations:\n  fcr: down\n", advisor.knowledge))
    assert any("first view" in w for w in advice.warnings)
    assert not any("first view" in w for w in advisor.advise(parse_text(RICH, advisor.knowledge)).warnings)
