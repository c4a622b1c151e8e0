"""The benchmark's portfolio generator writes files the advisor accepts, the same for a seed."""

from __future__ import annotations

import sys
from pathlib import Path

from advisor.advice import Advisor
from advisor.knowledge import Knowledge

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import generate  # noqa: E402


def test_generated_centres_load_and_advise(tmp_path: Path, advisor: Advisor, knowledge: Knowledge) -> None:
    paths = generate.generate(tmp_path, 12, seed=7, knowledge=knowledge)
    assert [p.name for p in paths] == [f"centre_{i:05d}.yaml" for i in range(1, 13)]
    for path in paths:
        assessment = advisor.load(path)
        assert len([o for o in assessment.observations.values() if not o.derived]) == 35
        assert len(assessment.core_services) == 2
        advisor.advise(assessment, checks=False)
    names = {advisor.load(p).centre for p in paths}
    assert len(names) == len(paths)


def test_same_seed_same_files(tmp_path: Path, knowledge: Knowledge) -> None:
    a = generate.generate(tmp_path / "a", 4, seed=3, knowledge=knowledge)
    b = generate.generate(tmp_path / "b", 4, seed=3, knowledge=knowledge)
    c = generate.generate(tmp_path / "c", 4, seed=4, knowledge=knowledge)
    assert [p.read_text() for p in a] == [p.read_text() for p in b]
    assert [p.read_text() for p in a] != [p.read_text() for p in c]


def test_observation_count_is_adjustable(tmp_path: Path, advisor: Advisor, knowledge: Knowledge) -> None:
    (path,) = generate.generate(tmp_path, 1, observations=10, knowledge=knowledge)
    assert len([o for o in advisor.load(path).observations.values() if not o.derived]) == 10
