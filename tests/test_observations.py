"""Reading every value form of the contract and deriving the states rules match."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.errors import UserError
from advisor.knowledge import Knowledge
from advisor.observations import add_months, parse_text


def doc(observations: str, extra: str = "") -> str:
    return f"centre: Test centre\nassessed: 2024-06-14\n{extra}observations:\n{observations}"


def states(knowledge: Knowledge, line: str, signal: str) -> frozenset[str]:
    return parse_text(doc("  " + line + "\n"), knowledge).observations[signal].states


@pytest.mark.parametrize(
    ("line", "signal", "expected"),
    [
        ("overtime_hours: up", "overtime_hours", {"up", "worsened"}),
        ("fcr: down", "fcr", {"down", "worsened"}),
        ("csat: up", "csat", {"up", "improved"}),
        ("contact_volume: up", "contact_volume", {"up"}),  # context metric: no good direction
        ("aht: up", "aht", {"up", "worsened"}),  # band metric, no value: the direction that hurts
        ("occupancy: flat", "occupancy", {"flat"}),
        ("fcr: {value: 0.68, baseline: 0.76, target: 0.75}", "fcr", {"down", "worsened", "below_target", "worse_than_benchmark"}),
        ("fcr: {value: 0.755, baseline: 0.75}", "fcr", {"flat", "within_benchmark"}),  # within 3% tolerance
        ("abandonment_rate: 11%", "abandonment_rate", {"worse_than_benchmark"}),
        ("abandonment_rate: 0.03", "abandonment_rate", {"better_than_benchmark"}),
        ("occupancy: 0.91", "occupancy", {"worse_than_benchmark"}),
        ("occupancy: 0.80", "occupancy", {"within_benchmark"}),
    ],
)
def test_metric_states(knowledge: Knowledge, line: str, signal: str, expected: set[str]) -> None:
    assert states(knowledge, line, signal) == expected


def test_target_states(knowledge: Knowledge) -> None:
    assert "above_target" in states(knowledge, "service_level: {value: 0.85, target: 0.80}", "service_level")
    assert "below_target" in states(knowledge, "service_level: {value: 0.71, target: 0.80}", "service_level")
    assert "on_target" in states(knowledge, "service_level: {value: 0.8, target: 0.80}", "service_level")


def test_band_metric_reads_movement_towards_the_band(knowledge: Knowledge) -> None:
    # occupancy falling from 0.95 to 0.88 moves towards the 0.75–0.85 band: improved
    s = states(knowledge, "occupancy: {value: 0.88, baseline: 0.95}", "occupancy")
    assert {"down", "improved", "worse_than_benchmark"} <= s
    s = states(knowledge, "occupancy: {value: 0.95, baseline: 0.88}", "occupancy")
    assert {"up", "worsened"} <= s


def test_percent_and_fraction_mean_the_same(knowledge: Knowledge) -> None:
    a = parse_text(doc('  attrition_rate: "42%"\n'), knowledge).observations["attrition_rate"]
    b = parse_text(doc("  attrition_rate: 0.42\n"), knowledge).observations["attrition_rate"]
    assert a.value == pytest.approx(b.value) and a.states == b.states


def test_events_and_findings(knowledge: Knowledge) -> None:
    a = parse_text(
        doc(
            "  new_tool_rolled_out: {date: 2024-03-01, note: New CRM}\n"
            "  licensed_features_unused: no\n"
            "  conflicting_directives: yes\n"
            "  tool_workarounds: {source: anecdote}\n"
            "  skills_gaps: {present: false, source: survey}\n"
        ),
        knowledge,
    )
    obs = a.observations
    assert obs["new_tool_rolled_out"].states == {"present"} and obs["new_tool_rolled_out"].date == dt.date(2024, 3, 1)
    assert obs["licensed_features_unused"].states == {"absent"}
    # confidence follows the source: events default to data, findings to interview
    assert obs["new_tool_rolled_out"].confidence == 1.0
    assert obs["conflicting_directives"].confidence == 0.7
    assert obs["tool_workarounds"].confidence == 0.5
    assert obs["skills_gaps"].states == {"absent"} and obs["skills_gaps"].confidence == 0.8


def test_explicit_confidence_wins(knowledge: Knowledge) -> None:
    a = parse_text(doc("  conflicting_directives: {source: interview, confidence: 0.6}\n"), knowledge)
    assert a.observations["conflicting_directives"].confidence == 0.6


def test_unobserved_is_not_absent(knowledge: Knowledge) -> None:
    a = parse_text(doc("  fcr: down\n"), knowledge)
    assert "licensed_features_unused" not in a.observations


def test_minutes_are_converted_for_a_seconds_metric(knowledge: Knowledge) -> None:
    a = parse_text(doc("  aht: {value: 3, unit: minutes}\n"), knowledge)
    assert a.observations["aht"].value == 180


def test_unlinked_kpi_share_is_derived(knowledge: Knowledge) -> None:
    extra = "core_services:\n  - {id: cards, kpis: [fcr, csat]}\nkpis_tracked: [aht, occupancy, fcr]\n"
    a = parse_text(doc("  fcr: down\n", extra), knowledge)
    share = a.observations["unlinked_kpi_share"]
    assert share.value == pytest.approx(2 / 3) and share.derived


def test_erlang_c_shortfall_is_derived_from_context(knowledge: Knowledge) -> None:
    extra = (
        "context: {interval_contacts: 100, interval_minutes: 30, interval_agents: 16,"
        " service_level_threshold_s: 20}\n"
    )
    a = parse_text(doc("  aht: 180\n  service_level: {value: 0.7, target: 0.8}\n  shrinkage: 0.30\n", extra), knowledge)
    assert a.staffing.agents_needed == 14 and a.staffing.agents_rostered_needed == 20
    assert a.observations["erlang_c_shortfall"].states == {"present"}
    extra = extra.replace("interval_agents: 16", "interval_agents: 22")
    a = parse_text(doc("  aht: 180\n  service_level: {value: 0.7, target: 0.8}\n  shrinkage: 0.30\n", extra), knowledge)
    assert a.observations["erlang_c_shortfall"].states == {"absent"}


def test_review_date_is_six_months_on() -> None:
    assert add_months(dt.date(2024, 6, 14), 6) == dt.date(2024, 12, 14)
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        (doc("  fcrr: down\n"), "did you mean 'fcr'", 4),
        (doc("  fcr: 68\n"), "between 0 and 1", 4),
        (doc("  fcr: {value: 0.7, baseline: 0.6, trend: down}\n"), "contradicts", 4),
        (doc("  fcr: down\n  fcr: up\n"), "duplicate key 'fcr'", 5),
        (doc("  conflicting_directives: {source: gossip}\n"), "source must be one of", 4),
        (doc("  conflicting_directives: {confidence: 1.5}\n"), "at most 1", 4),
        (doc("  new_tool_rolled_out: maybe\n"), "takes yes, no", 4),
        ("centre: X\nassessed: 2024-02-30\nobservations: {fcr: up}\n", "ISO date", 2),
        ("centre: X\nobservations: {fcr: up}\n", "missing required key 'assessed'", 1),
        (doc("  fcr: down\n", "progress: {rebuild-schedules: done}\n"), "unknown remedy", 3),
        (doc("  fcr: down\n", "core_services:\n  - {id: a, kpis: [fcrr]}\n"), "unknown KPI", 4),
    ],
)
def test_errors_name_the_line_and_what_was_expected(knowledge: Knowledge, text: str, fragment: str, line: int) -> None:
    with pytest.raises(UserError) as info:
        parse_text(text, knowledge, "obs.yaml")
    err = info.value
    assert fragment in str(err)
    assert err.file == "obs.yaml" and err.line == line and err.column is not None


def test_an_event_dated_after_the_assessment_is_refused(knowledge: Knowledge) -> None:
    with pytest.raises(UserError) as info:
        parse_text(doc("  new_tool_rolled_out: {date: 2024-08-01}\n"), knowledge, "obs.yaml")
    assert "after the assessment" in str(info.value) and info.value.line == 4


def test_erlang_c_shortfall_against_a_met_target_is_flagged(knowledge: Knowledge) -> None:
    extra = (
        "context: {interval_contacts: 100, interval_minutes: 30, interval_agents: 14,"
        " service_level_threshold_s: 20}\n"
    )
    a = parse_text(doc("  aht: 180\n  service_level: {value: 0.82, target: 0.8}\n  shrinkage: 0.30\n", extra), knowledge)
    assert a.observations["erlang_c_shortfall"].present
    assert any("meets its target" in w and "interval_agents" in w for w in a.warnings)
