"""The command line as a consultant and their scripts use it (through click's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_default_command_prints_a_report(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(str(examples / "harbour_bank.yaml"))
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Harbour Bank Contact Centre" in out
    for heading in ("ROOT CAUSES", "CORE SERVICES", "ROADMAP", "STAFFING"):
        assert heading in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_options_may_come_before_the_file(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("--format", "json", str(examples / "three_signals.yaml"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["centre"] == "Northside Utilities Service Desk"


def test_json_follows_the_contract(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(str(examples / "harbour_bank.yaml"), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    for key in ("centre", "assessed", "causes", "ruled_out", "core_services", "roadmap", "staffing", "business_case", "to_confirm", "warnings"):
        assert key in doc
    assert doc["assessed"] == "2024-06-14"
    confidences = [c["confidence"] for c in doc["causes"]]
    assert confidences == sorted(confidences, reverse=True) and all(0 < c <= 1 for c in confidences)
    assert all(c["confidence"] < 0 for c in doc["ruled_out"])
    for cause in doc["causes"]:
        assert {"factor", "name", "confidence", "evidence"} <= set(cause)
        for ev in cause["evidence"]:
            assert {"rule", "certainty", "observations", "because"} <= set(ev)
    assert [i["rank"] for i in doc["roadmap"]] == list(range(1, len(doc["roadmap"]) + 1))
    phases = ("now", "next", "later")
    seen = {}
    for item in doc["roadmap"]:
        assert {"rank", "remedy", "title", "phase", "addresses", "depends_on", "priority", "rationale"} <= set(item)
        assert item["phase"] in phases
        for dep in item["depends_on"]:
            assert dep in seen and phases.index(seen[dep]) <= phases.index(item["phase"])
        seen[item["remedy"]] = item["phase"]
    assert {s["status"] for s in doc["core_services"]} <= {"on_track", "deviating", "not_assessed"}
    st = doc["staffing"]
    assert {"traffic_erlangs", "agents_needed", "agents_rostered_needed", "agents_rostered", "gap_fte", "service_level_now"} <= set(st)


def test_causes_json_has_only_the_causes(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("causes", str(examples / "three_signals.yaml"), "--format", "json")
    assert r.exit_code == 0, r.output
    assert set(json.loads(r.stdout)) == {"centre", "assessed", "causes", "ruled_out"}


def test_markdown_report(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(str(examples / "harbour_bank.yaml"), "--format", "md")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("# Harbour Bank Contact Centre")
    assert "## Roadmap" in r.stdout and "### Now (0–3 months)" in r.stdout


def test_same_input_same_bytes(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("text", "md", "json"):
        a = run_cli(str(examples / "harbour_bank.yaml"), "--format", fmt).stdout
        b = run_cli(str(examples / "harbour_bank.yaml"), "--format", fmt).stdout
        assert a == b


def test_output_file_is_written(run_cli, examples: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "roadmap.md"
    r = run_cli(str(examples / "harbour_bank.yaml"), "--format", "md", "-o", str(target))
    assert r.exit_code == 0 and r.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# Harbour Bank")
    assert not [p for p in tmp_path.iterdir() if p.name != "roadmap.md"]  # no temporary left behind


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor import cli

    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._use_color(None) is True
    assert cli._use_color("out.txt") is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._use_color(None) is False


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("missing.yaml",), "missing.yaml: no such file"),
        (("causes",), "Missing argument"),
        (("--format", "pdf", "x.yaml"), "Invalid value for '--format'"),
    ],
)
def test_usage_and_input_errors_exit_2(run_cli, args: tuple[str, ...], fragment: str) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(*args)
    assert r.exit_code == 2
    assert fragment in r.stderr
    assert "Traceback" not in r.output


def test_a_typo_in_the_file_names_line_and_suggestion(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "obs.yaml"
    bad.write_text("centre: X\nassessed: 2024-01-01\nobservations:\n  overtime_hour: up\n", encoding="utf-8")
    r = run_cli(str(bad))
    assert r.exit_code == 2
    assert f"{bad}:4:3: unknown signal 'overtime_hour'" in r.stderr
    assert "overtime_hours" in r.stderr


def test_help_carries_an_example(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("--help")
    assert r.exit_code == 0 and "advise examples/harbour_bank.yaml" in r.stdout
    r = run_cli("causes", "--help")
    assert r.exit_code == 0 and "Example" in r.stdout


def test_alignment_names_kpis_on_both_sides(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(run_cli(str(examples / "harbour_bank.yaml"), "--format", "json").stdout)
    al = doc["alignment"]
    # tracked but serving no core service, and serving a core service but not tracked
    assert al["unlinked_kpis"] == ["aht", "occupancy"]
    assert al["untracked_service_kpis"] == ["csat", "service_level", "abandonment_rate"]
