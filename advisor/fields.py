"""Small, located checks for hand-written YAML: right shape, known keys, sane values.

Both the observations loader and the knowledge loader read user-written mappings; these
helpers make every complaint name the file, line and column, and suggest near misses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import did_you_mean
from .yamlio import Mapping, Sequence, error_at, mark_of

_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "yes or no",
    list: "a list",
    dict: "a mapping",
}


def describe(value: Any) -> str:
    """How a value looks to a user, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{'yes' if value else 'no'} (yes/no)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return _yaml_float(value)
    return f"{value!r}"


def _yaml_float(value: float) -> str:
    """nan and inf as the user wrote them in YAML (.nan, .inf)."""
    if math.isnan(value):
        return ".nan (not a number)"
    return ".inf (infinity)" if value > 0 else "-.inf (minus infinity)"


def describe_key(key: Any) -> str:
    """A mapping key as the user wrote it: YAML reads an unquoted yes, no, on, off, ~ or 12 as
    something other than text, and a message naming `True` would baffle them."""
    if isinstance(key, bool):
        return f"{'yes' if key else 'no'} (YAML reads an unquoted yes/no/on/off/true/false as a yes-or-no, not a name; quote it)"
    if key is None:
        return "~ (an empty key)"
    if isinstance(key, str):
        return repr(key)
    return f"{key!r} (a number, not a name)"


def require_mapping(value: Any, parent: Any, key: Any, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise error_at(mark_of(parent, key), f"{what}: expected a mapping, got {describe(value)}")
    return value


def require_list(value: Any, parent: Any, key: Any, what: str) -> Sequence:
    if not isinstance(value, Sequence):
        raise error_at(mark_of(parent, key), f"{what}: expected a list, got {describe(value)}")
    return value


def check_keys(
    node: Mapping,
    what: str,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> None:
    """Reject unknown keys (with a suggestion) and report the first missing required key."""
    required = tuple(required)
    allowed = set(required) | set(optional)
    for key in node:
        if key not in allowed:
            raise error_at(
                node.key_mark(key),
                f"{what}: unknown key {describe_key(key)}",
                did_you_mean(str(key), allowed) or f"expected one of: {', '.join(sorted(allowed))}",
            )
    for key in required:
        if key not in node:
            raise error_at(node.mark, f"{what}: missing required key {key!r}")


def text(node: Mapping, key: str, what: str, *, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None and not required and key not in node:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, (Mapping, Sequence)):
        raise error_at(node.value_mark(key), f"{what}: {key} must be text, got {describe(value)}")
    value = str(value).strip()
    if required and not value:
        raise error_at(node.value_mark(key), f"{what}: {key} must not be empty")
    return value


def number(
    node: Mapping,
    key: str,
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    required: bool = True,
    integer: bool = False,
) -> float | None:
    if key not in node and not required:
        return None
    value = node.get(key)
    return check_number(value, node.value_mark(key), f"{what}: {key}", low=low, high=high, integer=integer)


def check_number(
    value: Any,
    mark: Any,
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error_at(mark, f"{what} must be a number, got {describe(value)}")
    try:
        as_float = float(value)
    except OverflowError:  # a whole number too large for a float
        raise error_at(mark, f"{what} is too large a number") from None
    if math.isnan(as_float) or math.isinf(as_float):
        raise error_at(mark, f"{what} must be a finite number, got {_yaml_float(as_float)}")
    if integer and value != int(value):
        raise error_at(mark, f"{what} must be a whole number, got {value}")
    if low is not None and value < low:
        raise error_at(mark, f"{what} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise error_at(mark, f"{what} must be at most {high}, got {value}")
    return float(value)


def choice(node: Mapping, key: str, what: str, options: Iterable[str], *, required: bool = True) -> str | None:
    if key not in node and not required:
        return None
    value = node.get(key)
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise error_at(
            node.value_mark(key),
            f"{what}: {key} must be one of {', '.join(options)}; got {describe(value)}",
            did_you_mean(str(value), options) if isinstance(value, str) else None,
        )
    return value


def id_list(node: Mapping, key: str, what: str) -> tuple[str, ...]:
    """A list of ids (a bare string is accepted as a list of one)."""
    if key not in node or node[key] is None:
        return ()
    value = node[key]
    if isinstance(value, str):
        return (value,)
    seq = require_list(value, node, key, f"{what}: {key}")
    out: list[str] = []
    for i, item in enumerate(seq):
        if not isinstance(item, str) or not item:
            raise error_at(seq.item_mark(i), f"{what}: {key} must list ids, got {describe(item)}")
        out.append(item)
    return tuple(out)
