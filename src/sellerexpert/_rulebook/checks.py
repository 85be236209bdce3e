"""Checks on a rule book that its schema cannot make: sources, platform facts, conditions, conclusions, templates.

The loader (:mod:`sellerexpert._rulebook.loader`) calls these while it builds the records, in the
order it reads a rule, so the first error a rule has is the one reported. Each check raises
:class:`~sellerexpert._errors.RuleBookError` naming the file, the rule id and the key at fault;
none builds a record.

May import: :mod:`sellerexpert._profile.conditions`, :mod:`sellerexpert._economics.margins` (the names of the
computed platform facts), :mod:`sellerexpert._errors`, :mod:`sellerexpert._i18n`,
:mod:`sellerexpert._profile.profile`, :mod:`sellerexpert._rulebook.templates` and the records of
:mod:`sellerexpert._rulebook.rulebook`; never the loader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import ProfileError, RuleBookError
from .._i18n import _
from .._profile.conditions import PLATFORM_PREFIX, PRESENCE_OPERATORS, Condition, Leaf, dnf_size, facts_used, leaves, magnitude
from .._profile.economics import DERIVED_PLATFORM_FACTS
from .._profile.profile import FIELDS_BY_NAME, PLATFORMS, FieldSpec, SellerProfile, closest, normalise_value
from .routes import ROUTE_FACT_TYPES
from .rulebook import Platform, Source
from .templates import placeholders

RESERVED_RULE_IDS = ("decide",)
"""Rule ids the engine uses itself (its decision step shows in every trace as ``decide``)."""
MAX_BRANCHES = 64
"""The most alternatives (conjunctions in disjunctive normal form) one rule's condition may expand to.

The engine compiles one rule per alternative: an ``all`` of k two-way ``any``
lists is 2**k of them, so k = 20 alone would take minutes. 64 is far above
what the shipped rules use (at most a handful) and stays well below the
engine's per-rule ordering stride.
"""


def check_sources(path: Path, ids: list[str], sources: Mapping[str, Source], *, rule_id: str | None, key: str) -> None:
    """Check that every source id cited is defined (a misspelt one gets a "did you mean")."""
    for source_id in ids:
        if source_id not in sources:
            close = closest(source_id, list(sources))
            hint = f" - did you mean '{close}'?" if close else ""
            raise RuleBookError(f"unknown source '{source_id}'{hint}", path=path, rule_id=rule_id, field=key)


def platform_domains(platforms: Mapping[str, Platform]) -> dict[str, type]:
    """The value type of each platform fact, checked to agree across platforms.

    The margin facts are known names without values here: the advisor computes them per consultation
    from the seller's economics (:data:`sellerexpert._profile.economics.DERIVED_PLATFORM_FACTS`).
    """
    domains: dict[str, type] = {"id": str, "name": str, **DERIVED_PLATFORM_FACTS, **ROUTE_FACT_TYPES}
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


def check_platform(path: Path, platform_id: str) -> None:
    """Check that ``platform_id`` (a ``[platform.<id>]`` table) is a platform the advice knows."""
    if platform_id not in PLATFORMS:
        raise RuleBookError(
            f"unknown platform '{platform_id}' (allowed: {', '.join(PLATFORMS)})", path=path, field="platform"
        )


def check_platform_fact(path: Path, platform_id: str, name: str, fact_sources: list[str], sources: Mapping[str, Source]) -> None:
    """Check one platform fact's name (not reserved, not computed per consultation) and its sources."""
    if name in ("id", "name"):
        raise RuleBookError(f"'{name}' is reserved", path=path, field=f"platform.{platform_id}.facts.{name}")
    if name in ROUTE_FACT_TYPES:
        raise RuleBookError(
            f"'{name}' is computed from the routes (routes.toml) for each market of a consultation; it cannot be set here",
            path=path,
            field=f"platform.{platform_id}.facts.{name}",
        )
    if name in DERIVED_PLATFORM_FACTS:
        raise RuleBookError(
            f"'{name}' is computed from the seller's economics for each consultation; it cannot be set here",
            path=path,
            field=f"platform.{platform_id}.facts.{name}",
        )
    check_sources(path, fact_sources, sources, rule_id=None, key=f"platform.{platform_id}.facts.{name}.sources")


_RULE_ID = re.compile(r"[a-z][a-z0-9_]*")


def check_rule_id(rule_id: str, where: dict[str, Any]) -> None:
    """Check that a rule's id is snake_case, whole (``"fee_high\\n"`` is not), and not one the engine keeps for itself."""
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise RuleBookError(
            f"{rule_id!r} is not a rule id (allowed: snake_case, a lowercase letter then lowercase letters, digits or _)",
            **where,
            field="id",
        )
    if rule_id in RESERVED_RULE_IDS:
        raise RuleBookError("this id is reserved for the engine's decision step: choose another", **where, field="id")


def check_condition(when: Condition, domains: Mapping[str, type], where: dict[str, Any]) -> None:
    """Check a rule's condition: few enough alternatives to compile, and every leaf a fact and value that can match.

    :param domains: the value type of each platform fact (:func:`platform_domains`).
    """
    branches = dnf_size(when)
    if branches > MAX_BRANCHES:
        shown = f"{branches:,}" if branches < 10**15 else f"about 10^{magnitude(branches)}"
        raise RuleBookError(
            f"the condition expands to {shown} alternatives (at most {MAX_BRANCHES}): "
            "split the rule, or move 'any' lists out of 'all'",
            **where,
            field="when",
        )
    for leaf in leaves(when):
        _check_leaf(leaf, domains, {**where, "field": "when"})


def check_assumption(then_raw: Mapping[str, Any], when: Condition, where: dict[str, Any]) -> tuple[str, Any]:
    """Check an ``assume`` conclusion; return the field it fills and the value in its canonical form.

    An assumption is about the seller, so its condition cannot read platform facts.
    """
    spec = FIELDS_BY_NAME.get(then_raw["assume"])
    if spec is None or spec.kind in ("text", "platforms"):
        raise RuleBookError(
            f"cannot assume '{then_raw['assume']}': not an assumable profile field", **where, field="then.assume"
        )
    try:
        value = normalise_value(spec, then_raw["value"])
    except ProfileError as exc:
        raise RuleBookError(f"{exc.problem} (allowed: {spec.allowed_text})", **where, field="then.value") from None
    if any(f.startswith(PLATFORM_PREFIX) for f in facts_used(when)):
        raise RuleBookError(
            "an assumption is about the seller: its condition cannot read platform facts", **where, field="when"
        )
    return spec.name, value


def check_translations(
    translations: Mapping[str, Mapping[str, Any]], domains: Mapping[str, type], where: dict[str, Any]
) -> None:
    """Check the placeholders of a rule's translated texts."""
    for lang, texts in translations.items():
        # A translation is shown in place of the English, so its placeholders must be ones the English could use.
        for key, text in texts.items():
            if isinstance(text, str):
                check_template(text, domains, where, f"{lang}.{key}")


def check_example(example: Mapping[str, Any], domains: Mapping[str, type], where: dict[str, Any], key: str) -> None:
    """Check one of a rule's worked examples: a valid profile, a known platform, known platform facts."""
    try:
        SellerProfile.from_dict(example["profile"])
    except ProfileError as exc:
        raise RuleBookError(f"profile is not valid: {exc}", **where, field=key) from None
    platform = example.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise RuleBookError(f"unknown platform '{platform}' (allowed: {', '.join(PLATFORMS)})", **where, field=key)
    for name in example.get("platform_facts", {}):
        if name not in domains:
            raise RuleBookError(f"unknown platform fact '{name}'", **where, field=key)


def _check_leaf(leaf: Leaf, domains: Mapping[str, type], where: dict[str, Any]) -> None:
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
        kind = domains.get(leaf.name)
        if kind is None:
            fail(f"unknown platform fact '{leaf.fact}' (known: {', '.join(sorted(domains))})")
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


def check_template(text: str, domains: Mapping[str, type], where: dict[str, Any], key: str) -> None:
    for name in placeholders(text):
        known = (
            name[len(PLATFORM_PREFIX) :] in domains if name.startswith(PLATFORM_PREFIX) else name in FIELDS_BY_NAME
        )
        if not known:
            raise RuleBookError(_("unknown placeholder {{{name}}}").format(name=name), **{**where, "field": key})
