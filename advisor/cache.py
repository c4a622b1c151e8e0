"""A disk cache of validated knowledge, so each run does not re-parse 2,500 lines of YAML.

Parsing and validating the knowledge base (and answering the roadmap's graph questions)
costs more than advising on one centre. The result depends only on the knowledge files'
contents and the advisor's code (each module's size and modification time, which also
changes with every install of a new version), so it is pickled under a digest of those, in
the user's cache directory (`$XDG_CACHE_HOME/advisor`, else `~/.cache/advisor`;
`ADVISOR_CACHE_DIR` overrides it, and `ADVISOR_NO_CACHE=1` turns the cache off).

The cache is only ever an optimisation: a file that cannot be read, unpickled or written is
ignored and the knowledge is built from the YAML as if there were no cache. A changed file
changes the digest, so a defect is always found (and reported) by the full validation.

Cache entries are pickles and compiled templates, which Python runs as it loads them, so
they get the trust Python gives its own `__pycache__`, and no more: the directory is created
private (0700), and an entry is only read when it, and the directory holding it, belong to
the user running the advisor and cannot be written by anyone else. Anything else is a miss.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMAT = 1
"""Bump when the pickled records change shape without a version change."""


def _code_stamp() -> str:
    """The advisor's modules by size and modification time: cheaper than package metadata."""
    here = Path(__file__).parent
    stamps = []
    for path in sorted(here.glob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        stamps.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(stamps)


def directory() -> Path | None:
    """Where cached knowledge lives, or None when caching is off."""
    if os.environ.get("ADVISOR_NO_CACHE"):
        return None
    explicit = os.environ.get("ADVISOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "advisor"


def digest(parts: Iterable[tuple[str, str, str]]) -> str:
    """A key for knowledge built from these (section, name, text) files, in order."""
    h = hashlib.sha256()
    h.update(f"advisor format {FORMAT} python {sys.version_info[:2]} {_code_stamp()}\0".encode())
    for section, name, body in parts:
        for piece in (section, name, body):
            data = piece.encode("utf-8")
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
    return h.hexdigest()


def trusted(path: Path) -> bool:
    """Only the user running the advisor could have written this file (and its directory)."""
    try:
        for p in (path, path.parent):
            st = p.stat()
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                return False
            if st.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


def read(kind: str, key: str) -> Any:
    """The cached value, or None on a miss, an untrusted entry or any error reading it."""
    where = directory()
    if where is None or not key:
        return None
    path = where / f"{kind}-{key}.pickle"
    if not trusted(path):
        return None
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is just a miss
        return None


def write(kind: str, key: str, value: Any) -> None:
    """Store a value atomically (temporary file and rename); failures are ignored."""
    where = directory()
    if where is None or not key:
        return
    tmp = None
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=where)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / f"{kind}-{key}.pickle")
        tmp = None
        _prune(where, kind)
    except Exception:  # noqa: BLE001 - a read-only home must not break the advice
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


KEEP = 8
"""Cached entries kept per kind: a few overlays and versions, never an ever-growing pile."""


def _prune(where: Path, kind: str) -> None:
    entries = []
    for path in where.glob(f"{kind}-*.pickle"):
        try:
            entries.append((path.stat().st_mtime_ns, path.name, path))
        except OSError:
            continue
    for _mtime, _name, path in sorted(entries, reverse=True)[KEEP:]:
        try:
            path.unlink()
        except OSError:
            pass


def template_cache() -> Any:
    """A Jinja2 bytecode cache for the shipped templates (compiling them costs more than
    rendering), or None when caching is off. Jinja2 keys each entry by the template's name
    and a checksum of its source, so an edited template is compiled afresh."""
    where = directory()
    if where is None:
        return None
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    class _Quiet(FileSystemBytecodeCache):
        """Any failure to read or write the cache is a miss, never an error."""

        def load_bytecode(self, bucket: Bucket) -> None:
            if not trusted(Path(self.directory) / self._get_cache_filename(bucket)):
                return  # a miss: compiled from the shipped source instead
            try:
                super().load_bytecode(bucket)
            except Exception:  # noqa: BLE001
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                super().dump_bytecode(bucket)
            except Exception:  # noqa: BLE001
                pass

    return _Quiet(str(where / "templates"))
