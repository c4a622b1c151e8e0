"""Internal errors: one line and exit 1; `--debug` shows the traceback; user errors stay exit 2.

A bug is simulated by making a piece of the pipeline raise, in-process with monkeypatch and,
where the traceback itself must be seen, in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import advisor.advice
import advisor.engine
from advisor.cli import main
from advisor.errors import EngineError

ROOT = Path(__file__).resolve().parent.parent
THREE = ROOT / "examples" / "three_signals.yaml"


def advise(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("simulated bug\nwith a second line that must not reach the user")


def test_internal_error_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(advisor.advice.Advisor, "advise", _explode)
    assert advise(str(THREE)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("advise: internal error: RuntimeError: simulated bug")
    assert "rerun with --debug" in err
    assert "Traceback" not in err and "second line" not in err


def test_debug_re_raises_for_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(advisor.advice.Advisor, "advise", _explode)
    with pytest.raises(RuntimeError, match="simulated bug"):
        main([str(THREE), "--debug"])


def test_debug_flag_may_come_anywhere_and_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(advisor.advice.Advisor, "advise", _explode)
    with pytest.raises(RuntimeError):
        main(["--debug", "causes", str(THREE)])
    monkeypatch.setenv("ADVISE_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main([str(THREE)])


_BUGGY = """
import sys
import advisor.advice

def explode(*args, **kwargs):
    raise RuntimeError("simulated bug")

advisor.advice.Advisor.advise = explode
from advisor.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_traceback_only_with_debug_in_a_real_process(debug: bool) -> None:
    args = [str(THREE)] + (["--debug"] if debug else [])
    result = subprocess.run(
        [sys.executable, "-c", _BUGGY, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "ADVISE_DEBUG": ""},
    )
    assert result.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in result.stderr
        assert "RuntimeError: simulated bug" in result.stderr
    else:
        assert result.stderr == "advise: internal error: RuntimeError: simulated bug (rerun with --debug for the traceback)\n"


def test_user_error_with_debug_is_still_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert advise("no-such-file.yaml", "--debug") == 2
    err = capsys.readouterr().err
    assert err == "advise: no-such-file.yaml: no such file\n"


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert advise(str(THREE), "--format", "pdf") == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--format'" in err and "Traceback" not in err


def test_interrupt_is_exit_130_without_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(advisor.advice.Advisor, "advise", interrupted)
    assert advise(str(THREE)) == 130
    err = capsys.readouterr().err
    assert "advise: interrupted" in err and "Traceback" not in err


# ---------------------------------------------------------------- the rule engine's actions


def _failing_match(**kwargs: Any) -> Any:
    raise ZeroDivisionError("action blew up")


def test_action_error_inside_durable_rules_is_surfaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules swallows an action's exception into its state; the engine must raise it."""
    monkeypatch.setattr(advisor.engine, "Match", _failing_match)
    adv = advisor.advice.Advisor()
    with pytest.raises(EngineError, match="action blew up") as caught:
        adv.advise(adv.load(THREE))
    assert "traceback" not in str(caught.value)  # the message is one readable line ...
    assert caught.value.detail and "traceback" in caught.value.detail  # ... the detail keeps it


def test_action_error_reaches_the_user_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(advisor.engine, "Match", _failing_match)
    assert advise(str(THREE)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("advise: internal error in the rule engine: EngineError: a rule action failed inside durable-rules")
    assert "action blew up" in err and "rerun with --debug" in err


def test_action_error_with_debug_shows_what_durable_rules_reported(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(advisor.engine, "Match", _failing_match)
    with pytest.raises(EngineError):
        main([str(THREE), "--debug"])
    err = capsys.readouterr().err
    assert "durable-rules reported" in err and "traceback" in err


# ------------------------------------------------------------------ `advise FILE` and options


def test_options_may_come_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`advise -o out.md causes FILE` is the causes command, not `run` with a stray argument."""
    out = tmp_path / "causes.md"
    assert advise("-o", str(out), "--format", "md", "causes", str(THREE)) == 0
    assert out.read_text(encoding="utf-8").startswith("# Northside Utilities Service Desk: root causes")
    assert advise("--format", "json", str(THREE)) == 0  # and a file after options is still `run`
    assert '"roadmap"' in capsys.readouterr().out
