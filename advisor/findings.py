"""From firings to findings: each factor's combined certainty and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass

from .certainty import combine_all
from .engine import Firing, Match
from .knowledge import PLACEHOLDER, Knowledge, Rule
from .observations import Assessment, labelled, part, phrase


@dataclass(frozen=True)
class Evidence:
    """One rule's contribution to a factor, with the observations it rests on."""

    rule: str
    title: str
    certainty: float
    rule_certainty: float
    observations: tuple[str, ...]
    because: str
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class Finding:
    """A factor's combined certainty: positive suspected, negative ruled out."""

    factor: str
    name: str
    confidence: float
    evidence: tuple[Evidence, ...]

    @property
    def support(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.certainty > 0)

    @property
    def against(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.certainty < 0)


def matched_phrase(signals: tuple[str, ...], assessment: Assessment, knowledge: Knowledge) -> str:
    """What a firing matched, as 'FCR 0.68 against a 0.75 target; overtime hours up'."""
    parts = []
    for sid in signals:
        obs = assessment.observations.get(sid)
        sig = knowledge.signals.get(sid)
        if obs is not None:
            parts.append(labelled(obs, sig))
    return "; ".join(parts)


def render_because(rule: Rule, assessment: Assessment, knowledge: Knowledge, matched: tuple[str, ...] = ()) -> str:
    """Fill a rule's `{signal}`, `{signal.field}` and `{matched}` placeholders."""

    def fill(m: "re.Match[str]") -> str:  # type: ignore[name-defined]  # noqa: F821
        if m.group(1) == "matched" and not m.group(2):
            return matched_phrase(matched, assessment, knowledge)
        obs = assessment.observations.get(m.group(1))
        signal = knowledge.signals.get(m.group(1))
        if obs is None:
            return "not observed"
        if m.group(2):
            return part(obs, m.group(2), signal)
        return phrase(obs, signal)

    return PLACEHOLDER.sub(fill, rule.because)


def supersede(firings: tuple[Firing, ...], knowledge: Knowledge) -> tuple[Firing, ...]:
    """Drop firings whose rule is superseded by a rule that also fired.

    A weak, general rule ("one sign of queue strain") names the stronger rules that use the
    same evidence in `superseded_by`; when one of them fires, the weak one stands aside so
    the same observation is not counted twice. Unlike a `none` condition, this never makes a
    further bad observation lower a factor's confidence.
    """
    fired = {f.rule for f in firings}
    return tuple(f for f in firings if not fired.intersection(knowledge.rules[f.rule].superseded_by))


def build_findings(firings: tuple[Firing, ...], assessment: Assessment, knowledge: Knowledge) -> dict[str, Finding]:
    """Every factor's finding, in knowledge-base order (factors with no firing have 0)."""
    by_factor: dict[str, list[Evidence]] = {fid: [] for fid in knowledge.factors}
    for firing in supersede(firings, knowledge):
        rule = knowledge.rules[firing.rule]
        signals = tuple(dict.fromkeys(m.signal for m in firing.matches))
        by_factor[rule.factor].append(
            Evidence(
                rule=rule.id,
                title=rule.title,
                certainty=round(firing.contribution, 4),
                rule_certainty=rule.certainty,
                observations=signals,
                because=render_because(rule, assessment, knowledge, signals),
                matches=firing.matches,
            )
        )
    findings: dict[str, Finding] = {}
    for fid, factor in knowledge.factors.items():
        evidence = by_factor[fid]
        confidence = combine_all(e.certainty for e in evidence)
        ordered = tuple(sorted(evidence, key=lambda e: (-abs(e.certainty), e.rule)))
        findings[fid] = Finding(factor=fid, name=factor.name, confidence=round(confidence, 4), evidence=ordered)
    return findings


def ranked(findings: dict[str, Finding]) -> tuple[list[Finding], list[Finding]]:
    """(causes, ruled out): positive highest first, negative most negative first; ties by id."""
    causes = sorted((f for f in findings.values() if f.confidence > 0), key=lambda f: (-f.confidence, f.factor))
    ruled_out = sorted((f for f in findings.values() if f.confidence < 0), key=lambda f: (f.confidence, f.factor))
    return causes, ruled_out
