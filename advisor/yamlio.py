"""Safe YAML loading that remembers where every value came from.

Consultants write YAML by hand, so every error must point at a line and column. We build
the document from the parser's event stream ourselves (iteratively, with an explicit
stack) rather than through PyYAML's constructor, which lets us:

- keep the position of every key and value (`Mapping.marks`, `Sequence.marks`);
- reject duplicate keys instead of silently keeping the last one;
- accept only plain YAML tags (no Python object tags, ever);
- bound nesting depth, alias expansion and input size, so hostile files fail fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from .errors import UserError

try:  # libyaml is much faster; fall back to the pure-Python parser where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from .inputs import MAX_BYTES, MAX_DEPTH, MAX_NODES, forget_inputs, is_input, note_input  # noqa: F401 (re-exported)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    file: str
    line: int
    column: int


class Mapping(dict):  # type: ignore[type-arg]
    """A YAML mapping that knows where it and each of its keys and values stand."""

    mark: Mark
    key_marks: dict[Any, Mark]
    marks: dict[Any, Mark]

    def key_mark(self, key: Any) -> Mark:
        return self.key_marks.get(key, self.mark)

    def value_mark(self, key: Any) -> Mark:
        return self.marks.get(key, self.mark)


class Sequence(list):  # type: ignore[type-arg]
    """A YAML sequence that knows where it and each item stand."""

    mark: Mark
    marks: list[Mark]

    def item_mark(self, index: int) -> Mark:
        return self.marks[index] if index < len(self.marks) else self.mark


def error_at(mark: Mark | None, message: str, hint: str | None = None) -> UserError:
    if mark is None:
        return UserError(message, hint=hint)
    return UserError(message, file=mark.file, line=mark.line, column=mark.column, hint=hint)


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Read a user's file as UTF-8 text, turning every way it can fail into a UserError.

    At most `max_bytes` + 1 bytes are ever read, so a device or a pipe that never ends
    (`/dev/zero`) fails on the size cap instead of filling memory.
    """
    name = str(path)
    try:
        if path.is_dir():
            raise UserError("is a directory, not a file", file=name, hint="give the observations file inside it")
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(
                f"file is {size:,} bytes, above the {max_bytes:,}-byte limit",
                file=name,
                hint="raise the limit with --max-bytes if the file is genuine",
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
            note_input(handle.fileno())
    except FileNotFoundError:
        raise UserError("no such file", file=name) from None
    except PermissionError:
        raise UserError("permission denied: cannot read the file", file=name) from None
    except IsADirectoryError:
        raise UserError("is a directory, not a file", file=name) from None
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    if len(data) > max_bytes:
        raise UserError(
            f"file is above the {max_bytes:,}-byte limit",
            file=name,
            hint="raise the limit with --max-bytes if the file is genuine",
        )
    return decode(data, name)




def decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError("the file is UTF-16 text: expected UTF-8", file=name, line=1, column=1, hint="save the file as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UserError("binary data (a NUL byte): expected a YAML text file", file=name, line=line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise UserError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x}): expected UTF-8 text",
            file=name,
            line=line,
            column=column,
            hint="save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_path(path: Path, *, max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a YAML file; an empty document is an error."""
    text = read_text(path, max_bytes=max_bytes)
    return loads(text, str(path))


def loads(text: str, name: str) -> Any:
    """Parse one YAML document into plain values with positions (see module docstring)."""
    builder = _Builder(name)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, name) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML error: {exc}", file=name) from None
    except RecursionError:  # pragma: no cover - the depth bound should stop this first
        raise UserError("the document is nested too deeply", file=name) from None
    if builder.documents == 0 or builder.result is _EMPTY:
        raise UserError("the file is empty: expected a YAML mapping", file=name, line=1, column=1)
    if builder.documents > 1:
        raise UserError(
            "the file holds more than one YAML document ('---'): expected exactly one", file=name
        )
    return builder.result


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, name: str) -> UserError:
    """libyaml's complaint, located, with the context it names and a hint for common slips."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "YAML syntax error"
    if "maximum nesting depth" in problem:
        message = f"nesting deeper than {MAX_DEPTH} levels"  # libyaml's own bound, met first in flow style
    else:
        message = f"YAML syntax error: {problem}"
        cmark = exc.context_mark
        if exc.context and cmark is not None and mark is not None and cmark.line != mark.line:
            message += f" ({exc.context} that starts at line {cmark.line + 1})"
    hint = None
    char = ""
    if mark is not None:
        lines = text.split("\n")
        if mark.line < len(lines) and mark.column < len(lines[mark.line]):
            char = lines[mark.line][mark.column]
    if "cannot start any token" in problem and char == "\t":
        hint = "YAML does not allow tabs for indentation: indent with spaces"
    elif "cannot start any token" in problem and char in ("@", "`", "%"):
        hint = f"quote a value that starts with {char!r}"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ', or check the indentation of the line above"
    elif "unknown escape character" in problem:
        hint = "in double quotes a backslash starts an escape: use single quotes, or write \\\\"
    elif "end of stream" in problem and "quoted" in (exc.context or ""):
        hint = "a quoted value is not closed"
    if mark is None:
        return UserError(message, file=name, hint=hint)
    return UserError(message, file=name, line=mark.line + 1, column=mark.column + 1, hint=hint)


_EMPTY = object()


class _Builder:
    """Turns parser events into `Mapping`/`Sequence`/scalar values."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stack: list[tuple[Any, Any]] = []  # (container, pending key or _NOKEY)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.sizes: list[int] = []
        self.nodes = 0
        self.result: Any = _EMPTY
        self.documents = 0
        self.resolver = Resolver()
        self.constructor = SafeConstructor()

    def mark(self, event: Any) -> Mark:
        m = event.start_mark
        return Mark(self.name, m.line + 1, m.column + 1)

    def fail(self, event: Any, message: str, hint: str | None = None) -> UserError:
        return error_at(self.mark(event), message, hint)

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise UserError(
                    "the file holds more than one YAML document ('---'): expected exactly one",
                    file=self.name,
                    line=event.start_mark.line + 1,
                )
        elif isinstance(event, yaml.ScalarEvent):
            self.add(event, self.scalar(event), 1)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.check_tag(event, event.tag)
            if len(self.stack) >= MAX_DEPTH:
                raise self.fail(event, f"nesting deeper than {MAX_DEPTH} levels")
            container: Mapping | Sequence
            if isinstance(event, yaml.MappingStartEvent):
                container = Mapping()
                container.key_marks, container.marks = {}, {}
            else:
                container = Sequence()
                container.marks = []
            container.mark = self.mark(event)
            self.stack.append((container, _NOKEY, event.anchor, container.mark))
            self.sizes.append(1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            container, pending, anchor, mark = self.stack.pop()
            size = self.sizes.pop()
            self.add_built(container, mark, anchor, size)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(event, f"unknown alias *{event.anchor}")
            value, size = self.anchors[event.anchor]
            self.place(value, self.mark(event), size)

    def check_tag(self, event: Any, tag: str | None) -> None:
        if tag is None or tag == "!":
            return
        if tag not in _PLAIN_TAGS:
            raise self.fail(
                event,
                f"YAML tag {tag!r} is not allowed: only plain values, mappings and lists",
            )

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        self.check_tag(event, tag)
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag == "!":
                tag = "tag:yaml.org,2002:str"
        if tag == _STR:  # most scalars (every key): what the constructor would return, without it
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        if tag == _MERGE:
            return _MergeKey()
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            if tag == "tag:yaml.org,2002:timestamp":
                raise self.fail(event, f"invalid date {event.value!r} ({problem}): expected an ISO date such as 2024-06-14") from None
            raise self.fail(event, f"invalid value {event.value!r}: {problem}") from None
        return value

    def add(self, event: Any, value: Any, size: int) -> None:
        mark = self.mark(event)
        anchor = getattr(event, "anchor", None)
        self.add_built(value, mark, anchor, size)

    def add_built(self, value: Any, mark: Mark, anchor: str | None, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        self.place(value, mark, size)

    def place(self, value: Any, mark: Mark, size: int) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            raise error_at(
                mark,
                f"the document expands to more than {MAX_NODES:,} values (alias bomb?)",
            )
        if self.sizes:
            self.sizes[-1] += size
        if not self.stack:
            self.result = value
            return
        container, pending, anchor, cmark = self.stack[-1]
        if isinstance(container, Sequence):
            container.append(value)
            container.marks.append(mark)
            return
        if pending is _NOKEY:
            if isinstance(value, (Mapping, Sequence)):
                raise error_at(mark, "a mapping key must be a plain value, not a mapping or list")
            try:
                hash(value)
            except TypeError:  # pragma: no cover - scalars are hashable
                raise error_at(mark, "unhashable mapping key") from None
            self.stack[-1] = (container, (value, mark), anchor, cmark)
            return
        key, kmark = pending
        self.stack[-1] = (container, _NOKEY, anchor, cmark)
        if isinstance(key, _MergeKey):
            self.merge(container, value, mark)
            return
        if key in container.key_marks and key not in getattr(container, "merged", ()):
            first = container.key_marks[key]
            raise error_at(
                kmark,
                f"duplicate key {key!r} (first at line {first.line})",
                hint="each key may appear once in a mapping",
            )
        container[key] = value
        container.key_marks[key] = kmark
        container.marks[key] = mark
        if key in getattr(container, "merged", ()):
            container.merged.discard(key)

    def merge(self, container: Mapping, value: Any, mark: Mark) -> None:
        """YAML merge keys (`<<: *defaults`): explicit keys win over merged ones."""
        sources = value if isinstance(value, Sequence) else [value]
        merged: set[Any] = getattr(container, "merged", set())
        for source in sources:
            if not isinstance(source, Mapping):
                raise error_at(mark, "a merge key ('<<') needs a mapping or a list of mappings")
            for key, item in source.items():
                if key in container:
                    continue
                container[key] = item
                container.key_marks[key] = source.key_mark(key)
                container.marks[key] = source.value_mark(key)
                merged.add(key)
        container.merged = merged  # type: ignore[attr-defined]


class _MergeKey:
    __slots__ = ()

    def __hash__(self) -> int:
        return 0


_NOKEY = object()


def mark_of(container: Any, key: Any = None) -> Mark | None:
    """The position of `container[key]` (or of the container itself)."""
    if isinstance(container, Mapping):
        return container.value_mark(key) if key is not None else container.mark
    if isinstance(container, Sequence):
        if isinstance(key, int):
            return container.item_mark(key)
        return container.mark
    return None
