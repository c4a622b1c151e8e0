"""`advise init`: the annotated questionnaire covers the catalogue, and runs once filled in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from advisor.knowledge import GROUPS


def _template(run_cli, *args: str) -> str:
    r = run_cli("init", *args)
    assert r.exit_code == 0, r.output
    return r.output


def _fill(template: str, values: dict[str, str], centre: str = "Filled Centre") -> str:
    """What a consultant does: name the centre, date the visit, uncomment and fill some lines."""
    text = template.replace("centre: Name of the centre", f"centre: {centre}").replace("assessed: YYYY-MM-DD", "assessed: 2024-09-30")
    for sid, value in values.items():
        text, n = re.subn(rf"^  # {sid}:(\s+)#", rf"  {sid}: {value}\1#", text, count=1, flags=re.M)
        assert n == 1, sid
    return text


def test_every_signal_is_annotated_in_walking_order(run_cli, knowledge) -> None:
    text = _template(run_cli)
    assert isinstance(yaml.safe_load(text), dict)  # valid YAML as it stands
    positions = [text.index(f"==== {g} ") for g in GROUPS if any(s.group == g for s in knowledge.signals.values())]
    assert positions == sorted(positions)
    for sig in knowledge.signals.values():
        if sig.kind == "derived":
            assert f"  #   {sig.id}: " in text  # named as computed, not offered as a line to fill
            assert not re.search(rf"^  # {sig.id}:\s+#", text, flags=re.M)
            continue
        line = re.search(rf"^  # {sig.id}:\s+# (.*)$", text, flags=re.M)
        assert line, sig.id
        block = text[: line.start()].rsplit("\n\n", 1)[1]  # the comment lines above it
        block = " ".join(w for w in block.split() if w != "#")  # unwrapped
        assert sig.name in block
        if sig.is_metric:
            assert sig.unit in block
            assert any(w in block for w in ("higher is better", "lower is better", "band", "context"))
            if sig.benchmark is not None:
                assert "benchmark" in block and sig.benchmark.source in block
        # each signal sits under its own group's heading
        heading = text[: line.start()].rsplit("==== ", 1)[1].split(" =")[0]
        assert heading == sig.group


def test_unfilled_template_is_refused_with_a_located_message(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "blank.yaml"
    path.write_text(_template(run_cli))
    r = run_cli(str(path))
    assert r.exit_code == 2
    assert f"{path}:" in r.output and "Traceback" not in r.output


def test_filled_template_runs(run_cli, knowledge, tmp_path: Path) -> None:
    metric = next(s for s in knowledge.signals.values() if s.kind == "metric" and s.unit == "fraction" and s.good == "up")
    trend = next(s for s in knowledge.signals.values() if s.kind == "metric" and s.good == "down")
    event = next(s for s in knowledge.signals.values() if s.kind == "event")
    finding = next(s for s in knowledge.signals.values() if s.kind == "finding")
    values = {
        metric.id: "{value: 0.6, baseline: 0.7, target: 0.75}",
        trend.id: "up",
        event.id: "{date: 2024-05-01, note: went live}",
        finding.id: "no",
    }
    path = tmp_path / "filled.yaml"
    path.write_text(_fill(_template(run_cli), values))
    r = run_cli(str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["centre"] == "Filled Centre"
    observed = {o["signal"]: o for o in doc["observations"]}
    assert set(values) <= set(observed)
    assert "below_target" in observed[metric.id]["states"]


def test_init_writes_a_file_and_follows_overlays(run_cli, tmp_path: Path) -> None:
    overlay = Path(__file__).resolve().parent.parent / "examples" / "overlay"
    out = tmp_path / "q.yaml"
    r = run_cli("init", "-o", str(out), "--kb", str(overlay))
    assert r.exit_code == 0 and r.output == ""
    text = out.read_text()
    assert "# ombudsman_referrals:" in text
    assert "ombudsman_referrals" not in _template(run_cli)
    filled = tmp_path / "filled.yaml"
    filled.write_text(_fill(text, {"ombudsman_referrals": "{value: 40, baseline: 25}"}))
    assert run_cli(str(filled), "--kb", str(overlay)).exit_code == 0
    assert run_cli(str(filled)).exit_code == 2  # without the overlay the signal is unknown
