"""The console script's entry point, kept free of heavy imports.

`advise --help` is asked for often and should answer at once. Its text comes from click
like every other help text, but importing click (and what it imports) costs more than the
interpreter's own start, so the text click rendered last time is kept in the cache
directory, keyed by the advisor's code (each module's size and modification time) and the
terminal width, and printed from there when nothing has changed. Any other command, or
any doubt about the cache, goes straight to the click application in `cli`.
"""

from __future__ import annotations

import os
import sys
import zlib

HELP_ARGS = (["--help"], ["-h"])


def main() -> None:
    args = sys.argv[1:]
    if args in HELP_ARGS:
        path = _help_path()
        text = _read(path) if path else None
        if text is None:
            text = _render_help()
            if path:
                _write(path, text)
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .cli import main as cli_main

    cli_main()


def _help_path() -> str | None:
    """Where the help text for this code and this terminal width is kept, or None (no cache)."""
    if os.environ.get("ADVISOR_NO_CACHE"):
        return None
    base = os.environ.get("ADVISOR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "advisor"
    )
    here = os.path.dirname(os.path.abspath(__file__))
    stamp = [sys.version, os.environ.get("COLUMNS", ""), str(_width())]
    try:
        with os.scandir(here) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    stamp.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        return None
    key = zlib.crc32("\0".join(stamp).encode()) & 0xFFFFFFFF
    return os.path.join(base, f"help-{key:08x}.txt")


def _width() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


def _render_help() -> str:
    import click

    from .cli import cli

    with click.Context(cli, info_name="advise", **cli.context_settings) as ctx:
        return ctx.get_help() + "\n"


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read() or None
    except OSError:
        return None


def _write(path: str, text: str) -> None:
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
