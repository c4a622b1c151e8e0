"""`advise schema`: a draft 2020-12 JSON Schema every example satisfies and bad files fail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def _as_editor_sees_it(text: str) -> object:
    """YAML as data, dates as ISO text (what a YAML language server validates)."""
    return json.loads(json.dumps(yaml.safe_load(text), default=lambda o: o.isoformat() if isinstance(o, (dt.date, dt.datetime)) else str(o)))


@pytest.fixture(scope="module")
def validator():  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from advisor.cli import cli

    out = CliRunner().invoke(cli, ["schema"]).output
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_valid(validator, path: Path) -> None:
    errors = [e.message for e in validator.iter_errors(_as_editor_sees_it(path.read_text()))]
    assert errors == []


BAD = {
    "unknown signal": "centre: X\nassessed: 2024-01-01\nobservations:\n  overtime_hourz: up\n",
    "fraction above 1": "centre: X\nassessed: 2024-01-01\nobservations:\n  fcr: 1.5\n",
    "bad trend": "centre: X\nassessed: 2024-01-01\nobservations:\n  fcr: sideways\n",
    "derived signal written": "centre: X\nassessed: 2024-01-01\nobservations:\n  unlinked_kpi_share: 0.5\n",
    "missing centre": "assessed: 2024-01-01\nobservations:\n  fcr: up\n",
    "no observations": "centre: X\nassessed: 2024-01-01\nobservations: {}\n",
    "bad progress status": "centre: X\nassessed: 2024-01-01\nobservations:\n  fcr: up\nprogress:\n  hiring-plan: finished\n",
    "unknown context key": "centre: X\nassessed: 2024-01-01\ncontext:\n  agentz: 3\nobservations:\n  fcr: up\n",
    "event given a number": "centre: X\nassessed: 2024-01-01\nobservations:\n  restructure: 3\n",
    "unknown key in a metric": "centre: X\nassessed: 2024-01-01\nobservations:\n  fcr: {valu: 0.7}\n",
}


@pytest.mark.parametrize("text", BAD.values(), ids=list(BAD))
def test_bad_files_fail_the_schema_and_the_loader(validator, run_cli, tmp_path: Path, text: str) -> None:
    assert list(validator.iter_errors(_as_editor_sees_it(text)))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert run_cli(str(path)).exit_code == 2  # the schema never accepts what the advisor refuses


def test_schema_follows_the_overlays(run_cli) -> None:
    overlay = Path(__file__).resolve().parent.parent / "examples" / "overlay"
    plain = json.loads(run_cli("schema").output)
    with_kb = json.loads(run_cli("schema", "--kb", str(overlay)).output)
    assert "ombudsman_referrals" not in plain["properties"]["observations"]["properties"]
    entry = with_kb["properties"]["observations"]["properties"]["ombudsman_referrals"]
    assert "Ombudsman referrals" in entry["description"]
    assert run_cli("schema").output == run_cli("schema").output


def test_remedy_costs_in_context_are_in_the_schema(knowledge) -> None:  # type: ignore[no-untyped-def]
    """The loader's remedy_costs extension validates in editors too, with remedy ids checked."""
    import jsonschema

    from advisor.schema import observations_schema

    schema = observations_schema(knowledge)
    remedy = sorted(knowledge.remedies)[0]
    doc = {"centre": "C", "assessed": "2024-01-01", "observations": {"fcr": "down"}, "context": {"remedy_costs": {remedy: 5000}}}
    jsonschema.validate(doc, schema)
    doc["context"]["remedy_costs"] = {"no-such-remedy": 5000}
    with __import__("pytest").raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
