"""Erlang C staffing for the busiest interval of a contact centre.

The advisor uses this module to check the Staffing Gaps factor with arithmetic rather than
opinion: given the busiest interval's contacts, its length, the average handle time (AHT) and a
service-level target ("80% answered in 20 s"), it works out how many agents must be on the queue,
how many must be rostered once shrinkage is taken out, the gap against the agents actually
scheduled, and the service level those scheduled agents give now.

Why the arithmetic looks the way it does:

* The textbook Erlang C formula uses ``A**N / N!``, which overflows a float somewhere past
  N = 170 and so fails for any centre of a realistic size.  Instead we run the Erlang B
  recursion ``B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))``, whose terms stay in (0, 1], and
  convert with ``C = N·B / (N − A(1 − B))``.  This is stable for tens of thousands of agents.
* The smallest N that meets a target is found by a single upward scan that starts just above
  the traffic (N must exceed A for the queue to be stable) and extends B one step per
  candidate, so the whole search costs O(A + √A) recursion steps rather than O(N²).
* Every loop is bounded: traffic is capped at :data:`MAX_TRAFFIC_ERLANGS`, the recursion stops
  early once B underflows to zero (it then stays zero), and the search has an explicit ceiling.

Conventions for edge cases (documented so callers are not surprised):

* With zero traffic nobody waits: P(wait) = 0, service level = 1, ASA = 0, and 0 agents are
  needed.
* With traffic but N ≤ A agents the queue grows without limit: P(wait) = 1, service level = 0
  and ASA is infinite.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_TRAFFIC_ERLANGS",
    "Staffing",
    "StaffingError",
    "agents_for_service_level",
    "asa",
    "erlang_c",
    "service_level",
    "staff_interval",
]

#: Largest offered traffic we agree to staff, in Erlangs.  A million Erlangs is far beyond any
#: single queue (the largest centres run tens of thousands of agents), so anything above it is
#: almost certainly a unit mistake (e.g. AHT given in milliseconds), and the cap keeps every
#: computation bounded to about a second.
MAX_TRAFFIC_ERLANGS: float = 1e6

#: Tolerance used when rounding head-counts, so that float noise does not cost a person: with
#: shrinkage 0.30, ``21 / (1 − 0.3)`` is 30.000000000000004 (must round up to 30, not 31) and
#: ``90 × (1 − 0.3)`` is 62.99999999999999 (must round down to 63, not 62).
_HEADCOUNT_EPS: float = 1e-9


class StaffingError(ValueError):
    """Raised when the inputs cannot be staffed; the message is one sentence for a consultant."""


# --------------------------------------------------------------------------------------------
# Validation helpers: each names the field so the consultant knows what to correct.
# --------------------------------------------------------------------------------------------


def _number(name: str, value: Any) -> float:
    """Return ``value`` as a finite float, or raise naming ``name`` (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StaffingError(f"cannot staff: {name} must be a number, but it was {value!r}.")
    result = float(value)
    if not math.isfinite(result):
        raise StaffingError(f"cannot staff: {name} must be a finite number, but it was {value!r}.")
    return result


def _positive(name: str, value: Any) -> float:
    result = _number(name, value)
    if result <= 0:
        raise StaffingError(f"cannot staff: {name} must be above 0, but it was {value!r}.")
    return result


def _non_negative(name: str, value: Any) -> float:
    result = _number(name, value)
    if result < 0:
        raise StaffingError(f"cannot staff: {name} must be 0 or more, but it was {value!r}.")
    return result


def _agents(name: str, value: Any) -> int:
    """Agents are whole people: accept ints (or integral floats) that are 0 or more."""
    result = _non_negative(name, value)
    if result != math.floor(result):
        raise StaffingError(f"cannot staff: {name} must be a whole number of agents, but it was {value!r}.")
    return int(result)


def _traffic(value: Any) -> float:
    result = _non_negative("traffic", value)
    if result > MAX_TRAFFIC_ERLANGS:
        shown = f"{result:,.0f}" if result < 1e15 else f"{result:.3g}"  # never a 300-digit number
        raise StaffingError(
            f"cannot staff: traffic of {shown} Erlangs is above the {MAX_TRAFFIC_ERLANGS:,.0f} "
            "Erlang limit, so check the contacts, interval_minutes and aht_s units."
        )
    return result


def _target(value: Any) -> float:
    result = _number("target", value)
    if not 0 < result < 1:
        raise StaffingError(
            f"cannot staff: target must be a service-level fraction between 0 and 1 (e.g. 0.8), "
            f"but it was {value!r}."
        )
    return result


def _shrinkage(value: Any) -> float:
    result = _number("shrinkage", value)
    if not 0 <= result < 1:
        raise StaffingError(
            f"cannot staff: shrinkage must be a fraction from 0 up to but not including 1 (e.g. 0.30), "
            f"but it was {value!r}."
        )
    return result


# --------------------------------------------------------------------------------------------
# Core arithmetic (unvalidated, shared by the search and the public functions so that both
# produce bit-for-bit the same numbers).
# --------------------------------------------------------------------------------------------


def _b_step(traffic: float, b_prev: float, n: int) -> float:
    """One Erlang B recursion step: B(n) from B(n−1)."""
    ab = traffic * b_prev
    return ab / (n + ab)


def _erlang_b(traffic: float, agents: int) -> float:
    """Erlang B blocking probability by recursion; stops early once B underflows to 0."""
    b = 1.0
    for n in range(1, agents + 1):
        b = _b_step(traffic, b, n)
        if b == 0.0:  # stays 0 from here on; stopping keeps huge `agents` cheap
            break
    return b


def _c_from_b(traffic: float, agents: int, b: float) -> float:
    """Erlang C from Erlang B, valid only for agents > traffic > 0."""
    return agents * b / (agents - traffic * (1.0 - b))


def _sl_from_c(traffic: float, agents: int, c: float, aht_s: float, threshold_s: float) -> float:
    """Share answered within the threshold, given P(wait); agents > traffic > 0."""
    return 1.0 - c * math.exp(-(agents - traffic) * threshold_s / aht_s)


def _erlang_c(traffic: float, agents: int) -> float:
    if traffic == 0.0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return _c_from_b(traffic, agents, _erlang_b(traffic, agents))


def _service_level(traffic: float, agents: int, aht_s: float, threshold_s: float) -> float:
    if traffic == 0.0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return _sl_from_c(traffic, agents, _erlang_c(traffic, agents), aht_s, threshold_s)


def _asa(traffic: float, agents: int, aht_s: float) -> float:
    if traffic == 0.0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return _erlang_c(traffic, agents) * aht_s / (agents - traffic)


def _search_ceiling(traffic: float) -> int:
    """An upper bound on N far beyond any attainable target, so the search can never hang.

    P(wait) falls like a Poisson tail once N exceeds A by a few √A, so for any target a float
    can represent below 1 the answer lies well within A + 50√A + 1000.
    """
    return math.floor(traffic) + 50 * math.ceil(math.sqrt(traffic)) + 1000


def _agents_for_service_level(traffic: float, aht_s: float, target: float, threshold_s: float) -> int:
    if traffic == 0.0:
        return 0
    first = math.floor(traffic) + 1  # the smallest N with N > A
    b = _erlang_b(traffic, first - 1)
    for n in range(first, _search_ceiling(traffic) + 1):
        b = _b_step(traffic, b, n)
        c = _c_from_b(traffic, n, b)
        if _sl_from_c(traffic, n, c, aht_s, threshold_s) >= target:
            return n
    raise StaffingError(  # unreachable for valid input; kept so the loop is provably bounded
        f"cannot staff: no number of agents up to {_search_ceiling(traffic):,} reaches the target of {target}."
    )


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a contact waits (Erlang C) with ``traffic`` Erlangs on ``agents`` agents.

    Returns 0.0 when there is no traffic and 1.0 when ``agents <= traffic`` (the queue is
    unstable, so everyone eventually waits).
    """
    return _erlang_c(_traffic(traffic), _agents("agents", agents))


def service_level(traffic: float, agents: int, aht_s: float, threshold_s: float) -> float:
    """Share of contacts answered within ``threshold_s`` seconds: 1 − P(wait)·e^{−(N−A)t/AHT}.

    Returns 1.0 with no traffic and 0.0 when ``agents <= traffic``.
    """
    return _service_level(
        _traffic(traffic),
        _agents("agents", agents),
        _positive("aht_s", aht_s),
        _non_negative("threshold_s", threshold_s),
    )


def asa(traffic: float, agents: int, aht_s: float) -> float:
    """Average speed of answer in seconds: P(wait)·AHT / (N − A).

    Returns 0.0 with no traffic and ``math.inf`` when ``agents <= traffic``.
    """
    return _asa(_traffic(traffic), _agents("agents", agents), _positive("aht_s", aht_s))


def agents_for_service_level(traffic: float, aht_s: float, target: float, threshold_s: float) -> int:
    """The smallest number of agents on the queue whose service level is at least ``target``.

    Scans upward from the first N above the traffic, extending Erlang B one step per
    candidate, because service level only rises with N; returns 0 when there is no traffic.
    """
    return _agents_for_service_level(
        _traffic(traffic),
        _positive("aht_s", aht_s),
        _target(target),
        _non_negative("threshold_s", threshold_s),
    )


@dataclass(frozen=True)
class Staffing:
    """Erlang C staffing for one interval, as reported in the ``staffing`` object of the report.

    Fields:

    * ``traffic_erlangs`` — offered load A = contacts × AHT / interval length.
    * ``agents_needed`` — agents on the queue for the target (the smallest N meeting it).
    * ``agents_rostered_needed`` — ⌈agents_needed / (1 − shrinkage)⌉: people to schedule so
      that enough are on the queue after breaks, training, absence and so on.
    * ``agents_rostered`` — agents scheduled for the interval (before shrinkage), if given.
    * ``gap_fte`` — agents_rostered_needed − agents_rostered; positive means a shortfall.
    * ``service_level_now`` — the service level the scheduled agents give *after* shrinkage,
      i.e. on agents_rostered × (1 − shrinkage) agents on the queue, an average that is
      seldom whole, so the figure is interpolated between the whole head-counts either side.
      We take shrinkage out because the
      scheduled head-count is compared with ``agents_rostered_needed``, which includes it;
      comparing like with like is what lets the gap and this figure tell the same story.
      0.0 when those agents do not exceed the traffic (the queue would grow without limit);
      1.0 when there is no traffic.
    * ``asa_needed_s`` and ``occupancy_needed`` — ASA and occupancy (A / N) at agents_needed.
    * ``shrinkage``, ``target_service_level``, ``threshold_s`` — the inputs used.
    """

    traffic_erlangs: float
    agents_needed: int
    agents_rostered_needed: int
    agents_rostered: int | None
    gap_fte: int | None
    service_level_now: float | None
    asa_needed_s: float
    occupancy_needed: float
    shrinkage: float
    target_service_level: float
    threshold_s: float

    def to_json(self) -> dict[str, Any]:
        """The contract's keys first (rounded for reading), then extra context keys."""
        return {
            "traffic_erlangs": round(self.traffic_erlangs, 2),
            "agents_needed": self.agents_needed,
            "agents_rostered_needed": self.agents_rostered_needed,
            "agents_rostered": self.agents_rostered,
            "gap_fte": self.gap_fte,
            "service_level_now": None if self.service_level_now is None else round(self.service_level_now, 3),
            "asa_s": round(self.asa_needed_s, 1),
            "occupancy": round(self.occupancy_needed, 3),
            "shrinkage": round(self.shrinkage, 3),
            "target": {"service_level": self.target_service_level, "threshold_s": self.threshold_s},
        }


def staff_interval(
    contacts: float,
    interval_minutes: float,
    aht_s: float,
    target: float,
    threshold_s: float,
    shrinkage: float = 0.30,
    scheduled_agents: int | None = None,
) -> Staffing:
    """Staff the busiest interval: agents needed for the target, rostered need, gap and SL now.

    ``contacts`` is the number offered in the interval (may be fractional when it comes from a
    forecast); ``scheduled_agents`` is the rostered head-count before shrinkage, or ``None``
    when it is not known, in which case the gap and current service level are ``None`` too.
    Raises :class:`StaffingError` naming the field when an input cannot be staffed.
    """
    contacts_f = _non_negative("contacts", contacts)
    minutes = _positive("interval_minutes", interval_minutes)
    aht = _positive("aht_s", aht_s)
    tgt = _target(target)
    threshold = _non_negative("threshold_s", threshold_s)
    shrink = _shrinkage(shrinkage)
    scheduled = None if scheduled_agents is None else _agents("scheduled_agents", scheduled_agents)

    traffic = _traffic(contacts_f * aht / (minutes * 60.0))
    needed = _agents_for_service_level(traffic, aht, tgt, threshold)
    rostered_needed = math.ceil(needed / (1.0 - shrink) - _HEADCOUNT_EPS)

    gap: int | None = None
    sl_now: float | None = None
    if scheduled is not None:
        gap = rostered_needed - scheduled
        # shrinkage leaves a fractional head-count on average (16 × 0.67 = 10.72): read the
        # service level between the whole numbers either side rather than rounding it away
        on_queue = scheduled * (1.0 - shrink)
        low = math.floor(on_queue + _HEADCOUNT_EPS)
        share = max(0.0, on_queue - low)
        sl_now = _service_level(traffic, low, aht, threshold)
        if share > _HEADCOUNT_EPS:
            sl_now += share * (_service_level(traffic, low + 1, aht, threshold) - sl_now)

    return Staffing(
        traffic_erlangs=traffic,
        agents_needed=needed,
        agents_rostered_needed=rostered_needed,
        agents_rostered=scheduled,
        gap_fte=gap,
        service_level_now=sl_now,
        asa_needed_s=_asa(traffic, needed, aht),
        occupancy_needed=traffic / needed if needed else 0.0,
        shrinkage=shrink,
        target_service_level=tgt,
        threshold_s=threshold,
    )
