"""Where the shipped knowledge, rules and templates live.

In an installed wheel they are data-only subpackages (`advisor.rules`,
`advisor.knowledge_base`, `advisor.recommendations`, mapped in pyproject.toml) found with
`importlib.resources`. Run from a source checkout instead (`python -m advisor` or
`python -m pytest` in the repository, where the source `advisor/` shadows the installed
package), those subpackages do not exist and the folders sit beside `advisor/`: fall back
to them, so the same command works from a clone and from any directory once installed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

FOLDERS = ("rules", "knowledge_base", "recommendations")


def shipped_dir(name: str) -> Path:
    """The directory of one shipped folder: `rules`, `knowledge_base` or `recommendations`."""
    if name not in FOLDERS:
        raise ValueError(f"no shipped folder {name!r}")
    try:
        return Path(str(resources.files(f"advisor.{name}")))
    except ModuleNotFoundError:
        beside = Path(__file__).resolve().parent.parent / name
        if beside.is_dir():
            return beside
        raise
