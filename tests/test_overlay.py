"""`--kb DIR`: a consultant's own rules, remedies and signals change the advice, are
validated like the shipped files, and reach every command that reads knowledge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

OVERLAY = Path(__file__).resolve().parent.parent / "examples" / "overlay"


def _causes(run_cli, path: Path, *kb: str) -> dict[str, dict]:
    args = [str(path), "--format", "json"]
    for d in kb:
        args += ["--kb", d]
    r = run_cli(*args)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    return {c["factor"]: c for c in doc["causes"] + doc["ruled_out"]}


def test_shipped_overlay_is_clean(run_cli) -> None:
    r = run_cli("kb", "check", "--kb", str(OVERLAY))
    assert r.exit_code == 0 and "0 errors, 0 warnings" in r.output, r.output


def test_an_overlay_rule_changes_the_advice(run_cli, examples) -> None:
    path = examples / "harbour_bank.yaml"
    before = _causes(run_cli, path)
    after = _causes(run_cli, path, str(OVERLAY))
    rule = "bank-new-system-on-a-churning-floor"
    assert rule not in json.dumps(before)
    fired = [e for e in after["team_capability"]["evidence"] if e["rule"] == rule]
    assert fired and fired[0]["observations"] == ["new_tool_rolled_out", "attrition_rate"]
    assert after["team_capability"]["confidence"] > before.get("team_capability", {"confidence": 0.0})["confidence"]


def test_an_overlay_signal_and_its_rule_and_remedy_work_together(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        "centre: Bank\nassessed: 2024-06-01\nobservations:\n"
        "  ombudsman_referrals: {value: 40, baseline: 25}\n  repeat_contact_rate: up\n"
    )
    bad = run_cli(str(path))
    assert bad.exit_code == 2 and "ombudsman_referrals" in bad.output  # unknown without the overlay
    r = run_cli(str(path), "--kb", str(OVERLAY), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    rules = {e["rule"] for c in doc["causes"] for e in c["evidence"]}
    assert "bank-ombudsman-referrals-rising" in rules
    remedies = json.loads(run_cli("remedies", "misaligned_business_processes", "--kb", str(OVERLAY), "--format", "json").output)
    assert "complaint-root-cause-review" in [x["id"] for x in remedies["remedies"]]


def test_an_overlay_replaces_a_shipped_entry_by_id(run_cli, knowledge, tmp_path: Path) -> None:
    shipped = knowledge.remedies_for("staffing_gaps")[0]
    (tmp_path / "remedies.yaml").write_text(
        "remedies:\n"
        f"  - id: {shipped.id}\n    title: Our own version of it\n    description: Replaced by the overlay.\n"
        "    addresses: {staffing_gaps: 0.9}\n    effort: low\n    time_to_impact_weeks: [1, 2]\n"
        "    owner: Consultant\n    kpis: [service_level]\n"
    )
    doc = json.loads(run_cli("remedies", "staffing_gaps", "--kb", str(tmp_path), "--format", "json").output)
    mine = next(x for x in doc["remedies"] if x["id"] == shipped.id)
    assert mine["title"] == "Our own version of it" and mine["effort"] == "low"
    assert [x["id"] for x in doc["remedies"]].count(shipped.id) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["why", "team_capability", "{harbour}"],
        ["causes", "{harbour}"],
        ["kb", "show", "--section", "rules"],
        ["kb", "graph", "--format", "dot"],
        ["init"],
        ["schema"],
        ["remedies", "misaligned_business_processes"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_knowledge_command_takes_kb(run_cli, examples, args: list[str]) -> None:
    args = [a.replace("{harbour}", str(examples / "harbour_bank.yaml")) for a in args]
    plain = run_cli(*args)
    mine = run_cli(*args, "--kb", str(OVERLAY))
    assert plain.exit_code == 0 and mine.exit_code == 0, mine.output
    assert plain.output != mine.output
    assert any(word in mine.output for word in ("bank-", "ombudsman", "complaint-root-cause-review"))


def test_a_broken_overlay_is_refused_with_its_location(run_cli, examples, tmp_path: Path) -> None:
    (tmp_path / "signals.yaml").write_text("signals:\n  - id: my_signal\n    kind: metric\n    name: Mine\n")
    r = run_cli(str(examples / "three_signals.yaml"), "--kb", str(tmp_path))
    assert r.exit_code == 2
    assert f"{tmp_path / 'signals.yaml'}:2:" in r.output
    assert run_cli(str(examples / "three_signals.yaml"), "--kb", str(tmp_path / "missing")).exit_code == 2
