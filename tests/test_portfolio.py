"""`advise portfolio`: many centres, what they share, and bad files named without stopping the rest."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor.advice import Advisor
from advisor.engine import RuleEngine
from advisor.knowledge import Knowledge
from advisor.portfolio import SUSPECTED, run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import generate  # noqa: E402


@pytest.fixture
def mixed(tmp_path: Path, examples: Path, knowledge: Knowledge) -> Path:
    """Four good centres (two examples, two generated) and three bad files."""
    d = tmp_path / "audits"
    generate.generate(d, 2, seed=11, knowledge=knowledge)
    shutil.copy(examples / "harbour_bank.yaml", d / "harbour_bank.yaml")
    shutil.copy(examples / "three_signals.yaml", d / "three_signals.yaml")
    (d / "typo.yaml").write_text("centre: Typo Centre\nassessed: 2024-01-01\nobservations:\n  fcrr: down\n")
    (d / "broken.yaml").write_text("centre: [unclosed\n")
    (d / "empty.yml").write_text("")
    (d / "notes.txt").write_text("not an observations file")
    return d


def test_good_files_are_summarised_and_bad_ones_named(mixed: Path, advisor: Advisor) -> None:
    p = run([str(mixed)], advisor=advisor, jobs=1)
    assert [Path(c.path).name for c in p.centres] == ["centre_00001.yaml", "centre_00002.yaml", "harbour_bank.yaml", "three_signals.yaml"]
    failed = {Path(f.path).name: f.error for f in p.failures}
    assert set(failed) == {"broken.yaml", "empty.yml", "typo.yaml"}
    assert failed["typo.yaml"].startswith(f"{mixed / 'typo.yaml'}:4:3: unknown signal 'fcrr'")
    assert "did you mean 'fcr'" in failed["typo.yaml"]
    assert failed["broken.yaml"].startswith(f"{mixed / 'broken.yaml'}:2:")


def test_the_summary_counts_what_each_centre_says(mixed: Path, advisor: Advisor) -> None:
    p = run([str(mixed)], advisor=advisor, jobs=1)
    advices = [advisor.advise(advisor.load(c.path)) for c in p.centres]
    deviating = sum(1 for a in advices if any(s.status == "deviating" for s in a.core_services))
    assert p.deviating == deviating
    assert p.declared == sum(1 for a in advices if a.core_services)
    stats = {s.factor: s for s in p.factor_stats()}
    for fid in advisor.knowledge.factors:
        suspected = [a.findings[fid].confidence for a in advices if a.findings[fid].confidence >= SUSPECTED]
        assert stats[fid].centres == len(suspected)
        if suspected:
            assert stats[fid].mean_confidence == pytest.approx(sum(suspected) / len(suspected), abs=0.006)
    reach = p.remedy_reach()
    for r in reach:
        assert r.centres == sum(1 for a in advices if r.remedy in [i.remedy for i in a.roadmap])
    assert [r.centres for r in reach] == sorted((r.centres for r in reach), reverse=True)
    for c, a in zip(p.centres, advices):
        assert [rid for rid, _t in c.remedies[:3]] == [i.remedy for i in a.roadmap[:3]]


def test_parallel_run_gives_the_same_portfolio(tmp_path: Path, advisor: Advisor, knowledge: Knowledge) -> None:
    generate.generate(tmp_path, 60, seed=5, knowledge=knowledge)
    (tmp_path / "zz_bad.yaml").write_text("centre: x\n")
    one = run([str(tmp_path)], advisor=advisor, jobs=1)
    two = run([str(tmp_path)], advisor=advisor, jobs=2)
    assert one == two and len(one.centres) == 60 and len(one.failures) == 1


def test_a_reused_engine_answers_as_a_fresh_one(tmp_path: Path, advisor: Advisor, knowledge: Knowledge) -> None:
    paths = generate.generate(tmp_path, 25, seed=9, knowledge=knowledge)
    shared = RuleEngine(knowledge)
    for path in paths * 2:  # each file twice: no session leaks into the next
        assessment = advisor.load(path)
        assert shared.run(assessment) == RuleEngine(knowledge).run(assessment)


def test_cli_exit_2_when_any_file_failed(run_cli: Callable, mixed: Path) -> None:
    result = run_cli("portfolio", str(mixed))
    assert result.exit_code == 2
    assert "WHAT THE CENTRES HAVE IN COMMON" in result.output and "FILES THAT FAILED" in result.output
    assert f"{mixed / 'typo.yaml'}:4:3" in result.output
    assert "Traceback" not in result.output


def test_cli_exit_0_when_all_good(run_cli: Callable, examples: Path) -> None:
    result = run_cli("portfolio", str(examples / "harbour_bank.yaml"), str(examples / "three_signals.yaml"))
    assert result.exit_code == 0, result.output
    assert "Harbour Bank Contact Centre" in result.output and "Northside Utilities Service Desk" in result.output


def test_missing_path_is_a_failure_not_a_stop(run_cli: Callable, examples: Path, tmp_path: Path) -> None:
    result = run_cli("portfolio", str(examples / "harbour_bank.yaml"), str(tmp_path / "nope.yaml"), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.output[: result.output.rindex("}") + 1])
    assert doc["summary"]["centres"] == 1 and doc["failed"][0]["file"] == str(tmp_path / "nope.yaml")


def test_csv_is_one_row_per_file_in_path_order(run_cli: Callable, mixed: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    result = run_cli("portfolio", str(mixed), "--format", "csv", "-o", str(out))
    assert result.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [Path(r["file"]).name for r in rows] == sorted(["broken.yaml", "centre_00001.yaml", "centre_00002.yaml", "empty.yml", "harbour_bank.yaml", "three_signals.yaml", "typo.yaml"])
    assert all(f in rows[0] for f in knowledge.factors)
    assert {Path(r["file"]).name for r in rows if r["error"]} == {"broken.yaml", "empty.yml", "typo.yaml"}
    assert all("\n" not in r["error"] for r in rows)


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json", "csv"])
def test_every_format_is_deterministic(run_cli: Callable, mixed: Path, fmt: str) -> None:
    first = run_cli("portfolio", str(mixed), "--format", fmt, "--jobs", "1").output
    second = run_cli("portfolio", str(mixed), "--format", fmt, "--jobs", "1").output
    assert first == second
    if fmt == "html":
        assert "<!DOCTYPE html>" in first and "class=\"heat\"" in first and "<script" not in first


def test_html_escapes_centre_names(run_cli: Callable, tmp_path: Path, examples: Path) -> None:
    text = (examples / "three_signals.yaml").read_text().replace("Northside Utilities Service Desk", "<i>Evil</i>")
    (tmp_path / "evil.yaml").write_text(text)
    out = run_cli("portfolio", str(tmp_path), "--format", "html").output
    assert "<i>Evil</i>" not in out and "&lt;i&gt;Evil&lt;/i&gt;" in out


def test_the_engine_agrees_with_the_python_evaluator(tmp_path: Path, advisor: Advisor, knowledge: Knowledge) -> None:
    """Facts no rule tests are refused by durable-rules without losing the rest of the batch."""
    from advisor.explain import Evaluator

    evaluator = Evaluator(knowledge)
    for path in generate.generate(tmp_path, 40, seed=13, knowledge=knowledge):
        assessment = advisor.load(path)
        engine = {(f.rule, round(f.contribution, 6)) for f in advisor.engine.run(assessment)}
        python = {(f.rule, round(f.contribution, 6)) for f in evaluator.run(assessment)}
        assert engine == python and engine


def test_a_centre_assessed_twice_counts_once_at_its_latest(run_cli, examples: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("portfolio", str(examples / "harbour_bank.yaml"), str(examples / "harbour_bank_2024H2.yaml"), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [c["assessed"] for c in doc["centres"]] == ["2024-12-10"]
    assert doc["summary"]["centres"] == 1
    assert [e["file"] for e in doc["earlier_assessments"]] == [str(examples / "harbour_bank.yaml")]
