"""`advise --help` answers from a memo of click's own text, and says exactly what click says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _help(tmp_path: Path, *extra: str) -> str:
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    code = "import sys; sys.argv = ['advise', '--help']; from advisor.entry import main; main()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def test_memoised_help_is_clicks_help(tmp_path: Path) -> None:
    first = _help(tmp_path)  # rendered by click, then kept
    kept = list((tmp_path / "cache").glob("help-*.txt"))
    assert len(kept) == 1
    second = _help(tmp_path)  # read back
    env = {**os.environ, "ADVISOR_NO_CACHE": "1", "COLUMNS": "100"}
    code = "import sys; sys.argv = ['advise', '--help']\nfrom advisor.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    direct = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert first == second == direct
    assert "OBSERVATIONS.yaml | COMMAND" in first and "portfolio" in first


def test_a_stale_memo_is_not_used_for_other_code(tmp_path: Path) -> None:
    _help(tmp_path)
    for kept in (tmp_path / "cache").glob("help-*.txt"):
        kept.write_text("stale", encoding="utf-8")
    # the key covers the code and the width: another width is another entry, never the stale one
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "60"}
    code = "import sys; sys.argv = ['advise', '--help']; from advisor.entry import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out != "stale" and "Usage: advise" in out
