"""Read JSON, YAML and TOML documents with errors that name the line.

Every document a user hands us (a profile, a trace, a rule file) comes
through here, so the limits that keep a hostile or broken file from eating
the machine live here too: a size cap per kind of file, a nesting depth, a
bound on how far YAML aliases may expand, numbers of at most
:data:`MAX_DIGITS` digits, and no NaN or Infinity (our JSON output is strict,
so a value that could not be written back is refused on the way in).
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._i18n import N_
from .._i18n.messages import Msg, concat

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import yaml

FORMATS = ("json", "yaml", "toml")
_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}

Kind = Literal["profile", "trace", "rule file", "document"]
MIB = 1024 * 1024
SIZE_LIMITS: dict[str, int] = {
    # A profile is a few hundred bytes; a megabyte is already absurd.
    "profile": 1 * MIB,
    # A trace of the shipped rules is about 100 kB; a large custom pack may make it a few MB.
    "trace": 16 * MIB,
    # The largest shipped rule file is under 10 kB.
    "rule file": 2 * MIB,
    "document": 16 * MIB,
}
"""The largest file (in bytes) read for each kind of document."""

MAX_DEPTH = 64
"""The deepest nesting of lists and mappings a document may have (a trace needs about 8)."""

MAX_DIGITS = 64
"""The most digits a number may have: more is never meaningful here, and Python refuses to print over 4300."""

MAX_YAML_NODES = 100_000
"""The most values a YAML document may hold once its aliases are expanded (an alias bomb holds billions)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate: JSON's and YAML's ``\\ud8xx`` escapes can make one, and it is not text (no output can print it)."""

_MAX_INT = 10**MAX_DIGITS


class DocumentProblem(Exception):
    """A document could not be read or parsed; callers turn it into their own error."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem)


def format_for(path: Path) -> str | None:
    """The document format a file name implies, or ``None`` if the suffix says nothing."""
    return _SUFFIXES.get(path.suffix.lower())


def _size_text(size: int) -> Msg:
    if size % MIB == 0:
        return Msg(N_("{size} MB"), size=size // MIB)
    return Msg(N_("{size} bytes"), size=f"{size:,}")


#: What each kind of document is called in a message (the keys are data, the names words).
_KIND_NAMES = {"profile": N_("profile"), "trace": N_("trace"), "rule file": N_("rule file"), "document": N_("document")}


def too_large(kind: str) -> DocumentProblem:
    """The problem reported for a file over the size limit of its ``kind``."""
    name = Msg(_KIND_NAMES[kind]) if kind in _KIND_NAMES else kind
    return DocumentProblem(
        Msg(N_("is larger than the {limit} limit for a {kind}"), limit=_size_text(SIZE_LIMITS[kind]), kind=name)
    )


_CHUNK = 1 << 20
"""How much :func:`read_bytes` asks for at a time past what stat() said (a pipe, a growing file)."""


def read_bytes(path: Path, kind: Kind = "document") -> bytes:
    """Read a file's bytes, refusing directories and anything over the size limit of ``kind``.

    :raises DocumentProblem: for a missing, unreadable or oversized file.
    """
    limit = SIZE_LIMITS[kind]
    try:
        with path.open("rb") as stream:
            # Read one byte past the limit rather than trusting stat(): a pipe or /dev/zero has no size, and a
            # file may grow. stat() only sizes the first read: asking for the whole limit at once allocates it
            # (16 MiB for a trace), which cost more than reading a 100 kB trace when an audit reads thousands.
            first = stream.read(min(os.fstat(stream.fileno()).st_size, limit) + 1)
            chunks, total = [first], len(first)
            while total <= limit:
                more = stream.read(min(limit + 1 - total, _CHUNK))
                if not more:
                    break
                chunks.append(more)
                total += len(more)
            raw = first if len(chunks) == 1 else b"".join(chunks)
    except FileNotFoundError:
        raise DocumentProblem(Msg(N_("no such file"))) from None
    except IsADirectoryError:
        raise DocumentProblem(Msg(N_("is a directory, not a file"))) from None
    except OSError as exc:
        raise DocumentProblem(Msg(N_("cannot be read ({reason})"), reason=exc.strerror)) from None
    if len(raw) > limit:
        raise too_large(kind)
    return raw


def decode(raw: bytes) -> str:
    """Decode a document's bytes as UTF-8 (a BOM is allowed), refusing binary junk.

    :raises DocumentProblem: for binary data or text in another encoding.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentProblem(Msg(N_("is UTF-16 text: save it as UTF-8")))
    if b"\x00" in raw:
        raise DocumentProblem(Msg(N_("is a binary file, not JSON, YAML or TOML text")))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentProblem(Msg(N_("is not UTF-8 text (bad byte at offset {offset})"), offset=exc.start)) from None


def read_text(path: Path, kind: Kind = "document") -> str:
    """Read a file as UTF-8 text, refusing directories, binary junk and files over the size limit of ``kind``."""
    return decode(read_bytes(path, kind))


_TOO_MANY_DIGITS = N_("a number has more than {digits} digits")


class _Refused(Exception):
    """Raised from inside a parser hook; :func:`parse` turns it into a :class:`DocumentProblem`."""


class DuplicateKey(ValueError):
    """A JSON object gives the same key twice (raised by :func:`unique_keys`).

    JSON readers disagree on which of the two wins (Python's keeps the last, others the first), so a
    document with a repeated key can mean one thing to whoever signed or checked it and another to us:
    a forged ``"result"`` placed before the real one. Every JSON document we read refuses it.

    :ivar key: the repeated key.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(Msg(_DUPLICATE_KEY, key=_printable(json.dumps(key, ensure_ascii=False)[:80])))


_DUPLICATE_KEY = N_("the key {key} appears twice in one object: give each key once")


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook``: the object as a dict, refusing a key given twice.

    :raises DuplicateKey: naming the first repeated key.
    """
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(Msg(_TOO_MANY_DIGITS, digits=MAX_DIGITS))
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > 4 * MAX_DIGITS:
        raise _Refused(Msg(_TOO_MANY_DIGITS, digits=MAX_DIGITS))
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(Msg(N_("the number {number} is out of range"), number=text[:20]))
    return value


def _json_constant(name: str) -> Any:
    raise _Refused(Msg(N_("{name} is not a number JSON allows"), name=name))


@cache
def _bounded_loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader, refusing documents whose aliases expand past :data:`MAX_YAML_NODES` values.

    A few hundred bytes of nested aliases can stand for billions of values:
    the composed node graph is small, but anything that walks the data (the
    schema check, an error message) expands it. The graph is measured before
    any Python object is built. Built on first use: most commands never read
    YAML, and importing it costs.
    """
    import yaml

    class BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships without type hints
        def get_single_data(self) -> Any:
            node = self.get_single_node()
            if node is None:
                return None
            _check_expanded_size(node)
            return self.construct_document(node)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            # YAML forbids a repeated key, but PyYAML keeps the last one silently. Keys merged in with
            # `<<: *base` may be overridden (that is what merging is for), so only written keys count.
            seen: set[Any] = set()
            for key_node, _value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML's own construction refuses it
                    continue
                if repeated:
                    raise DocumentProblem(DuplicateKey(str(key)).args[0], key_node.start_mark.line + 1)
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    return BoundedLoader


def _check_expanded_size(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
            if total > MAX_YAML_NODES:
                raise DocumentProblem(
                    Msg(N_("its aliases expand to more than {count} values"), count=f"{MAX_YAML_NODES:,}"),
                    node.start_mark.line + 1,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise DocumentProblem(Msg(N_("an alias refers to a value that contains it")), node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse(text: str, fmt: str | None) -> Any:
    """Parse ``text`` as ``fmt``; with ``fmt=None`` guess among JSON, YAML and TOML.

    :raises DocumentProblem: for malformed text, or a document past the limits in this module.
    """
    if fmt is None:
        fmt = _sniff(text)
    if fmt not in FORMATS:
        raise DocumentProblem(Msg(N_("unknown format '{format}' (allowed: {allowed})"), format=fmt, allowed=", ".join(FORMATS)))
    try:
        data = _parse(text, fmt)
    except RecursionError:
        raise DocumentProblem(Msg(_TOO_DEEP, depth=MAX_DEPTH)) from None
    except _Refused as exc:
        raise DocumentProblem(exc.args[0]) from None
    check_limits(data)
    return data


#: Parse errors' templates that other modules recognise (a trace names the line in its own words).
MALFORMED_JSON = N_("malformed JSON: {detail}")

# What the json module says about a malformed document (English, from the standard library): the
# phrases it uses, marked so that a Chinese reader meets them in Chinese.
_JSON_PROBLEMS = frozenset(
    {
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Unterminated string starting at"),
        N_("Extra data"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Illegal trailing comma before end of object"),
        N_("Illegal trailing comma before end of array"),
    }
)


def json_problem(detail: str) -> str:
    """The json module's problem as a message said in the language in force (a phrase it has not: as it is)."""
    return Msg(detail) if detail in _JSON_PROBLEMS else detail
_TOO_DEEP = N_("is nested more than {depth} levels deep")


def _parse(text: str, fmt: str) -> Any:
    if fmt == "json":
        try:
            return json.loads(
                text,
                parse_int=_json_int,
                parse_float=_json_float,
                parse_constant=_json_constant,
                object_pairs_hook=unique_keys,
            )
        except json.JSONDecodeError as exc:
            raise DocumentProblem(Msg(MALFORMED_JSON, detail=json_problem(exc.msg)), exc.lineno) from None
        except DuplicateKey as exc:
            raise DocumentProblem(exc.args[0]) from None
    if fmt == "yaml":
        import yaml  # here: most commands never read YAML, and it costs to import

        try:
            return yaml.load(text, Loader=_bounded_loader())  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise DocumentProblem(
                Msg(N_("malformed YAML: {detail}"), detail=problem), mark.line + 1 if mark is not None else None
            ) from None
        except ValueError:
            # PyYAML converts an over-long integer with int(), which refuses past 4300 digits.
            raise DocumentProblem(Msg(_TOO_MANY_DIGITS, digits=MAX_DIGITS)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise DocumentProblem(
            Msg(N_("malformed TOML: {detail}"), detail=message), int(found.group(1)) if found else None
        ) from None
    except ValueError:
        raise DocumentProblem(Msg(_TOO_MANY_DIGITS, digits=MAX_DIGITS)) from None


_NO_NAN = N_("NaN and Infinity are not allowed")


def check_limits(data: Any, *, what: str = "") -> None:
    """Check a parsed document (or a mapping handed to the API) against the limits of this module.

    Walks without recursion, so a document nested far too deep is reported, not crashed on.
    Where a value sits is worked out only for a value at fault: the walk runs over every value
    of every trace an audit reads, so it stays a few type checks per value.

    :raises DocumentProblem: naming where in the document the problem is.
    """
    if _plainly_within(data):
        return
    # Each entry: the value, its depth, and how it was reached ((parent's link, key, parent is an object), or None).
    stack: list[tuple[Any, int, Any]] = [(data, 0, None)]
    seen = 0

    def at(link: Any) -> Msg | str:
        steps = []
        while link is not None:
            link, key, in_object = link
            steps.append((key, in_object))
        where = what
        for key, in_object in reversed(steps):
            where = f"{where}.{key}" if where and in_object else f"{where}[{key}]" if where else str(key)
        return Msg(N_(" (at {where})"), where=_printable(where[:80])) if where else ""

    def scalar(value: Any, link: Any) -> None:
        # What is wrong with a value that holds no other: text with a lone surrogate, a number past the limits.
        if isinstance(value, str):
            _check_text(value, link, at)
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            if not -_MAX_INT < value < _MAX_INT:
                raise DocumentProblem(concat(Msg(_TOO_MANY_DIGITS, digits=MAX_DIGITS), at(link)))
        elif isinstance(value, float) and not math.isfinite(value):
            raise DocumentProblem(concat(Msg(_NO_NAN), at(link)))

    limit = 10 * MAX_YAML_NODES
    containers = (dict, list, tuple)
    # Only containers go on the stack; the values they hold are checked as they are met.
    if not isinstance(data, containers):
        scalar(data, None)
        return
    while stack:
        value, depth, link = stack.pop()
        seen += 1 + len(value)
        if seen > limit:
            raise DocumentProblem(Msg(N_("holds more than {count} values"), count=f"{limit:,}"))
        if depth >= MAX_DEPTH:
            raise DocumentProblem(Msg(_TOO_DEEP, depth=MAX_DEPTH))
        in_object = isinstance(value, dict)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if in_object:
                if isinstance(key, str):
                    if not key.isascii():
                        _check_text(key, link, at)
                elif isinstance(key, float) and not math.isfinite(key):
                    raise DocumentProblem(concat(Msg(_NO_NAN), at(link)))
            if isinstance(item, containers):
                stack.append((item, depth + 1, (link, key, in_object)))
            elif not (isinstance(item, str) and item.isascii()):  # ASCII text is always fine: the common case first
                scalar(item, (link, key, in_object))


def _plainly_within(data: Any) -> bool:
    """Whether ``data`` is certainly within the limits :func:`check_limits` checks, found in one quick pass.

    ``True`` only for dicts with text keys, lists, text, whole numbers, finite floats, booleans and
    ``None`` (what the JSON reader gives) inside the depth and count limits; anything else, or anything at
    fault, gives ``False`` and :func:`check_limits` walks again to name the problem and where it is.
    It visits the tree a level at a time and asks each value's exact type once: a 100 kB trace in about
    two fifths of the full walk's time, which an audit of thousands of traces pays for each.
    """
    if type(data) is not dict and type(data) is not list:
        return False
    level: list[Any] = [data]
    depth = seen = 0
    limit = 10 * MAX_YAML_NODES
    while level:
        if depth >= MAX_DEPTH:
            return False
        below: list[Any] = []
        for value in level:
            seen += 1 + len(value)
            items: Iterable[Any]
            if type(value) is dict:
                for key in value:
                    if type(key) is not str or (not key.isascii() and _SURROGATE.search(key)):
                        return False
                items = value.values()
            elif type(value) is list:
                items = value
            else:
                return False
            for item in items:
                kind = type(item)
                if kind is str:
                    if not item.isascii() and _SURROGATE.search(item):
                        return False
                elif kind is dict or kind is list:
                    below.append(item)
                elif kind is int:
                    if not -_MAX_INT < item < _MAX_INT:
                        return False
                elif kind is float:
                    if not math.isfinite(item):
                        return False
                elif not (kind is bool or item is None):
                    return False
        if seen > limit:
            return False
        level = below
        depth += 1
    return True


def _check_text(text: str, link: Any, at: Callable[[Any], Msg | str]) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise DocumentProblem(
            concat(Msg(N_("holds a lone surrogate escape, which is not a character: write the character itself")), at(link))
        )


def _printable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape, so that a message quoting it can be printed."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_blank(text: str) -> bool:
    """Whether a document holds nothing but whitespace and ``#`` comments (YAML and TOML both allow them)."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _sniff(text: str) -> str:
    stripped = text.lstrip()
    # A TOML table header ("[section]" alone on its line) also opens with "[".
    first_line = stripped.splitlines()[0] if stripped else ""
    toml_header = re.match(r"\[\[?[A-Za-z0-9_.\- ]+\]\]?\s*$", first_line)
    if stripped.startswith("{") or (stripped.startswith("[") and not toml_header):
        return "json"
    # search, not match: a document may open with comment lines before its first key.
    if re.search(r"^\s*(\[[^\]]+\]|[A-Za-z0-9_\-\"']+\s*=)", text, re.MULTILINE) and not re.search(
        r"^\s*[A-Za-z0-9_\-]+\s*:", text, re.MULTILINE
    ):
        return "toml"
    return "yaml"


def load(path: Path, fmt: str | None = None, *, kind: Kind = "document") -> Any:
    """Read and parse one document file."""
    return parse(read_text(path, kind), fmt or format_for(path))
