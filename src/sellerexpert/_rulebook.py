"""The rule book: rules, platform facts, sources and the decision policy, loaded from ``rules/``.

Rule files are data (TOML or YAML), never executed. :func:`load_rulebook`
validates every file against ``schemas/rulefile-1.json``, then checks what a
schema cannot: that facts, values and sources exist, that ids are unique, and
that each rule's examples are valid profiles. Every error names the file, the
rule id and the key at fault.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jsonschema


from . import _documents
from ._conditions import (
    PLATFORM_PREFIX,
    PRESENCE_OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    dnf_size,
    facts_used,
    leaves,
    to_data,
)
from ._economics import DERIVED_PLATFORM_FACTS
from ._errors import ProfileError, RuleBookError, UnknownRuleError
from ._i18n import N_, _, model_words, use
from ._profile import FIELDS_BY_NAME, MODELS, PLATFORMS, FieldSpec, SellerProfile, closest, normalise_value

RULE_SUFFIXES = (".toml", ".yaml", ".yml")
RESERVED_RULE_IDS = ("decide",)
"""Rule ids the engine uses itself (its decision step shows in every trace as ``decide``)."""
SALIENCE_RANGE = (-1_000_000, 1_000_000)
"""The saliences a rule may have; the engine's decision step runs below this range, after every rule."""
MAX_BRANCHES = 64
"""The most alternatives (conjunctions in disjunctive normal form) one rule's condition may expand to.

The engine compiles one rule per alternative: an ``all`` of k two-way ``any``
lists is 2**k of them, so k = 20 alone would take minutes. 64 is far above
what the shipped rules use (at most a handful) and stays well below the
engine's per-rule ordering stride.
"""
ConclusionKind = Literal["evidence", "exclude", "caveat", "assume"]

TranslatedText = str | tuple[str, ...]
"""One translated text, or (for a platform fact whose value is a list of texts) one per item."""
Translations = Mapping[str, Mapping[str, TranslatedText]]
"""A rule-file object's texts in other languages: ``{"zh": {"statement": "...", ...}}``.

Rule files keep each translation next to its English (a ``zh`` table in the rule, fact or source),
so a rule and its translation are reviewed together; ``rules lint`` checks they are complete and
use the same ``{placeholders}``. A missing translation falls back to the English.
"""

_LIST_SEPARATOR = {"en": ", ", "zh": "；"}
"""How a text joins the items of a list value (``{platform.full_platform_runs}``) in each language."""


def _translated(translations: Translations, lang: str, key: str, english: str) -> str:
    if lang == "en":
        return english
    text = translations.get(lang, {}).get(key)
    return text if isinstance(text, str) and text else english


def join_items(items: tuple[str, ...] | list[str], lang: str = "en") -> str:
    """A list value as a text quotes it: ``a, b, c`` in English, ``a；b；c`` in Chinese (items may hold a 、 themselves)."""
    return _LIST_SEPARATOR.get(lang, ", ").join(str(item) for item in items)


_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


@dataclass(frozen=True)
class Source:
    """Where a piece of knowledge comes from.

    Sources with a ``paragraph`` are paragraphs of the brief the project was
    built from (cited as ¶N, always in our own words); the others are dated
    public sources.
    """

    id: str
    title: str
    summary: str
    paragraph: int | None = None
    url: str | None = None
    published: str | None = None
    confidence: str | None = None
    via: str | None = None
    translations: Translations = field(default_factory=dict, compare=False)

    def text(self, key: Literal["title", "summary"], lang: str = "en") -> str:
        """The source's ``title`` or ``summary`` in ``lang`` (the English when it has no translation)."""
        return _translated(self.translations, lang, key, getattr(self, key))

    @property
    def label(self) -> str:
        """How the source is cited in advice: ``¶2`` for the brief, else its id."""
        return f"¶{self.paragraph}" if self.paragraph is not None else self.id


@dataclass(frozen=True)
class PlatformFact:
    """One dated, sourced fact about a platform, e.g. whether semi-managed sellers set prices."""

    platform: str
    name: str
    value: Any
    as_of: str
    sources: tuple[str, ...]
    confidence: str | None = None
    note: str | None = None
    review_by: str | None = None
    """The date (``YYYY-MM-DD``) by which the fact must be re-checked."""
    translations: Translations = field(default_factory=dict, compare=False)
    """``note`` and, for a fact whose text value advice quotes, ``value``, in other languages."""

    def text(self, key: Literal["note", "value"], lang: str = "en") -> str:
        """The fact's ``note`` (or its text ``value``) in ``lang`` (the English when it has no translation).

        A list value is joined as a text quotes it (:func:`join_items`).
        """
        if key == "note":
            return _translated(self.translations, lang, key, self.note or "")
        value = self.value_in(lang)
        if isinstance(value, tuple):
            return join_items(value, lang)
        return str(value)

    def value_in(self, lang: str = "en") -> Any:
        """The value as a text quotes it in ``lang``: a translated text (or list of texts); any other value as it is.

        Conditions always read :attr:`value`; only the texts advice shows read this. A translation of a list
        must have one item per English item, else the English is used (``rules lint`` reports it).
        """
        if lang == "en":
            return self.value
        text = self.translations.get(lang, {}).get("value")
        if isinstance(self.value, str) and isinstance(text, str) and text:
            return text
        if isinstance(self.value, tuple) and isinstance(text, tuple) and len(text) == len(self.value):
            return text
        return self.value

    @property
    def is_text(self) -> bool:
        """Whether the value is prose a text may quote (words with spaces), rather than a code such as ``both`` or ``EU``.

        Prose values need a translation in every language (``rules lint`` checks it); codes never do.
        """
        items = self.value if isinstance(self.value, tuple) else (self.value,)
        return any(isinstance(item, str) and " " in item.strip() for item in items)

    def due(self, today: date) -> bool:
        """Whether the fact is past its review date on ``today`` (a fact with no review date is always due)."""
        return self.review_by is None or date.fromisoformat(self.review_by) < today


@dataclass(frozen=True)
class Change:
    """One correction to the knowledge, from the ``[[change]]`` log: what changed, when, on which sources."""

    date: str
    what: str
    sources: tuple[str, ...]
    rules: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    departs_from_seed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Platform:
    """A platform and its facts."""

    id: str
    name: str
    facts: Mapping[str, PlatformFact]
    translations: Translations = field(default_factory=dict, compare=False)

    def name_in(self, lang: str = "en") -> str:
        """The platform's name as sellers write it in ``lang`` (AliExpress is 速卖通 in Chinese)."""
        return _translated(self.translations, lang, "name", self.name)

    def fact_values(self, lang: str = "en") -> dict[str, Any]:
        """Fact values keyed the way conditions name them (``platform.<name>``), with ``id`` and ``name``.

        :param lang: the language of the values a text quotes (the name, text facts); conditions
            always read the English values.
        """
        values: dict[str, Any] = {f"{PLATFORM_PREFIX}id": self.id, f"{PLATFORM_PREFIX}name": self.name_in(lang)}
        for name, fact in self.facts.items():
            values[PLATFORM_PREFIX + name] = fact.value_in(lang)
        return values


@dataclass(frozen=True)
class Conclusion:
    """What a rule concludes when it fires.

    ``evidence`` adds ``weight`` for ``model``; ``exclude`` rules ``model`` out
    for this seller; ``caveat`` adds ``text`` the seller must see; ``assume``
    fills the unknown profile field ``fact`` with ``value``.
    """

    kind: ConclusionKind
    model: str | None = None
    weight: int | None = None
    text: str | None = None
    fact: str | None = None
    value: Any = None

    def to_data(self) -> dict[str, Any]:
        """The conclusion in rule-file shape."""
        if self.kind == "evidence":
            return {"favour": self.model, "weight": self.weight}
        if self.kind == "exclude":
            return {"exclude": self.model}
        if self.kind == "caveat":
            return {"caveat": self.text}
        return {"assume": self.fact, "value": self.value}

    def describe(self) -> str:
        """The conclusion in a few words, in the language in force."""
        if self.kind == "evidence":
            return _("favours {model} (weight {weight})").format(model=model_words(str(self.model)), weight=self.weight)
        if self.kind == "exclude":
            return _("rules out {model}").format(model=model_words(str(self.model)))
        if self.kind == "caveat":
            return _("adds a caveat")
        return _("assumes {fact} = {value}").format(fact=self.fact, value=json.dumps(self.value))


@dataclass(frozen=True)
class Example:
    """A worked example a rule ships with: a profile, and whether the rule fires on it."""

    profile: Mapping[str, Any]
    fires: bool
    platform: str | None = None
    platform_facts: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Rule:
    """One declarative rule.

    :ivar scope: ``"platform"`` rules are matched once per platform; ``"seller"``
        rules (assumptions) once per consultation.
    """

    id: str
    statement: str
    rationale: str
    sources: tuple[str, ...]
    when: Condition
    then: Conclusion
    examples: tuple[Example, ...]
    salience: int = 0
    salience_reason: str | None = None
    path: str = ""
    translations: Translations = field(default_factory=dict, compare=False)
    """The rule's texts in other languages; not part of :attr:`digest` (a translation does not change what a rule says)."""

    def text(self, key: Literal["statement", "rationale", "caveat", "salience_reason"], lang: str = "en") -> str:
        """One of the rule's texts in ``lang`` (the English when it has no translation).

        ``caveat`` is the caveat a caveat rule adds (``then.caveat`` in the file).
        """
        if key == "caveat":
            english = self.then.text or ""
        else:
            english = getattr(self, key) or ""
        return _translated(self.translations, lang, key, english)

    @property
    def scope(self) -> Literal["platform", "seller"]:
        """Whether the rule is matched per platform or once per seller."""
        return "seller" if self.then.kind == "assume" else "platform"

    @property
    def favours(self) -> str | None:
        """The model this rule's conclusion argues for, if any."""
        if self.then.kind == "evidence":
            return self.then.model
        if self.then.kind == "exclude":
            return next(m for m in MODELS if m != self.then.model)
        return None

    def to_data(self) -> dict[str, Any]:
        """The rule as written, in canonical form (used for ``rules show`` and hashing)."""
        data: dict[str, Any] = {
            "id": self.id,
            "statement": self.statement,
            "rationale": self.rationale,
            "sources": list(self.sources),
        }
        if self.salience:
            data["salience"] = self.salience
        if self.salience_reason:
            data["salience_reason"] = self.salience_reason
        data["when"] = to_data(self.when)
        data["then"] = self.then.to_data()
        data["examples"] = [
            {
                k: v
                for k, v in (
                    ("profile", dict(ex.profile)),
                    ("platform", ex.platform),
                    ("platform_facts", dict(ex.platform_facts) or None),
                    ("fires", ex.fires),
                    ("note", ex.note),
                )
                if v is not None
            }
            for ex in self.examples
        ]
        return data

    @property
    def digest(self) -> str:
        """A SHA-256 over the rule's canonical JSON: changes when what the rule says changes."""
        return hashlib.sha256(_canonical(self.to_data())).hexdigest()


@dataclass(frozen=True)
class ConfidencePolicy:
    """How confidence is derived from scores, exclusions and missing facts (see :mod:`sellerexpert._policy`)."""

    base: float
    margin_span: float
    one_excluded: float
    both_excluded: float
    unknown_floor: float
    strength_half: float = 4.0
    assumed_factor: float = 0.5
    platform_factor: Mapping[str, float] = field(default_factory=lambda: {"high": 1.0, "medium": 0.85, "low": 0.6})


@dataclass(frozen=True)
class OutcomePolicy:
    """When the advice names a third outcome (see :func:`sellerexpert._policy.outcome`)."""

    run_both_within: int = 1


@dataclass(frozen=True)
class BestPolicy:
    """What makes a platform's advice fail a need the seller cannot trade away (see :func:`sellerexpert._policy.choose_best`)."""

    decisive_caveats: tuple[str, ...] = ()
    decisive_weight: int = 4


@dataclass(frozen=True)
class Policy:
    """How evidence becomes a recommendation."""

    tie_default: str
    confidence: ConfidencePolicy
    tie_reason: str = ""
    firing_limit: int = 10_000
    outcomes: OutcomePolicy = field(default_factory=OutcomePolicy)
    best: BestPolicy = field(default_factory=BestPolicy)
    translations: Translations = field(default_factory=dict, compare=False)
    """``tie_reason`` in other languages."""

    def text(self, key: Literal["tie_reason"], lang: str = "en") -> str:
        """The policy's ``tie_reason`` in ``lang`` (the English when it has no translation)."""
        return _translated(self.translations, lang, key, self.tie_reason)


@dataclass(frozen=True)
class FileHeader:
    """A rule file's ``[meta]`` header: what the file covers and when it was last reviewed."""

    covers: str
    reviewed: str
    notes: str | None = None
    translations: Translations = field(default_factory=dict, compare=False)

    def text(self, key: Literal["covers"], lang: str = "en") -> str:
        """What the file covers, in ``lang`` (the English when it has no translation)."""
        return _translated(self.translations, lang, key, self.covers)


@dataclass(frozen=True)
class RuleBook:
    """A validated rule book: everything the engine knows, with its fingerprint."""

    directory: Path
    rules: tuple[Rule, ...]
    platforms: Mapping[str, Platform]
    sources: Mapping[str, Source]
    policy: Policy
    files: Mapping[str, str]
    """File name (relative to :attr:`directory`) to the SHA-256 of its bytes."""
    changes: tuple[Change, ...] = ()
    """The ``[[change]]`` log: corrections to the knowledge, oldest first as written."""
    headers: Mapping[str, FileHeader] = field(default_factory=dict)
    """File name to its ``[meta]`` header."""

    @cached_property
    def platform_facts_read(self) -> frozenset[str]:
        """The platform facts a rule can use: those its conditions or texts name, and ``emphasis`` (the tie-break)."""
        names = {"emphasis"}
        for rule in self.rules:
            names.update(leaf.name for leaf in leaves(rule.when) if leaf.on_platform)
            for text in (rule.statement, rule.then.text or ""):
                names.update(p.removeprefix(PLATFORM_PREFIX) for p in placeholders(text) if p.startswith(PLATFORM_PREFIX))
        return frozenset(names)

    @property
    def fingerprint(self) -> str:
        """A SHA-256 over the loaded rule files (names and contents)."""
        digest = hashlib.sha256()
        for name, file_hash in sorted(self.files.items()):
            digest.update(f"{name}\0{file_hash}\n".encode())
        return digest.hexdigest()

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id.

        :raises UnknownRuleError: naming the closest known ids.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        close = difflib.get_close_matches(rule_id, [r.id for r in self.rules], n=3)
        raise UnknownRuleError(rule_id, directory=self.directory, close=close)

    def rule_digests(self) -> dict[str, str]:
        """Rule id to the digest of what it says, to tell which rules changed between two rule books."""
        return {rule.id: rule.digest for rule in self.rules}

    def source_labels(self, source_ids: tuple[str, ...]) -> list[str]:
        """Citations for display (``¶2``, ``temu_pricing``...)."""
        return [self.sources[s].label for s in source_ids]

    def summary(self, rule_id: str, *, lang: str | None = None) -> dict[str, Any]:
        """One rule in brief, as ``rules list --format json`` and the web API's ``GET rules`` show it.

        :param lang: the language of ``statement`` and ``concludes`` (default: the language in force);
            keys and ``then`` stay as written.
        :raises UnknownRuleError: for an unknown rule id.
        """
        rule = self.rule(rule_id)
        with use(lang) as chosen:
            return {
                "id": rule.id,
                "statement": rule.text("statement", chosen),
                "sources": self.source_labels(rule.sources),
                "concludes": rule.then.describe(),
                "then": rule.then.to_data(),
                "file": rule.path,
            }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def shipped_rules_dir() -> Path:
    """Where the rule book shipped with the package lives.

    A wheel carries it as ``sellerexpert/rules``; a source checkout (or an
    editable install) reads the top-level ``rules/`` folder.
    """
    packaged = resources.files("sellerexpert") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


@cache
def _rulefile_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((resources.files("sellerexpert") / "schemas" / "rulefile-1.json").read_text("utf-8"))
    import jsonschema  # here, not at module level: only loading a rule book needs it

    validator_cls = jsonschema.validators.validator_for(schema)
    return validator_cls(schema)


def load_rulebook(
    directory: str | Path | None = None, *, duplicates: Literal["error", "skip"] = "error"
) -> RuleBook:
    """Load and validate every rule file (``*.toml``, ``*.yaml``, ``*.yml``) in ``directory``.

    :param directory: a rule pack; ``None`` for the shipped rule book.
    :param duplicates: ``"skip"`` keeps the first rule of a duplicated id and
        drops the others (for ``rules lint``, which reports every duplicate and
        still checks the rest); ``"error"`` refuses the pack.
    :raises RuleBookError: naming the file, rule id and key at fault.
    """
    folder = Path(directory) if directory is not None else shipped_rules_dir()
    if not folder.is_dir():
        raise RuleBookError("is not a folder of rule files", path=folder)
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in RULE_SUFFIXES and p.is_file())
    if not paths:
        raise RuleBookError(f"holds no rule files ({', '.join('*' + s for s in RULE_SUFFIXES)})", path=folder)

    documents: list[tuple[str, Path, dict[str, Any]]] = []
    files: dict[str, str] = {}
    for path in paths:
        name = path.name
        try:
            text = _documents.read_text(path, "rule file")
            data = _documents.parse(text, _documents.format_for(path))
        except _documents.DocumentProblem as exc:
            where = f"{path}:{exc.line}" if exc.line else str(path)
            raise RuleBookError(exc.problem, path=where) from None
        files[name] = hashlib.sha256(text.encode()).hexdigest()
        if not isinstance(data, dict):
            raise RuleBookError("a rule file must be a mapping with a 'meta' header", path=path)
        _check_schema_once(path, text, data)
        documents.append((name, path, data))

    sources: dict[str, Source] = {}
    platforms: dict[str, Platform] = {}
    policy: Policy | None = None
    for _unused, path, data in documents:
        for source_id, raw in data.get("sources", {}).items():
            if source_id in sources:
                raise RuleBookError(f"source '{source_id}' is defined twice", path=path, field="sources")
            sources[source_id] = Source(
                id=source_id, **{k: v for k, v in raw.items() if k != "zh"}, translations=_translations(raw)
            )
        if "policy" in data:
            if policy is not None:
                raise RuleBookError("the policy is defined in more than one file", path=path, field="policy")
            policy = _policy(data["policy"])
    for _unused, path, data in documents:
        for platform_id, raw in data.get("platform", {}).items():
            if platform_id in platforms:
                raise RuleBookError(f"platform '{platform_id}' is defined twice", path=path, field="platform")
            platforms[platform_id] = _platform(path, platform_id, raw, sources)
    if policy is None:
        raise RuleBookError("no file defines the [policy] table the decision needs", path=folder)
    missing = [p for p in PLATFORMS if p not in platforms]
    if missing:
        raise RuleBookError(f"no facts for platform(s) {', '.join(missing)}", path=folder, field="platform")

    platform_domains = _platform_domains(platforms)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for name, path, data in documents:
        for raw in data.get("rule", []):
            rule = _rule(path, name, raw, sources, platform_domains)
            if rule.id in seen:
                if duplicates == "skip":
                    continue
                raise RuleBookError(
                    f"duplicate rule id (first defined in {seen[rule.id].name})", path=path, rule_id=rule.id, field="id"
                )
            seen[rule.id] = path
            rules.append(rule)
    if not rules:
        raise RuleBookError("holds no rules", path=folder)
    changes = _changes(documents, sources)
    headers = {
        name: FileHeader(
            covers=" ".join(data["meta"]["covers"].split()),
            reviewed=data["meta"]["reviewed"],
            notes=data["meta"].get("notes"),
            translations=_translations(data["meta"]),
        )
        for name, _unused, data in documents
    }
    return RuleBook(
        directory=folder,
        rules=tuple(rules),
        platforms=platforms,
        sources=sources,
        policy=policy,
        files=files,
        changes=changes,
        headers=headers,
    )


def _cache_dir() -> Path | None:
    """Where sellerexpert remembers checks it need not repeat; ``None`` when caching is off.

    ``SELLEREXPERT_CACHE_DIR`` chooses the folder (empty: no cache); otherwise
    ``$XDG_CACHE_HOME/sellerexpert`` or ``~/.cache/sellerexpert``.
    """
    chosen = os.environ.get("SELLEREXPERT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sellerexpert"


def _check_schema_once(path: Path, text: str, data: dict[str, Any]) -> None:
    """Check a rule file against the schema, unless these exact bytes already passed this exact schema.

    Importing and building a JSON Schema validator costs more than the rest of a
    consultation; like a ``.pyc`` file, a marker named by the SHA-256 of schema and
    file text remembers a pass. Only passes are remembered, so an error is always
    reported in full, and any edit to the file or the schema changes the name.
    """
    folder = _cache_dir()
    marker = None
    if folder is not None:
        schema_text = (resources.files("sellerexpert") / "schemas" / "rulefile-1.json").read_bytes()
        digest = hashlib.sha256(schema_text + b"\0" + text.encode()).hexdigest()
        marker = folder / "rulefile-ok" / digest
        if marker.is_file():
            return
    _check_schema(path, data)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only home or cache folder: check every time, as before
            pass


def _changes(documents: list[tuple[str, Path, dict[str, Any]]], sources: Mapping[str, Source]) -> tuple[Change, ...]:
    """The change log, with every source it cites checked to exist.

    The rules and facts it names are checked by ``rules lint`` (``change-log``), not here: a
    trimmed copy of the rule book may drop a rule its log still mentions.
    """
    out: list[Change] = []
    for _unused, path, data in documents:
        for number, raw in enumerate(data.get("change", []), start=1):
            key = f"change[{number}]"
            _check_sources(path, raw["sources"], sources, rule_id=None, key=f"{key}.sources")
            out.append(
                Change(
                    date=raw["date"],
                    what=" ".join(raw["what"].split()),
                    sources=tuple(raw["sources"]),
                    rules=tuple(raw.get("rules", [])),
                    facts=tuple(raw.get("facts", [])),
                    departs_from_seed=tuple(raw.get("departs_from_seed", [])),
                )
            )
    return tuple(out)


def _check_schema(path: Path, data: dict[str, Any]) -> None:
    validator = _rulefile_validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    import jsonschema

    error = jsonschema.exceptions.best_match(errors)
    where = list(error.absolute_path)
    rule_id = None
    if len(where) >= 2 and where[0] == "rule" and isinstance(where[1], int):
        raw = data["rule"][where[1]]
        rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{where[1] + 1}"
        where = where[2:]
    field_path = ".".join(str(part) for part in where) or None
    raise RuleBookError(_schema_message(error), path=path, rule_id=rule_id, field=field_path)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator in ("minimum", "maximum") and list(error.absolute_path)[-1:] == ["salience"]:
        low, high = SALIENCE_RANGE
        return (
            f"salience {error.instance} is outside {low}..{high}: the decision step must run after every rule, "
            "so a rule cannot be ordered below it"
        )
    if error.validator == "pattern" and error.schema.get("pattern") == "\\S":
        return _("is blank: write the text, or leave the key out")
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if error.validator == "additionalProperties":
        return str(error.message)
    if error.validator == "oneOf":
        return (
            "does not match any allowed shape: a condition is {all=[...]}, {any=[...]}, {not=...} or "
            "{fact, op, value}; a conclusion is {favour, weight}, {exclude}, {caveat} or {assume, value}"
        )
    message: str = error.message
    # jsonschema quotes the whole offending value; a rule file may hold a megabyte of it.
    return message if len(message) <= 300 else message[:297] + "..."


def _policy(raw: dict[str, Any]) -> Policy:
    best = raw.get("best", {})
    return Policy(
        tie_default=raw["tie_default"],
        tie_reason=" ".join(raw.get("tie_reason", "").split()),
        confidence=ConfidencePolicy(**raw["confidence"]),
        firing_limit=raw.get("firing_limit", 10_000),
        outcomes=OutcomePolicy(**raw.get("outcomes", {})),
        best=BestPolicy(
            decisive_caveats=tuple(best.get("decisive_caveats", ())),
            **({"decisive_weight": best["decisive_weight"]} if "decisive_weight" in best else {}),
        ),
        translations=_translations(raw),
    )


def _check_sources(path: Path, ids: list[str], sources: Mapping[str, Source], *, rule_id: str | None, key: str) -> None:
    for source_id in ids:
        if source_id not in sources:
            close = closest(source_id, list(sources))
            hint = f" - did you mean '{close}'?" if close else ""
            raise RuleBookError(f"unknown source '{source_id}'{hint}", path=path, rule_id=rule_id, field=key)


def _platform(path: Path, platform_id: str, raw: dict[str, Any], sources: Mapping[str, Source]) -> Platform:
    if platform_id not in PLATFORMS:
        raise RuleBookError(
            f"unknown platform '{platform_id}' (allowed: {', '.join(PLATFORMS)})", path=path, field="platform"
        )
    facts: dict[str, PlatformFact] = {}
    for name, fact in sorted(raw["facts"].items()):
        if name in ("id", "name"):
            raise RuleBookError(f"'{name}' is reserved", path=path, field=f"platform.{platform_id}.facts.{name}")
        if name in DERIVED_PLATFORM_FACTS:
            raise RuleBookError(
                f"'{name}' is computed from the seller's economics for each consultation; it cannot be set here",
                path=path,
                field=f"platform.{platform_id}.facts.{name}",
            )
        _check_sources(path, fact["sources"], sources, rule_id=None, key=f"platform.{platform_id}.facts.{name}.sources")
        value = fact["value"]
        facts[name] = PlatformFact(
            platform=platform_id,
            name=name,
            value=tuple(value) if isinstance(value, list) else value,
            as_of=fact["as_of"],
            sources=tuple(fact["sources"]),
            confidence=fact.get("confidence"),
            note=fact.get("note"),
            review_by=fact.get("review_by"),
            translations=_translations(fact),
        )
    return Platform(id=platform_id, name=raw["name"], facts=facts, translations=_translations(raw))


def _platform_domains(platforms: Mapping[str, Platform]) -> dict[str, type]:
    """The value type of each platform fact, checked to agree across platforms.

    The margin facts are known names without values here: the advisor computes them per consultation
    from the seller's economics (:data:`sellerexpert._economics.DERIVED_PLATFORM_FACTS`).
    """
    domains: dict[str, type] = {"id": str, "name": str, **DERIVED_PLATFORM_FACTS}
    for platform in platforms.values():
        for name, fact in platform.facts.items():
            kind = type(fact.value)
            if name in domains and domains[name] is not kind:
                raise RuleBookError(
                    f"is a {kind.__name__} on {platform.id} but a {domains[name].__name__} elsewhere",
                    field=f"platform.{platform.id}.facts.{name}",
                )
            domains[name] = kind
    return domains


def _condition(raw: Any) -> Condition:
    if "all" in raw:
        return AllOf(tuple(_condition(item) for item in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_condition(item) for item in raw["any"]))
    if "not" in raw:
        return NotOf(_condition(raw["not"]))
    value = raw.get("value")
    return Leaf(raw["fact"], raw["op"], tuple(value) if isinstance(value, list) else value, bool(raw.get("given", False)))


def _check_leaf(leaf: Leaf, platform_domains: Mapping[str, type], where: dict[str, Any]) -> None:
    def fail(problem: str) -> None:
        raise RuleBookError(problem, **where)

    if leaf.op in PRESENCE_OPERATORS:
        if leaf.value is not None:
            fail(f"'{leaf.op}' takes no value (fact {leaf.fact})")
    elif leaf.value is None:
        fail(f"'{leaf.op}' needs a value (fact {leaf.fact})")
    if leaf.given and leaf.on_platform:
        fail(f"'given' is about what the seller said: {leaf.fact} is a platform fact")
    if leaf.on_platform:
        kind = platform_domains.get(leaf.name)
        if kind is None:
            fail(f"unknown platform fact '{leaf.fact}' (known: {', '.join(sorted(platform_domains))})")
        if leaf.op in PRESENCE_OPERATORS:
            return
        if leaf.op in ("contains", "intersects"):
            if kind is not tuple:
                fail(f"'{leaf.op}' needs a list fact, but {leaf.fact} is a {kind.__name__}")  # type: ignore[union-attr]
            return
        values = leaf.value if leaf.op in ("in", "not_in") else (leaf.value,)
        if leaf.op in ("in", "not_in") and not isinstance(leaf.value, tuple):
            fail(f"'{leaf.op}' needs a list of values")
        for value in values:
            if type(value) is not kind:
                fail(f"{leaf.fact} holds {kind.__name__} values, not {json.dumps(value)}")  # type: ignore[union-attr]
        return
    spec = FIELDS_BY_NAME.get(leaf.fact)
    if spec is None:
        close = closest(leaf.fact, list(FIELDS_BY_NAME))
        if leaf.fact == "platform" or leaf.fact.startswith("platform_"):
            close = None  # "platform" alone is the prefix of a platform fact, not a misspelt 'platforms'
        hint = f" - did you mean '{close}'?" if close else ""
        fail(f"unknown fact '{leaf.fact}'{hint} (profile fields, or platform.<fact>)")
        return
    if spec.kind in ("text", "platforms"):
        # The engine never reasons over these two: the rule would load and never fire.
        fail(f"rules cannot read '{spec.name}' ({spec.meaning}): it is not a fact the advice rests on")
    if leaf.op in PRESENCE_OPERATORS:
        return
    _check_field_values(leaf, spec, fail)


def _check_field_values(leaf: Leaf, spec: FieldSpec, fail: Any) -> None:
    list_kind = spec.kind in ("platforms", "markets")
    if leaf.op in ("contains", "intersects"):
        if not list_kind:
            fail(f"'{leaf.op}' needs a list field, but {spec.name} holds one value")
        values = leaf.value if leaf.op == "intersects" else (leaf.value,)
        if leaf.op == "intersects" and not isinstance(leaf.value, tuple):
            fail("'intersects' needs a list of values")
        item_spec = FieldSpec(spec.name, spec.kind, spec.meaning, spec.question)
        for value in values:
            try:
                canonical = normalise_value(item_spec, [value])
            except ProfileError as exc:
                fail(f"value {json.dumps(value)} can never match: {exc.problem}")
            else:
                if canonical != (value,):  # "USA" is a market, but a profile holds it as "US"
                    fail(f"write {json.dumps(canonical[0])} rather than {json.dumps(value)} (allowed: {spec.allowed_text})")  # type: ignore[index]
        return
    if list_kind:
        fail(f"{spec.name} is a list: use 'contains', 'intersects', 'absent' or 'present'")
    if leaf.op in ("lt", "le", "gt", "ge") and spec.kind != "count":
        fail(f"'{leaf.op}' needs a number field, but {spec.name} is not one")
    if leaf.op in ("in", "not_in"):
        if not isinstance(leaf.value, tuple):
            fail(f"'{leaf.op}' needs a list of values")
        values = leaf.value
    else:
        values = (leaf.value,)
    for value in values:
        try:
            canonical = normalise_value(spec, value)
        except ProfileError as exc:
            fail(f"value {json.dumps(value)} can never match: {exc.problem} (allowed: {spec.allowed_text})")
        else:
            if canonical != value or type(canonical) is not type(value):
                fail(f"write {json.dumps(canonical)} rather than {json.dumps(value)} (allowed: {spec.allowed_text})")


def _check_template(text: str, platform_domains: Mapping[str, type], where: dict[str, Any], key: str) -> None:
    for name in placeholders(text):
        known = (
            name[len(PLATFORM_PREFIX) :] in platform_domains if name.startswith(PLATFORM_PREFIX) else name in FIELDS_BY_NAME
        )
        if not known:
            raise RuleBookError(_("unknown placeholder {{{name}}}").format(name=name), **{**where, "field": key})


def _rule(
    path: Path,
    file_name: str,
    raw: dict[str, Any],
    sources: Mapping[str, Source],
    platform_domains: Mapping[str, type],
) -> Rule:
    rule_id = raw["id"]
    where: dict[str, Any] = {"path": path, "rule_id": rule_id}
    if rule_id in RESERVED_RULE_IDS:
        raise RuleBookError("this id is reserved for the engine's decision step: choose another", **where, field="id")
    _check_sources(path, raw["sources"], sources, rule_id=rule_id, key="sources")
    when = _condition(raw["when"])
    branches = dnf_size(when)
    if branches > MAX_BRANCHES:
        shown = f"{branches:,}" if branches < 10**15 else f"about 10^{len(str(branches)) - 1}"
        raise RuleBookError(
            f"the condition expands to {shown} alternatives (at most {MAX_BRANCHES}): "
            "split the rule, or move 'any' lists out of 'all'",
            **where,
            field="when",
        )
    for leaf in leaves(when):
        _check_leaf(leaf, platform_domains, {**where, "field": "when"})
    then_raw = raw["then"]
    if "favour" in then_raw:
        then = Conclusion("evidence", model=then_raw["favour"], weight=then_raw["weight"])
    elif "exclude" in then_raw:
        then = Conclusion("exclude", model=then_raw["exclude"])
    elif "caveat" in then_raw:
        then = Conclusion("caveat", text=then_raw["caveat"].strip())
        _check_template(then.text or "", platform_domains, where, "then.caveat")
    else:
        spec = FIELDS_BY_NAME.get(then_raw["assume"])
        if spec is None or spec.kind in ("text", "platforms"):
            raise RuleBookError(
                f"cannot assume '{then_raw['assume']}': not an assumable profile field", **where, field="then.assume"
            )
        try:
            value = normalise_value(spec, then_raw["value"])
        except ProfileError as exc:
            raise RuleBookError(f"{exc.problem} (allowed: {spec.allowed_text})", **where, field="then.value") from None
        then = Conclusion("assume", fact=spec.name, value=list(value) if isinstance(value, tuple) else value)
        if any(f.startswith(PLATFORM_PREFIX) for f in facts_used(when)):
            raise RuleBookError(
                "an assumption is about the seller: its condition cannot read platform facts", **where, field="when"
            )
    _check_template(raw["statement"], platform_domains, where, "statement")
    translations = _translations(raw)
    for lang, texts in translations.items():
        # A translation is shown in place of the English, so its placeholders must be ones the English could use.
        for key, text in texts.items():
            if isinstance(text, str):
                _check_template(text, platform_domains, where, f"{lang}.{key}")
    examples = []
    for number, ex in enumerate(raw["examples"], start=1):
        key = f"examples[{number}]"
        try:
            SellerProfile.from_dict(ex["profile"])
        except ProfileError as exc:
            raise RuleBookError(f"profile is not valid: {exc}", **where, field=key) from None
        platform = ex.get("platform")
        if platform is not None and platform not in PLATFORMS:
            raise RuleBookError(f"unknown platform '{platform}' (allowed: {', '.join(PLATFORMS)})", **where, field=key)
        for name in ex.get("platform_facts", {}):
            if name not in platform_domains:
                raise RuleBookError(f"unknown platform fact '{name}'", **where, field=key)
        examples.append(
            Example(
                profile=ex["profile"],
                fires=ex["fires"],
                platform=platform,
                platform_facts=ex.get("platform_facts", {}),
                note=ex.get("note"),
            )
        )
    return Rule(
        id=rule_id,
        statement=" ".join(raw["statement"].split()),
        rationale=" ".join(raw["rationale"].split()),
        sources=tuple(raw["sources"]),
        when=when,
        then=then,
        examples=tuple(examples),
        salience=raw.get("salience", 0),
        salience_reason=raw.get("salience_reason"),
        path=file_name,
        translations=translations,
    )


def _translations(raw: Mapping[str, Any]) -> Translations:
    """The ``zh`` (and any other language's) table of a rule-file object, runs of whitespace collapsed as in the English.

    A list (a list-valued fact's ``value``) keeps one text per item.
    """
    from ._i18n import LANGS

    def collapse(text: Any) -> TranslatedText:
        if isinstance(text, list):
            return tuple(" ".join(str(item).split()) for item in text)
        return " ".join(str(text).split())

    return {
        lang: {key: collapse(text) for key, text in raw[lang].items()}
        for lang in LANGS
        if lang != "en" and isinstance(raw.get(lang), Mapping)
    }


def placeholders(template: str) -> list[str]:
    """The ``{name}`` placeholders a text uses, in order."""
    return _PLACEHOLDER.findall(template)


def render(template: str, facts: Mapping[str, Any], *, lang: str = "en") -> str:
    """Fill ``{field}`` and ``{platform.fact}`` placeholders from known facts (lists joined with commas).

    Only plain names are substituted: no attribute access, no expressions.

    :param lang: the language of the text: lists are joined, and yes, no and unknown written, as it
        writes them (pass the facts of :meth:`Platform.fact_values` in the same language).
    """
    words = {True: N_("yes"), False: N_("no"), None: N_("unknown")}

    def word(key: bool | None) -> str:
        if lang == "en":
            return words[key]
        with use(lang):
            return _(words[key])

    def fill(match: re.Match[str]) -> str:
        value = facts.get(match.group(1))
        if value is None:
            return word(None)
        if isinstance(value, (list, tuple)):
            return join_items(value, lang)
        if isinstance(value, bool):
            return word(value)
        return str(value)

    if lang != "zh":
        return _PLACEHOLDER.sub(fill, template)
    # Chinese sets Latin words apart with a space ("{platform.name} 半托管" reads "Temu 半托管") but not
    # Chinese ones ("速卖通半托管"): the space a translation writes beside a placeholder is dropped where
    # the value and the text next to it are both Chinese. \x01 and \x02 mark each value's ends meanwhile.
    marked = _PLACEHOLDER.sub(lambda m: "\x01" + fill(m).replace("\x01", "").replace("\x02", "") + "\x02", template)
    marked = _CJK_SPACE_BEFORE.sub("\\1\x01\\2", marked)
    marked = _CJK_SPACE_AFTER.sub("\\1\x02\\2", marked)
    return marked.replace("\x01", "").replace("\x02", "")


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE_BEFORE = re.compile(f"([{_CJK}]) \x01([{_CJK}])")
_CJK_SPACE_AFTER = re.compile(f"([{_CJK}])\x02 ([{_CJK}])")
