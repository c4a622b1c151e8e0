"""`advise kb check`, `kb show` and `kb graph`: one broken overlay per defect, each found
with its file and line; errors exit 2, warnings alone exit 0."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

DEFECTS = Path(__file__).parent / "kb_defects"

# directory: (code, file relative to the directory, line of the defect)
ERRORS = {
    "unknown_signal": ("unknown-signal", "rules/staffing_gaps.yaml", 6),
    "unknown_factor": ("unknown-factor", "remedies.yaml", 5),
    "unknown_remedy": ("unknown-remedy", "remedies.yaml", 2),
    "duplicate_id": ("duplicate-id", "rules/team_capability.yaml", 8),
    "prerequisite_cycle": ("prerequisite-cycle", "remedies.yaml", 2),
    "never_fires": ("never-fires", "rules/misaligned_kpis.yaml", 3),
    "certainty_out_of_range": ("certainty-range", "rules/staffing_gaps.yaml", 5),
    "missing_rationale": ("missing-rationale", "rules/staffing_gaps.yaml", 3),
}


def test_shipped_knowledge_is_clean(run_cli) -> None:
    r = run_cli("kb", "check")
    assert r.exit_code == 0, r.output
    assert "0 errors, 0 warnings" in r.output
    doc = json.loads(run_cli("kb", "check", "--format", "json").output)
    assert doc["ok"] and doc["problems"] == []


@pytest.mark.parametrize("defect", sorted(ERRORS))
def test_each_defect_is_found_with_file_and_line(run_cli, defect: str) -> None:
    code, rel, line = ERRORS[defect]
    directory = DEFECTS / defect
    r = run_cli("kb", "check", "--kb", str(directory))
    assert r.exit_code == 2, r.output
    assert f"{directory / rel}:{line}:" in r.output
    assert f"[{code}]" in r.output
    doc = json.loads(run_cli("kb", "check", "--kb", str(directory), "--format", "json").output)
    assert [(p["code"], p["line"]) for p in doc["problems"]] == [(code, line)]
    assert doc["problems"][0]["file"] == str(directory / rel)


def test_the_same_defect_stops_a_normal_run(run_cli, examples) -> None:
    r = run_cli(str(examples / "three_signals.yaml"), "--kb", str(DEFECTS / "unknown_signal"))
    assert r.exit_code == 2
    assert "overtime_hourz" in r.output and "overtime_hours" in r.output


def test_every_defect_is_reported_in_one_pass(run_cli) -> None:
    args = ["kb", "check", "--format", "json"]
    for defect in sorted(ERRORS):
        args += ["--kb", str(DEFECTS / defect)]
    r = run_cli(*args)
    assert r.exit_code == 2
    codes = {p["code"] for p in json.loads(r.output)["problems"]}
    assert codes >= {code for code, _, _ in ERRORS.values()}


def test_unused_signal_is_a_warning_and_exits_0(run_cli) -> None:
    directory = DEFECTS / "unused_signal"
    r = run_cli("kb", "check", "--kb", str(directory))
    assert r.exit_code == 0, r.output
    assert f"{directory / 'signals.yaml'}:2:" in r.output
    assert "warning" in r.output and "[unused-signal]" in r.output and "branch_referrals" in r.output


@pytest.mark.parametrize(
    ("remove", "code"),
    [("rules/staffing_gaps.yaml", "factor-without-rules"), ("knowledge_base/remedies.yaml", "factor-without-remedies")],
)
def test_factor_without_rules_or_remedies_is_a_warning(run_cli, tmp_path: Path, remove: str, code: str) -> None:
    base = tmp_path / "kb"
    shutil.copytree(DEFECTS / "minimal", base)
    clean = run_cli("kb", "check", "--standalone", "--kb", str(base))
    assert clean.exit_code == 0 and "0 errors, 0 warnings" in clean.output, clean.output
    (base / remove).unlink()
    r = run_cli("kb", "check", "--standalone", "--kb", str(base), "--format", "json")
    assert r.exit_code == 0, r.output
    found = [p for p in json.loads(r.output)["problems"] if p["code"] == code]
    assert found and all(p["severity"] == "warning" for p in found)
    assert found[0]["file"].endswith("factors.yaml") and found[0]["line"]
    if code == "factor-without-rules":
        assert [p["message"].split()[1] for p in found] == ["staffing_gaps"]
    else:
        assert len(found) == 8


def test_kb_show_lists_everything(run_cli, knowledge) -> None:
    doc = json.loads(run_cli("kb", "show", "--format", "json").output)
    assert [f["id"] for f in doc["factors"]] == list(knowledge.factors)
    assert [r["id"] for r in doc["rules"]] == list(knowledge.rules)
    assert [r["id"] for r in doc["remedies"]] == list(knowledge.remedies)
    assert [s["id"] for s in doc["signals"]] == list(knowledge.signals)
    text = run_cli("kb", "show", "--section", "signals").output
    assert "SIGNALS" in text and "RULES" not in text
    assert all(sid in text for sid in knowledge.signals)


@pytest.mark.parametrize("fmt", ["dot", "graphml", "json"])
def test_kb_graph_exports_the_whole_graph_deterministically(run_cli, knowledge, fmt: str) -> None:
    first = run_cli("kb", "graph", "--format", fmt)
    assert first.exit_code == 0, first.output
    assert first.output == run_cli("kb", "graph", "--format", fmt).output
    expected = {f"signal:{s}" for s in knowledge.signals} | {f"factor:{f}" for f in knowledge.factors} | {f"remedy:{r}" for r in knowledge.remedies}
    if fmt == "json":
        nodes = {n["id"] for n in json.loads(first.output)["nodes"]}
    elif fmt == "graphml":
        root = ElementTree.fromstring(first.output)
        nodes = {n.get("id") for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")}
    else:
        assert first.output.startswith("digraph advisor {") and first.output.rstrip().endswith("}")
        nodes = set(re.findall(r'^  "([^"]+)" \[', first.output, flags=re.M))
        assert 'kind="requires"' in first.output and 'kind="evidence"' in first.output
    assert nodes == expected
