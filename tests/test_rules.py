"""Rule behaviour as data: small observation sets with the rules that must and must not fire.

Each file in tests/rule_cases/ holds `cases:`, each with `name`, `observations` (as in an
observations file), optional `context`, `core_services` and `kpis_tracked`, and the lists
`fires` and `does_not_fire` of rule ids (a rule superseded by a stronger one that fired
counts as not firing). Optionally `causes_first: FACTOR` checks the
top-ranked cause and `ruled_out: [FACTOR]` that those factors end up negative.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.advice import Advisor
from advisor.findings import supersede
from advisor.observations import parse

CASES_DIR = Path(__file__).parent / "rule_cases"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            out.append(pytest.param(path.name, case, id=f"{path.stem}: {case['name']}"))
    return out


def _document(case: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"centre": "Rule case", "assessed": "2025-06-30", "observations": case["observations"]}
    for key in ("context", "core_services", "kpis_tracked"):
        if key in case:
            doc[key] = case[key]
    return doc


@pytest.mark.parametrize(("file", "case"), _cases())
def test_rule_case(advisor: Advisor, file: str, case: dict[str, Any]) -> None:
    from advisor.yamlio import loads

    text = yaml.safe_dump(_document(case), sort_keys=False, allow_unicode=True)
    assessment = parse(loads(text, f"{file}:{case['name']}"), advisor.knowledge, file)
    advice = advisor.advise(assessment)
    # what counts: a rule that fired but was superseded by a stronger one does not
    fired = {f.rule for f in supersede(advice.firings, advisor.knowledge)}
    for rule in case.get("fires", []):
        assert rule in advisor.knowledge.rules, f"unknown rule id {rule} in {file}"
        assert rule in fired, f"{rule} should fire; fired: {sorted(fired)}"
    for rule in case.get("does_not_fire", []):
        assert rule in advisor.knowledge.rules, f"unknown rule id {rule} in {file}"
        assert rule not in fired, f"{rule} should not fire"
    if "causes_first" in case:
        assert advice.causes, "no cause was found"
        assert advice.causes[0].factor == case["causes_first"], [(c.factor, c.confidence) for c in advice.causes]
    for factor in case.get("ruled_out", []):
        assert advice.findings[factor].confidence < 0, (factor, advice.findings[factor].confidence)


def test_every_factor_has_rule_cases(knowledge) -> None:  # type: ignore[no-untyped-def]
    """Each factor's rules are exercised by at least one case that fires and one that must not."""
    fired_somewhere: set[str] = set()
    guarded: set[str] = set()
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            fired_somewhere.update(case.get("fires", []))
            guarded.update(case.get("does_not_fire", []))
    for factor in knowledge.factors:
        rules = {r.id for r in knowledge.rules_for(factor)}
        assert rules & fired_somewhere, f"no case makes a {factor} rule fire"
        assert rules & guarded, f"no case checks that a {factor} rule stays quiet"
