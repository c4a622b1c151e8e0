"""The hostile-input corpus: every malformed or odd file in tests/corpus, run through the CLI.

The expectations are data (tests/corpus/cases.yaml: exit code and message fragments per
file), so a case is added by adding a file and a line. A bad input must give exit 2 and a
short message on stderr that names the file, line and column and the words needed to fix
it, never a traceback; an odd-but-valid input must give a report.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.yamlio import MAX_BYTES, load_path

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = load_path(CORPUS / "cases.yaml")  # our own loader: duplicate entries are an error
CASES = sorted(MANIFEST["cases"].items())
BAD = [(name, spec) for name, spec in CASES if spec["exit"] != 0]
GOOD = [(name, spec) for name, spec in CASES if spec["exit"] == 0]


def advise(*argv: str) -> int:
    """Run the console entry point in-process; its exit code."""
    try:
        main(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def argv_for(name: str, spec: Any) -> list[str]:
    if spec.get("kind") == "kb":
        return ["valid_minimal.yaml", "--kb", name]
    return [name, *spec.get("args", [])]


def assert_clean_user_error(err: str) -> None:
    """One message (and at most a hint) on stderr, from us, not a traceback."""
    assert err.startswith("advise: "), err
    assert "Traceback" not in err
    lines = err.rstrip("\n").splitlines()
    assert len(lines) <= 2, err
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), err


def test_corpus_is_large_and_every_file_has_an_entry() -> None:
    assert len(BAD) >= 60
    on_disk = {p.name for p in CORPUS.iterdir() if not p.name.startswith(".")} - {"cases.yaml"}
    described = {name for name, spec in CASES if spec.get("kind") != "missing"}
    assert on_disk == described
    for name, spec in CASES:
        assert (spec.get("kind") == "missing") != (CORPUS / name).exists(), name


@pytest.mark.parametrize(("name", "spec"), BAD, ids=[name for name, _ in BAD])
def test_bad_input_is_a_clear_user_error(name: str, spec: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(CORPUS)
    code = advise(*argv_for(name, spec))
    out, err = capsys.readouterr()
    assert code == spec["exit"], err
    assert out == ""
    assert_clean_user_error(err)
    for fragment in spec["message"]:
        assert fragment in err, f"{fragment!r} not in {err!r}"


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
@pytest.mark.parametrize(("name", "spec"), GOOD, ids=[name for name, _ in GOOD])
def test_odd_but_valid_input_gives_a_report(
    name: str, spec: Any, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(CORPUS)
    code = advise(*argv_for(name, spec), "--format", fmt)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    if fmt == "json":  # the centre exactly as written: no byte-order mark, no stray \r
        assert json.loads(out)["centre"] == spec["centre"]
    else:
        for fragment in spec["stdout"]:
            assert fragment in out, fragment


def test_tags_never_run_code(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The Python-tag cases would write pwned.txt if anything constructed their objects."""
    monkeypatch.chdir(CORPUS)
    for name in ("python_object_apply.yaml", "python_name_tag.yaml", "python_module_key.yaml"):
        assert advise(name) == 2
    assert advise("valid_minimal.yaml", "--kb", "kb_python_tag") == 2
    capsys.readouterr()
    assert not (CORPUS / "pwned.txt").exists()


# ------------------------------------------------- cases that cannot be kept as files in git


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("centre: X\nassessed: 2024-06-14\nobservations: {fcr: down}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: make the read itself fail instead
        real_open = Path.open

        def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self.name == "locked.yaml":
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refuse)
    try:
        assert advise(str(path)) == 2
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    err = capsys.readouterr().err
    assert_clean_user_error(err)
    assert f"{path}: permission denied" in err


def test_file_above_the_default_cap_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.yaml"
    note = "x" * MAX_BYTES
    path.write_text(f"centre: X\nassessed: 2024-06-14\nobservations:\n  new_tool_rolled_out: {{note: {note}}}\n")
    assert advise(str(path)) == 2
    err = capsys.readouterr().err
    assert_clean_user_error(err)
    assert "above the 1,048,576-byte limit" in err and "--max-bytes" in err
    # and the option really raises it
    assert advise(str(path), "--max-bytes", str(2 * MAX_BYTES), "--format", "json") == 0


def test_endless_device_stops_at_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero reports a size of 0 and never ends: the read must be bounded, not hang."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert advise("/dev/zero", "--max-bytes", "4096") == 2
    err = capsys.readouterr().err
    assert_clean_user_error(err)
    assert "/dev/zero: file is above the 4,096-byte limit" in err
