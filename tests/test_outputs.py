"""Outputs: written atomically, never half a file, never over an input, same bytes every run.

In-process runs (through `advisor.cli.main`) check the file-system behaviour; subprocesses
check what only a real process shows: hash seeds, a reader that goes away, a closed stdout.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import advisor.outputs
from advisor.cli import main
from advisor.outputs import write_atomic

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HARBOUR = EXAMPLES / "harbour_bank.yaml"
BAD = ROOT / "tests" / "corpus" / "unknown_signal_typo.yaml"


def advise(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def leftovers(directory: Path) -> list[str]:
    """Temporary files write_atomic may have left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def formats() -> list[str]:
    """The report formats `advise FILE` offers (html once the reports work has landed)."""
    from advisor.cli import run_cmd

    option = next(p for p in run_cmd.params if p.name == "fmt")
    return list(option.type.choices)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- atomic writes


def test_report_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "advice.json"
    assert advise(str(HARBOUR), "--format", "json", "-o", str(out)) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text(encoding="utf-8"))["centre"] == "Harbour Bank Contact Centre"
    assert leftovers(tmp_path) == []


def test_failed_run_leaves_the_existing_report_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "roadmap.md"
    out.write_text("last week's report\n")
    assert advise(str(BAD), "--format", "md", "-o", str(out)) == 2
    assert "unknown signal 'overtime_hour'" in capsys.readouterr().err
    assert out.read_text() == "last week's report\n"
    assert leftovers(tmp_path) == []


def test_failure_while_writing_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "roadmap.md"
    out.write_text("old\n")

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(advisor.outputs.os, "replace", full_disk)
    with pytest.raises(advisor.outputs.UserError, match="No space left on device"):
        write_atomic(out, "new\n" * 1000)
    assert out.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_interrupt_while_writing_removes_the_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "roadmap.md"
    out.write_text("old\n")

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(advisor.outputs.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(out, "new\n")
    assert out.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_replacing_a_report_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "shared.md"
    out.write_text("old\n")
    out.chmod(0o640)
    write_atomic(out, "new\n")
    assert out.read_text() == "new\n"
    assert out.stat().st_mode & 0o777 == 0o640


def test_missing_output_directory_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "reports" / "2024"
    assert advise(str(HARBOUR), "-o", str(missing / "advice.txt")) == 2
    err = capsys.readouterr().err
    assert f"{missing}: the output directory does not exist" in err
    assert "Traceback" not in err
    assert not missing.exists()


def test_read_only_location_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: make creating the file fail instead
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(advisor.outputs.tempfile, "mkstemp", refuse)
        assert advise(str(HARBOUR), "-o", str(locked / "advice.txt")) == 2
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert f"{locked}: cannot write to the output directory: Permission denied" in err
    assert list(locked.iterdir()) == []


def test_output_path_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert advise(str(HARBOUR), "-o", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "Traceback" not in err


# ----------------------------------------------------------------- never over an input


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_output_over_the_input_is_refused(spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`advise obs.yaml -o obs.yaml` would replace the observations with the report."""
    monkeypatch.chdir(tmp_path)
    original = HARBOUR.read_bytes()
    Path("obs.yaml").write_bytes(original)
    target = {"same": "obs.yaml", "dotted": "./sub/../obs.yaml", "symlink": "link.yaml", "hardlink": "hard.yaml"}[spelling]
    Path("sub").mkdir()
    if spelling == "symlink":
        Path("link.yaml").symlink_to("obs.yaml")
    if spelling == "hardlink":
        os.link("obs.yaml", "hard.yaml")
    assert advise("obs.yaml", "--format", "md", "-o", target) == 2
    err = capsys.readouterr().err
    assert f"{target}: refusing to write the output over a file this run has read as input" in err
    assert Path("obs.yaml").read_bytes() == original
    assert leftovers(tmp_path) == []


def test_output_over_a_knowledge_overlay_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = tmp_path / "kb" / "rules"
    overlay.mkdir(parents=True)
    rule = overlay / "mine.yaml"
    body = (
        "factor: staffing_gaps\nrules:\n  - id: my-overtime-rule\n    title: Overtime up\n"
        "    certainty: 0.3\n    when: {signal: overtime_hours, state: up}\n    because: Overtime is {overtime_hours}.\n"
    )
    rule.write_text(body)
    assert advise(str(HARBOUR), "--kb", str(tmp_path / "kb"), "-o", str(rule)) == 2
    assert "refusing to write the output over a file this run has read" in capsys.readouterr().err
    assert rule.read_text() == body


def test_output_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old\n")
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    assert advise(str(HARBOUR), "--format", "md", "-o", str(link)) == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("# Harbour Bank Contact Centre")


def test_a_later_run_may_write_where_an_earlier_run_read(tmp_path: Path) -> None:
    """The refusal is per run: a file read by an earlier `main()` call is not protected."""
    copy = tmp_path / "obs.yaml"
    copy.write_bytes(HARBOUR.read_bytes())
    assert advise(str(copy), "--format", "json", "-o", str(tmp_path / "a.json")) == 0
    out = tmp_path / "a.json"
    assert advise(str(HARBOUR), "--format", "json", "-o", str(out)) == 0


# ------------------------------------------------------------------------ determinism

_DRIVER = """
import sys
from advisor.cli import main
src, out, fmts = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
for fmt in fmts:
    try:
        main([src, "--format", fmt, "-o", f"{out}/advice.{fmt}"])
    except SystemExit as exc:
        assert not exc.code, exc.code
"""


def _start(seed: str, out: Path, cache: Path) -> subprocess.Popen[bytes]:
    """One process rendering every format of the same file under a given hash seed."""
    out.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed, "ADVISOR_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(HARBOUR), str(out), ",".join(formats())],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen[bytes], out: Path) -> dict[str, bytes]:
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return {fmt: (out / f"advice.{fmt}").read_bytes() for fmt in formats()}


def test_same_bytes_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    """Dict and set order must never leak: three processes, three hash seeds, one result.
    The first run fills a fresh knowledge cache and the later two (run side by side) read
    it, so a cache hit must not change a byte either."""
    cache = tmp_path / "cache"
    first = _finish(_start("0", tmp_path / "seed0", cache), tmp_path / "seed0")
    later = {seed: _start(seed, tmp_path / f"seed{seed}", cache) for seed in ("1", "4242")}
    results = [_finish(proc, tmp_path / f"seed{seed}") for seed, proc in later.items()]
    assert all(first[fmt] for fmt in first)
    for result in results:
        for fmt in first:
            assert result[fmt] == first[fmt], f"{fmt} differs between hash seeds"


# ----------------------------------------------------------------------- standard output


def _advise_process(*args: str) -> list[str]:
    return [sys.executable, "-m", "advisor", *args]


def test_reader_that_stops_early_gets_no_traceback() -> None:
    """`advise FILE | head -1`: the reader is gone before we write; exit 0, stderr empty."""
    proc = subprocess.Popen(
        _advise_process(str(HARBOUR), "--format", "json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the advisor has written anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert err == ""


def test_pipe_to_head_through_a_shell() -> None:
    result = subprocess.run(
        f"{sys.executable} -m advisor {HARBOUR} | head -1",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.stdout.startswith("Harbour Bank Contact Centre")
    assert result.stderr == ""


def test_closed_stdout_is_a_clear_error() -> None:
    result = subprocess.run(
        f"{sys.executable} -m advisor {HARBOUR} >&-",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 2
    assert "standard output is closed" in result.stderr and "-o FILE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_full_stdout_is_a_clear_error() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            _advise_process(str(HARBOUR)), stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
        )
    assert result.returncode == 2
    assert "cannot write to standard output: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ markup in free text

_MARKED = """\
centre: "<x-centre>Harbour</x-centre> & co"
assessed: 2024-06-14
period: "<x-period>H1</x-period>"
assessor: "<script>assessor()</script>"
core_services:
  - {id: cards, name: "<x-service>Cards</x-service>", kpis: [fcr, csat]}
kpis_tracked: ["<x-kpi>calls</x-kpi>", fcr]
context: {currency: "<x-cur>", hourly_cost: 30, agents: 100, replacement_cost: 14000, contacts_per_month: 50000, cost_per_contact: 6}
observations:
  fcr: {value: 0.6, baseline: 0.75, target: 0.8}
  csat: {value: 0.6, baseline: 0.8}
  overtime_hours: up
  attrition_rate: 50%
  new_tool_rolled_out: {date: 2024-03-01, note: "<img src=x onerror=alert(1)>"}
  conflicting_directives: {source: interview, confidence: 0.8, note: "<x-finding href='x'>two bosses</x-finding>"}
  tool_workarounds: {note: "</td></tr></table><h1>break</h1>"}
"""
_OVERLAY_RULE = """\
factor: staffing_gaps
rules:
  - id: marked-overtime
    title: "<x-title>rule</x-title>"
    certainty: 0.4
    when: {signal: overtime_hours, state: up}
    because: "<x-because>overtime</x-because> is {overtime_hours}"
"""
_OVERLAY_REMEDY = """\
remedies:
  - id: marked-remedy
    title: "<x-remedy>title</x-remedy>"
    description: "<x-desc>description</x-desc>"
    addresses: {staffing_gaps: 0.9}
    effort: low
    time_to_impact_weeks: [1, 4]
    owner: "<x-owner>ops</x-owner>"
    kpis: [overtime_hours]
"""
# the markup each free-text field carries, as written (the x- tags are not in any template)
_MARKUP = {
    "centre": "<x-centre>",
    "period": "<x-period>",
    "assessor": "<script>assessor()",
    "service name": "<x-service>",
    "tracked KPI": "<x-kpi>",
    "event note": "<img src=x onerror",
    "finding note": "<x-finding href=",
    "finding note closing a table": "</table><h1>break",
    "rule because": "<x-because>",
    "remedy title": "<x-remedy>",
    "remedy owner": "<x-owner>",
}
_ALSO_RAW = ["<x-cur>", "<x-title>", "<x-desc>"]  # shown or not, never raw


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    (tmp_path / "kb" / "rules").mkdir(parents=True)
    (tmp_path / "kb" / "knowledge_base").mkdir()
    (tmp_path / "kb" / "rules" / "marked.yaml").write_text(_OVERLAY_RULE)
    (tmp_path / "kb" / "knowledge_base" / "remedies.yaml").write_text(_OVERLAY_REMEDY)
    (tmp_path / "marked.yaml").write_text(_MARKED)
    return tmp_path


def _render_marked(marked: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert advise(str(marked / "marked.yaml"), "--kb", str(marked / "kb"), "--format", fmt) == 0
    return capsys.readouterr().out


def test_markup_in_every_free_text_field_is_escaped_in_markdown(marked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _render_marked(marked, "md", capsys)
    assert not re.search(r"(?<!\\)<", out), "every < is escaped, so no markup reaches a Markdown renderer"
    for field, markup in _MARKUP.items():
        escaped = markup.replace("<", "\\<").replace(">", "\\>")
        assert escaped in out, f"the {field} is not shown (escaped)"


@pytest.mark.skipif("html" not in formats(), reason="--format html has not landed")
def test_markup_in_every_free_text_field_is_escaped_in_html(marked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _render_marked(marked, "html", capsys)
    for markup in [*_MARKUP.values(), *_ALSO_RAW]:
        assert markup not in out, f"raw {markup!r} in the page"
    for field, markup in _MARKUP.items():
        assert html.escape(markup, quote=False) in out, f"the {field} is not shown (escaped)"


def test_read_only_report_is_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rename would replace a read-only file regardless; someone made it read-only on purpose."""
    out = tmp_path / "signed-off.md"
    out.write_text("the version the client signed\n")
    out.chmod(0o444)
    try:
        assert advise(str(HARBOUR), "--format", "md", "-o", str(out)) == 2
    finally:
        out.chmod(0o644)
    assert f"{out}: the output file is read-only" in capsys.readouterr().err
    assert out.read_text() == "the version the client signed\n"
    assert leftovers(tmp_path) == []
