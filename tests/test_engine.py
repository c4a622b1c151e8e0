"""The durable-rules engine: nesting, negation, numeric tests and certainty arithmetic."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.certainty import combine, combine_all
from advisor.engine import RuleEngine
from advisor.knowledge import Knowledge, _rule
from advisor.observations import parse_text
from advisor.yamlio import loads


def make_rules(knowledge: Knowledge, text: str) -> Knowledge:
    """A knowledge base whose only rules are those in `text` (a YAML list), all about staffing."""
    seq = loads(text, "rules.yaml")
    rules = {}
    for i, node in enumerate(seq):
        rule = _rule(node, seq.item_mark(i), "staffing_gaps")
        rules[rule.id] = rule
    return dataclasses.replace(knowledge, rules=rules)


def fire(kb: Knowledge, observations: str) -> dict[str, float]:
    text = f"centre: T\nassessed: 2024-01-01\nobservations:\n{observations}"
    firings = RuleEngine(kb).run(parse_text(text, kb))
    return {f.rule: round(f.contribution, 4) for f in firings}


NESTED = """
- id: nested
  title: t
  certainty: 0.8
  because: b
  when:
    all:
      - {signal: overtime_hours, state: worsened}
      - any:
          - {signal: service_level, state: below_target}
          - all:
              - {signal: asa, state: up}
              - {signal: abandonment_rate, above: 0.08}
      - none:
          - {signal: seasonal_peak, state: present}
- id: only-with-evaluate
  title: t
  certainty: -0.5
  because: b
  when:
    all:
      - {signal: service_level, state: on_target}
      - none: [{signal: overtime_hours, state: up}]
"""


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ("  overtime_hours: up\n  service_level: {value: 0.7, target: 0.8}\n", {"nested": 0.8}),
        ("  overtime_hours: up\n  asa: up\n  abandonment_rate: 0.1\n", {"nested": 0.8}),
        ("  overtime_hours: up\n  asa: up\n  abandonment_rate: 0.05\n", {}),
        # the negated pattern holds even though the seasonal peak is asserted after the others
        ("  overtime_hours: up\n  service_level: {value: 0.7, target: 0.8}\n  seasonal_peak: yes\n", {}),
        ("  overtime_hours: up\n  service_level: {value: 0.7, target: 0.8}\n  seasonal_peak: no\n", {"nested": 0.8}),
        ("  service_level: {value: 0.8, target: 0.8}\n", {"only-with-evaluate": -0.5}),
        ("  service_level: {value: 0.8, target: 0.8}\n  overtime_hours: up\n", {}),
    ],
)
def test_nested_any_all_none(knowledge: Knowledge, observations: str, expected: dict[str, float]) -> None:
    assert fire(make_rules(knowledge, NESTED), observations) == expected


SAME_SIGNAL = """
- id: any-but-not
  title: t
  certainty: 0.5
  because: b
  when:
    all:
      - any: [{signal: tool_workarounds, state: present}, {signal: tool_complaints, state: present}]
      - none: [{signal: tool_workarounds, state: present}]
- id: two-tests-one-value
  title: t
  certainty: 0.4
  because: b
  when:
    all:
      - {signal: occupancy, above: 0.85}
      - none: [{signal: occupancy, above: 0.95}]
- id: repeated-signal
  title: t
  certainty: 0.3
  because: b
  when:
    all:
      - {signal: fcr, state: down}
      - any: [{signal: fcr, state: down}, {signal: csat, state: down}]
"""


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        # durable-rules binds a fact to one pattern per rule: each test must still be judged
        # on its own, as written, even when two tests name the same signal
        ("  tool_workarounds: yes\n", {}),
        ("  tool_workarounds: yes\n  tool_complaints: yes\n", {}),
        ("  tool_complaints: yes\n", {"any-but-not": 0.35}),
        ("  occupancy: 0.9\n", {"two-tests-one-value": 0.4}),
        ("  occupancy: 0.97\n", {}),
        ("  fcr: down\n", {"repeated-signal": 0.3}),
    ],
)
def test_tests_on_the_same_signal_are_independent(knowledge: Knowledge, observations: str, expected: dict[str, float]) -> None:
    assert fire(make_rules(knowledge, SAME_SIGNAL), observations) == expected


def test_contribution_is_certainty_times_weakest_confidence(knowledge: Knowledge) -> None:
    kb = make_rules(
        knowledge,
        """
- id: r
  title: t
  certainty: 0.6
  because: b
  when: {all: [{signal: conflicting_directives, state: present}, {signal: fcr, state: down}]}
""",
    )
    got = fire(kb, "  conflicting_directives: {source: anecdote}\n  fcr: down\n")
    assert got == {"r": pytest.approx(0.3)}


def test_a_rule_counts_once_with_its_strongest_branch(knowledge: Knowledge) -> None:
    kb = make_rules(
        knowledge,
        """
- id: r
  title: t
  certainty: 0.5
  because: b
  when:
    any:
      - all: [{signal: fcr, state: down}, {signal: tool_complaints, state: present}]
      - all: [{signal: fcr, state: down}, {signal: csat, state: down}]
""",
    )
    got = fire(kb, "  fcr: down\n  csat: down\n  tool_complaints: {source: anecdote}\n")
    assert got == {"r": 0.5}


def test_an_action_error_is_surfaced(knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor import engine as engine_module
    from advisor.errors import EngineError

    kb = make_rules(knowledge, NESTED)
    monkeypatch.setattr(engine_module, "Match", None)  # calling None inside the action fails
    with pytest.raises(EngineError, match="action failed"):
        fire(kb, "  overtime_hours: up\n  service_level: {value: 0.7, target: 0.8}\n")


def test_mycin_combination() -> None:
    assert combine(0.6, 0.5) == pytest.approx(0.8)
    assert combine(-0.6, -0.5) == pytest.approx(-0.8)
    assert combine(0.6, -0.4) == pytest.approx(0.2 / 0.6)
    assert combine_all([]) == 0


cf = st.floats(min_value=-1, max_value=1, allow_nan=False)


@given(st.lists(cf, max_size=6))
def test_combination_stays_in_range_and_ignores_order(values: list[float]) -> None:
    total = combine_all(values)
    assert -1 <= total <= 1
    assert combine_all(list(reversed(values))) == pytest.approx(total, abs=1e-9)


@given(cf, cf)
def test_evidence_for_raises_and_against_lowers(a: float, b: float) -> None:
    if b > 0:
        assert combine(a, b) >= a - 1e-12
    if b < 0:
        assert combine(a, b) <= a + 1e-12
