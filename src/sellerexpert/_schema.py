"""The JSON Schemas sellerexpert publishes, and validation of trace documents against them.

Schemas are versioned files shipped in the package (``schemas/trace-1.json``,
``schemas/rulefile-1.json``); the profile schema is derived from the field
table. A trace is checked against its schema before anything reads it, so a
file that is not a trace is refused with the JSON path at fault.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from . import _documents
from ._errors import TraceError
from ._i18n import N_
from ._messages import Msg
from ._profile import profile_json_schema

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


def validate_trace(data: Any, *, source: str | Path | None = None) -> None:
    """Check a parsed document against the trace schema.

    A document without the trace ``format`` marker is "not a trace"; one with
    the marker but the wrong shape names the JSON path at fault.

    :raises TraceError: naming ``source`` and the path inside the document.
    """
    try:
        # A trace handed to the API as a dict gets the same limits as one read from a file.
        _documents.check_limits(data)
    except _documents.DocumentProblem as exc:
        raise TraceError(Msg(N_("not a usable trace: {problem}"), problem=exc.problem), path=source) from None
    if not isinstance(data, dict) or data.get("format") != "sellerexpert-trace":
        raise TraceError(Msg(N_('not a sellerexpert trace (no "format": "sellerexpert-trace")')), path=source)
    if data.get("version") != 1:
        raise TraceError(
            Msg(UNSUPPORTED_VERSION, version=repr(data.get("version")), supported=1),
            path=source,
            field="version",
        )
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
