"""advisor: root causes and an improvement roadmap for customer-service centres.

The public API is small: `advise(path, kb_dirs=())` returns an `Advice`; `Advisor`
keeps the knowledge, graph and compiled rules for many assessments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Advice", "Advisor", "UserError", "advise"]

if TYPE_CHECKING:  # pragma: no cover
    from .advice import Advice, Advisor, advise
    from .errors import UserError


def __getattr__(name: str) -> Any:
    # imported lazily so `advise --help` does not pay for networkx and durable-rules
    if name in ("Advice", "Advisor", "advise"):
        from . import advice

        return getattr(advice, name)
    if name == "UserError":
        from .errors import UserError

        return UserError
    raise AttributeError(name)
