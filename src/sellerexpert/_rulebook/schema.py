"""The JSON Schemas sellerexpert publishes, and validation of trace documents against them.

Schemas are versioned files shipped in the package (``schemas/trace-1.json``,
``schemas/rulefile-1.json``); the profile schema is derived from the field
table. A trace is checked against its schema before anything reads it, so a
file that is not a trace is refused with the JSON path at fault.

jsonschema walks a schema anew for every value it checks, which cost about
150 ms for a batch's trace and dominated an audit. So the trace schema is also
compiled, once, into nested closures that say only whether a document is
valid (:func:`compile_schema`), with the semantics of jsonschema's draft
2020-12 validator (its types, ``1.0`` as an integer, ``true`` never equal to
``1``, ``pattern`` searched, not matched, a closing ``$`` being the end of the
string as in :func:`whole_string_validator`). Only a yes is trusted: for a no,
jsonschema itself names the JSON path at fault, so every message stays
jsonschema's. A schema with a keyword not in :data:`KEYWORDS` is not compiled;
jsonschema alone checks it then.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from .._errors import TraceError
from .._files import documents
from .._i18n import N_
from .._i18n.messages import Msg
from .._profile.profile import profile_json_schema

SchemaName = Literal["trace", "profile", "rulefile"]
SCHEMA_NAMES: tuple[str, ...] = ("trace", "profile", "rulefile")
_FILES = {"trace": "trace-1.json", "rulefile": "rulefile-1.json"}
# Here, not with the trace: the trace module reads traces through this one, so this one cannot import it.
UNSUPPORTED_VERSION = N_("trace version {version} is not supported (this sellerexpert reads version {supported})")


def json_schema(name: SchemaName) -> dict[str, Any]:
    """The JSON Schema of a trace, a profile or a rule file.

    :raises LookupError: for an unknown schema name.
    """
    if name == "profile":
        return profile_json_schema()
    if name not in _FILES:
        raise LookupError(f"no schema '{name}' (known: {', '.join(SCHEMA_NAMES)})")
    return json.loads(_text(_FILES[name]))  # type: ignore[no-any-return]


@cache
def _text(file: str) -> str:
    return (resources.files("sellerexpert") / "schemas" / file).read_text("utf-8")


def whole_string_validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema validator for ``schema`` whose ``pattern`` ends match the end of the string only.

    JSON Schema patterns are ECMA-262 regular expressions, where ``$`` (without the multiline flag)
    matches only at the very end. jsonschema runs them with Python's ``re.search``, where ``$`` also
    matches before a final newline: ``"fee_high\n"`` passed ``^[a-z][a-z0-9_]*$`` and shadowed a
    shipped rule. Here a closing ``$`` means ``\\Z``, as the schema's authors (and other validators) mean.
    """
    import jsonschema  # here, not at module level: only checking a trace or a rule file needs it

    def pattern(validator: Any, wanted: str, instance: Any, _schema: Any) -> Any:
        if validator.is_type(instance, "string") and not re.search(_to_the_end(wanted), instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {wanted!r}")

    base = jsonschema.validators.validator_for(schema)
    return jsonschema.validators.extend(base, {"pattern": pattern})(schema)


@cache
def _to_the_end(pattern: str) -> re.Pattern[str]:
    r"""``pattern`` with a closing ``$`` (not an escaped one) written ``\Z``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


@cache
def _trace_validator() -> Any:
    return whole_string_validator(json_schema("trace"))


@cache
def _trace_check() -> Callable[[Any], bool]:
    """The trace schema compiled to a yes-or-no check; jsonschema itself when the schema cannot be compiled."""
    schema = json_schema("trace")
    try:
        return compile_schema(schema)
    except Unsupported:
        return lambda data: bool(_trace_validator().is_valid(data))


def validate_trace(data: Any, *, source: str | Path | None = None, limits_checked: bool = False) -> None:
    """Check a parsed document against the trace schema.

    A document without the trace ``format`` marker is "not a trace"; one with
    the marker but the wrong shape names the JSON path at fault.

    :param limits_checked: the document was read with :func:`sellerexpert._files.documents.parse`, which
        has checked it against the document limits already.
    :raises TraceError: naming ``source`` and the path inside the document.
    """
    try:
        # A trace handed to the API as a dict gets the same limits as one read from a file.
        if not limits_checked:
            documents.check_limits(data)
    except documents.DocumentProblem as exc:
        raise TraceError(Msg(N_("not a usable trace: {problem}"), problem=exc.problem), path=source) from None
    if not isinstance(data, dict) or data.get("format") != "sellerexpert-trace":
        raise TraceError(Msg(N_('not a sellerexpert trace (no "format": "sellerexpert-trace")')), path=source)
    if data.get("version") != 1:
        raise TraceError(
            Msg(UNSUPPORTED_VERSION, version=repr(data.get("version")), supported=1),
            path=source,
            field="version",
        )
    if _trace_check()(data):
        return  # valid; only a document that is not needs jsonschema, to name the path at fault
    errors = sorted(_trace_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        import jsonschema

        error = jsonschema.exceptions.best_match(errors)
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise TraceError(
            Msg(N_("does not match the trace schema: {detail}"), detail=_short(error.message)), path=source, field=where or None
        )


def _short(message: str, limit: int = 300) -> str:
    """A schema message cut to ``limit`` characters: jsonschema quotes the whole offending value."""
    return message if len(message) <= limit else message[: limit - 3] + "..."


# -- The schema compiled to one yes-or-no predicate ---------------------------------------------------

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})
"""Keywords that say nothing about validity."""
KEYWORDS = frozenset({
    "type", "const", "enum", "pattern", "minLength", "minimum", "maximum", "required", "properties",
    "additionalProperties", "items", "allOf", "if", "then", "$ref",
})
"""The keywords compiled; any other makes :func:`compile_schema` refuse the schema."""


class Unsupported(ValueError):
    """The schema uses a keyword (or a form of one) that is not compiled here."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "null": lambda value: value is None,
    "number": _is_number,
    "object": lambda value: isinstance(value, dict),
    "string": lambda value: isinstance(value, str),
}


def _yes(value: Any) -> bool:
    return True


def _unbool(value: Any, true: object = object(), false: object = object()) -> Any:
    if value is True:
        return true
    if value is False:
        return false
    return value


def equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema's ``const`` and ``enum`` see it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def _dispatch(node: Any) -> Check | None:
    """``{"properties": {KEY: {"const": "WORD"}}}`` (an ``if`` that picks a record's kind) as one closure, else ``None``."""
    if not isinstance(node, dict) or set(node) != {"properties"} or not isinstance(node["properties"], dict):
        return None
    if len(node["properties"]) != 1:
        return None
    ((key, sub),) = node["properties"].items()
    if not isinstance(sub, dict) or set(sub) != {"const"} or not isinstance(sub["const"], str):
        return None
    word = sub["const"]
    return lambda value: not isinstance(value, dict) or key not in value or (isinstance(value[key], str) and value[key] == word)


def _switch(parts: Any, build: Callable[[Any], Check]) -> Check | None:
    """``allOf`` of ``{"if": <a record's kind is WORD>, "then": ...}`` parts on one key, as one look-up, else ``None``.

    An ``if`` on a property holds for a value that is not an object or lacks the key, so then every
    ``then`` applies; a text kind picks the one ``then`` (if any) for that word; any other kind, none.
    """
    if not isinstance(parts, list) or not parts:
        return None
    keys: set[str] = set()
    cases: dict[str, Check] = {}
    for part in parts:
        if not isinstance(part, dict) or set(part) != {"if", "then"} or _dispatch(part["if"]) is None:
            return None
        ((key, sub),) = part["if"]["properties"].items()
        keys.add(key)
        if sub["const"] in cases:
            return None
        cases[sub["const"]] = build(part["then"])
    if len(keys) != 1:
        return None
    (key,) = keys
    every = tuple(cases.values())

    def switch(value: Any) -> bool:
        if isinstance(value, dict) and key in value:
            word = value[key]
            if not isinstance(word, str):
                return True
            case = cases.get(word)
            return case is None or case(value)
        for case in every:
            if not case(value):
                return False
        return True

    return switch


def compile_schema(schema: Any) -> Check:
    """A predicate that is true exactly when jsonschema finds ``schema`` valid for a document.

    :raises Unsupported: for a keyword outside :data:`KEYWORDS` (or a ``$ref`` that is not ``#/$defs/NAME``).
    """
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        match = re.fullmatch(r"#/\$defs/([^/~]+)", target)
        if match is None or match.group(1) not in defs:
            raise Unsupported(f"$ref {target!r}")
        name = match.group(1)
        if name not in compiled:
            compiled[name] = _yes  # replaced below; a recursive definition finds the real one
            real = build(defs[name])
            compiled[name] = real
        return lambda value: compiled[name](value)

    def build(node: Any) -> Check:
        if node is True:
            return _yes
        if node is False:
            return lambda value: False
        if not isinstance(node, dict):
            raise Unsupported(f"schema {node!r}")
        unknown = set(node) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks = tuple(check for key in node if key not in ANNOTATIONS and (check := keyword(key, node[key], node)) is not None)
        if not checks:
            return _yes
        if len(checks) == 1:
            return checks[0]

        # Loops rather than all(<generator>): this runs for every value of every trace read.
        def every(value: Any) -> bool:
            for check in checks:
                if not check(value):
                    return False
            return True

        return every

    def keyword(key: str, arg: Any, node: dict[str, Any]) -> Check | None:
        if key == "type":
            kinds = tuple(_TYPES[name] for name in ([arg] if isinstance(arg, str) else arg))
            return kinds[0] if len(kinds) == 1 else (lambda value: any(kind(value) for kind in kinds))
        if key == "const":
            if isinstance(arg, str):
                return lambda value: isinstance(value, str) and value == arg
            return lambda value: equal(value, arg)
        if key == "enum":
            if all(isinstance(item, str) for item in arg):
                words = frozenset(arg)
                return lambda value: isinstance(value, str) and value in words
            return lambda value: any(equal(value, item) for item in arg)
        if key == "pattern":
            search = _to_the_end(arg).search  # a closing $ is the end of the string, as in whole_string_validator
            return lambda value: not isinstance(value, str) or search(value) is not None
        if key == "minLength":
            return lambda value: not isinstance(value, str) or len(value) >= arg
        if key == "minimum":
            return lambda value: not _is_number(value) or value >= arg
        if key == "maximum":
            return lambda value: not _is_number(value) or value <= arg
        if key == "required":
            names = tuple(arg)

            def required(value: Any) -> bool:
                if isinstance(value, dict):
                    for name in names:
                        if name not in value:
                            return False
                return True

            return required
        if key == "properties":
            props = tuple((name, build(sub)) for name, sub in arg.items())

            def properties(value: Any) -> bool:
                if isinstance(value, dict):
                    for name, check in props:
                        if name in value and not check(value[name]):
                            return False
                return True

            return properties
        if key == "additionalProperties":
            known = frozenset(node.get("properties", {}))
            extra = None if arg is False else build(arg)

            def additional(value: Any) -> bool:
                if isinstance(value, dict):
                    for name in value:
                        if name not in known and (extra is None or not extra(value[name])):
                            return False
                return True

            return additional
        if key == "items":
            item = build(arg)

            def items(value: Any) -> bool:
                if isinstance(value, list):
                    for element in value:
                        if not item(element):
                            return False
                return True

            return items
        if key == "allOf":
            switch = _switch(arg, build)
            if switch is not None:
                return switch
            parts = tuple(build(sub) for sub in arg)

            def all_of(value: Any) -> bool:
                for part in parts:
                    if not part(value):
                        return False
                return True

            return all_of
        if key == "if":
            if "then" not in node:
                return None
            condition, then = _dispatch(arg) or build(arg), build(node["then"])
            return lambda value: not condition(value) or then(value)
        if key == "then":
            return None  # compiled with its "if"
        if key == "$ref":
            return ref(arg)
        raise Unsupported(key)  # pragma: no cover - KEYWORDS lists only the keys handled above

    return build(schema)
