"""The business case: every figure from its inputs, conservative benefit, honest gaps."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from advisor.advice import Advisor
from advisor.observations import parse_text
from advisor.render import advice_dict

CONTEXT = """\
context:
  agents: 100
  contacts_per_month: 50000
  hourly_cost: 20
  currency: GBP
  overtime_premium: 2
  replacement_cost: 10000
  cost_per_contact: 5
"""


def case(advisor: Advisor, observations: str, context: str = CONTEXT) -> dict[str, Any] | None:
    text = "centre: Test centre\nassessed: 2024-06-14\n" + context + "observations:\n" + textwrap.indent(textwrap.dedent(observations), "  ")
    advice = advisor.advise(parse_text(text, advisor.knowledge, "test.yaml"))
    return advice_dict(advice)["business_case"]


def line(bc: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(x for x in bc["cost_lines"] if x["id"] == line_id)


def test_overtime_is_costed_at_its_premium_per_month(advisor: Advisor) -> None:
    bc = case(advisor, "overtime_hours: {value: 100, baseline: 50}\nservice_level: {value: 0.7, target: 0.8}\n")
    ot = line(bc, "overtime")
    assert ot["annual_cost"] == 100 * 12 * 20 * 2
    assert ot["avoidable"] == 50 * 12 * 20 * 2
    assert ot["inputs"] == {"overtime_hours": 100, "periods_per_year": 12, "hourly_cost": 20, "overtime_premium": 2}
    assert any("hours per month" in a for a in ot["assumptions"])
    # only the premium half of the avoidable spend is recovered, and only in part
    assert 0 < ot["annual_benefit"] <= ot["avoidable"] / 2


def test_a_higher_earlier_figure_is_no_reference(advisor: Advisor) -> None:
    """Overtime falling from 300 to 200 hours says nothing about what is normal."""
    bc = case(advisor, "overtime_hours: {value: 200, baseline: 300}\n")
    ot = line(bc, "overtime")
    assert ot["avoidable"] is None and ot["annual_benefit"] == 0
    assert any("overtime" in m and "avoidable part is not counted" in m for m in bc["missing"])


def test_overtime_note_sets_the_period(advisor: Advisor) -> None:
    bc = case(advisor, "overtime_hours: {value: 10, baseline: 5, note: hours per week}\n")
    assert line(bc, "overtime")["annual_cost"] == 10 * 52 * 20 * 2


def test_defaults_are_used_only_as_stated_assumptions(advisor: Advisor) -> None:
    context = "context:\n  agents: 10\n  hourly_cost: 30\n"
    bc = case(advisor, "overtime_hours: {value: 100, baseline: 80}\nattrition_rate: 50%\n", context)
    ot, leavers = line(bc, "overtime"), line(bc, "leavers")
    assert ot["inputs"]["overtime_premium"] == 1.5
    assert any("1.5" in a and "overtime_premium not given" in a for a in ot["assumptions"])
    assert leavers["annual_cost"] == 0.5 * 10 * 14000
    assert any("14,000" in a and "replacement_cost not given" in a for a in leavers["assumptions"])
    assert bc["currency"] is None


def test_leavers_avoidable_only_above_the_published_range(advisor: Advisor) -> None:
    bc = case(advisor, "attrition_rate: 55%\n")
    leavers = line(bc, "leavers")
    assert leavers["annual_cost"] == pytest.approx(0.55 * 100 * 10000, abs=1)
    assert leavers["avoidable"] == pytest.approx((0.55 - 0.45) * 100 * 10000, abs=1)
    assert "0.45" in leavers["reference"]


def test_repeat_and_failure_demand_are_counted_once(advisor: Advisor) -> None:
    bc = case(advisor, "repeat_contact_rate: 0.30\nfailure_demand: 0.45\n")
    lines = [x for x in bc["cost_lines"] if x["id"] == "repeat_contacts"]
    assert len(lines) == 1
    assert lines[0]["signal"] == "failure_demand"
    assert lines[0]["annual_cost"] == round(0.45 * 50000 * 12 * 5)
    assert any("repeat_contact_rate is taken to lie within it" in a for a in lines[0]["assumptions"])


def test_abandoned_contacts_costing_is_stated(advisor: Advisor) -> None:
    bc = case(advisor, "abandonment_rate: {value: 0.12, target: 0.05}\nservice_level: {value: 0.6, target: 0.8}\n")
    ab = line(bc, "abandoned_contacts")
    assert ab["annual_cost"] == round(0.12 * 50000 * 12 * 5)
    assert ab["avoidable"] == round((0.12 - 0.05) * 50000 * 12 * 5)
    assert any("abandoners retry" in a for a in ab["assumptions"])
    assert any("lost for good" in a for a in ab["assumptions"])


def test_what_cannot_be_costed_is_named(advisor: Advisor) -> None:
    context = "context:\n  agents: 50\n  hourly_cost: 25\n"
    bc = case(advisor, "attrition_rate: 0.5\nabandonment_rate: 0.1\nrepeat_contact_rate: up\n", context)
    missing = " ".join(bc["missing"])
    assert "abandoned contacts" in missing and "cost_per_contact" in missing
    assert "repeat" in missing and "trend" in missing
    assert [x["id"] for x in bc["cost_lines"]] == ["leavers"]


def test_no_business_case_without_costs(advisor: Advisor) -> None:
    assert case(advisor, "overtime_hours: up\nfcr: 0.6\n", context="") is None


def test_investment_needs_an_hourly_cost_or_an_override(advisor: Advisor) -> None:
    context = "context:\n  agents: 50\n  replacement_cost: 12000\n"
    bc = case(advisor, "attrition_rate: 0.6\nburnout_reported: yes\noccupancy: 0.93\n", context)
    assert bc["investment"] is None and bc["roi"] is None
    assert any("hourly_cost" in m and "remedy_costs" in m for m in bc["missing"])


def test_remedy_costs_override_the_knowledge_base(advisor: Advisor) -> None:
    observations = "overtime_hours: {value: 300, baseline: 100}\nservice_level: {value: 0.6, target: 0.8}\nabandonment_rate: 0.12\n"
    plain = case(advisor, observations)
    first = plain["investment_lines"][0]["remedy"]
    priced = case(advisor, observations, CONTEXT + f"  remedy_costs:\n    {first}: 50000\n")
    item = next(i for i in priced["investment_lines"] if i["remedy"] == first)
    assert item["amount"] == 50000 and item["basis"] == "context.remedy_costs"
    assert priced["investment"] == plain["investment"] - plain["investment_lines"][0]["amount"] + 50000


def test_return_is_benefit_over_investment_and_lines_add_up(advisor: Advisor, examples: Path) -> None:
    for path in sorted(examples.glob("*.yaml")):
        doc = advice_dict(advisor.advise(advisor.load(path)))
        bc = doc["business_case"]
        if bc is None:
            continue
        assert bc["annual_cost_of_symptoms"] == pytest.approx(sum(x["annual_cost"] for x in bc["cost_lines"]), abs=len(bc["cost_lines"]))
        assert bc["annual_benefit"] == pytest.approx(sum(x["annual_benefit"] for x in bc["cost_lines"]), abs=len(bc["cost_lines"]))
        for x in bc["cost_lines"]:
            assert x["formula"] and x["inputs"] and x["assumptions"], x["id"]
            assert 0 <= x["annual_benefit"] <= (x["avoidable"] or 0) <= x["annual_cost"], x["id"]
        if bc["investment"]:
            assert bc["investment"] == pytest.approx(sum(i["amount"] for i in bc["investment_lines"]), abs=len(bc["investment_lines"]))
            assert bc["roi"] == pytest.approx(bc["annual_benefit"] / bc["investment"], abs=0.06)
        assert {i["remedy"] for i in bc["investment_lines"]} <= {r["remedy"] for r in doc["roadmap"]}


def test_harbour_bank_shows_cost_benefit_investment_return(run_cli: Any, examples: Path) -> None:
    result = run_cli(str(examples / "harbour_bank.yaml"), "--format", "json")
    assert result.exit_code == 0
    bc = json.loads(result.output)["business_case"]
    assert bc["currency"] == "NZD"
    assert bc["annual_cost_of_symptoms"] > bc["annual_benefit"] > 0
    assert bc["investment"] > 0 and bc["roi"] > 0
    assert bc["assumptions"] and bc["missing"]  # repeat contacts were seen only as a trend


@pytest.mark.parametrize(
    ("costs", "message"),
    [
        ("    rebuild-schedules-to-demnd: 100\n", "unknown remedy 'rebuild-schedules-to-demnd'"),
        ("    rebuild-schedules-to-demand: -5\n", "remedy_costs: rebuild-schedules-to-demand"),
        ("    rebuild-schedules-to-demand: lots\n", "must be a number"),
    ],
)
def test_bad_remedy_costs_are_user_errors(run_cli: Any, tmp_path: Path, costs: str, message: str) -> None:
    path = tmp_path / "centre.yaml"
    path.write_text(
        "centre: C\nassessed: 2024-06-14\ncontext:\n  hourly_cost: 30\n  remedy_costs:\n" + costs + "observations:\n  fcr: 0.6\n",
        encoding="utf-8",
    )
    result = run_cli(str(path))
    assert result.exit_code == 2
    assert f"{path}:6:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_staffing_for_the_published_worked_example(run_cli: Any, tmp_path: Path) -> None:
    """Call Centre Helper's example: 100 contacts in 30 minutes, AHT 180 s, 80/20, shrinkage 30%."""
    path = tmp_path / "worked.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            centre: Worked example
            assessed: 2024-06-14
            context:
              interval_contacts: 100
              interval_minutes: 30
              service_level_threshold_s: 20
              interval_agents: 20
            observations:
              aht: 180
              service_level: {value: 0.8, target: 0.8}
              shrinkage: 0.30
            """
        ),
        encoding="utf-8",
    )
    result = run_cli(str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    staffing = json.loads(result.output)["staffing"]
    assert staffing["traffic_erlangs"] == 10.0
    assert staffing["agents_needed"] == 14
    assert staffing["agents_rostered_needed"] == 20
    assert staffing["gap_fte"] == 0
    text = run_cli(str(path)).output
    assert "14 agents on the queue" in text and "20 rostered" in text


def test_the_us_dollar_replacement_default_is_not_used_for_another_currency(knowledge) -> None:  # type: ignore[no-untyped-def]
    from advisor.advice import Advisor
    from advisor.observations import parse_text

    text = (
        "centre: C\nassessed: 2024-06-01\n"
        "context: {agents: 100, currency: AUD, hourly_cost: 30}\n"
        "observations:\n  attrition_rate: {value: 0.6, target: 0.35}\n"
    )
    advisor = Advisor(knowledge)
    advice = advisor.advise(parse_text(text, knowledge))
    bc = advice.business_case
    assert bc is None or all(line.id != "leavers" for line in bc.lines)
    if bc is not None:
        assert any("US dollars" in m for m in bc.missing)
    usd = advisor.advise(parse_text(text.replace("AUD", "USD"), knowledge)).business_case
    assert usd is not None and any(line.id == "leavers" for line in usd.lines)
