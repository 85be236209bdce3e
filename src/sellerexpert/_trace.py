"""The explanation trace: everything needed to replay and audit a consultation.

A trace holds the normalised profile, the facts the engine started from,
every rule firing in order (what it matched, what it asserted), the result,
and the fingerprint of the rule book and package that produced it. It
round-trips through JSON without loss.

Reading a trace lives here too: :meth:`Trace.load` is the one loader (a file,
a parsed document or a trace, each checked against the trace schema), used by
the audit and the explanation alike. Imports the document reader, the schema
check, the errors and the messages; nothing that reasons.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _documents
from ._errors import TraceError
from ._i18n import N_
from ._messages import Msg
from ._schema import UNSUPPORTED_VERSION, validate_trace

TRACE_FORMAT = "sellerexpert-trace"
TRACE_VERSION = 1


@dataclass(frozen=True)
class Firing:
    """One rule firing.

    :ivar seq: 1-based position in the firing order.
    :ivar rule: the rule id (``decide`` for the engine's final aggregation).
    :ivar platform: the platform the firing is about (``None`` for seller-level rules).
    :ivar matched: the facts the rule's patterns matched, as trace fact records.
    :ivar absent: profile fields whose being unknown the rule relied on.
    :ivar asserted: the facts the firing added.
    :ivar retracted: the facts the firing removed.
    """

    seq: int
    rule: str
    platform: str | None
    salience: int
    matched: tuple[Mapping[str, Any], ...]
    asserted: tuple[Mapping[str, Any], ...]
    retracted: tuple[Mapping[str, Any], ...] = ()
    absent: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The firing as JSON-ready data."""
        return {
            "seq": self.seq,
            "rule": self.rule,
            "platform": self.platform,
            "salience": self.salience,
            "matched": [dict(f) for f in self.matched],
            "absent": list(self.absent),
            "asserted": [dict(f) for f in self.asserted],
            "retracted": [dict(f) for f in self.retracted],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Firing:
        """Rebuild a firing from :meth:`to_dict` output."""
        return cls(
            seq=data["seq"],
            rule=data["rule"],
            platform=data.get("platform"),
            salience=data.get("salience", 0),
            matched=tuple(data.get("matched", ())),
            asserted=tuple(data.get("asserted", ())),
            retracted=tuple(data.get("retracted", ())),
            absent=tuple(data.get("absent", ())),
        )


@dataclass(frozen=True)
class Trace:
    """The auditable record of one consultation.

    :ivar fingerprint: ``rulebook`` (SHA-256 over the rule files), ``package_version``,
        ``files`` (per-file SHA-256) and ``rules`` (per-rule digest).
    :ivar signature: an HMAC over the rest, when the trace was signed.
    """

    profile: Mapping[str, Any]
    facts: tuple[Mapping[str, Any], ...]
    firings: tuple[Firing, ...]
    result: Mapping[str, Any]
    fingerprint: Mapping[str, Any]
    signature: Mapping[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """The trace as a JSON object: ``format``, ``version``, ``profile``, ``facts``, ``firings``,
        ``result``, ``fingerprint``."""
        # A deep copy: editing the returned dict must never edit the (frozen) trace.
        return copy.deepcopy(self._shared_dict())

    def _shared_dict(self) -> dict[str, Any]:
        # The trace's own nested data, not copied: only for serialising, which never edits it.
        data: dict[str, Any] = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "profile": self.profile,
            "facts": list(self.facts),
            "firings": [f.to_dict() for f in self.firings],
            "result": self.result,
            "fingerprint": self.fingerprint,
        }
        if self.signature is not None:
            data["signature"] = self.signature
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """The trace as JSON text (deterministic for the same consultation)."""
        return json.dumps(self._shared_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def save(self, path: str | Path) -> None:
        """Write the trace as JSON to ``path``."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any, *, source: str | Path | None = None) -> Trace:
        """Rebuild a trace from :meth:`to_dict` output.

        :raises TraceError: when ``data`` is not a trace this version reads.
        """
        if not isinstance(data, Mapping):
            raise TraceError(Msg(N_("not a trace: expected a JSON object")), path=source)
        if data.get("format") != TRACE_FORMAT:
            raise TraceError(
                Msg(N_("not a trace: 'format' must be \"{format}\""), format=TRACE_FORMAT), path=source, field="format"
            )
        if data.get("version") != TRACE_VERSION:
            raise TraceError(
                Msg(UNSUPPORTED_VERSION, version=repr(data.get("version")), supported=TRACE_VERSION),
                path=source,
                field="version",
            )
        for key, kind in (
            ("profile", Mapping),
            ("facts", list),
            ("firings", list),
            ("result", Mapping),
            ("fingerprint", Mapping),
        ):
            if not isinstance(data.get(key), kind):
                raise TraceError(Msg(N_("missing or malformed '{key}'"), key=key), path=source, field=key)
        try:
            firings = tuple(Firing.from_dict(f) for f in data["firings"])
        except (KeyError, TypeError, AttributeError):
            raise TraceError(Msg(N_("a firing lacks 'seq' or 'rule'")), path=source, field="firings") from None
        return cls(
            profile=data["profile"],
            facts=tuple(data["facts"]),
            firings=firings,
            result=data["result"],
            fingerprint=data["fingerprint"],
            signature=data.get("signature"),
        )

    @classmethod
    def from_json(cls, text: str, *, source: str | Path | None = None) -> Trace:
        """Parse a trace from JSON text."""
        return cls.from_dict(parse_trace_text(text, source), source=source)

    @classmethod
    def load(cls, source: Trace | Mapping[str, Any] | str | os.PathLike[str], *, name: str | Path | None = None) -> Trace:
        """Read and schema-check a trace from a file, a parsed trace document or a :class:`Trace`.

        The one way into a trace from outside: the audit and the explanation both read through it.

        :param name: how errors name a trace given as data (a file is named by its path).
        :raises TraceError: naming the file (and the line or the JSON path at fault) when it is
            unreadable or not a trace.
        """
        if isinstance(source, Trace):
            validate_trace(source.to_dict(), source=name)
            return source
        if isinstance(source, Mapping):
            validate_trace(dict(source), source=name)
            return cls.from_dict(source, source=name)
        if not isinstance(source, (str, os.PathLike)):
            raise TraceError(
                Msg(N_("not a trace: expected a Trace, a mapping or a file path, got {type}"), type=type(source).__name__)
            )
        path = Path(source)
        try:
            text = _documents.read_text(path, "trace")
        except _documents.DocumentProblem as exc:
            raise TraceError(exc.problem, path=path) from None
        data = parse_trace_text(text, path)
        validate_trace(data, source=path)
        return cls.from_dict(data, source=path)


def parse_trace_text(text: str, source: str | Path | None = None) -> Any:
    """Parse a trace file's JSON text, within the document limits (depth, digits, no NaN).

    :raises TraceError: naming ``source`` (and the line) when the text is not usable JSON.
    """
    try:
        return _documents.parse(text, "json")
    except _documents.DocumentProblem as exc:
        if isinstance(exc.problem, Msg) and exc.problem.template == _documents.MALFORMED_JSON and exc.line is not None:
            problem = Msg(
                N_("not a trace: malformed JSON at line {line}: {detail}"), line=exc.line, detail=exc.problem.params["detail"]
            )
        else:
            problem = Msg(N_("not a trace: {problem}"), problem=exc.problem)
        raise TraceError(problem, path=source) from None
