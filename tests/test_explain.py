"""`advise why` and `advise remedies`: HOW a conclusion was reached, near misses, what-ifs.

The Python evaluator behind explanations must agree with durable-rules on what fires; the
rest is checked against small overlays written here, not the shipped rules' wording.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import Advisor
from advisor.certainty import combine_all
from advisor.engine import RuleEngine
from advisor.explain import Evaluator, explain
from advisor.knowledge import load_knowledge
from advisor.observations import parse_text

OVERLAY_SIGNALS = """
signals:
  - id: test_alpha
    kind: finding
    name: Test alpha
    description: A finding made up for the test.
    group: Management and KPIs
  - id: test_beta
    kind: metric
    name: Test beta
    description: A metric made up for the test.
    group: Management and KPIs
    unit: fraction
    good: up
"""
OVERLAY_RULES = """
factor: changing_consumer_behavior
rules:
  - id: test-alpha-and-beta
    title: Alpha with beta falling
    certainty: 0.6
    when:
      all:
        - {signal: test_alpha, state: present}
        - {signal: test_beta, state: worsened}
    because: Alpha is {test_alpha} and beta is {test_beta}.
  - id: test-alpha-against
    title: Alpha absent
    certainty: -0.3
    when: {signal: test_alpha, state: absent}
    because: We looked for alpha and found none.
"""


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("overlay")
    (root / "signals.yaml").write_text(OVERLAY_SIGNALS)
    (root / "rules").mkdir()
    (root / "rules" / "test.yaml").write_text(OVERLAY_RULES)
    return root


def _file(tmp_path: Path, observations: str, name: str = "obs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"centre: Test centre\nassessed: 2024-06-01\nobservations:\n{observations}")
    return path


# ------------------------------------------------------- evaluator agrees with the engine


def _observation_sets() -> st.SearchStrategy[str]:
    kb = load_knowledge()
    metrics = [s for s in kb.signals.values() if s.kind == "metric"]
    presence = [s.id for s in kb.signals.values() if s.kind in ("event", "finding")]

    def metric_value(sig):  # type: ignore[no-untyped-def]
        top = 1.0 if sig.unit == "fraction" else 100.0 if sig.id == "nps" else 7.0 if sig.id == "customer_effort" else 2000.0
        low = -100.0 if sig.id == "nps" else 1.0 if sig.id == "customer_effort" else 0.0
        num = st.floats(min_value=low, max_value=top, allow_nan=False).map(lambda v: round(v, 3))
        return st.one_of(
            st.sampled_from(["up", "down", "flat"]),
            num.map(str),
            st.tuples(num, num, num).map(lambda t: f"{{value: {t[0]}, baseline: {t[1]}, target: {t[2]}}}"),
            st.tuples(num, st.sampled_from(["interview", "anecdote", "survey"])).map(lambda t: f"{{value: {t[0]}, source: {t[1]}}}"),
        )

    metric_entries = st.sampled_from(metrics).flatmap(lambda s: metric_value(s).map(lambda v, s=s: (s.id, v)))
    presence_entries = st.tuples(
        st.sampled_from(presence),
        st.sampled_from(["yes", "no", "{source: anecdote}", "{present: no, source: survey}"]),
    )
    entries = st.lists(st.one_of(metric_entries, presence_entries), min_size=1, max_size=14, unique_by=lambda e: e[0])
    return entries.map(lambda es: "".join(f"  {k}: {v}\n" for k, v in es))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_observation_sets())
def test_python_evaluation_agrees_with_the_engine(body: str) -> None:
    kb = load_knowledge()
    assessment = parse_text(f"centre: Gen\nassessed: 2024-01-01\nobservations:\n{body}", kb)
    engine = {(f.rule, round(f.contribution, 6)) for f in RuleEngine(kb).run(assessment)}
    python = {(f.rule, round(f.contribution, 6)) for f in Evaluator(kb).run(assessment)}
    assert python == engine


# -------------------------------------------------------------------------------- why


def test_why_lists_every_fired_rule_and_combines_to_the_finding(run_cli, examples) -> None:
    advice = json.loads(run_cli(str(examples / "harbour_bank.yaml"), "--format", "json").output)
    top = advice["causes"][0]
    r = run_cli("why", top["factor"], str(examples / "harbour_bank.yaml"), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["factor"] == top["factor"] and doc["status"] == "suspected" and doc["rank"] == 1
    assert {f["rule"] for f in doc["fired"]} == {e["rule"] for e in top["evidence"] if e["certainty"] > 0}
    for fired in doc["fired"]:
        assert fired["matched"], fired["rule"]
        assert all(m["observed"] for m in fired["matched"])
        assert fired["certainty"] == pytest.approx(fired["rule_certainty"] * fired["weakest_confidence"], abs=0.01)
    assert doc["steps"][-1]["total"] == pytest.approx(top["confidence"], abs=0.01)
    running = [s["total"] for s in doc["steps"]]
    assert running == sorted(running)  # evidence for only ever adds certainty


def test_why_text_reads_as_an_explanation(run_cli, examples) -> None:
    r = run_cli("why", "staffing_gaps", str(examples / "harbour_bank.yaml"))
    assert r.exit_code == 0, r.output
    for heading in ("HOW WE GOT THERE", "EVIDENCE AGAINST", "NEARLY FIRED", "WHAT WOULD CHANGE THE CONCLUSION"):
        assert heading in r.output
    doc = json.loads(run_cli("why", "staffing_gaps", str(examples / "harbour_bank.yaml"), "--format", "json").output)
    for fired in doc["fired"]:
        assert fired["rule"] in r.output
    md = run_cli("why", "Staffing Gaps", str(examples / "harbour_bank.yaml"), "--format", "md")
    assert md.exit_code == 0 and md.output.startswith("# Why Staffing Gaps?")


def test_why_factor_typo_suggests_the_nearest_id(run_cli, examples) -> None:
    r = run_cli("why", "staffing_gap", str(examples / "harbour_bank.yaml"))
    assert r.exit_code == 2
    assert "staffing_gaps" in r.output and "Traceback" not in r.output


def test_near_miss_names_what_held_failed_and_was_not_observed(run_cli, tmp_path, overlay) -> None:
    path = _file(tmp_path, "  test_alpha: yes\n")
    doc = json.loads(run_cli("why", "changing_consumer_behavior", str(path), "--kb", str(overlay), "--format", "json").output)
    miss = next(m for m in doc["near_misses"] if m["rule"] == "test-alpha-and-beta")
    assert [t["status"] for t in miss["held"]] == ["held"]
    assert "Test alpha" in miss["held"][0]["test"]
    assert [t["test"] for t in miss["not_observed"]] == ["Test beta worsened"]
    assert miss["failed"] == []
    # observing beta would complete the rule: the what-if says so, with the rule's certainty
    beta = next(w for w in doc["what_if"] if w["signal"] == "test_beta")
    assert beta["kind"] == "if_observed" and beta["change"] == pytest.approx(0.42, abs=0.01)  # 0.6 x interview 0.7

    path = _file(tmp_path, "  test_alpha: yes\n  test_beta: {value: 0.5, baseline: 0.4}\n", "improved.yaml")
    doc = json.loads(run_cli("why", "changing_consumer_behavior", str(path), "--kb", str(overlay), "--format", "json").output)
    miss = next(m for m in doc["near_misses"] if m["rule"] == "test-alpha-and-beta")
    assert [t["test"] for t in miss["failed"]] == ["Test beta worsened"]
    assert "0.50" in miss["failed"][0]["observed"][0]


def test_evidence_against_is_weighed_step_by_step(tmp_path, overlay) -> None:
    advisor = Advisor(kb_dirs=[overlay])
    path = _file(tmp_path, "  test_alpha: no\n  new_channel_launched: yes\n  customers_prefer_digital: yes\n")
    assessment = advisor.load(path)
    advice = advisor.advise(assessment)
    exp = explain("changing_consumer_behavior", advice.findings, advice.firings, assessment, advisor.knowledge)
    assert [f.rule for f in exp.against] == ["test-alpha-against"]
    assert exp.against[0].contribution == pytest.approx(-0.3 * 0.7, abs=1e-6)
    expected = combine_all([f.contribution for f in exp.fired] + [f.contribution for f in exp.against])
    final = exp.weighed.total if exp.weighed else exp.steps_against[-1].total
    assert final == pytest.approx(expected, abs=1e-3) == pytest.approx(exp.confidence, abs=1e-3)


def test_unobserved_factor_explains_what_to_look_for(run_cli, tmp_path, overlay) -> None:
    path = _file(tmp_path, "  test_beta: {value: 0.3, baseline: 0.5}\n")
    r = run_cli("why", "changing_consumer_behavior", str(path), "--kb", str(overlay))
    assert r.exit_code == 0, r.output
    assert "Test alpha" in r.output.split("WHAT WOULD CHANGE THE CONCLUSION")[1]


# ---------------------------------------------------------------------------- remedies


def test_remedies_lists_what_the_knowledge_offers(run_cli, knowledge) -> None:
    r = run_cli("remedies", "staffing_gaps", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    ids = [x["id"] for x in doc["remedies"]]
    assert ids == [x.id for x in knowledge.remedies_for("staffing_gaps")]
    eff = [x["effectiveness"] for x in doc["remedies"]]
    assert eff == sorted(eff, reverse=True)
    for item in doc["remedies"]:
        assert {"effort", "time_to_impact_weeks", "owner", "prerequisites", "kpis"} <= set(item)
        assert set(p["id"] for p in item["prerequisites"]) <= set(item["all_prerequisites"])
    text = run_cli("remedies", "Staffing Gaps")
    assert text.exit_code == 0 and all(i in text.output for i in ids)
    assert run_cli("remedies", "staffing").exit_code == 2
