"""Property-based tests: whatever a consultant (or a corrupted copy) feeds the loader and the
engine, the only outcomes are an advice or a clean `UserError` with a location.

Three sources of input: documents built from the catalogue (right ids, wrong or extreme
values), real examples with random edits, and junk text and bytes. Example counts are kept
modest so the suite stays quick; the hypothesis database replays any failure found.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import Advice, Advisor
from advisor.errors import UserError
from advisor.knowledge import Knowledge, load_knowledge
from advisor.observations import CONTEXT_NUMBERS, PROGRESS, SOURCES, TRENDS, parse_text
from advisor.render import render
from advisor.yamlio import decode, loads

ROOT = Path(__file__).resolve().parent.parent
KB: Knowledge = load_knowledge()
ADVISOR = Advisor(KB)
SIGNALS = sorted(s.id for s in KB.signals.values() if s.kind != "derived")
METRICS = sorted(s.id for s in KB.signals.values() if s.kind == "metric")
REMEDIES = sorted(KB.remedies)
FORMATS = ("text", "md", "json")

def budget(examples: int) -> settings:
    """Few enough examples to keep the suite quick (a full advice with its what-to-check-next ranking costs 0.1–0.3 s); no deadline,
    since a loaded CI machine is slow, not wrong."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(text: str, name: str = "fuzz.yaml", formats: tuple[str, ...] = FORMATS) -> Advice | UserError:
    """Parse, advise and render; a UserError must carry the file name. Anything else fails."""
    try:
        assessment = parse_text(text, KB, name)
        advice = ADVISOR.advise(assessment)
        for fmt in formats:
            assert render(advice, fmt)
        return advice
    except UserError as exc:
        assert exc.file == name, f"error without its file: {exc}"
        assert str(exc).strip(), "an empty message"
        return exc


# ------------------------------------------------------------------ documents from the catalogue
#
# Mostly right (so the engine, roadmap and renderers are reached with real variety) and
# now and then wrong: an impossible number, a value of the wrong shape, a typo.


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], one_in: int = 12) -> st.SearchStrategy[Any]:
    """`good`, except about one draw in `one_in` from `bad` (a middle value picks it: hypothesis
    favours the ends of a range, which would make `bad` far more common than intended)."""
    return st.integers(0, one_in - 1).flatmap(lambda n: bad if n == one_in // 2 else good)


texts = st.text(max_size=30)
junk = st.one_of(st.none(), st.booleans(), texts, st.lists(st.integers(), max_size=3), st.dictionaries(texts, st.integers(), max_size=2))
extreme = st.sampled_from([float("nan"), float("inf"), -float("inf"), 10**400, -1, -0.0, 5e-324, 1e308, 101, 1.5])
good_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
dates = mostly(good_dates, st.one_of(st.dates(), texts, st.integers()))


def good_number(signal_id: str) -> st.SearchStrategy[float]:
    sig = KB.signals[signal_id]
    if signal_id == "nps":
        return st.floats(-100, 100)
    if signal_id == "customer_effort":
        return st.floats(1, 7)
    if sig.unit == "fraction":
        return st.one_of(st.floats(0, 1), st.integers(0, 100).map(lambda n: f"{n}%"))
    return st.one_of(st.floats(0, 1e6), st.integers(0, 10_000))


def metric_value(signal_id: str) -> st.SearchStrategy[Any]:
    number = mostly(good_number(signal_id), st.one_of(extreme, texts))
    good = st.one_of(
        st.sampled_from(TRENDS),
        number,
        st.fixed_dictionaries(
            {"value": number},
            optional={
                "baseline": number,
                "target": number,
                "trend": mostly(st.sampled_from(TRENDS), junk),
                "source": mostly(st.sampled_from(SOURCES), texts),
                "confidence": mostly(st.floats(0, 1), extreme),
                "note": st.one_of(texts, junk),
            },
        ),
        st.fixed_dictionaries({"trend": st.sampled_from(TRENDS)}, optional={"target": number}),
    )
    bad = st.one_of(junk, st.sampled_from(["UP", "rising", ""]), st.fixed_dictionaries({"unit": st.sampled_from(["percent", "minutes", "days", "parsecs"]), "value": number}))
    return mostly(good, bad)


presence_value = mostly(
    st.one_of(
        st.booleans(),
        st.fixed_dictionaries(
            {},
            optional={
                "present": mostly(st.booleans(), junk),
                "date": dates,
                "source": mostly(st.sampled_from(SOURCES), texts),
                "confidence": mostly(st.floats(0, 1), extreme),
                "note": texts,
            },
        ),
    ),
    junk,
)


@st.composite
def observations(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(SIGNALS), min_size=1, max_size=12, unique=True))
    out: dict[str, Any] = {}
    for sid in ids:
        out[sid] = draw(metric_value(sid) if sid in METRICS else presence_value)
    if draw(st.integers(0, 19)) == 10:  # now and then a typo or a stranger
        out[draw(st.sampled_from(SIGNALS)) + draw(st.sampled_from(["s", "_x", ""]))] = "up"
    return out


@st.composite
def documents(draw: st.DrawFn) -> Any:
    doc: dict[str, Any] = {
        "centre": draw(mostly(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip), junk)),
        "assessed": draw(dates),
        "observations": draw(mostly(observations(), junk, one_in=20)),
    }
    if draw(st.booleans()):
        context_number = mostly(st.one_of(st.integers(1, 500), st.floats(1, 1e5)), st.one_of(extreme, texts, st.just(0)))
        doc["context"] = draw(
            st.dictionaries(st.sampled_from(sorted(CONTEXT_NUMBERS)), context_number, max_size=len(CONTEXT_NUMBERS))
            | st.just({"interval_contacts": 100, "interval_minutes": 30, "service_level_threshold_s": 20, "interval_agents": 16})
        )
        if draw(st.integers(0, 9)) == 5:
            doc["context"]["agnets"] = 1
    if draw(st.booleans()):
        kpis = st.lists(mostly(st.sampled_from(METRICS), st.just("nope")), min_size=1, max_size=3)
        doc["core_services"] = draw(
            st.lists(st.fixed_dictionaries({"id": st.sampled_from(["cards", "fraud", "loans"]), "kpis": kpis}, optional={"name": texts}), max_size=3)
        )
    if draw(st.booleans()):
        doc["kpis_tracked"] = draw(st.lists(st.one_of(st.sampled_from(METRICS), texts.filter(str.strip)), max_size=5))
    if draw(st.booleans()):
        doc["progress"] = draw(
            st.dictionaries(mostly(st.sampled_from(REMEDIES), st.just("no-such-remedy")), mostly(st.sampled_from(PROGRESS), st.just("finished")), max_size=4)
        )
    if draw(st.integers(0, 19)) == 10:
        doc.pop(draw(st.sampled_from(["centre", "assessed", "observations"])))
    return doc


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@budget(60)
@given(documents())
def test_documents_from_the_catalogue_advise_or_fail_cleanly(doc: Any) -> None:
    outcome(dump(doc), formats=("json", "text"))


@budget(40)
@given(observations())
def test_well_formed_observations_always_give_advice_or_a_located_error(obs: dict[str, Any]) -> None:
    """With the frame right, only the observations can be wrong, and then a line is named."""
    result = outcome(dump({"centre": "Fuzz Centre", "assessed": dt.date(2024, 6, 14), "observations": obs}), formats=("json",))
    if isinstance(result, UserError):
        assert result.line is not None, str(result)
    else:
        assert math.isfinite(sum(f.confidence for f in result.causes))


# ------------------------------------------------------------------ real files, randomly edited

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
_EDIT_CHARS = st.sampled_from(list("{}[]:,-?!&*|>'\"#%@` \n\t0123456789.e~") + ["yes", "no", ".nan", "<<: ", "&a ", "*a"])


@st.composite
def edited_examples(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLES)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(_EDIT_CHARS)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@budget(40)
@given(edited_examples())
def test_randomly_edited_examples_advise_or_fail_cleanly(text: str) -> None:
    outcome(text, formats=("text",))  # full-size examples: one rendering keeps this quick


# ------------------------------------------------------------------------------------ junk

yamlish = st.text(alphabet=st.sampled_from(list("{}[]:,-?!&*|>'\"#%@`~ \n\tabcyesno019.<=") + ["\u00e9", "\u6771", "\ufeff", "\r"]), max_size=200)


@budget(200)
@given(st.one_of(yamlish, st.text(max_size=200)))
def test_junk_text_is_parsed_or_refused_cleanly(text: str) -> None:
    try:
        loads(text, "junk.yaml")
    except UserError as exc:
        assert exc.file == "junk.yaml"
    outcome(text)


@budget(200)
@given(st.binary(max_size=300))
def test_junk_bytes_are_decoded_or_refused_cleanly(data: bytes) -> None:
    try:
        text = decode(data, "junk.bin")
    except UserError as exc:
        assert exc.file == "junk.bin" and exc.line is not None
        return
    outcome(text, "junk.bin")


@pytest.mark.parametrize("depth", [63, 64, 65, 1000])
def test_nesting_bound_holds_in_both_styles(depth: int) -> None:
    for text in ("[" * depth + "]" * depth, "a: " * 0 + "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v: 1\n"):
        try:
            loads(text, "deep.yaml")
        except UserError as exc:
            assert depth > 63 and "nesting deeper than 64 levels" in str(exc)
