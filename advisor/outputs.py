"""Writing reports: atomically, so a reader never sees half a file and a failed run
leaves an existing report untouched."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import ReaderGone, UserError
from .inputs import is_input


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same directory and a rename.

    Refuses to overwrite a file read as input in this run (`advise obs.yaml -o obs.yaml`
    would otherwise replace the consultant's observations with the report).
    """
    target = Path(path)
    if target.is_symlink():  # replace what the link points at, and keep the link
        target = Path(os.path.realpath(target))
    directory = target.parent if str(target.parent) else Path(".")
    if is_input(target):
        raise UserError(
            "refusing to write the output over a file this run has read as input",
            file=str(path),
            hint="choose another output file with -o",
        )
    if not directory.exists():
        raise UserError("the output directory does not exist", file=str(directory), hint="create it first, or choose another -o path")
    if not directory.is_dir():
        raise UserError("the output's parent is not a directory", file=str(directory))
    if target.is_dir():
        raise UserError("the output path is a directory", file=str(target))
    if target.exists() and not target.stat().st_mode & 0o222:
        # a rename would replace it regardless (only the directory's permission counts)
        raise UserError("the output file is read-only", file=str(path), hint="make it writable, or choose another -o path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write to the output directory: {exc.strerror or exc}", file=str(directory)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            try:
                os.chmod(tmp, target.stat().st_mode & 0o777)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UserError(f"cannot write the output: {exc.strerror or exc}", file=str(target)) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise




def write_stdout(text: str) -> None:
    """Print a report; a closed or full standard output is a clear error, not a traceback."""
    stream = sys.stdout
    if stream is None:
        raise UserError("standard output is closed: nowhere to print the report", hint="write to a file with -o FILE")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise ReaderGone() from None
    except (OSError, ValueError) as exc:  # ValueError: the stream object was closed
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"cannot write to standard output: {reason}", hint="write to a file with -o FILE") from None


def discard_stdout() -> None:
    """After the reader has gone, point standard output at /dev/null so the interpreter's
    final flush does not print a BrokenPipeError of its own."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests, closed stdout)
        pass
