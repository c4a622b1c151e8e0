"""What a run reads: the size and shape limits on input, and the files read so far.

Kept apart from `yamlio` (which needs PyYAML) so that the command line can name the
limits and reset the record of inputs without importing a parser for `advise --help`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 1_048_576
"""Default cap on an input file's size (1 MiB); `--max-bytes` raises it."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted."""
MAX_NODES = 200_000
"""Most values a document may expand to, aliases counted at their full size."""


_INPUTS: set[tuple[int, int]] = set()
"""(device, inode) of every regular file read in this process, so that an output is never
written over an input (see `outputs.write_atomic`)."""


def note_input(fd: int) -> None:
    """Remember a file this run has read (by device and inode)."""
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        _INPUTS.add((st.st_dev, st.st_ino))


def is_input(path: Path) -> bool:
    """Whether `path` is (a link to, or another name of) a file this process has read."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in _INPUTS


def forget_inputs() -> None:
    """Start a new run: no file has been read yet."""
    _INPUTS.clear()
