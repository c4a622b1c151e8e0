"""Shared fixtures: the shipped knowledge, an advisor, the examples and a CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor.advice import Advisor
from advisor.cli import main
from advisor.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def advisor(knowledge: Knowledge) -> Advisor:
    return Advisor(knowledge)


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Run `advise ARGS...` in-process through click's runner, as the console script would."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(_entry, list(args), env=env, catch_exceptions=False)

    return run


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.pass_context
def _entry(ctx: click.Context) -> None:
    main(list(ctx.args))
