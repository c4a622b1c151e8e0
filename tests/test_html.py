"""The HTML report: self-contained, complete, escaped; golden files for Markdown and HTML.

Golden files change only on purpose: `UPDATE_GOLDEN=1 python -m pytest tests/test_html.py`
rewrites them, and the diff is then reviewed like any other change.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from advisor.advice import Advisor
from advisor.graph import build_graph
from advisor.observations import parse_text
from advisor.pictures import cause_remedy_graph
from advisor.render import render

GOLDEN = Path(__file__).resolve().parent / "golden"
SECTIONS = (
    "Executive summary",
    "Core-service alignment",
    "Root causes",
    "From observations to remedies",
    "Roadmap",
    "Staffing",
    "Business case",
    "What to check next",
    "Assumptions and observations",
)

HOSTILE = textwrap.dedent(
    """\
    centre: "Acme <b>Bank</b> & Co"
    assessed: 2024-06-14
    core_services:
      - {id: billing, name: "Billing <i>help</i>", kpis: [fcr]}
    observations:
      fcr: {value: 0.6, baseline: 0.75, target: 0.75, note: "<script>alert('x')</script>"}
      tool_workarounds: {source: floor_walk, note: "<img src=x onerror=alert(1)> | *bold* [link](http://evil.example)"}
      new_tool_rolled_out: {date: 2024-03-01, note: "<script>alert('y')</script>"}
      aht: {value: 400, baseline: 300}
    """
)


@pytest.fixture(scope="module")
def harbour(advisor_module: Advisor) -> Any:
    return advisor_module.advise(advisor_module.load(Path(__file__).resolve().parent.parent / "examples" / "harbour_bank.yaml"))


@pytest.fixture(scope="module")
def advisor_module() -> Advisor:
    return Advisor()


@pytest.fixture(scope="module")
def html(harbour: Any) -> str:
    return render(harbour, "html")


def hostile(advisor: Advisor, fmt: str) -> str:
    return render(advisor.advise(parse_text(HOSTILE, advisor.knowledge, "hostile.yaml")), fmt)


def test_html_is_self_contained(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered and "@import" not in lowered and "@font-face" not in lowered
    assert not re.search(r"\bsrc\s*=", lowered)
    assert not re.search(r"https?://", lowered), "nothing may point outside the file"
    assert set(re.findall(r"url\(([^)]*)\)", lowered)) <= {"#tl-arrow"}
    assert set(re.findall(r'href="([^"]*)"', html)) == {f"#{s}" for s in ("summary", "alignment", "causes", "picture", "roadmap", "staffing", "business-case", "next", "assumptions")}


def test_html_has_every_section_in_order(html: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == list(SECTIONS)
    assert "@media print" in html and "break-before: page" in html


def test_executive_summary_says_where_and_what_first(html: str, harbour: Any) -> None:
    summary = html.split('<section id="summary">')[1].split("</section>")[0]
    assert "Deviating on 2 of 2 core services" in summary
    for cause in harbour.causes[:3]:
        assert cause.name in summary
    for item in harbour.roadmap[:3]:
        assert item.title.replace("'", "&#39;") in summary
    assert "a return of" in summary


def test_alignment_lists_unused_kpis_and_non_core_work(html: str) -> None:
    section = html.split('<section id="alignment">')[1].split("</section>")[0]
    assert "aht, occupancy" in section
    assert "Share of agent time on non-core work" in section and "not observed" in section


def test_pictures_are_drawn_from_the_advice(html: str, harbour: Any) -> None:
    assert len(re.findall(r'<svg class="picture (\w+)"', html)) == 3
    flow = re.search(r'<svg class="picture flow".*?</svg>', html, re.S).group(0)
    sub = cause_remedy_graph(build_graph(harbour.knowledge), harbour)
    assert flow.count("<path ") == sub.number_of_edges() > 0
    for _u, _v, d in sub.edges(data=True):
        assert f">{d['weight']:.2f}</text>" in flow  # the weight is written on the picture
    timeline = re.search(r'<svg class="picture timeline".*?</svg>', html, re.S).group(0)
    dependencies = sum(len(i.depends_on) for i in harbour.roadmap)
    assert timeline.count('marker-end="url(#tl-arrow)"') == dependencies > 0
    bars = re.search(r'<svg class="picture bars".*?</svg>', html, re.S).group(0)
    assert bars.count("<rect ") == len(harbour.causes) + len(harbour.ruled_out)


def test_markup_in_notes_comes_out_escaped_in_html(advisor_module: Advisor) -> None:
    out = hostile(advisor_module, "html")
    assert "<script" not in out.lower() and "<img" not in out.lower() and "<b>Bank" not in out
    assert "&lt;script&gt;alert(&#39;y&#39;)&lt;/script&gt;" in out
    assert "Acme &lt;b&gt;Bank&lt;/b&gt; &amp; Co" in out
    assert "Billing &lt;i&gt;help&lt;/i&gt;" in out


def test_markup_in_notes_comes_out_escaped_in_markdown(advisor_module: Advisor) -> None:
    out = hostile(advisor_module, "md")
    assert not re.search(r"(?<!\\)<", out), "every < is escaped, so no markup reaches a Markdown renderer"
    assert r"\<script\>alert('y')\</script\>" in out
    assert r"\[link\](http://evil.example)" in out  # shown as text, not a link


def test_html_without_context_says_what_is_missing(advisor_module: Advisor) -> None:
    out = hostile(advisor_module, "html")
    assert "Not computed: Erlang C needs" in out
    assert "Not costed: give <code>context</code>" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden(harbour: Any, fmt: str) -> None:
    path = GOLDEN / f"harbour_bank.{fmt}"
    out = render(harbour, fmt)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8")
        pytest.skip(f"rewrote {path.name}")
    assert path.exists(), f"no golden file {path.name}: run UPDATE_GOLDEN=1 python -m pytest tests/test_html.py"
    assert out == path.read_text(encoding="utf-8"), (
        f"{path.name} changed; if that is intended, run UPDATE_GOLDEN=1 python -m pytest tests/test_html.py and review the diff"
    )


def test_same_input_same_bytes(harbour: Any) -> None:
    assert render(harbour, "html") == render(harbour, "html")
