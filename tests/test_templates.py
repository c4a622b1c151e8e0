"""Templates: shipped ones strict and autoescaped; a consultant's own replace them, sandboxed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from advisor.render import environment
from advisor.shipped import shipped_dir


@pytest.fixture
def harbour(examples: Path) -> str:
    return str(examples / "harbour_bank.yaml")


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_shipped_templates_compile_strict_and_escaped() -> None:
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    names = sorted(p.name for p in shipped_dir("recommendations").iterdir() if p.name.endswith(".j2"))
    assert "advice.html.j2" in names
    for name in names:
        env.get_template(name)
    assert env.autoescape("advice.html.j2") is True
    assert env.autoescape("advice.md.j2") is False


def test_own_template_replaces_the_shipped_one(run_cli: Any, harbour: str, tmp_path: Path) -> None:
    mine = write(tmp_path / "t", "advice.md.j2", "# Report for {{ doc.centre }}\n{% include '_causes.md.j2' %}")
    result = run_cli(harbour, "--format", "md", "--templates", str(mine))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Report for Harbour Bank Contact Centre\n")
    assert "## Root causes" in result.output  # the shipped partial, reached through the fallback


def test_missing_templates_fall_back_to_the_shipped_ones(run_cli: Any, harbour: str, tmp_path: Path) -> None:
    mine = write(tmp_path / "t", "advice.md.j2", "mine\n")
    shipped = run_cli(harbour, "--format", "html").output
    result = run_cli(harbour, "--format", "html", "--templates", str(mine))
    assert result.exit_code == 0
    assert result.output == shipped


def test_own_html_template_is_autoescaped(run_cli: Any, tmp_path: Path) -> None:
    obs = tmp_path / "c.yaml"
    obs.write_text('centre: "<script>x</script>"\nassessed: 2024-06-14\nobservations:\n  fcr: 0.6\n', encoding="utf-8")
    mine = write(tmp_path / "t", "advice.html.j2", "<h1>{{ doc.centre }}</h1>\n")
    result = run_cli(str(obs), "--format", "html", "--templates", str(mine))
    assert result.exit_code == 0
    assert result.output == "<h1>&lt;script&gt;x&lt;/script&gt;</h1>\n"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("ok\n{{ advice.__class__.__mro__ }}\n", "unsafe"),
        ("ok\n{{ ''.__class__.__base__.__subclasses__() }}\n", "unsafe"),
        ("ok\n{{ advice.knowledge.__init__ }}\n", "unsafe"),
    ],
)
def test_own_templates_run_in_the_sandbox(run_cli: Any, harbour: str, tmp_path: Path, template: str, message: str) -> None:
    mine = write(tmp_path / "t", "advice.md.j2", template)
    result = run_cli(harbour, "--format", "md", "--templates", str(mine))
    assert result.exit_code == 2
    assert f"{mine / 'advice.md.j2'}:2:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("ok\n{{ no_such_name }}\n", "'no_such_name' is undefined"),
        ("ok\n{% if %}\n", "template error"),
    ],
)
def test_mistakes_in_own_templates_are_located(run_cli: Any, harbour: str, tmp_path: Path, template: str, message: str) -> None:
    mine = write(tmp_path / "t", "advice.md.j2", template)
    result = run_cli(harbour, "--format", "md", "--templates", str(mine))
    assert result.exit_code == 2
    assert f"{mine / 'advice.md.j2'}:2:" in result.output
    assert message in result.output


def test_templates_directory_must_exist(run_cli: Any, harbour: str, tmp_path: Path) -> None:
    result = run_cli(harbour, "--templates", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "does not exist" in result.output
