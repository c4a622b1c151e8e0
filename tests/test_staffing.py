"""Tests for advisor.staffing: the published worked example, an exact cross-check, scale,
monotonicity, degenerate inputs and a property test of the agent search."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.staffing import (
    MAX_TRAFFIC_ERLANGS,
    Staffing,
    StaffingError,
    agents_for_service_level,
    asa,
    erlang_c,
    service_level,
    staff_interval,
)

# The Call Centre Helper example from the domain notes: 100 contacts per 30 min, AHT 180 s,
# 80% in 20 s, shrinkage 30%.
EXAMPLE = dict(contacts=100, interval_minutes=30, aht_s=180, target=0.8, threshold_s=20, shrinkage=0.30)


def exact_erlang_c(traffic: Fraction, agents: int) -> Fraction:
    """The textbook factorial formula, in exact arithmetic (test oracle only)."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


# ---------------------------------------------------------------- published worked example


def test_worked_example_thirteen_agents_fall_short() -> None:
    assert service_level(10, 13, 180, 20) == pytest.approx(0.7956, abs=5e-5)


def test_worked_example_fourteen_agents() -> None:
    assert erlang_c(10, 14) == pytest.approx(0.1741, abs=5e-5)
    assert service_level(10, 14, 180, 20) == pytest.approx(0.8884, abs=5e-5)
    assert asa(10, 14, 180) == pytest.approx(7.8, abs=0.05)


def test_worked_example_staff_interval() -> None:
    s = staff_interval(**EXAMPLE)
    assert isinstance(s, Staffing)
    assert s.traffic_erlangs == pytest.approx(10.0)
    assert s.agents_needed == 14
    assert s.agents_rostered_needed == 20
    assert s.occupancy_needed == pytest.approx(0.714, abs=5e-4)
    assert s.asa_needed_s == pytest.approx(7.8, abs=0.05)
    assert s.agents_rostered is None and s.gap_fte is None and s.service_level_now is None


def test_worked_example_with_sixteen_scheduled() -> None:
    s = staff_interval(**EXAMPLE, scheduled_agents=16)
    assert s.agents_rostered == 16
    assert s.gap_fte == 4
    # 16 scheduled less 30% shrinkage leaves 11.2 agents on the queue on average: the
    # service level lies a fifth of the way from 11 agents' to 12 agents'.
    sl11, sl12 = service_level(10, 11, 180, 20), service_level(10, 12, 180, 20)
    assert s.service_level_now == pytest.approx(sl11 + 0.2 * (sl12 - sl11))
    assert 0 < s.service_level_now < 0.8


def test_to_json_contract_keys_first_and_rounded() -> None:
    j = staff_interval(**EXAMPLE, scheduled_agents=16).to_json()
    assert list(j)[:6] == [
        "traffic_erlangs",
        "agents_needed",
        "agents_rostered_needed",
        "agents_rostered",
        "gap_fte",
        "service_level_now",
    ]
    assert {"asa_s", "occupancy", "shrinkage", "target"} <= set(j)
    assert j["traffic_erlangs"] == 10.0
    assert (j["agents_needed"], j["agents_rostered_needed"], j["agents_rostered"], j["gap_fte"]) == (14, 20, 16, 4)
    assert j["service_level_now"] == round(j["service_level_now"], 3)
    assert j["asa_s"] == 7.8 and j["occupancy"] == 0.714
    assert staff_interval(**EXAMPLE).to_json()["service_level_now"] is None


def test_surplus_gives_negative_gap_and_good_service() -> None:
    s = staff_interval(**EXAMPLE, scheduled_agents=25)
    assert s.gap_fte == -5
    assert s.service_level_now is not None and s.service_level_now > 0.8


def test_scheduled_below_traffic_after_shrinkage_gives_zero_service_level() -> None:
    s = staff_interval(**EXAMPLE, scheduled_agents=14)  # floor(14 × 0.7) = 9 < A = 10
    assert s.service_level_now == 0.0


def test_on_queue_rounding_is_not_fooled_by_floats() -> None:
    # 90 × (1 − 0.3) is 62.99999999999999 in floats; 63 people are on the queue, not 62.
    s = staff_interval(contacts=300, interval_minutes=30, aht_s=300, target=0.8, threshold_s=20,
                       shrinkage=0.3, scheduled_agents=90)
    assert s.service_level_now == pytest.approx(service_level(s.traffic_erlangs, 63, 300, 20))


def test_rostered_rounding_is_not_fooled_by_floats() -> None:
    # Find inputs needing 21 agents: 21 / (1 − 0.3) is 30.000000000000004 in floats; 30 is right.
    contacts = next(c for c in range(1, 400)
                    if agents_for_service_level(c * 180 / 1800, 180, 0.8, 20) == 21)
    s = staff_interval(contacts=contacts, interval_minutes=30, aht_s=180, target=0.8, threshold_s=20,
                       shrinkage=0.3)
    assert s.agents_needed == 21
    assert s.agents_rostered_needed == 30


# ---------------------------------------------------------------- exact cross-check


@pytest.mark.parametrize("traffic", [Fraction(1, 2), Fraction(3), Fraction(10), Fraction(47, 3), Fraction(40)])
def test_erlang_c_matches_factorial_formula(traffic: Fraction) -> None:
    for agents in range(math.floor(traffic) + 1, math.floor(traffic) + 25):
        expected = float(exact_erlang_c(traffic, agents))
        assert erlang_c(float(traffic), agents) == pytest.approx(expected, rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------- monotonicity and edges


@pytest.mark.parametrize("traffic", [0.3, 5.0, 10.0, 87.5, 1234.0])
def test_more_agents_never_lower_service_level(traffic: float) -> None:
    levels = [service_level(traffic, n, 240, 20) for n in range(0, math.floor(traffic) + 200)]
    assert all(b >= a for a, b in zip(levels, levels[1:]))
    waits = [erlang_c(traffic, n) for n in range(0, math.floor(traffic) + 200)]
    assert all(b <= a for a, b in zip(waits, waits[1:]))


def test_unstable_queue_conventions() -> None:
    assert erlang_c(10, 10) == 1.0
    assert service_level(10, 9, 180, 20) == 0.0
    assert asa(10, 10, 180) == math.inf


def test_zero_contacts_need_no_agents() -> None:
    s = staff_interval(contacts=0, interval_minutes=30, aht_s=180, target=0.8, threshold_s=20,
                       scheduled_agents=5)
    assert s.agents_needed == 0 and s.agents_rostered_needed == 0
    assert s.gap_fte == -5
    assert s.service_level_now == 1.0
    assert s.asa_needed_s == 0.0 and s.occupancy_needed == 0.0
    assert agents_for_service_level(0, 180, 0.8, 20) == 0
    assert erlang_c(0, 0) == 0.0


def test_zero_threshold_is_allowed() -> None:
    n = agents_for_service_level(10, 180, 0.8, 0)
    assert 1 - erlang_c(10, n) >= 0.8 > 1 - erlang_c(10, n - 1)


def test_huge_agent_count_returns_quickly() -> None:
    assert erlang_c(10, 10**9) == 0.0
    assert service_level(10, 10**9, 180, 20) == 1.0


# ---------------------------------------------------------------- scale


def test_ten_thousand_agent_centre() -> None:
    # 57,000 contacts in 30 min at AHT 300 s is 9,500 Erlangs: a ~10,000-agent queue.
    s = staff_interval(contacts=57_000, interval_minutes=30, aht_s=300, target=0.8, threshold_s=20,
                       shrinkage=0.35, scheduled_agents=14_000)
    assert s.traffic_erlangs == pytest.approx(9_500)
    assert 9_500 < s.agents_needed < 9_700  # economies of scale: only a few dozen above A
    assert s.occupancy_needed > 0.97
    assert service_level(9_500, s.agents_needed, 300, 20) >= 0.8
    assert service_level(9_500, s.agents_needed - 1, 300, 20) < 0.8
    assert s.agents_rostered_needed == math.ceil(s.agents_needed / 0.65 - 1e-9)
    assert 0.0 <= s.service_level_now <= 1.0
    assert math.isfinite(s.asa_needed_s) and s.asa_needed_s >= 0


def test_hundred_thousand_erlangs_finishes() -> None:
    n = agents_for_service_level(100_000, 300, 0.9, 20)
    assert 100_000 < n < 101_000
    assert 0.0 < erlang_c(100_000, n) < 1.0


# ---------------------------------------------------------------- degenerate input


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"interval_minutes": -30}, "interval_minutes"),
        ({"aht_s": 0}, "aht_s"),
        ({"aht_s": -180}, "aht_s"),
        ({"contacts": -1}, "contacts"),
        ({"target": 0}, "target"),
        ({"target": 1}, "target"),
        ({"target": 80}, "target"),
        ({"target": -0.2}, "target"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"threshold_s": -5}, "threshold_s"),
        ({"contacts": math.nan}, "contacts"),
        ({"contacts": math.inf}, "contacts"),
        ({"aht_s": math.nan}, "aht_s"),
        ({"interval_minutes": math.inf}, "interval_minutes"),
        ({"target": math.nan}, "target"),
        ({"shrinkage": math.nan}, "shrinkage"),
        ({"threshold_s": math.inf}, "threshold_s"),
        ({"contacts": "100"}, "contacts"),
        ({"scheduled_agents": -1}, "scheduled_agents"),
        ({"scheduled_agents": 12.5}, "scheduled_agents"),
        ({"contacts": 10**9}, "traffic"),  # 10^9 × 180 s / 1800 s = 10^8 Erlangs: over the cap
    ],
)
def test_degenerate_input_raises_naming_the_field(overrides: dict, field: str) -> None:
    args = {**EXAMPLE, **overrides}
    with pytest.raises(StaffingError, match=r"^cannot staff: .*") as info:
        staff_interval(**args)
    assert field in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: erlang_c(-1, 5), "traffic"),
        (lambda: erlang_c(math.nan, 5), "traffic"),
        (lambda: erlang_c(MAX_TRAFFIC_ERLANGS * 2, 5), "traffic"),
        (lambda: erlang_c(5, -1), "agents"),
        (lambda: erlang_c(5, 2.5), "agents"),
        (lambda: service_level(5, 8, 0, 20), "aht_s"),
        (lambda: service_level(5, 8, 180, -1), "threshold_s"),
        (lambda: asa(5, 8, -180), "aht_s"),
        (lambda: agents_for_service_level(5, 180, 1.0, 20), "target"),
        (lambda: agents_for_service_level(math.inf, 180, 0.8, 20), "traffic"),
    ],
)
def test_pure_functions_validate_too(call, field: str) -> None:
    with pytest.raises(StaffingError) as info:
        call()
    assert field in str(info.value)


# ---------------------------------------------------------------- property test


@settings(max_examples=200, deadline=None)
@given(
    traffic=st.floats(min_value=0.01, max_value=500, allow_nan=False, allow_infinity=False),
    aht_s=st.floats(min_value=10, max_value=1800),
    target=st.floats(min_value=0.05, max_value=0.99),
    threshold_s=st.floats(min_value=0, max_value=300),
)
def test_agents_for_service_level_is_the_smallest_meeting_target(
    traffic: float, aht_s: float, target: float, threshold_s: float
) -> None:
    n = agents_for_service_level(traffic, aht_s, target, threshold_s)
    assert n > traffic
    assert service_level(traffic, n, aht_s, threshold_s) >= target
    assert service_level(traffic, n - 1, aht_s, threshold_s) < target
