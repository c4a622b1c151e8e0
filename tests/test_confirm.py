"""What to check next (`to_confirm`): unobserved signals ranked by how far they could move
the leading causes, checked against the real engine rather than against fixed wording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.advice import Advisor
from advisor.confirm import LIMIT, to_confirm
from advisor.engine import RuleEngine
from advisor.explain import scenarios, with_observation

REQUIRED = {"signal", "name", "would_change", "max_change", "question", "worth"}


@pytest.mark.parametrize("example", ["three_signals.yaml", "harbour_bank.yaml"])
def test_to_confirm_is_in_the_json_ranked_and_unobserved(run_cli, examples, knowledge, example) -> None:
    r = run_cli(str(examples / example), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    items = doc["to_confirm"]
    assert 0 < len(items) <= LIMIT
    observed = {o["signal"] for o in doc["observations"]}
    leading = [c["factor"] for c in doc["causes"][:3]]
    for item in items:
        assert REQUIRED <= set(item)
        assert item["signal"] not in observed
        assert knowledge.signals[item["signal"]].kind != "derived"
        assert item["would_change"] and set(item["would_change"]) <= set(leading)
        assert item["question"].strip()
    keys = [(-t["worth"], -t["max_change"], t["signal"]) for t in items]
    assert keys == sorted(keys)


def test_each_suggestion_really_moves_a_leading_cause_in_the_engine(advisor: Advisor, examples: Path) -> None:
    """Observing the signal in one of its plausible states moves the factor by max_change."""
    assessment = advisor.load(examples / "three_signals.yaml")
    advice = advisor.advise(assessment)
    for check in advice.to_confirm:
        sig = advisor.knowledge.signals[check.signal]
        moves = []
        for sc in scenarios(sig, advisor.knowledge):
            after = advisor.advise(with_observation(assessment, sc.observation)).findings
            moves.append(max(abs(after[f].confidence - advice.findings[f].confidence) for f in check.would_change))
        assert max(moves) == pytest.approx(check.max_change, abs=0.01), check.signal


def test_engine_and_python_runner_rank_the_same(advisor: Advisor, examples: Path) -> None:
    assessment = advisor.load(examples / "three_signals.yaml")
    findings = advisor.advise(assessment).findings
    fast = to_confirm(advisor.knowledge, assessment, findings)
    slow = to_confirm(advisor.knowledge, assessment, findings, runner=RuleEngine(advisor.knowledge))
    assert fast == slow


def test_the_missing_half_of_a_strong_rule_is_asked_for_first(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / "rules").mkdir(parents=True)
    (kb / "signals.yaml").write_text(
        "signals:\n"
        "  - {id: test_queue_audit, kind: finding, name: Queue audit failed, description: The queue audit failed., group: Access and queues}\n"
    )
    (kb / "rules" / "staffing.yaml").write_text(
        "factor: staffing_gaps\nrules:\n"
        "  - id: test-overtime-and-audit\n    title: Overtime with a failed audit\n    certainty: 0.95\n"
        "    when: {all: [{signal: overtime_hours, state: worsened}, {signal: test_queue_audit, state: present}]}\n"
        "    because: Overtime {overtime_hours} and the audit {test_queue_audit}.\n"
    )
    obs = tmp_path / "obs.yaml"
    obs.write_text("centre: T\nassessed: 2024-01-01\nobservations:\n  overtime_hours: up\n  fcr: down\n  new_tool_rolled_out: yes\n")
    advisor = Advisor(kb_dirs=[kb])
    advice = advisor.advise(advisor.load(obs))
    first = advice.to_confirm[0]
    assert first.signal == "test_queue_audit"
    assert "staffing_gaps" in first.would_change


def test_what_to_check_next_is_in_every_report(run_cli, examples) -> None:
    doc = json.loads(run_cli(str(examples / "three_signals.yaml"), "--format", "json").output)
    names = [t["name"] for t in doc["to_confirm"]]
    for fmt in ("text", "md"):
        out = run_cli(str(examples / "three_signals.yaml"), "--format", fmt).output
        assert "check next" in out.lower()
        for name in names:
            assert name in out, (fmt, name)


def test_nothing_to_ask_when_everything_is_observed(advisor: Advisor, examples: Path) -> None:
    assessment = advisor.load(examples / "harbour_bank.yaml")
    everything = assessment
    for sig in advisor.knowledge.signals.values():
        if sig.kind != "derived" and sig.id not in assessment.observations:
            everything = with_observation(everything, scenarios(sig, advisor.knowledge)[0].observation)
    assert to_confirm(advisor.knowledge, everything) == ()
