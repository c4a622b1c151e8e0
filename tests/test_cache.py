"""The speed paths give the same answers as the slow ones: the knowledge cache and the
graph index the roadmap reads instead of walking the networkx graph on every run."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import pytest

from advisor import cache
from advisor.errors import UserError
from advisor.graph import GraphIndex, build_graph, evidence_paths, explains, fundamentality, ordered, prerequisites
from advisor.knowledge import Knowledge, load_knowledge


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(where))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    return where


def test_index_answers_what_the_graph_answers(knowledge: Knowledge) -> None:
    g = build_graph(knowledge)
    index = GraphIndex.of(g)
    factors = list(knowledge.factors)
    for n in (0, 1, 2, 3, 8):
        for combo in itertools.islice(itertools.combinations(factors, n), 12):
            conf = {f: (0.3 + 0.07 * i if f in combo else -0.2) for i, f in enumerate(factors)}
            assert index.explains(conf) == explains(g, conf)
            assert index.fundamentality(conf) == fundamentality(g, conf)
    remedies = sorted(knowledge.remedies)
    for rid in remedies:
        assert index.prerequisites(rid) == prerequisites(g, rid)
        assert index.evidence_paths(rid, factors, knowledge.signals) == evidence_paths(g, rid, factors, knowledge.signals)
    for start in range(0, len(remedies), 5):
        chosen = remedies[start : start + 12] + [p for r in remedies[start : start + 3] for p in prerequisites(g, r)]
        key = {r: (len(r) % 3, -ord(r[-1]), r) for r in chosen}
        assert index.ordered(chosen, key) == ordered(g, chosen, key)


def test_knowledge_is_cached_and_reused(cache_dir: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "kb"
    overlay.mkdir()
    (overlay / "signals.yaml").write_text(
        "signals:\n  - {id: callbacks_offered, kind: event, name: Callbacks offered, description: x, group: Access and queues}\n"
    )
    first = load_knowledge([overlay])
    files = list(cache_dir.glob("knowledge-*.pickle"))
    assert len(files) == 1 and first.digest in files[0].name
    second = load_knowledge([overlay])
    assert second == first and "callbacks_offered" in second.signals


def test_a_damaged_cache_is_ignored(cache_dir: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "kb"
    overlay.mkdir()
    (overlay / "signals.yaml").write_text(
        "signals:\n  - {id: callbacks_offered, kind: event, name: Callbacks offered, description: x, group: Access and queues}\n"
    )
    first = load_knowledge([overlay])
    for path in cache_dir.glob("knowledge-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert load_knowledge([overlay]) == first


def test_a_changed_file_is_validated_again(cache_dir: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "kb"
    overlay.mkdir()
    good = "signals:\n  - {id: callbacks_offered, kind: event, name: Callbacks offered, description: x, group: Access and queues}\n"
    (overlay / "signals.yaml").write_text(good)
    load_knowledge([overlay])
    (overlay / "signals.yaml").write_text(good.replace("Access and queues", "Acess and queues"))
    with pytest.raises(UserError) as err:
        load_knowledge([overlay])
    assert err.value.file == str(overlay / "signals.yaml") and err.value.line == 2
    assert "unknown group" in err.value.message


def test_an_unwritable_cache_still_gives_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, examples: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(blocker / "advisor"))
    from advisor.advice import Advisor

    advisor = Advisor(load_knowledge())
    assert advisor.advise(advisor.load(examples / "harbour_bank.yaml")).causes


def test_digest_depends_on_every_file_and_its_role() -> None:
    base = [("kb", "a.yaml", "x: 1\n"), ("rules", "b.yaml", "y: 2\n")]
    assert cache.digest(base) == cache.digest(list(base))
    assert cache.digest(base) != cache.digest([base[0], ("rules", "b.yaml", "y: 3\n")])
    assert cache.digest(base) != cache.digest([base[0], ("kb", "b.yaml", "y: 2\n")])
    assert cache.digest(base) != cache.digest(base[:1])


def test_cached_knowledge_pickles_round_trip(knowledge: Knowledge) -> None:
    assert pickle.loads(pickle.dumps(knowledge)) == knowledge


def test_compiled_templates_are_cached_and_a_damaged_entry_ignored(cache_dir: Path, advisor: "Advisor", examples: Path) -> None:  # type: ignore[name-defined]  # noqa: F821
    from advisor.render import render

    advice = advisor.advise(advisor.load(examples / "harbour_bank.yaml"))
    first = render(advice, "text")
    entries = list((cache_dir / "templates").glob("*.cache"))
    assert entries
    assert render(advice, "text") == first
    for entry in entries:
        entry.write_bytes(b"\x00garbage")
    assert render(advice, "text") == first


def test_an_entry_others_could_write_is_never_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pickles run code as they load: one that another user could have planted is a miss."""
    from advisor import cache

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    cache.write("probe", "k", {"v": 1})
    assert cache.read("probe", "k") == {"v": 1}
    entry = tmp_path / "c" / "probe-k.pickle"
    entry.chmod(0o666)
    assert cache.read("probe", "k") is None
    entry.chmod(0o600)
    (tmp_path / "c").chmod(0o777)
    assert cache.read("probe", "k") is None
