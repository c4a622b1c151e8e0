"""The one user-error type.

Anything a user can fix (a typo, a bad value, a missing file) is raised as `UserError`;
the CLI turns it into a message on stderr and exit code 2. Everything else is a bug and
keeps its traceback (shown with ``--debug``).
"""

from __future__ import annotations

from collections.abc import Iterable


class UserError(Exception):
    """A problem in the user's input, located as precisely as we can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def where(self) -> str:
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class KnowledgeError(UserError):
    """A defect in a knowledge file (shipped or an overlay)."""


class EngineError(Exception):
    """The rule engine failed while running an action: a bug, never swallowed.

    durable-rules hands back an action's exception as text with its traceback appended
    (`exception caught ..., traceback [...]`); the message keeps the first part so the CLI
    can report it in one line, and `detail` keeps everything for `--debug`.
    """

    def __init__(self, message: str) -> None:
        short, sep, _ = message.partition(", traceback [")
        super().__init__(short.strip())
        self.detail = message if sep else None


def nearest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The closest valid ids to a typo, best first."""
    import difflib  # only when there is a typo to suggest for

    pool = sorted(set(choices))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not close:
        close = [c for c in pool if word and (word in c or c in word)][:n]
    return close


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = nearest(word, choices)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


class ReaderGone(Exception):
    """The reader of standard output went away (`advise FILE | head -1`): not an error."""
