"""The explanation trace: everything needed to replay and audit a consultation.

A trace holds the normalised profile, the facts the engine started from,
every rule firing in order (what it matched, what it asserted), the result,
and the fingerprint of the rule book and package that produced it. It
round-trips through JSON without loss.

Facts travel as typed, frozen records, one class per kind the engine declares
(:data:`FactRecord`: seller, platform, evidence, exclusion, caveat, decision), from
both engines through the result and the trace to the audit and the
explanation; a record no engine writes (a hand-edited file) is kept as written
in an :class:`OtherRecord`, so reading and writing a trace never changes a byte.

Reading a trace lives here too: :meth:`Trace.load` is the one loader (a file,
a parsed document or a trace, each checked against the trace schema), used by
the audit and the explanation alike. So does signing one: :meth:`Trace.signed`
puts an HMAC-SHA256 over the trace's canonical JSON, so a stored recommendation
cannot be edited unnoticed, and :meth:`Trace.signature_status` checks it. The
key comes from the ``SELLEREXPERT_TRACE_KEY`` environment variable (its UTF-8
bytes) unless one is given; the signed bytes are the trace without its
``signature`` key, serialised with sorted keys, compact separators and UTF-8
(no ASCII escaping): anyone holding the key can recompute them with any JSON
library. Imports the document reader, the schema check, the errors and the
messages; nothing that reasons.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import operator
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from .._errors import TraceError
from .._files import documents
from .._i18n import N_
from .._i18n.messages import Msg
from .._records import Key, Record, record_keys
from .._rulebook.schema import UNSUPPORTED_VERSION, validate_trace

Basis = Literal["exclusion", "scores", "tie", "both-excluded", "own-numbers"]
"""What a platform's decision rested on (the policy's step that settled it), as a trace records it."""

TRACE_FORMAT = "sellerexpert-trace"
TRACE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SellerRecord(Record, keys=("id", "kind", "field", "value", "assumed")):
    """A profile field in working memory: given by the seller, or assumed by a rule.

    :ivar id: the fact's id in the consultation (its declaration order).
    :ivar field: the profile field.
    :ivar value: its value, as JSON-ready data.
    :ivar assumed: whether an assumption rule set it (the seller did not give it).
    """

    id: int
    field: str
    value: Any
    assumed: bool
    kind: ClassVar[Literal["seller"]] = "seller"


@dataclass(frozen=True, slots=True)
class PlatformRecord(Record, keys=("id", "kind", "platform", "field", "value")):
    """A platform fact in working memory (``id`` and ``name`` included).

    :ivar platform: the platform id.
    :ivar field: the fact's name, without the ``platform.`` prefix.
    :ivar value: its value, as JSON-ready data.
    """

    id: int
    platform: str
    field: str
    value: Any
    kind: ClassVar[Literal["platform"]] = "platform"


@dataclass(frozen=True, slots=True)
class EvidenceRecord(Record, keys=("id", "kind", "rule", "platform", "model", "weight")):
    """A rule's evidence for a model on a platform: ``weight`` points towards ``model``."""

    id: int
    rule: str
    platform: str
    model: str
    weight: int
    kind: ClassVar[Literal["evidence"]] = "evidence"


@dataclass(frozen=True, slots=True)
class ExclusionRecord(Record, keys=("id", "kind", "rule", "platform", "model")):
    """A rule ruling ``model`` out on a platform."""

    id: int
    rule: str
    platform: str
    model: str
    kind: ClassVar[Literal["exclusion"]] = "exclusion"


@dataclass(frozen=True, slots=True)
class CaveatRecord(Record, keys=("id", "kind", "rule", "platform", "text")):
    """A caveat a rule raised on a platform, rendered (in English) with the facts known when it fired."""

    id: int
    rule: str
    platform: str
    text: str
    kind: ClassVar[Literal["caveat"]] = "caveat"


@dataclass(frozen=True, slots=True)
class DecisionRecord(
    Record, keys=("id", "kind", "platform", "model", "confidence", "scores", "excluded", "basis", "completeness")
):
    """The decision step's conclusion for one platform.

    :ivar model: the recommended model.
    :ivar confidence: how sure the decision is, 0 to 1.
    :ivar scores: the evidence weight per model.
    :ivar excluded: the models ruled out, in model order.
    :ivar basis: what settled it (``scores``, ``exclusion``, ``tie``, ``both-excluded``).
    :ivar completeness: the share of core profile fields the seller gave (3 decimals).
    """

    id: int
    platform: str
    model: str
    confidence: float
    scores: dict[str, int]
    excluded: list[str]
    basis: Basis
    completeness: float
    kind: ClassVar[Literal["decision"]] = "decision"


@dataclass(frozen=True, slots=True)
class OtherRecord:
    """A record a trace file holds that no engine writes (an unknown kind, a key added, missing or moved).

    Only read from files: kept exactly as it was, so the JSON (and the signature over it) is
    unchanged, and the audit can name it.

    :ivar data: the record as the file holds it.
    """

    data: Any
    kind: ClassVar[Literal["other"]] = "other"

    @property
    def id(self) -> Any:
        """The record's ``id`` as written (``None`` when it has none)."""
        return self.data.get("id") if isinstance(self.data, Mapping) else None

    @property
    def written_kind(self) -> Any:
        """The record's ``kind`` as written (``None`` when it has none)."""
        return self.data.get("kind") if isinstance(self.data, Mapping) else None

    def to_dict(self) -> Any:
        """The record as the file held it.

        Written by hand, not by the records' helper: it is the file's value itself, whatever its shape.
        """
        return self.data


FactRecord = SellerRecord | PlatformRecord | EvidenceRecord | ExclusionRecord | CaveatRecord | DecisionRecord | OtherRecord
"""A trace's fact record: one class per kind of fact the engine declares (``OtherRecord``: anything else a file holds)."""
ConclusionRecord = EvidenceRecord | ExclusionRecord | CaveatRecord
"""What a rule on a platform concludes."""

_FACT_TYPES: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    cls.kind: (cls, record_keys(cls))
    for cls in (SellerRecord, PlatformRecord, EvidenceRecord, ExclusionRecord, CaveatRecord, DecisionRecord)
}


def _shifted(record: FactRecord, offset: int) -> FactRecord:
    if offset == 0 or isinstance(record, OtherRecord):
        return record
    # Each record class's own constructor, fields in order: what ``dataclasses.replace`` gives, without
    # its look at the fields on every call (a trace shifts tens of thousands of records).
    cls = type(record)
    return cls(record.id + offset, *[getattr(record, name) for name in _FIELDS[cls][1:]])


def combine_runs(runs: Sequence[tuple[str | None, Any]]) -> tuple[tuple[FactRecord, ...], tuple[Firing, ...]]:
    """One trace's facts and firings from a consultation's runs (one per target market), in order.

    Each run numbers its facts and firings from 1; here they are renumbered to follow on from
    the run before, and each firing names the market its run concerns.

    :param runs: ``(market, record)`` pairs, ``record`` with ``facts`` and ``firings`` (a run record).
    """
    facts: list[FactRecord] = []
    firings: list[Firing] = []
    offset = 0
    for market, record in runs:
        top = offset
        # A record is matched by many firings (a platform's ``id`` by all of its own): shifted once per run.
        moved: dict[int, FactRecord] = {}

        def shifted(fact: FactRecord, offset: int = offset, moved: dict[int, FactRecord] = moved) -> FactRecord:
            found = moved.get(id(fact))
            if found is None:
                found = moved[id(fact)] = _shifted(fact, offset)
            return found

        # (Keyed by id: every record stays alive in ``runs`` for the whole call.)
        for fact in record.facts:
            facts.append(shifted(fact))
            top = max(top, fact.id + offset)
        seq = len(firings)
        for firing in record.firings:
            shift = [shifted(f) for f in firing.asserted]
            top = max([top, *(f.id for f in shift if not isinstance(f, OtherRecord))])
            if seq == 0 and offset == 0 and market == firing.market:
                firings.append(firing)  # nothing to renumber, nothing to name: the firing as it is
                continue
            firings.append(
                Firing(
                    firing.seq + seq,
                    firing.rule,
                    firing.platform,
                    firing.salience,
                    tuple(shifted(f) for f in firing.matched),
                    tuple(shift),
                    tuple(shifted(f) for f in firing.retracted),
                    firing.absent,
                    market,
                )
            )
        offset = top
    return tuple(facts), tuple(firings)


def split_runs(facts: Sequence[FactRecord]) -> list[list[FactRecord]]:
    """A trace's input facts, one list per run of the rules: each run declares the platforms'
    facts (starting with the first platform's ``id``), then the seller's."""
    runs: list[list[FactRecord]] = []
    first = next((f for f in facts if isinstance(f, PlatformRecord) and f.field == "id"), None)
    for fact in facts:
        starts = first is not None and isinstance(fact, PlatformRecord) and fact.field == "id" and fact.platform == first.platform
        if starts or not runs:
            runs.append([])
        runs[-1].append(fact)
    return runs


def read_fact(data: Any) -> FactRecord:
    """A fact record from its JSON form (:meth:`to_dict` output).

    A record laid out as the engine writes it (its kind's keys, in order) becomes its kind's
    class; anything else is kept as written in an :class:`OtherRecord`, so reading and writing
    a trace never changes a byte of it.
    """
    if isinstance(data, Mapping):
        found = _FACT_TYPES.get(data.get("kind"))  # type: ignore[arg-type]
        if found is not None and tuple(data) == found[1]:
            cls, _keys = found
            fact: FactRecord = cls(*[data[key] for key in _FIELDS[cls]])
            return fact
    return OtherRecord(data)


_FIELDS = {cls: tuple(key for key in keys if key != "kind") for cls, keys in _FACT_TYPES.values()}
"""Each record class's fields, in the order its JSON holds them (``kind`` is the class)."""


def _fact_dict(record: FactRecord) -> Any:
    """``record.to_dict()`` (a fact record is one of several classes, a union the records' helper does not read)."""
    return record.to_dict()


@dataclass(frozen=True, slots=True)
class Firing(
    Record,
    keys=(
        "seq", "rule", "platform", "salience", Key("matched", each=_fact_dict), "absent", Key("asserted", each=_fact_dict),
        Key("retracted", each=_fact_dict), Key("market", omit_none=True),
    ),
):
    """One rule firing.

    :ivar seq: 1-based position in the firing order.
    :ivar rule: the rule id (``decide`` for the engine's final aggregation).
    :ivar platform: the platform the firing is about (``None`` for seller-level rules).
    :ivar matched: the facts the rule's patterns matched.
    :ivar absent: profile fields whose being unknown the rule relied on.
    :ivar asserted: the facts the firing added.
    :ivar retracted: the facts the firing removed.
    :ivar market: the target market the firing concerns: a consultation runs the rules once per
        target market (``None`` when the profile names none; then the key is left out of the JSON).
    """

    seq: int
    rule: str
    platform: str | None
    salience: int
    matched: tuple[FactRecord, ...]
    asserted: tuple[FactRecord, ...]
    retracted: tuple[FactRecord, ...] = ()
    absent: tuple[str, ...] = ()
    market: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Firing:
        """Rebuild a firing from :meth:`to_dict` output."""
        return cls(
            seq=data["seq"],
            rule=data["rule"],
            platform=data.get("platform"),
            salience=data.get("salience", 0),
            matched=tuple(read_fact(f) for f in data.get("matched", ())),
            asserted=tuple(read_fact(f) for f in data.get("asserted", ())),
            retracted=tuple(read_fact(f) for f in data.get("retracted", ())),
            absent=tuple(data.get("absent", ())),
            market=data.get("market"),
        )


@dataclass(frozen=True)
class Trace:
    """The auditable record of one consultation.

    :ivar fingerprint: ``rulebook`` (SHA-256 over the rule files), ``package_version``,
        ``files`` (per-file SHA-256) and ``rules`` (per-rule digest).
    :ivar signature: an HMAC over the rest, when the trace was signed.
    """

    profile: Mapping[str, Any]
    facts: tuple[FactRecord, ...]
    firings: tuple[Firing, ...]
    result: Mapping[str, Any]
    fingerprint: Mapping[str, Any]
    signature: Mapping[str, Any] | None = field(default=None)

    KEY_ENV: ClassVar[str] = "SELLEREXPERT_TRACE_KEY"
    """The environment variable that holds the signing key (its text's UTF-8 bytes)."""

    @staticmethod
    def signing_key(environ: Mapping[str, str] | None = None) -> bytes | None:
        """The signing key from :attr:`KEY_ENV` in ``environ`` (the process's environment by default), or ``None``
        when it is unset or empty."""
        return key_from_env(environ)

    def to_dict(self) -> dict[str, Any]:
        """The trace as a JSON object: ``format``, ``version``, ``profile``, ``facts``, ``firings``,
        ``result``, ``fingerprint``.

        Written by hand, not by the records' helper: it is a deep copy of what the trace holds, each part
        copied its own way, not a record of its fields.
        """
        # A deep copy: editing the returned dict must never edit the (frozen) trace, nor one part of it
        # another. A record is written once per call and copied by ``dict()`` at each further place it
        # appears (a platform's ``id`` is matched by every firing on the platform): a trace holds some
        # 300 record places and 100 records.
        fresh = _RecordCopies().fresh
        firings = _firings_json(self.firings, fresh)
        # The result as its maker writes it afresh (from the recommendations it was written from), when it
        # gave one: a new dict is cheaper to write than to copy (a result holds some 1,500 values).
        known: dict[str, Callable[[Trace], Any]] = self.__dict__.get("_known_dicts", {})
        data: dict[str, Any] = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "profile": _copied(self.profile),
            "facts": fresh(self.facts),
            "firings": firings,
            "result": known["result"](self) if "result" in known else _copied(self.result),
            "fingerprint": _copied(self.fingerprint),
        }
        if self.signature is not None:
            data["signature"] = _copied(self.signature)
        return data

    def _shared_dict(self) -> dict[str, Any]:
        # The trace's own nested data, not copied: only for serialising, which never edits it. Each record's
        # dict is written once and put at every place the record appears (a trace holds some 300 places
        # and 100 records); a signed trace keeps the dict its signature was computed over.
        kept: dict[str, Any] | None = self.__dict__.get("_serialised")
        if kept is not None:
            return kept
        written: dict[int, Any] = {}
        firings = _firings_json(self.firings, lambda records: _written(records, written))
        data: dict[str, Any] = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "profile": self.profile,
            "facts": _written(self.facts, written),
            "firings": firings,
            "result": self.result,
            "fingerprint": self.fingerprint,
        }
        if self.signature is not None:
            data["signature"] = self.signature
        return data

    def signed(self, key: bytes | str | None = None) -> Trace:
        """This trace carrying ``signature = {"algorithm": "HMAC-SHA256", "value": <hex>}``.

        :param key: the signing key; ``None`` takes ``SELLEREXPERT_TRACE_KEY``. With neither, the trace
            comes back as it is, unsigned.
        """
        key = key_from_env() if key is None else key
        if not key:
            return self
        data = self._shared_dict()
        signature = {"algorithm": ALGORITHM, "value": _mac(data, key)}
        signed = replace(self, signature=signature)
        # A signed trace is written out next (a file, an answer): its JSON from the dict just signed, not built again,
        # and from the same known parts.
        object.__setattr__(signed, "_serialised", {**{k: v for k, v in data.items() if k != "signature"}, "signature": signature})
        for kept in ("_known_json", "_known_dicts", "_known_records"):
            if kept in self.__dict__:
                object.__setattr__(signed, kept, self.__dict__[kept])
        return signed

    def signature_status(self, key: bytes | str | None = None) -> SignatureStatus:
        """Whether the signature holds: ``valid`` or ``invalid`` (checked with a key), ``missing`` (a key,
        but the trace is unsigned), ``unsigned`` (no key, no signature) or ``not-checked`` (signed, no key).

        :param key: the key to check with; ``None`` takes ``SELLEREXPERT_TRACE_KEY``.
        """
        return check(self, key_from_env() if key is None else key)

    def __getstate__(self) -> dict[str, Any]:
        # What a trace keeps of how to write itself (its maker's closures, the dict it was signed over) stays behind
        # in a pickle or a copy: the copy writes itself from its fields, to the same bytes.
        return {key: value for key, value in self.__dict__.items() if key not in _WRITING_KEPT}

    def to_json(self, *, indent: int | None = 2) -> str:
        """The trace as JSON text (deterministic for the same consultation)."""
        if indent is None:
            return self._compact_json()
        return json.dumps(self._shared_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def _compact_json(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)`` byte for byte, put together from
        the JSON of its parts: each record's written once (a record appears at some three places), the result's
        and the fingerprint's taken from their makers when they gave them (:meth:`_with_json`)."""
        dumps = _encode
        written: dict[int, str] = {}
        known_records: Callable[[], Iterable[Mapping[int, str]]] | None = self.__dict__.get("_known_records")
        if known_records is not None:
            for texts in known_records():
                written.update(texts)

        def records(items: Sequence[FactRecord]) -> str:
            parts = []
            for record in items:
                text = written.get(id(record))
                if text is None:
                    text = written[id(record)] = _record_text(record)
                parts.append(text)
            return "[" + ", ".join(parts) + "]"

        firings = []
        for firing in self.firings:
            text = (
                _firing_head(firing)
                + ', "matched": ' + records(firing.matched)
                + ', "absent": ' + _absent_text(firing.absent)
                + ', "asserted": ' + records(firing.asserted)
                + ', "retracted": ' + records(firing.retracted)
            )
            if firing.market is not None:
                text += ', "market": ' + dumps(firing.market)
            firings.append(text + "}")
        known: dict[str, Callable[[Trace], str]] = self.__dict__.get("_known_json", {})
        result = known["result"](self) if "result" in known else dumps(self.result)
        fingerprint = known["fingerprint"](self) if "fingerprint" in known else dumps(self.fingerprint)
        text = (
            dumps({"format": TRACE_FORMAT, "version": TRACE_VERSION, "profile": self.profile})[:-1]
            + ', "facts": ' + records(self.facts)
            + ', "firings": [' + ", ".join(firings) + "]"
            + ', "result": ' + result
            + ', "fingerprint": ' + fingerprint
        )
        if self.signature is not None:
            text += ', "signature": ' + dumps(self.signature)
        return text + "}"

    def _with_json(self, **makers: Callable[[Trace], str]) -> Trace:
        """This trace, told how to write its ``result`` or ``fingerprint`` as compact JSON without serialising
        them again (their makers keep that JSON: a result's recommendations, an advisor's fingerprint).

        Each maker, given the trace, must give exactly ``json.dumps`` of the part (``ensure_ascii=False``): only
        the trace's maker, which built the part from the same values, can promise that. (Given the trace rather
        than holding it, a maker makes no reference cycle: a trace is freed as soon as it is dropped.)
        """
        object.__setattr__(self, "_known_json", {**self.__dict__.get("_known_json", {}), **makers})
        return self

    def _with_dicts(self, **makers: Callable[[Trace], Any]) -> Trace:
        """This trace, told how to write its ``result`` afresh for :meth:`to_dict` instead of copying it.

        Each maker, given the trace, must give a new object equal to the part, sharing no dict or list with the
        trace or with what it gave before (the trace's maker writes it from the same values, as it wrote the part).
        """
        object.__setattr__(self, "_known_dicts", {**self.__dict__.get("_known_dicts", {}), **makers})
        return self

    def _with_records_json(self, maker: Callable[[], Iterable[Mapping[int, str]]]) -> Trace:
        """This trace, told the compact JSON of some of its records without writing them again: ``maker`` gives
        mappings from a record's ``id()`` to exactly :func:`record_json` of it (a platform view writes its facts'
        once, and every trace on the view holds the same record objects).

        Only records this trace holds may be named (their ids stay theirs while the trace lives), and the
        maker is called only when the compact JSON is written (a trace saved with an indent never asks).
        """
        object.__setattr__(self, "_known_records", maker)
        return self

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
            facts=tuple(read_fact(f) for f in data["facts"]),
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
    def from_bytes(cls, raw: bytes, *, source: str) -> Trace:
        """A trace from bytes (a request body, a message): UTF-8 JSON within the document limits (depth, digits),
        checked against the trace schema.

        :param source: how errors name the bytes (``<request>``).
        :raises TraceError: naming ``source`` and what is wrong (the line, or the JSON path at fault).
        """
        try:
            text = documents.decode(raw)
        except documents.DocumentProblem as exc:
            raise TraceError(exc.problem, path=source) from None
        data = parse_trace_text(text, source)
        validate_trace(data, source=source)
        return cls.from_dict(data, source=source)

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
            text = documents.read_text(path, "trace")
        except documents.DocumentProblem as exc:
            raise TraceError(exc.problem, path=path) from None
        data = parse_trace_text(text, path)
        validate_trace(data, source=path, limits_checked=True)
        return cls.from_dict(data, source=path)


_WRITING_KEPT = frozenset({"_serialised", "_known_json", "_known_dicts", "_known_records"})
"""What a :class:`Trace` may keep, beside its fields, of how to write itself (see :meth:`Trace._with_json`)."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""What ``json.dumps(data, ensure_ascii=False, allow_nan=False)`` builds on every call, built once."""


def _c_encoder() -> Callable[[Any], str]:
    """``_ENCODER.encode``, calling the C encoder the json module would build for it, built once: a trace's
    compact JSON is written in some 250 pieces, and json builds that encoder afresh for each (most of a
    piece's cost). The arguments are those ``JSONEncoder.iterencode`` passes; without the C encoder (another
    Python), the encoder itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    # No circular-reference markers: the pieces are records and values read from JSON or made by the engine.
    chunks = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, False
    )

    def encode(value: Any) -> str:
        if type(value) is str:
            return json.encoder.encode_basestring(value)  # what JSONEncoder.encode does for a string
        return "".join(chunks(value, 0))

    return encode


_encode = _c_encoder()

def record_json(record: FactRecord) -> str:
    """A record's JSON as a trace's compact JSON writes it: ``json.dumps(record.to_dict(), ensure_ascii=False)``."""
    return _record_text(record)


_PIECES_KEPT = 8192
"""How many pieces of each kind :func:`_firing_head`, :func:`_absent_text` and :func:`_record_text` keep (a rule
book's rules, platforms, caveat texts and platform facts make a few thousand; more are kept again after a clearing)."""
_HEADS: dict[tuple[Any, ...], str] = {}
_ABSENT: dict[tuple[Any, ...], str] = {}
_TAILS: dict[tuple[Any, ...], str] = {}
_TAIL_FIELDS: dict[type[Any], Callable[[Any], tuple[Any, ...]]] = {
    # Every field after the id, read off the class: a field added later is part of the key, never left out of it.
    kind: operator.attrgetter(*[f.name for f in fields(kind)][1:])
    for kind in (EvidenceRecord, ExclusionRecord, CaveatRecord, PlatformRecord)
}
"""The fields, after ``id``, of the records a rule's firing asserts and of the platforms' facts: the same for every
seller the rule fires for (a caveat's text nearly always), and for every platform view holding the fact (a diverse
population brings a new view, with a few route facts of its own, for nearly every seller; the ids move with the
base each market's run numbers from). Their JSON after the id is written once and the id put in front of it."""


_KEY_TYPES = frozenset({str, int, bool, type(None)})
"""Values a kept piece is found by: equal only when their JSON is equal, told with their type (not floats: -0.0 and
0.0 are equal keys, not equal JSON)."""


def _kept(pieces: dict[tuple[Any, ...], str], key: tuple[Any, ...], text: str) -> str:
    if len(pieces) >= _PIECES_KEPT:
        pieces.clear()
    pieces[key] = text
    return text


def _firing_head(firing: Firing) -> str:
    """``json.dumps`` of a firing's ``seq``, ``rule``, ``platform`` and ``salience`` without the closing brace: the
    part after ``seq`` written once per rule and platform (a number told from ``True`` or ``1.0`` by its type)."""
    seq, rule, platform, salience = firing.seq, firing.rule, firing.platform, firing.salience
    if type(seq) is not int or type(salience) is not int or type(rule) is not str or type(platform) not in (str, type(None)):
        return _encode({"seq": seq, "rule": rule, "platform": platform, "salience": salience})[:-1]
    key = (rule, platform, salience)
    tail = _HEADS.get(key)
    if tail is None:
        head = _encode({"seq": 0, "rule": rule, "platform": platform, "salience": salience})[:-1]
        tail = _kept(_HEADS, key, head[len('{"seq": 0'):])
    return '{"seq": ' + str(seq) + tail


def _absent_text(absent: tuple[str, ...]) -> str:
    """``json.dumps`` of a firing's ``absent`` fields: a rule's branch names the same ones at every firing."""
    text = _ABSENT.get(absent)
    if text is None:
        text = _encode(list(absent))
        if all(type(name) is str for name in absent):  # (an equal tuple of other values would be written otherwise)
            _kept(_ABSENT, absent, text)
    return text


def _record_text(record: FactRecord) -> str:
    """:func:`record_json`; for the records of :data:`_TAIL_FIELDS`, the JSON after the id written once."""
    fields = _TAIL_FIELDS.get(type(record))
    fact_id = record.id
    if fields is None or type(fact_id) is not int:
        return _encode(record.to_dict())
    values = fields(record)
    types = tuple(map(type, values))
    if not _KEY_TYPES.issuperset(types):  # a list value, or a value of another class: written whole
        return _encode(record.to_dict())
    tail = _TAILS.get((type(record), values, types))  # types too: True and 1 are equal keys, not equal JSON
    head = '{"id": ' + str(fact_id)
    if tail is None:
        text = _encode(record.to_dict())
        _kept(_TAILS, (type(record), values, types), text[len(head):])
        return text
    return head + tail


_ATOMS = (str, int, float, bool, type(None))
_ATOM_TYPES = frozenset(_ATOMS)


def _firings_json(firings: Sequence[Firing], records: Callable[[Sequence[FactRecord]], list[Any]]) -> list[dict[str, Any]]:
    """The firings as JSON objects (the keys of :class:`Firing`'s declaration, in its order), each tuple of
    fact records written by ``records``: fresh copies for :meth:`Trace.to_dict`, dicts shared between their
    places for serialising."""
    out = []
    for firing in firings:
        item: dict[str, Any] = {
            "seq": firing.seq,
            "rule": firing.rule,
            "platform": firing.platform,
            "salience": firing.salience,
            "matched": records(firing.matched),
            "absent": list(firing.absent),
            "asserted": records(firing.asserted),
            "retracted": records(firing.retracted),
        }
        if firing.market is not None:
            item["market"] = firing.market
        out.append(item)
    return out


def _written(records: Sequence[FactRecord], written: dict[int, Any]) -> list[Any]:
    """The records' JSON forms for serialising: each record's dict written once per trace (``written``, by the
    record's ``id()``: every record stays alive in the trace while it is serialised), shared by its places."""
    out = []
    for record in records:
        data = written.get(id(record))
        if data is None:
            data = written[id(record)] = record.to_dict()
        out.append(data)
    return out


class _RecordCopies:
    """Fresh dicts of records for one :meth:`Trace.to_dict`: each record written once, then copied.

    Keyed by the record's ``id()``: every record stays alive in the trace for the whole call.
    A record's first place takes the dict its ``to_dict`` wrote; each further place a copy of
    it, made by what was kept for it: the dict's own ``copy`` when its values are scalars (most
    records), else a copy that copies its lists and dicts too, so no two places share anything.
    """

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written: dict[int, Callable[[], Any]] = {}

    def fresh(self, records: Sequence[FactRecord]) -> list[Any]:
        """Each record's JSON form, fresh."""
        if not records:  # most firings retract nothing
            return []
        written = self.written
        out = []
        for record in records:
            copy = written.get(id(record))
            if copy is not None:
                out.append(copy())
                continue
            kind = type(record)
            if kind is PlatformRecord or kind is SellerRecord:  # most records: one value, nearly always a scalar
                data = record.to_dict()
                if type(data["value"]) in _ATOM_TYPES:
                    written[id(record)] = data.copy
                    out.append(data)
                    continue
            out.append(self._first(record))
        return out

    def _first(self, record: FactRecord) -> Any:
        """The record's JSON form at its first place, keeping how to copy it at the next ones."""
        if isinstance(record, OtherRecord):
            # Kept as a file wrote it (any JSON value): copied whole at each place.
            data = record.data
            self.written[id(record)] = functools.partial(_copied, data)
            return _copied(data)
        data = record.to_dict()
        if _ATOM_TYPES.issuperset(map(type, data.values())):
            # Scalars only (most records): told in one call, without a Python step per value. (Not told from
            # the class: a record read from an unchecked file may hold a list where the engine writes a number.)
            self.written[id(record)] = data.copy
            return data
        nested = tuple(key for key, value in data.items() if type(value) not in _ATOM_TYPES)
        for key in nested:  # the record's own list or dict: never handed out
            data[key] = _copied(data[key])
        self.written[id(record)] = functools.partial(_nested_copy, data, nested)
        return data


def _nested_copy(data: dict[str, Any], nested: tuple[str, ...]) -> dict[str, Any]:
    """A copy of a record's dict whose ``nested`` keys hold lists or dicts, copied too."""
    out = data.copy()
    for key in nested:
        out[key] = _copied(out[key])
    return out


def _copied(value: Any) -> Any:
    """A deep copy of JSON-shaped data: what :func:`copy.deepcopy` gives for dicts, lists, tuples and
    scalars, several times faster (a trace holds thousands of them); anything else goes to deepcopy.
    Scalars inside a dict or a list are taken as they are, without a call each (most of a trace's values)."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _ATOM_TYPES else _copied(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _ATOM_TYPES else _copied(item) for item in value]
    if kind in _ATOMS:
        return value
    if kind is tuple:
        return tuple(_copied(item) for item in value)
    return copy.deepcopy(value)


def parse_trace_text(text: str, source: str | Path | None = None) -> Any:
    """Parse a trace file's JSON text, within the document limits (depth, digits, no NaN).

    :raises TraceError: naming ``source`` (and the line) when the text is not usable JSON.
    """
    try:
        return documents.parse(text, "json")
    except documents.DocumentProblem as exc:
        if isinstance(exc.problem, Msg) and exc.problem.template == documents.MALFORMED_JSON and exc.line is not None:
            problem = Msg(
                N_("not a trace: malformed JSON at line {line}: {detail}"), line=exc.line, detail=exc.problem.params["detail"]
            )
        else:
            problem = Msg(N_("not a trace: {problem}"), problem=exc.problem)
        raise TraceError(problem, path=source) from None


# ---------------------------------------------------------------- signatures

ENV_KEY = Trace.KEY_ENV
ALGORITHM = "HMAC-SHA256"
SignatureStatus = Literal["valid", "invalid", "missing", "unsigned", "not-checked"]
"""``valid``/``invalid``: checked with a key; ``missing``: a key is set but the trace is unsigned;
``unsigned``: no key and no signature; ``not-checked``: signed, but no key to check it with."""


def key_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The signing key from ``SELLEREXPERT_TRACE_KEY``, or ``None`` when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(ENV_KEY, "")
    return value.encode("utf-8") if value else None


def canonical_bytes(trace: Trace | Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the trace without ``signature``, as canonical JSON."""
    # The trace's own data, not a deep copy of it: serialising never edits it (a copy cost more than the rest of an audit).
    whole = trace._shared_dict() if isinstance(trace, Trace) else trace
    data = {key: value for key, value in whole.items() if key != "signature"}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _mac(trace: Trace | Mapping[str, Any], key: bytes | str) -> str:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw, canonical_bytes(trace), hashlib.sha256).hexdigest()


def check(trace: Trace, key: bytes | str | None) -> SignatureStatus:
    """Check a trace's signature with ``key`` (``None``: no key available)."""
    signature = trace.signature
    if key is None:
        return "not-checked" if signature else "unsigned"
    if not signature:
        return "missing"
    value = signature.get("value")
    if signature.get("algorithm") != ALGORITHM or not isinstance(value, str):
        return "invalid"
    return "valid" if hmac.compare_digest(value, _mac(trace, key)) else "invalid"
