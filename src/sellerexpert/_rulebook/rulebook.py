"""The rule book's records: rules, platform facts, sources, the change log and the decision policy.

Frozen dataclasses, each with its texts in other languages (``translations``) and the English as
the fallback; :class:`RuleBook` holds one validated rule book with its fingerprint. Reading and
checking rule files is :mod:`sellerexpert._rulebook.loader`'s job (with
:mod:`sellerexpert._rulebook.checks`); a record here is always built from a checked file.

May import: :mod:`sellerexpert._profile.conditions`, :mod:`sellerexpert._errors`, :mod:`sellerexpert._i18n`,
:mod:`sellerexpert._profile.profile` and :mod:`sellerexpert._rulebook.templates`; never the loader, the checks or
an engine.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from .._errors import UnknownRuleError
from .._i18n import _, model_words, translated
from .._language import use
from .._profile.conditions import PLATFORM_PREFIX, Condition, leaves, to_data
from .._profile.profile import MODELS
from .cost_tables import CostTables
from .routes import Market, Presence, Route
from .templates import join_items, placeholders

SALIENCE_RANGE = (-1_000_000, 1_000_000)
"""The saliences a rule may have; the engine's decision step runs below this range, after every rule."""
ConclusionKind = Literal["evidence", "exclude", "caveat", "assume"]

TranslatedText = str | tuple[str, ...]
"""One translated text, or (for a platform fact whose value is a list of texts) one per item."""
Translations = Mapping[str, Mapping[str, TranslatedText]]
"""A rule-file object's texts in other languages: ``{"zh": {"statement": "...", ...}}``.

Rule files keep each translation next to its English (a ``zh`` table in the rule, fact or source),
so a rule and its translation are reviewed together; ``rules lint`` checks they are complete and
use the same ``{placeholders}``. A missing translation falls back to the English.
"""


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
        return translated(self.translations, lang, key, getattr(self, key))

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
            return translated(self.translations, lang, key, self.note or "")
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
    retired: tuple[str, ...] = ()
    """Rules this change removed from the rule book (earlier changes may still name them)."""


@dataclass(frozen=True)
class Platform:
    """A platform and its facts."""

    id: str
    name: str
    facts: Mapping[str, PlatformFact]
    translations: Translations = field(default_factory=dict, compare=False)

    def name_in(self, lang: str = "en") -> str:
        """The platform's name as sellers write it in ``lang`` (AliExpress is 速卖通 in Chinese)."""
        return translated(self.translations, lang, "name", self.name)

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
        return translated(self.translations, lang, key, english)

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

    @cached_property
    def digest(self) -> str:
        """A SHA-256 over the rule's canonical JSON: changes when what the rule says changes.

        Worked out once per rule (the rule is frozen): an audit compares every trace's digests with it.
        """
        return hashlib.sha256(_canonical(self.to_data())).hexdigest()


@dataclass(frozen=True)
class ConfidencePolicy:
    """How confidence is derived from scores, exclusions and missing facts (see :mod:`sellerexpert._engine.policy`)."""

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
    """When the advice names a third outcome (see :func:`sellerexpert._engine.policy.outcome`)."""

    run_both_within: int = 1


@dataclass(frozen=True)
class BestPolicy:
    """What makes a platform's advice fail a need the seller cannot trade away (see
    :func:`sellerexpert._engine.policy.choose_best`)."""

    decisive_caveats: tuple[str, ...] = ()
    decisive_weight: int = 4


@dataclass(frozen=True)
class RoutePolicy:
    """Caps on the confidence of a market's advice where the routes leave it unsure (see :mod:`sellerexpert._rulebook.routes`).

    :ivar unknown_market: a market the rule book has no route facts for.
    :ivar weak_market: a market where the platform barely features.
    :ivar unsure_route: a market whose recommended route hangs on an unanswered eligibility question.
    """

    unknown_market: float = 0.35
    weak_market: float = 0.5
    unsure_route: float = 0.6
    own_store: float = 0.8
    """Where both managed models are closed but the seller's own store is open, how sure that route is (before the caps)."""


@dataclass(frozen=True)
class OwnNumbersPolicy:
    """When the seller's own numbers decide the model (see :func:`sellerexpert._engine.policy.decide`).

    :ivar decides_at_gap_pct: the other model leaves at least this share (in %) less of the larger
        monthly contribution: the better-paying model is recommended while its route is open.
    """

    decides_at_gap_pct: float = 25.0


@dataclass(frozen=True)
class Policy:
    """How evidence becomes a recommendation."""

    tie_default: str
    confidence: ConfidencePolicy
    tie_reason: str = ""
    firing_limit: int = 10_000
    outcomes: OutcomePolicy = field(default_factory=OutcomePolicy)
    best: BestPolicy = field(default_factory=BestPolicy)
    routes: RoutePolicy = field(default_factory=RoutePolicy)
    own_numbers: OwnNumbersPolicy = field(default_factory=OwnNumbersPolicy)
    translations: Translations = field(default_factory=dict, compare=False)
    """``tie_reason`` in other languages."""

    def text(self, key: Literal["tie_reason"], lang: str = "en") -> str:
        """The policy's ``tie_reason`` in ``lang`` (the English when it has no translation)."""
        return translated(self.translations, lang, key, self.tie_reason)


@dataclass(frozen=True)
class FileHeader:
    """A rule file's ``[meta]`` header: what the file covers and when it was last reviewed."""

    covers: str
    reviewed: str
    notes: str | None = None
    translations: Translations = field(default_factory=dict, compare=False)

    def text(self, key: Literal["covers"], lang: str = "en") -> str:
        """What the file covers, in ``lang`` (the English when it has no translation)."""
        return translated(self.translations, lang, key, self.covers)


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
    routes: tuple[Route, ...] = ()
    """Every platform's routes, in file order (see :mod:`sellerexpert._rulebook.routes`)."""
    costs: CostTables = field(default_factory=CostTables)
    """The dated customs, route terms and fee tables a landed cost is estimated from (see
    :mod:`sellerexpert._rulebook.cost_tables`)."""
    presence: Mapping[tuple[str, str], Presence] = field(default_factory=dict)
    """Where each platform sells: (platform, market) to its status."""
    markets: Mapping[str, Market] = field(default_factory=dict)
    """Markets the routes name, with their names in each language."""

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

    def source_titles(self, lang: str = "en") -> dict[str, str]:
        """Every source's title in ``lang``, by source id (how a report names an estimate's sources)."""
        return {key: source.text("title", lang) for key, source in self.sources.items()}

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
