"""The shipped knowledge base is complete: every factor has rules and remedies, every rule
and remedy has its fields, every signal is used, every benchmark cites a source."""

from __future__ import annotations

from advisor.conditions import branches
from advisor.graph import build_graph, prerequisite_cycle
from advisor.knowledge import FACTOR_IDS, PLACEHOLDER, Knowledge, atoms


def test_all_eight_factors_with_contract_names(knowledge: Knowledge) -> None:
    assert tuple(knowledge.factors) == FACTOR_IDS
    assert knowledge.factors["changing_consumer_behavior"].name == "Changing Consumer Behavior"
    assert knowledge.factors["misaligned_kpis"].name == "Misaligned KPIs"


def test_each_factor_has_enough_rules_with_evidence_against(knowledge: Knowledge) -> None:
    for factor in FACTOR_IDS:
        rules = knowledge.rules_for(factor)
        assert len(rules) >= 5, f"{factor} has {len(rules)} rules"
        assert any(r.certainty < 0 for r in rules), f"{factor} has no evidence-against rule"


def test_each_factor_has_four_remedies(knowledge: Knowledge) -> None:
    for factor in FACTOR_IDS:
        assert len(knowledge.remedies_for(factor)) >= 4, factor


def test_every_rule_is_complete_and_can_fire(knowledge: Knowledge) -> None:
    for rule in knowledge.rules.values():
        assert rule.id and rule.title and rule.because, rule.id
        assert -1 <= rule.certainty <= 1 and rule.certainty != 0, rule.id
        assert branches(rule.when), f"{rule.id} can never fire"
        assert rule.origin is not None and rule.origin.file.startswith("rules/")
        for m in PLACEHOLDER.finditer(rule.because):
            assert m.group(1) == "matched" or m.group(1) in rule.signals, (rule.id, m.group(0))


def test_every_remedy_is_complete(knowledge: Knowledge) -> None:
    for rem in knowledge.remedies.values():
        assert rem.title and rem.description and rem.owner, rem.id
        assert rem.effort in ("low", "medium", "high"), rem.id
        lo, hi = rem.time_to_impact_weeks
        assert 0 <= lo <= hi, rem.id
        assert rem.addresses and all(0 < eff <= 1 for _f, eff in rem.addresses), rem.id
        assert rem.kpis, f"{rem.id} names no KPI to track"
        for pre in rem.prerequisites:
            assert pre in knowledge.remedies, (rem.id, pre)


def test_every_catalogue_signal_is_used_by_a_rule(knowledge: Knowledge) -> None:
    used = {a.signal for r in knowledge.rules.values() for a in atoms(r.when)}
    unused = sorted(set(knowledge.signals) - used)
    assert not unused, f"signals no rule uses: {unused}"


def test_benchmarks_carry_their_source(knowledge: Knowledge) -> None:
    with_benchmark = [s for s in knowledge.signals.values() if s.benchmark is not None]
    assert len(with_benchmark) >= 15
    for sig in with_benchmark:
        assert sig.benchmark.source.strip(), sig.id


def test_contract_catalogue_is_covered(knowledge: Knowledge) -> None:
    for sid in ("fcr", "aht", "occupancy", "new_tool_rolled_out", "conflicting_directives", "rising_contact_complexity"):
        assert sid in knowledge.signals
    assert knowledge.signals["aht"].good == "band" and knowledge.signals["aht"].hurts == "up"
    assert knowledge.signals["contact_volume"].good == "context"


def test_graph_has_no_prerequisite_cycle_and_links_all_layers(knowledge: Knowledge) -> None:
    g = build_graph(knowledge)
    assert prerequisite_cycle(g) == []
    kinds = {d["kind"] for _u, _v, d in g.edges(data=True)}
    assert kinds == {"evidence", "influences", "remedied_by", "requires"}
